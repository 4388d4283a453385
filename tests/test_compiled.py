"""The compiled engine modules: never stale, and the same results as their Python sources."""

from __future__ import annotations

import importlib.machinery
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from lergan import compiled
from lergan.compiled import Finder, source_sha256

ROOT = Path(__file__).resolve().parents[1]


def _package(tmp_path: Path, source: str = "X = 1\n") -> tuple[Path, Path, Path]:
    """A package ``pkgc`` with a module ``m``'s source and a (fake) compiled file beside it."""
    pkg = tmp_path / "pkgc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    py = pkg / "m.py"
    py.write_text(source)
    so = pkg / ("m" + importlib.machinery.EXTENSION_SUFFIXES[0])
    so.write_bytes(b"not loaded: the finder only chooses")
    return pkg, py, so


def test_finder_takes_the_build_only_while_its_source_is_unchanged(tmp_path, monkeypatch):
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    pkg, py, so = _package(tmp_path)
    manifest = tmp_path / "_compiled.json"
    manifest.write_text(json.dumps({"pkgc.m": source_sha256(py)}))
    finder = Finder("pkgc", manifest)
    assert finder.find_spec("other.m", [str(pkg)]) is None  # not its package
    assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(so)
    assert finder.status["pkgc.m"] == "compiled"

    py.write_text("X = 2\n")  # edited after the build
    with pytest.warns(RuntimeWarning, match="pkgc.m: its compiled file is not the build"):
        spec = finder.find_spec("pkgc.m", [str(pkg)])
    assert spec.origin == str(py)
    assert finder.status["pkgc.m"].startswith("python (its compiled file is not the build")

    manifest.write_text("{broken")  # an unreadable manifest compiles nothing in
    with pytest.warns(RuntimeWarning):
        assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(py)

    # a compiled file the manifest does not know (an older build of a module no longer
    # compiled) does not shadow its source either
    manifest.write_text(json.dumps({}))
    py.write_text("X = 1\n")
    with pytest.warns(RuntimeWarning):
        assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(py)


def test_finder_runs_python_when_asked_or_when_nothing_is_compiled(tmp_path, monkeypatch):
    pkg, py, so = _package(tmp_path)
    manifest = tmp_path / "_compiled.json"
    manifest.write_text(json.dumps({"pkgc.m": source_sha256(py)}))
    finder = Finder("pkgc", manifest)
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(py)
    assert finder.status["pkgc.m"] == f"python ({compiled.PURE_ENV} is set)"
    monkeypatch.setenv(compiled.PURE_ENV, "0")
    assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(so)
    so.unlink()
    assert finder.find_spec("pkgc.m", [str(pkg)]).origin == str(py)
    assert finder.status["pkgc.m"] == "python (not compiled)"


def test_setup_compiles_the_modules_the_finder_knows():
    setup = runpy.run_path(str(ROOT / "setup.py"), run_name="setup_under_test")
    assert setup["_modules"]() == compiled.MODULES
    for name in compiled.MODULES:
        assert setup["_source"](name).is_file(), name


def test_status_names_every_module():
    import lergan.system

    st = compiled.status()
    assert set(st) == set(compiled.MODULES)
    assert all(v == "compiled" or v.startswith("python (") for v in st.values()), st
    assert lergan.compiled is compiled


def _needs_compiled() -> None:
    """Skip where this install compiled nothing (Cython or a C compiler missing)."""
    import lergan.system  # noqa: F401  (imports the engine's modules)

    if "compiled" not in compiled.status().values():
        pytest.skip("no compiled modules in this install (Cython or a C compiler missing)")


def _run(cases: str) -> tuple[set[str], str]:
    """How the engine ran in a fresh interpreter (this process's environment), and the
    results of ``cases`` as JSON."""
    code = (
        "import json, lergan.system as s, lergan.compiled as c\n"
        f"out = [s.simulate(n, a, b).to_dict() for n, a, b in {cases}]\n"
        "print(json.dumps(sorted(set(c.status().values()))))\n"
        "print(json.dumps(out, sort_keys=True))\n"
    )
    how, results = subprocess.run([sys.executable, "-c", code], check=True,
                                  capture_output=True, text=True).stdout.split("\n", 1)
    return set(json.loads(how)), results


def test_compiled_and_python_give_identical_results(monkeypatch):
    """Bit for bit, over layouts with spills, ports, swaps and a 2D bus."""
    _needs_compiled()
    cases = repr([("dcgan", "lergan", 8), ("cgan", "prime", 5), ("magan", "lergan-2d-bus", 4),
                  ("discogan", "lrgan", 2)])
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    how, fast = _run(cases)
    assert how == {"compiled"}
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    how, slow = _run(cases)
    assert how == {f"python ({compiled.PURE_ENV} is set)"}
    assert fast == slow


@pytest.mark.slow
def test_every_suite_result_is_identical_compiled_and_as_python(tmp_path, monkeypatch):
    """``benchmarks/results_digest.py`` (every suite GAN x architecture, batches 8 and 64)
    compiled, then checked against the same run as Python."""
    _needs_compiled()
    script = str(ROOT / "benchmarks" / "results_digest.py")
    ref = tmp_path / "compiled.json"
    monkeypatch.delenv(compiled.PURE_ENV, raising=False)
    subprocess.run([sys.executable, script, "write", str(ref)], check=True,
                   capture_output=True)
    monkeypatch.setenv(compiled.PURE_ENV, "1")
    out = subprocess.run([sys.executable, script, "check", str(ref)], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert " 0 differ" in out.stdout
