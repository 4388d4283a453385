"""Print the lowest versions pyproject.toml declares, as pip pins (``numpy==1.24``).

Every dependency with a floor (``>=X``), the ``dev`` extra included, is pinned to ``==X``;
ruff (it only lints) and torch are left out: CI takes torch from the main virtual
environment (one torch, 2.13.0, is installed on our machines; another would be a multi-GB
download). ``.ci/lowest`` installs
these in a second environment and runs part of the suite there, so that a floor in
pyproject.toml is a version that was tested, not a guess.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: left out: torch (from the main venv), tools that do not run the tests (the linter, the
#: documentation builder, which the main venv runs)
SKIP = {"torch", "ruff", "mkdocs", "mkdocs-material", "mkdocstrings"}


def pins(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    reqs = [*project["dependencies"], *project.get("optional-dependencies", {}).get("dev", [])]
    out = []
    for req in reqs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)", req)
        if m is None:
            sys.exit(f"{req!r}: every dependency needs a tested floor (>=X)")
        if m.group(1).lower() not in SKIP:
            out.append(f"{m.group(1)}=={m.group(2)}")
    return out


if __name__ == "__main__":
    print("\n".join(pins(Path(__file__).resolve().parents[1] / "pyproject.toml")))
