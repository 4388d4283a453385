"""`lergan reproduce` on a subset: the files, their schema, the page in headless Chromium,
nothing half-written on failure, bad input refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lergan.baselines.data import BaselineError
from lergan.cli import app
from lergan.report import reproduce as rp

runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARCHS = ["lergan", "gpu", "fpga", "lergan-no-zfdr"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("repro") / "out"
    sens = out.parent / "sens.json"
    sens.write_text(json.dumps({"parameter": "adc.bits", "range": [4, 8]}))
    res = runner.invoke(app, ["reproduce", "--out", str(out), "--benchmark", "cgan",
                              "--focus", "cgan", *[x for a in ARCHS for x in ("--arch", a)],
                              "--batch", "8", "--sensitivity", str(sens)])
    assert res.exit_code == 0, res.output
    return out


def test_results_json_has_meta_and_records(run):
    data = json.loads((run / "results.json").read_text())
    meta = data["meta"]
    for key in ("lergan_version", "git_commit", "python", "torch", "hardware", "batch"):
        assert key in meta
    assert meta["sensitivity"].endswith("sens.json")
    assert set(meta["hardware"]) == set(ARCHS) and all(len(h) == 64
                                                       for h in meta["hardware"].values())
    recs = data["records"]
    assert len(recs) == len(ARCHS)
    for r in recs:
        assert {"benchmark", "architecture", "batch", "time_s", "energy_j", "power_w",
                "area_mm2", "precision"} <= set(r)
        assert r["batch"] == 8
    assert {"pipelayer", "flexigan"} <= set(data["anchors"])
    csv_lines = (run / "results.csv").read_text().splitlines()
    assert len(csv_lines) == 1 + len(recs)
    assert not list(run.parent.glob(".out.partial-*"))  # the temporary folder was moved


def test_every_figure_exists_and_is_linked(run):
    page = (run / "index.html").read_text()
    srcs = re.findall(r'<img src="([^"]+)"', page)
    assert len(srcs) >= 8
    for s in srcs:
        assert (run / s).is_file() and (run / s).stat().st_size > 1000, s
    for heading in ("How this reconstruction may differ from the paper",
                    "Modelling assumptions", "Which of LerGAN's two ideas buys how much"):
        assert heading in page
    assert 'id="results"' in page and "adc.bits" in page  # the sensitivity file is shown


def _chromium_check(folder: Path) -> dict:
    page = (folder / "index.html").read_text()
    js = ("<script>window.addEventListener('load',function(){var im=[].slice.call("
          "document.images);var bad=im.filter(function(i){return !(i.complete&&"
          "i.naturalWidth>0)}).map(function(i){return i.getAttribute('src')});var t="
          "document.getElementById('results');var p=document.createElement('pre');p.id="
          "'check';p.textContent=JSON.stringify({images:im.length,broken:bad,rows:t?"
          "t.tBodies[0].rows.length:-1});document.body.appendChild(p);});</script>")
    check = folder / "check.html"
    check.write_text(page.replace("</body>", js + "</body>"))
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom",
         check.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    m = re.search(r'<pre id="check">(.*?)</pre>', out.stdout)
    assert m, out.stderr[-2000:]
    return json.loads(m.group(1).replace("&quot;", '"'))


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_index_opens_in_headless_chromium(run, tmp_path):
    got = _chromium_check(run)
    assert got["images"] >= 8 and got["broken"] == [] and got["rows"] == len(ARCHS)
    # the check can fail: a page with a missing figure is caught
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    (copy / "figures" / "speedup.png").unlink()
    assert _chromium_check(copy)["broken"] == ["figures/speedup.png"]


def test_failure_leaves_nothing_half_written(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise BaselineError("simulated failure")

    monkeypatch.setattr(rp, "draw_figures", boom)
    out = tmp_path / "out"
    with pytest.raises(BaselineError, match="simulated failure"):
        rp.reproduce(out, benchmarks=["cgan"], architectures=["gpu"], batch=2, anchors=False)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_default_list_reports_missing_architectures():
    from lergan.baselines.records import known_architectures

    _, archs, missing = rp.plan(["cgan"], None)
    known = set(known_architectures())
    assert set(missing) == {a for a in rp.DEFAULT_ARCHITECTURES if a not in known}
    assert set(archs) == {a for a in rp.DEFAULT_ARCHITECTURES if a in known}
    assert {"lergan", "lrgan", "prime", "gpu", "fpga"} <= set(archs)


def test_bad_input_exits_2(tmp_path):
    afile = tmp_path / "file"
    afile.write_text("x")
    for args in (["--out", str(afile)], ["--out", str(afile / "sub")],
                 ["--out", str(tmp_path / "o"), "--arch", "bogus"],
                 ["--out", str(tmp_path / "o"), "--benchmark", "nogan"],
                 ["--out", str(tmp_path / "o"), "--sensitivity", str(tmp_path / "none.json")],
                 ["--out", str(tmp_path / "o"), "--benchmark", "cgan", "--focus", "dcgan"]):
        res = runner.invoke(app, ["reproduce", *args, "--no-figures", "--no-anchors"])
        assert res.exit_code == 2, (args, res.output)
        assert "error:" in res.output
    assert not (tmp_path / "o").exists()


def test_a_scale_study_plugs_in_its_own_figure(tmp_path):
    def hook(records, focus, progress):
        progress("my scale study", 0)
        return rp.ScaleFigure((("chips", (1.0, 2.0, 4.0), (1.0, 1.9, 3.5)),), "chips",
                              "speed-up (x)", f"{focus}: scaling out")

    rep = rp.reproduce(tmp_path / "o", benchmarks=["cgan"], architectures=["gpu"], batch=2,
                       anchors=False, scale=hook)
    assert rep.meta["scale"]["series"][0]["y"] == [1.0, 1.9, 3.5]
    assert (tmp_path / "o" / rep.figures["scale"]).is_file()
    assert "cgan: scaling out" in (tmp_path / "o" / "index.html").read_text()

    def own_figure(records, focus, progress):  # a study that draws its own figure
        def draw(path):
            from lergan.report.figures import plot_scale

            return plot_scale([("x", (1, 2), (1, 2))], path, xlabel="a", ylabel="b", title="c")

        return rp.ScaleFigure((), "a", "b", "mine", points=({"k": 1},), draw=draw)

    rep = rp.reproduce(tmp_path / "p", benchmarks=["cgan"], architectures=["gpu"], batch=2,
                       anchors=False, scale=own_figure)
    assert (tmp_path / "p" / "figures" / "scale.png").stat().st_size > 1000
    assert rep.meta["scale"]["points"] == [{"k": 1}]


def test_reproduce_replaces_a_previous_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    rp.reproduce(out, benchmarks=["cgan"], architectures=["gpu", "fpga"], batch=2,
                 anchors=False, figures=False, scale=False)
    assert (out / "results.json").is_file() and not (out / "stale.txt").exists()
