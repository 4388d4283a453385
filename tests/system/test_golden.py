"""The small GAN's figures match the golden file (regenerate: see tests/system/golden.py)."""

from __future__ import annotations

import json

import pytest

from golden import ARCHS, GOLDEN, figures


def test_small_gan_matches_golden_figures():
    expected = json.loads(GOLDEN.read_text())
    got = figures()
    assert set(got) == set(expected) == set(ARCHS)
    for arch, fig in expected.items():
        for key, value in fig.items():
            assert got[arch][key] == pytest.approx(value, rel=1e-9, abs=1e-18), (arch, key)
