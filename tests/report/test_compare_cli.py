"""`lergan compare` through typer's CliRunner."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from lergan.cli import app

runner = CliRunner()


def test_compare_json_has_gains_against_the_reference():
    res = runner.invoke(app, ["compare", "cgan", "dcgan", "--arch", "gpu", "--arch", "lergan",
                              "--arch", "fpga:zcu102", "--batch", "8", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["reference"] == "gpu" and len(d["rows"]) == 6
    for row in d["rows"]:
        assert {"time_ms", "energy_mj", "power_w", "area_mm2", "precision", "speedup",
                "energy_saving"} <= set(row)
        if row["architecture"] == "gpu":
            assert row["speedup"] == 1.0


def test_compare_csv_table_and_set():
    res = runner.invoke(app, ["compare", "cgan", "--arch", "lergan", "--arch",
                              "lergan[adc.bits=8]", "--set", "mode=zfdr-phase", "--batch", "4",
                              "--csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [r["adc_bits"] for r in rows] == ["6", "8"]
    table = runner.invoke(app, ["compare", "cgan", "--batch", "4"], env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "w/i/adc" in table.output and "fpga" in table.output


def test_compare_bad_input_exits_2():
    for args in (["cgan", "--arch", "nope"], ["cgan", "--arch", "gpu:k80"],
                 ["nogan"], ["cgan", "--reference", "gpu:v100"], ["cgan", "--json", "--csv"],
                 ["cgan", "--arch", "lergan", "--set", "adc.bits=-3"],
                 ["3d-gan", "--arch", "gpu:gtx-1080[memory_capacity=0.001 GB]"]):
        res = runner.invoke(app, ["compare", *args, "--batch", "4"])
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output
