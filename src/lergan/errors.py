"""Errors raised for bad user input.

Every error a user can cause (a wrong layer description, an unknown preset key, an
impossible mapping) is a :class:`LerganError`. The command line prints its message and exits
with status 2, without a traceback. The message must name the field, layer or argument and
say what is wrong.
"""

from __future__ import annotations


class LerganError(ValueError):
    """A user error: bad input, named in the message."""


class WorkloadError(LerganError):
    """A GAN, network or layer description that is wrong (names network, layer, mismatch)."""


class HardwareError(LerganError):
    """A hardware description or override that is wrong (names the key)."""


class MappingError(LerganError):
    """An operation that cannot be mapped (says what does not fit and by how much)."""
