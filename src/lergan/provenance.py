"""What a result came from: the lergan version, the git commit where known, and a hash.

Every JSON result carries :func:`record` (``lergan simulate --json``, ``map``, ``peak``,
``workload``), so that a number can be traced back to the code and inputs that produced
it. The commit is read from the checkout lergan runs from (``git rev-parse HEAD``, with a
``+dirty`` mark when tracked files differ); an installed copy outside git has none.
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from lergan import __version__


@functools.lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the git checkout holding this package (``None`` outside git)."""
    root = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no", "--", "."],
                               capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit + ("+dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def digest(data: Any) -> str:
    """SHA-256 of ``data`` as canonical JSON (sorted keys): equal inputs, equal hashes."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record(**inputs: Any) -> dict[str, Any]:
    """``{"lergan": version, "commit": ..., **inputs}``: the provenance block of a result."""
    return {"lergan": __version__, "commit": git_commit(), **inputs}
