"""The typer application object shared by the command modules, and user-error handling."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

app = typer.Typer(
    name="lergan",
    help=(
        "Simulate processing-in-memory accelerators for GAN training, starting with LerGAN "
        "(MICRO 2018): zero-free data reshaping (ZFDR), GAN workloads, ReRAM hardware presets "
        "and whole training iterations."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn user errors into a one-line message on stderr and exit status 2 (no traceback).

    User errors are :class:`lergan.errors.LerganError` and pydantic's ``ValidationError``
    (bad configuration values); anything else is a bug and keeps its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pydantic import ValidationError

        from lergan.errors import LerganError

        try:
            return func(*args, **kwargs)
        except (LerganError, ValidationError) as exc:
            from rich.markup import escape

            # escaped: a message quoting the input ("[unclosed") is not rich markup
            err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def print_json(text: str) -> None:
    """Print JSON text: highlighted by rich on a terminal when small, else as plain indented
    text (rich's highlighting takes seconds on results of thousands of rows)."""
    import json

    if console.is_terminal and len(text) < 200_000:
        console.print_json(text)
        return
    sys.stdout.write(json.dumps(json.loads(text), indent=2) + "\n")


GAN_HELP = ("GAN: a suite name (3d-gan, artgan, cgan, dcgan, discogan, gp-gan, magan; any "
            "case, aliases too; see lergan workload --list), a .yaml/.json description "
            "file, or path/to/file.py:builder")


def write_text(option: str, path: str, text: str) -> None:
    """Write ``text`` to ``path`` (``-``: standard output); an unwritable path is a user
    error naming the option."""
    import sys
    from pathlib import Path

    from lergan.errors import LerganError

    if path == "-":
        sys.stdout.write(text)
        return
    if not path.strip():
        raise LerganError(f"{option} {path!r}: give a file name")
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise LerganError(f"{option} {path!r}: cannot write: {exc.strerror or exc}") from None


def _version(value: bool) -> None:
    if value:
        from lergan import __version__, compiled

        console.print(f"lergan {__version__}\n{compiled.summary()}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Simulate processing-in-memory accelerators for GAN training (LerGAN, MICRO 2018)."""
