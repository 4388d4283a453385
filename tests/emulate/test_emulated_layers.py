"""Emulated layers: every pass against torch's autograd on the quantised operands."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lergan.emulate import convert, crossbar_config
from lergan.emulate.crossbar import quantise
from lergan.emulate.geometry import transposed_groups
from lergan.emulate.layers import EmulatedLayer
from lergan.zerofree import plan

MODES = ["zero-inserting", "scatter", "zfdr-phase", "zfdr-pattern"]


def _exact_cfg(mode: str, err: str, wg: str, fast: bool):
    return crossbar_config(
        "lergan",
        {"adc.bits": 15, "training.error_propagation": err, "training.weight_gradients": wg,
         "precision.weight_bits": 8, "precision.input_bits": 8, "precision.error_bits": 8,
         "crossbar.rows": 16, "crossbar.cols": 16},
        policy="lossless", mapping_mode=mode, fast_path=fast)


def _modules():
    torch.manual_seed(0)
    return [
        (nn.Linear(7, 5), (3, 7)),
        (nn.Conv2d(3, 4, 4, stride=2, padding=1), (2, 3, 8, 8)),
        (nn.ConvTranspose2d(4, 3, 5, stride=2, padding=2, output_padding=1), (2, 4, 4, 4)),
        (nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1), (2, 3, 3, 3)),
    ]


def _torch_passes(module, xi, sx, q, sw, dy):
    ref = type(module)(**_ctor(module)).double()
    with torch.no_grad():
        ref.weight.copy_(q * sw)
        ref.bias.copy_(module.bias)
    x = (xi * sx).requires_grad_()
    y = ref(x)
    y.backward(dy)
    return y, x.grad, ref.weight.grad


def _ctor(m):
    if isinstance(m, nn.Linear):
        return {"in_features": m.in_features, "out_features": m.out_features}
    d = {"in_channels": m.in_channels, "out_channels": m.out_channels,
         "kernel_size": m.kernel_size, "stride": m.stride, "padding": m.padding}
    if isinstance(m, nn.ConvTranspose2d):
        d["output_padding"] = m.output_padding
    return d


PASS_FORMS = [("transposed-copy", "crossbar"), ("transposed-read", "digital")]


# the faithful path in every mode and form; the fast path (mode-independent) once per form
@pytest.mark.parametrize(
    ("mode", "err", "wg", "fast"),
    [(m, e, w, False) for m in MODES for e, w in PASS_FORMS]
    + [("zfdr-pattern", e, w, True) for e, w in PASS_FORMS],
)
def test_exact_settings_match_autograd_on_quantised_operands(mode, err, wg, fast) -> None:
    cfg = _exact_cfg(mode, err, wg, fast)
    for module, shape in _modules():
        layer = EmulatedLayer(module, cfg, "L")
        x = torch.randn(shape, generator=torch.Generator().manual_seed(1)).double()
        xi, sx = quantise(x, cfg.input_bits)
        x_emul = (xi * sx).requires_grad_()
        y = layer(x_emul)
        dy = torch.randn_like(y)
        y.backward(dy)
        ei, se = quantise(dy, cfg.error_bits)
        y_ref, dx_ref, dw_ref = _torch_passes(module, xi, sx, layer.q, layer.w_scale, ei * se)
        torch.testing.assert_close(y, y_ref, rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(x_emul.grad, dx_ref, rtol=1e-9, atol=1e-9)
        torch.testing.assert_close(layer.weight.grad.double(), dw_ref, rtol=1e-6, atol=1e-7)


def test_pattern_groups_are_zerofree_patterns() -> None:
    for k, s, p, op, size in [(5, 2, 2, 1, (4, 4)), (4, 2, 1, 0, (4, 4)), (3, 1, 1, 0, (5, 5))]:
        pl = plan("conv_transpose", input_size=size, kernel_size=k, stride=s, padding=p,
                  output_padding=op)
        groups = transposed_groups(size, (k, k), (s, s), (p, p), (1, 1), (op, op),
                                   "zfdr-pattern")
        assert len(groups) == len(pl.patterns)
        assert sum(len(g[0]) for g in groups) == pl.modes["zfdr-pattern"].taps_stored


def test_truncating_modes_differ_from_exact_and_updates_count_cells() -> None:
    torch.manual_seed(0)
    cfg = crossbar_config("prime-inference", {"crossbar.rows": 16})
    m = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
    layer = EmulatedLayer(m, cfg, "G/t")
    x = torch.randn(2, 8, 4, 4)
    y = layer(x)
    exact = nn.functional.conv_transpose2d(x, m.weight, m.bias, stride=2, padding=1)
    assert 0 < (y - exact).abs().max() < exact.abs().max()
    cells = layer.forward_array.levels.numel() + layer.error_array.levels.numel()
    layer.write_cells()  # nothing changed
    assert layer.counts.written == {"forward": cells // 2, "transposed_copy": cells // 2}
    cmp = cfg.model_copy(update={"compare_before_write": True})
    layer2 = EmulatedLayer(nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), cmp, "G/t")
    layer2.write_cells()
    assert sum(layer2.counts.written.values()) == 0


def test_approximate_update_skips_small_changes() -> None:
    torch.manual_seed(0)
    cfg = crossbar_config("lrgan", {"adc.bits": 15}, policy="lossless")
    lin = nn.Linear(32, 16)
    layer = EmulatedLayer(lin, cfg, "D/fc")
    with torch.no_grad():
        lin.weight.add_(torch.randn_like(lin.weight) * layer.w_max * 1e-3)
    layer.write_cells()
    assert layer.counts.written["forward"] == 0
    exact = EmulatedLayer(nn.Linear(32, 16), cfg.model_copy(
        update={"approximate_update": False}), "D/fc")
    with torch.no_grad():
        exact.weight.add_(torch.randn_like(exact.weight) * exact.w_max * 1e-3)
    exact.write_cells()
    assert exact.counts.written["forward"] > 0


def test_convert_names_layers_and_refuses_unsupported() -> None:
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    convert(net, crossbar_config("lergan"), prefix="D")
    names = [m.name for m in net.modules() if isinstance(m, EmulatedLayer)]
    assert names == ["D/0", "D/2"]
    with pytest.raises(ValueError, match="G/0: Conv1d"):
        convert(nn.Sequential(nn.Conv1d(1, 1, 3)), "lergan", prefix="G")


@pytest.mark.parametrize("scheme", ["differential", "offset"])
def test_gradient_operand_writes_count_the_programmed_cells(scheme) -> None:
    torch.manual_seed(0)
    for module, shape in _modules():
        counts = []
        for fast in (True, False):
            cfg = _exact_cfg("zfdr-pattern", "transposed-copy", "crossbar", fast).model_copy(
                update={"signed_weights": scheme})
            layer = EmulatedLayer(module, cfg, "L")
            y = layer(torch.randn(shape))
            y.backward(torch.randn_like(y))
            counts.append(layer.counts.written["gradient_operand"])
        assert counts[0] == counts[1] > 0
