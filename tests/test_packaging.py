"""The wheel carries every data file: built from this checkout, installed into a bare
target directory, it loads every preset and every suite GAN."""

from __future__ import annotations

import importlib.machinery
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "lergan"

LOAD_EVERYTHING = """
import sys
import lergan
from lergan.hardware import list_presets, load_preset
from lergan.workload import suite

assert lergan.__file__.startswith(sys.argv[1]), lergan.__file__
presets = list_presets()
for name in presets:
    load_preset(name)
for name in suite.names():
    suite.get(name)
print(len(presets), len(suite.names()))
"""


def build_output(p: Path) -> bool:
    """A file an install compiled into the tree (``setup.py``): compiled modules and their
    manifest, which a build writes, never copies."""
    return p.name == "_compiled.json" or any(
        p.name.endswith(s) for s in importlib.machinery.EXTENSION_SUFFIXES)


def data_files() -> set[str]:
    """Every file of the package that is not Python source, as a path inside the wheel."""
    return {
        p.relative_to(PACKAGE.parent).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
        and not build_output(p)
    }


@pytest.mark.slow
def test_wheel_installs_with_every_data_file(tmp_path):
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # pure Python (nothing compiled: quick, and what an install without Cython gets)
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(ROOT)], check=True, cwd=tmp_path,
                   env={**os.environ, "LERGAN_PURE_PYTHON": "1"})
    (wheel,) = (tmp_path / "dist").glob("lergan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = data_files() - names
    assert not missing, f"package-data misses {sorted(missing)}"
    # no compiled module nor manifest of the checkout's own build copied in
    copied = [n for n in names if build_output(Path(n))]
    assert not copied, f"{copied} in a pure wheel (left in build/lib by an older build?)"
    assert "lergan/hardware/presets/lergan.yaml" in names

    target = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, cwd=tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", LOAD_EVERYTHING, str(target)], env=env,
                         cwd=tmp_path, check=True, capture_output=True, text=True).stdout
    presets, gans = map(int, out.split())
    assert presets >= 5 and gans >= 7
