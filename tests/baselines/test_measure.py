"""The measured mode times the real PyTorch iteration (here on the CPU)."""

from __future__ import annotations

import pytest

from lergan.baselines.data import BaselineError
from lergan.baselines.measure import measure_iteration


def test_measure_times_real_iterations():
    m = measure_iteration("dcgan", 2, device="cpu", repeats=2, warmup=0,
                          options={"image_size": 16, "ngf": 8, "ndf": 8, "latent": 8}, threads=1)
    assert m.threads == 1
    assert m.device == "cpu" and len(m.times_s) == 2 and m.median_s > 0
    assert m.to_dict()["batch"] == 2


def test_measure_names_bad_input():
    with pytest.raises(BaselineError, match="benchmark 'nope'"):
        measure_iteration("nope")
    with pytest.raises(BaselineError, match="batch 0"):
        measure_iteration("cgan", 0)
    with pytest.raises(BaselineError, match="'cgan' at batch 1: PyTorch refused"):
        measure_iteration("cgan", 1, device="cpu", repeats=1, warmup=0,
                          options={"image_size": 8}, threads=1)
