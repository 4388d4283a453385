"""lergan.explore sits above lergan.system: nothing below imports it, and loading the
command line imports neither Dask nor matplotlib nor pyarrow (``lergan --help`` stays fast)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "lergan"
BELOW = ("zerofree", "workload", "hardware", "mapping", "system", "baselines", "emulate")


def test_nothing_below_imports_explore():
    pattern = re.compile(r"^\s*(from|import)\s+lergan\.explore", re.M)
    offenders = [str(p.relative_to(SRC)) for pkg in BELOW if (SRC / pkg).is_dir()
                 for p in (SRC / pkg).rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


def test_cli_import_stays_light():
    code = ("import sys, lergan.cli; print(sorted(m for m in ('dask', 'distributed', "
            "'matplotlib', 'pyarrow', 'lergan.explore') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(SRC.parent)})
    assert out.stdout.strip() == "[]"
