"""The simulation's memos change no result.

``simulate`` keeps, per Architecture object, each layer pass's mapping and cost and the
engine's records; per iteration graph, what the records need of the graph; across presets,
the mappings of presets with the same mapping parameters (``lergan.mapping``) and the routes
of topologies that route alike (``lergan.system.interconnect``). Over random
presets and overrides, each simulated with random options one after another on one graph
(so that what one call memoised is looked up by the next), every result must equal the one
computed with every memo cleared.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lergan.errors import LerganError
from lergan.hardware import loader
from lergan.mapping import MODES, mapper, memo, passes, tiling
from lergan.system import build, interconnect, simulate
from lergan.system.api import iteration_graph
from lergan.system.options import SimulationOptions
from lergan.workload import suite

GAN = suite.get("dcgan", image_size=16, ngf=8, ndf=8, latent=16)
BATCH = 4


def clear_memos() -> None:
    """Forget everything memoised: presets are loaded again as new objects."""
    memo._MEMOS.clear()
    build._geometry.cache_clear()
    mapper._place_pass.cache_clear()
    mapper._SPECS.clear()
    tiling.tile.cache_clear()
    passes._conv_real_taps.cache_clear()
    passes._plan.cache_clear()
    loader._load_cached.cache_clear()
    interconnect._ROUTES.clear()
    loader._TREES.clear()


def result(graph, arch, overrides, options) -> str:
    try:
        d = simulate(graph, arch, BATCH, overrides=overrides, options=options).to_dict()
    except LerganError as e:
        return f"{type(e).__name__}: {e}"
    d.pop("provenance", None)
    return json.dumps(d, sort_keys=True, default=repr)


overrides_st = st.fixed_dictionaries({}, optional={
    "crossbar.rows": st.sampled_from([64, 128, 256]),
    "crossbar.cols": st.sampled_from([64, 128, 256]),
    "crossbar.cell_bits": st.sampled_from([1, 2, 4]),
    "adc.bits": st.integers(6, 12),
    "dac.bits": st.sampled_from([1, 2]),
    "technology.leakage_fraction": st.sampled_from([0.05, 0.1, 0.2]),
    "write.fraction_rewritten": st.sampled_from([0.25, 1.0]),
    "training.error_propagation": st.sampled_from(["transposed-copy", "transposed-read"]),
    "training.weight_gradients": st.sampled_from(["crossbar", "digital"]),
    "interconnect.links.offchip.bandwidth_bytes_per_s": st.sampled_from(["8 GB/s", "32 GB/s"]),
    "interconnect.reconfiguration_latency_s": st.sampled_from([0.0, 1e-6]),
})
options_st = st.fixed_dictionaries({}, optional={
    "mode": st.sampled_from([*MODES, "auto"]),
    "mode_objective": st.sampled_from(["time", "energy", "edp"]),
    "write_fractions": st.sampled_from([{"*": 0.5}, {"G": 0.2}]),
    "ops_per_element": st.sampled_from([{"batch_norm/forward": 9.0}, {"loss/loss": 0.5}]),
    "topology": st.sampled_from(["3d", "2d-bus", "2d-offchip"]),
})
preset_st = st.tuples(st.sampled_from(["lergan", "prime"]), overrides_st)


@settings(max_examples=10)
@given(st.lists(preset_st, min_size=1, max_size=2), st.lists(options_st, min_size=2, max_size=2))
def test_memoised_results_equal_fresh_ones(presets, options):
    _, graph = iteration_graph(GAN, BATCH, SimulationOptions())
    calls = [(arch, over, opts) for arch, over in presets for opts in options]
    memoised = [result(graph, *call) for call in calls]
    for call, r in zip(calls, memoised, strict=True):
        clear_memos()
        assert result(graph, *call) == r, call
