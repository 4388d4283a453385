"""The errors lergan raises on purpose: user errors, and the bugs it detects in itself.

Every error a user can cause (a wrong layer description, an unknown preset key, an
impossible mapping) is a :class:`LerganError`. The command line prints its message and exits
with status 2, without a traceback. The message must name the field, layer or argument and
say what is wrong.

A broken internal invariant (records the library built itself that are inconsistent) is an
:class:`InternalError`: not a ``LerganError``, so that the command line keeps its traceback.
"""

from __future__ import annotations


class InternalError(RuntimeError):
    """A broken internal invariant: a bug in lergan, not a user error (deliberately *not* a
    :class:`LerganError`, so the command line keeps its traceback). The message asks to
    report it."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"internal error: {what}. This is a bug in lergan, not in your input; please "
            "report it with the command or script that caused it and this traceback.")


class LerganError(ValueError):
    """A user error: bad input, named in the message."""


class WorkloadError(LerganError):
    """A GAN, network or layer description that is wrong (names network, layer, mismatch)."""


class HardwareError(LerganError):
    """A hardware description or override that is wrong (names the key)."""


class MappingError(LerganError):
    """An operation that cannot be mapped (says what does not fit and by how much)."""


class ZeroFreeArgumentError(LerganError):
    """A bad argument to a zero-free plan or operation (the message names the argument).

    The one class for :mod:`lergan.zerofree` (plans and torch operations alike), also
    exported as ``lergan.zerofree.ZeroFreeArgumentError``.
    """

