"""The engine pauses Python's cyclic garbage collector only while it runs
(:func:`lergan.system.engine.run_engine`): the collector's state is restored afterwards,
whether the run succeeds or fails, and a collector the caller disabled stays disabled."""

from __future__ import annotations

import gc

import pytest
from synthetic import LayerCost, gan_ops, topology

from lergan.errors import LerganError
from lergan.system import engine
from lergan.system.engine import run_engine
from lergan.system.placement import ChipSpec

CHIP = ChipSpec(6, 16, {"G": (1, 2, 3), "D": (4, 5, 6)})


@pytest.fixture
def restore_gc():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_paused_during_the_run_and_restored(restore_gc, monkeypatch):
    gc.enable()
    seen = []
    schedule = engine.schedule

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return schedule(*args, **kwargs)

    monkeypatch.setattr(engine, "schedule", spy)
    run_engine(gan_ops([LayerCost()], [LayerCost()], 2), CHIP, topology("3d"), batch=2)
    assert seen == [False]
    assert gc.isenabled()


def test_restored_after_an_error(restore_gc):
    gc.enable()
    with pytest.raises(LerganError, match="crossbar_budget"):
        run_engine(gan_ops([LayerCost()], [LayerCost()], 2), CHIP, topology("3d"),
                   crossbar_budget=-1, batch=2)
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled(restore_gc):
    gc.disable()
    run_engine(gan_ops([LayerCost()], [LayerCost()], 2), CHIP, topology("3d"), batch=2)
    assert not gc.isenabled()
