"""The ``lergan`` command line: thin, it parses arguments and calls the library.

Each command group lives in its own module, which registers itself on :data:`app` when
imported here. Keep heavy imports (torch) inside the command functions so that
``lergan --help`` stays fast.
"""

from __future__ import annotations

from lergan.cli import hardware, map, simulate, workload, zfdr  # noqa: F401  (registration)
from lergan.cli.app import app


def main() -> None:
    """Entry point of the ``lergan`` console script."""
    app()
