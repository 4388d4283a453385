"""Training checkpoints: written atomically, loaded with ``weights_only=True``.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts only (what
``torch.load(..., weights_only=True)`` accepts): no pickled objects, so loading one runs
no code. It is written to a temporary file in the same folder, flushed to disk, then
renamed over the old one (``os.replace`` is atomic on POSIX), so an interruption leaves
either the old checkpoint or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

from lergan.emulate.config import EmulationError

__all__ = ["FORMAT", "load_checkpoint", "save_checkpoint"]

FORMAT = "lergan.emulate.checkpoint/1"
_KEYS = ("format", "config", "iteration", "G", "D", "opt_G", "opt_D", "rng", "emulators",
         "history")


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write ``state`` (with ``format`` added) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load and check a checkpoint; a file that is not a whole checkpoint of this format
    raises :class:`EmulationError` naming it (it is not loaded)."""
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated, garbage, or holds objects weights_only refuses
        raise EmulationError(
            f"checkpoint {path}: corrupt or not a lergan checkpoint, refused "
            f"({type(e).__name__}: {str(e).splitlines()[0][:120]}); delete it to start over"
        ) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise EmulationError(f"checkpoint {path}: not a {FORMAT} checkpoint, refused")
    missing = [k for k in _KEYS if k not in state]
    if missing:
        raise EmulationError(f"checkpoint {path}: incomplete (missing {missing}), refused")
    return state
