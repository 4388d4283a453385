"""`lergan` commands for zfdr (registered on import by :mod:`lergan.cli`)."""

from __future__ import annotations

from lergan.cli.app import app, console, user_errors  # noqa: F401
