"""The ``lergan`` command line: thin, it parses arguments and calls the library.

Each command group lives in its own module, which registers itself on :data:`app` when
imported here, in the order ``lergan --help`` lists them (the order of a study: zero-free
operations, workloads, hardware, mapping, whole iterations, comparisons and the
reproduction, exploration, training on emulated crossbars). Keep heavy imports (torch)
inside the command functions so that ``lergan --help`` stays fast.
"""

from __future__ import annotations

# isort: off
from lergan.cli import zfdr  # noqa: F401  (registration order is the --help order)
from lergan.cli import workload  # noqa: F401
from lergan.cli import hardware  # noqa: F401
from lergan.cli import map  # noqa: F401
from lergan.cli import simulate  # noqa: F401
from lergan.cli import scale  # noqa: F401
from lergan.cli import compare  # noqa: F401
from lergan.cli import reproduce  # noqa: F401
from lergan.cli import sweep  # noqa: F401
from lergan.cli import pareto  # noqa: F401
from lergan.cli import sensitivity  # noqa: F401
from lergan.cli import schema  # noqa: F401
from lergan.cli import train  # noqa: F401

# isort: on
from lergan.cli.app import app


def main() -> None:
    """Entry point of the ``lergan`` console script."""
    app()
