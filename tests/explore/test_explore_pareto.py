"""Pareto fronts against a brute-force definition, and their plots."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.errors import LerganError
from lergan.explore.pareto import check_objectives, fronts, pareto_front, plot_fronts


def brute_force(v: np.ndarray) -> list[int]:
    """Rows no other row dominates (<= everywhere, < somewhere), by definition."""
    return [i for i in range(len(v))
            if not any((v[j] <= v[i]).all() and (v[j] < v[i]).any() for j in range(len(v)))]


@settings(max_examples=80)
@given(k=st.integers(2, 3), data=st.data())
def test_front_equals_brute_force(k, data):
    # small integer grids make ties and duplicates common
    rows = data.draw(st.lists(st.lists(st.integers(0, 5), min_size=k, max_size=k),
                              min_size=0, max_size=40))
    v = np.array(rows, dtype=float).reshape(len(rows), k)
    assert pareto_front(v).tolist() == brute_force(v)


@settings(max_examples=30)
@given(st.lists(st.tuples(st.floats(1e-9, 1e3), st.floats(1e-9, 1e3)), min_size=1,
                max_size=60))
def test_front_on_real_values(points):
    v = np.array(points)
    assert pareto_front(v).tolist() == brute_force(v)


def test_known_front():
    v = [[1, 5], [2, 2], [5, 1], [3, 3], [2, 2], [6, 6]]
    assert pareto_front(v).tolist() == [0, 1, 2, 4]


def test_bad_input():
    with pytest.raises(LerganError, match="finite"):
        pareto_front([[1.0, float("nan")]])
    with pytest.raises(LerganError, match="n x k"):
        pareto_front([1.0, 2.0])
    assert check_objectives(["time", "area_mm2"]) == ("time_s", "area_mm2")
    with pytest.raises(LerganError, match="speed"):
        check_objectives(["time", "speed"])
    with pytest.raises(LerganError, match="two or three"):
        check_objectives(["time"])
    with pytest.raises(LerganError, match="twice"):
        check_objectives(["time", "time_s"])


def _rows():
    rs = []
    for i, (t, e, a) in enumerate([(1, 4, 2), (2, 2, 2), (4, 1, 1), (3, 3, 3), (5, 5, 5)]):
        for bench in ("dcgan", "magan"):
            rs.append({"status": "ok", "benchmark": bench, "architecture": "lergan",
                       "batch": 64, "params": {"adc.bits": 4 + i, "mode": f"m{i % 2}"},
                       "time_s": t, "energy_j": e, "power_w": e / t, "area_mm2": a,
                       "key": f"{bench}{i}"})
    rs.append({"status": "error", "benchmark": "dcgan", "architecture": "lergan",
               "batch": 64, "params": {}, "time_s": None, "energy_j": None,
               "power_w": None, "area_mm2": None, "key": "bad"})
    return rs


def test_fronts_are_per_benchmark_and_architecture_and_skip_failures(tmp_path):
    groups = fronts(_rows(), ["time", "energy"])
    assert [(g["benchmark"], len(g["rows"])) for g in groups] == [("dcgan", 5), ("magan", 5)]
    for g in groups:
        assert sorted(g["rows"][i]["params"]["adc.bits"] for i in g["front"]) == [4, 5, 6]
    three = fronts(_rows(), ["time", "energy", "area"])
    assert len(three[0]["front"]) == 3
    files = plot_fronts(groups[:1], ("time_s", "energy_j"), ["adc.bits", "mode"],
                        tmp_path / "plots")
    assert sorted(p.name for p in files) == ["front-dcgan-lergan.png",
                                             "params-dcgan-lergan.png"]
    assert all(p.stat().st_size > 10_000 for p in files)
