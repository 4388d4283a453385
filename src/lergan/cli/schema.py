"""`lergan schema gan|hardware|result`: the JSON Schema of GAN files, hardware preset files
or simulation results (:mod:`lergan.report.schemas`)."""

from __future__ import annotations

import json

import typer

from lergan.cli.app import app, print_json, user_errors


@app.command("schema")
@user_errors
def schema_cmd(
    kind: str = typer.Argument(..., help="gan (description files), hardware (preset files) "
                               "or result (simulate --json)"),
) -> None:
    """Print a JSON Schema: of GAN description files, hardware preset files or results.

    Examples: `lergan schema gan`; `lergan schema hardware`; `lergan schema result`.
    """
    from lergan.report.schemas import schema

    print_json(json.dumps(schema(kind.strip().lower())))
