"""Every example that `lergan workload/hardware/peak/map --help` shows runs as written."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from lergan.cli import app

runner = CliRunner()

COMMANDS = [["workload"], ["hardware", "show"], ["hardware", "actions"], ["peak"], ["map"]]


def _examples(command: list[str]) -> list[str]:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    text = " ".join(line.strip(" │") for line in result.output.splitlines())
    assert "Examples:" in text, f"lergan {' '.join(command)} --help shows no example"
    return re.findall(r"`(lergan [^`]+)`", text.split("Examples:", 1)[1])


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_examples_run(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.yaml").write_text("base: lergan\n")
    examples = _examples(command)
    assert examples
    for example in examples:
        args = shlex.split(example)[1:]
        if any(a.startswith("my_") for a in args):
            continue  # a user's own GAN file
        result = runner.invoke(app, args, env={"COLUMNS": "200"})
        assert result.exit_code == 0, f"{example}: {result.output}"
