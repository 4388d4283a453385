"""Crossbar numerics: signed integer operands through sliced cells, bit-serial DACs and ADCs.

How one K x N integer matrix product runs on the crossbars
(``docs/architecture.md`` section 3, ISAAC s.IV, PRIME s.III-D):

- **weights** ``q`` (signed, ``|q| <= 2**(weight_bits-1) - 1``) are cut into
  ``slices = ceil(weight_bits / cell_bits)`` cells of ``cell_bits`` along a row, least
  significant first. ``differential``: two arrays hold ``max(q, 0)`` and ``max(-q, 0)``,
  subtracted digitally after conversion. ``offset``: one array holds ``q + Q``
  (``Q = 2**(weight_bits-1) - 1``) and one extra column holds ``Q`` in every row; its
  converted sums are subtracted from every column (ISAAC's biased encoding).
- **inputs** (two's complement, ``bits`` wide) are applied in ``ceil(bits / dac_bits)``
  read cycles of ``dac_bits`` each, least significant first; the last cycle carries the
  sign (its DAC level is read as a signed number, which is ISAAC's subtraction of the
  sign bit's cycle generalised to multi-bit DACs: an assumption).
- **row tiles**: the K rows are cut into tiles of ``rows``; each read cycle, each slice
  column of each tile is converted once by the ADC (:func:`adc`), then shift-and-add
  weighs cycle ``j`` by ``2**(dac_bits*j)`` and slice ``s`` by ``2**(cell_bits*s)`` and an
  adder tree sums the tiles.

Everything is exact integer arithmetic in float tensors (power-of-two scales; float32 for
the per-tile products when their sums stay below 2**24, float64 otherwise). When the ADC is
lossless and no device effect is on, the result is the exact product, which the fast path
computes as one product of the quantised operands.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lergan.emulate.config import CrossbarConfig, EmulationError, lossless_adc_bits

__all__ = [
    "CrossbarArray",
    "NonFiniteError",
    "adc",
    "input_planes",
    "matmul",
    "matmul_int",
    "quantise",
    "weight_levels",
]

_EXACT_F32 = 2**24
_CHUNK_ELEMENTS = 1 << 24  # per-tile product elements computed at once


class NonFiniteError(EmulationError):
    """An operand holds NaN or inf (training diverged)."""


def quantise(x: torch.Tensor, bits: int) -> tuple[torch.Tensor, float]:
    """Symmetric per-tensor quantisation to ``bits``-bit two's complement integers.

    Returns ``(x_int, scale)`` with ``x ~= x_int * scale``, ``scale = max|x| / (2**(bits-1)
    - 1)`` (1 for an all-zero tensor) and ``x_int`` rounded to nearest (a float32 tensor for
    float32 inputs of at most 24 bits, else float64).
    """
    top = 2 ** (bits - 1) - 1
    m = float(x.detach().abs().max()) if x.numel() else 0.0
    if not torch.isfinite(torch.tensor(m)):
        raise NonFiniteError("quantise: the operand holds NaN or inf")
    scale = m / top if m > 0 else 1.0
    # float32 holds integers up to 2**24 exactly; wider codes and float64 inputs: float64
    dt = torch.float32 if bits <= 24 and x.dtype != torch.float64 else torch.float64
    xi = torch.round(x.detach().to(dt) / scale).clamp_(-top - 1, top)
    return xi, scale


def input_planes(x_int: torch.Tensor, bits: int, dac_bits: int) -> torch.Tensor:
    """The DAC levels of each read cycle, shape ``(cycles, *x.shape)`` (float32): unsigned
    ``dac_bits`` chunks of the two's complement code, least significant first; the last
    chunk signed (it holds the sign bit). ``sum_j planes[j] * 2**(dac_bits*j) == x_int``."""
    cycles = -(-bits // dac_bits)
    itype = torch.int32 if bits <= 30 else torch.int64
    u = x_int.to(itype) & ((1 << bits) - 1)
    shifts = (torch.arange(cycles, dtype=itype) * dac_bits).view(-1, *([1] * u.dim()))
    planes = (u.unsqueeze(0) >> shifts) & ((1 << dac_bits) - 1)
    top = bits - dac_bits * (cycles - 1)
    planes[-1] -= (planes[-1] >> (top - 1)) << top  # the sign bit weighs -2**(top-1)
    return planes.to(torch.float32)


def weight_levels(q: torch.Tensor, config: CrossbarConfig) -> torch.Tensor:
    """Cell levels of a signed integer matrix ``q`` (K x N): shape ``(arrays, slices, K,
    columns)`` (float32); ``differential``: arrays (positive, negative), N columns;
    ``offset``: one array, N + 1 columns (the last is the offset column)."""
    c, s_n = config.cell_bits, config.slices
    qi = q.to(torch.int64)
    if config.signed_weights == "differential":
        mags = torch.stack([qi.clamp(min=0), (-qi).clamp(min=0)])
    else:
        top = config.max_weight_level
        off = torch.full((qi.shape[0], 1), top, dtype=torch.int64, device=q.device)
        mags = torch.cat([qi + top, off], dim=1).unsqueeze(0)
    shifts = (torch.arange(s_n, dtype=torch.int64) * c).view(1, -1, 1, 1)
    return ((mags.unsqueeze(1) >> shifts) & ((1 << c) - 1)).to(torch.float32)


def adc(sums: torch.Tensor, bits: int, step: int) -> torch.Tensor:
    """One conversion per element: ``sign(s) * min(round(|s| / step), 2**bits - 1) * step``.

    An ideal mid-tread quantiser (round half up) with ``2**bits`` codes of ``step``
    column-sum units and a sign (the signed last read cycle); saturating at the top code.
    ``step == 1`` and enough bits: exact.
    """
    mag = torch.floor(sums.abs() / step + 0.5).clamp_(max=2.0**bits - 1) * step
    return torch.copysign(mag, sums)


@dataclass
class CrossbarArray:
    """The programmed cells of one matrix: target ``levels`` (arrays, slices, K, columns),
    the ``conductance`` actually stored (levels plus programming noise, stuck cells
    pinned; ``None`` when there is no device effect), the ``stuck`` mask and its value."""

    config: CrossbarConfig
    levels: torch.Tensor
    conductance: torch.Tensor | None = None
    stuck_mask: torch.Tensor | None = None
    stuck_value: torch.Tensor | None = None
    generator: torch.Generator | None = None
    n_cols: int = 0

    @classmethod
    def program(
        cls, q: torch.Tensor, config: CrossbarConfig, generator: torch.Generator | None = None
    ) -> CrossbarArray:
        """Program a signed integer matrix ``q`` (K x N) into fresh cells."""
        levels = weight_levels(q.double(), config).float()
        arr = cls(config, levels, n_cols=q.shape[1])
        noisy = config.programming_noise or config.read_noise or config.stuck_fraction
        if noisy:
            arr.generator = generator or torch.Generator().manual_seed(config.seed)
        if config.stuck_fraction:
            u = torch.rand(levels.shape, generator=arr.generator)
            arr.stuck_mask = u < config.stuck_fraction
            top = float(2**config.cell_bits - 1)
            arr.stuck_value = torch.where(u < config.stuck_fraction / 2, 0.0, top)
        arr._store(torch.ones_like(levels, dtype=torch.bool))
        return arr

    def _store(self, written: torch.Tensor) -> None:
        """Set the stored conductance of the ``written`` cells (noise drawn per write)."""
        cfg = self.config
        if not (cfg.programming_noise or cfg.stuck_fraction):
            self.conductance = None
            return
        if self.conductance is None:
            self.conductance = self.levels.clone()
        g = self.levels
        if cfg.programming_noise:
            noise = torch.randn(g.shape, generator=self.generator) * cfg.programming_noise
            g = g + noise
        g = g.clamp(0.0, float(2**cfg.cell_bits - 1))
        self.conductance = torch.where(written, g, self.conductance)
        if self.stuck_mask is not None:
            self.conductance = torch.where(self.stuck_mask, self.stuck_value, self.conductance)

    def rewrite(self, q: torch.Tensor, compare: bool) -> tuple[int, int]:
        """Write the levels of ``q``; returns ``(cells written, cells skipped)``. With
        ``compare`` (compare-before-write) only cells whose level changes are written."""
        new = weight_levels(q.double(), self.config).float()
        if self.config.signed_weights == "offset":
            new[..., -1] = self.levels[..., -1]  # the offset column never changes
        changed = new != self.levels
        written = changed if compare else torch.ones_like(changed)
        if self.config.signed_weights == "offset" and not compare:
            written[..., -1] = False
        self.levels = new
        self._store(written)
        n_written = int(written.sum())
        n_cells = written.numel() - (written.shape[-2] * written.shape[1]
                                     if self.config.signed_weights == "offset" else 0)
        return n_written, n_cells - n_written

    def mvm_groups(self, planes: list[torch.Tensor], rows: list[torch.Tensor],
                   bits: int) -> list[torch.Tensor]:
        """Several MVM groups at once (faithful path): group ``g`` drives rows ``rows[g]``
        of W with the read cycles' DAC levels ``planes[g]`` (cycles x M_g x len(rows[g]),
        :func:`input_planes` of ``bits``-bit inputs); the groups are zero-padded to a common
        shape and run as one batch (padding rows come after the real ones, so no row tile
        changes)."""
        cfg = self.config
        g_n, m = len(planes), max(x.shape[1] for x in planes)
        k = max(len(r) for r in rows)
        cells = self.cells
        if g_n == 1:
            xb, cb = planes[0].unsqueeze(1), cells[:, :, rows[0], :].unsqueeze(0)
        else:
            xb = torch.zeros(planes[0].shape[0], g_n, m, k, dtype=torch.float32)
            cb = torch.zeros(g_n, *cells.shape[:2], k, cells.shape[3], dtype=cells.dtype)
            for g, (x, r) in enumerate(zip(planes, rows, strict=True)):
                xb[:, g, : x.shape[1], : len(r)] = x
                cb[g, :, :, : len(r)] = cells[:, :, r, :]
        sums = column_sums(xb, cb, cfg, bits, cfg.rows, self.generator,
                           rows_used=[len(r) for r in rows], planes_given=True)
        return [_combine(cfg, sums[g], self.n_cols)[: x.shape[1]]
                for g, x in enumerate(planes)]

    def state(self) -> dict[str, torch.Tensor | None]:
        """Tensors only (for ``torch.load(weights_only=True)``)."""
        return {
            "levels": self.levels,
            "conductance": self.conductance,
            "stuck_mask": self.stuck_mask,
            "stuck_value": self.stuck_value,
            "generator": None if self.generator is None else self.generator.get_state(),
        }

    def load_state(self, state: dict[str, torch.Tensor | None]) -> None:
        if state["levels"].shape != self.levels.shape:
            raise EmulationError(f"checkpoint: cells of shape {tuple(state['levels'].shape)}, "
                                 f"expected {tuple(self.levels.shape)}")
        self.levels = state["levels"]
        self.conductance = state["conductance"]
        self.stuck_mask = state["stuck_mask"]
        self.stuck_value = state["stuck_value"]
        if state["generator"] is not None and self.generator is not None:
            self.generator.set_state(state["generator"])

    @property
    def cells(self) -> torch.Tensor:
        """What a read sees: the stored conductances, or the exact levels."""
        return self.levels if self.conductance is None else self.conductance

    @property
    def weights(self) -> torch.Tensor:
        """The signed integer matrix the target levels encode (K x N)."""
        return _combine(self.config, _shift_slices(self.config, self.levels.double()),
                        self.n_cols)

    # ---- reads ------------------------------------------------------------------------
    def mvm(
        self,
        x_int: torch.Tensor,
        bits: int,
        *,
        transposed: bool = False,
        rows: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x_int @ W`` for a batch of integer vectors ``x_int`` (M x K), or ``x_int @ W.T``
        with ``transposed`` (a transposed read: inputs on the columns, ADCs on the rows,
        tiles of :attr:`CrossbarConfig.weights_per_crossbar_row`); ``rows`` drives only
        those rows of W (an MVM group of a mapping mode, ``x_int`` then M x len(rows)).
        Exact integer-valued float64 result."""
        cfg = self.config
        if not transposed:
            cells = self.cells if rows is None else self.cells[:, :, rows, :]
            if cfg.fast:
                w = self.weights if rows is None else self.weights[rows]
                return x_int.double() @ w
            sums = column_sums(x_int, cells, cfg, bits, cfg.rows, self.generator)
            return _combine(cfg, sums, self.n_cols)
        cells = self.cells[..., : self.n_cols].transpose(-1, -2)
        per_tile = cfg.weights_per_crossbar_row
        if cfg.fast and lossless_adc_bits(per_tile, cfg.cell_bits, cfg.dac_bits) <= (
            cfg.adc_bits
        ):
            return x_int.double() @ self.weights.T
        sums = column_sums(x_int, cells, cfg, bits, per_tile, self.generator)
        if cfg.signed_weights == "differential":
            return sums[0] - sums[1]
        # offset: the offset column cannot be read transposed; Q * sum(x) is added digitally
        return sums[0] - cfg.max_weight_level * x_int.double().sum(1, keepdim=True)


def _shift_slices(cfg: CrossbarConfig, levels: torch.Tensor) -> torch.Tensor:
    """Shift-and-add of slices: (arrays, slices, K, C) -> (arrays, K, C)."""
    w = torch.tensor([2.0 ** (cfg.cell_bits * s) for s in range(levels.shape[1])],
                     dtype=levels.dtype)
    return torch.einsum("askc,s->akc", levels, w)


def _combine(cfg: CrossbarConfig, sums: torch.Tensor, n: int) -> torch.Tensor:
    """Digital subtraction of the signed scheme: (arrays, M, C) -> (M, N)."""
    if cfg.signed_weights == "differential":
        return sums[0] - sums[1]
    return sums[0][:, :n] - sums[0][:, n : n + 1]


def column_sums(
    x_int: torch.Tensor,
    cells: torch.Tensor,
    cfg: CrossbarConfig,
    bits: int,
    tile_rows: int,
    generator: torch.Generator | None = None,
    rows_used: list[int] | None = None,
    planes_given: bool = False,
) -> torch.Tensor:
    """Faithful path: every read cycle x slice x row tile converted, then shift-and-add.

    ``x_int`` (M, K) signed ``bits``-bit integers, ``cells`` (arrays, slices, K, C)
    conductances; returns (arrays, M, C) float64. The ADC step follows ISAAC's rule for a
    tile of ``tile_rows`` rows (:func:`lossless_adc_bits`) against ``adc_bits``. Batched:
    ``x_int`` (G, M, K) and ``cells`` (G, arrays, slices, K, C) run G independent matrices
    at once (-> (G, arrays, M, C)); ``rows_used[g]`` says how many rows of group ``g`` are
    real (the rest zero padding: its row tiles are not converted, so draw no read noise).
    ``planes_given``: ``x_int`` already holds the read cycles' DAC levels (P, G, M, K).
    """
    batched = x_int.dim() == (4 if planes_given else 3)
    if not batched:
        x_int, cells = x_int.unsqueeze(-3), cells.unsqueeze(0)
    g_n, a_n, s_n, k, c = cells.shape
    m = x_int.shape[-2]
    planes = x_int if planes_given else input_planes(x_int, bits, cfg.dac_bits)
    p_n = planes.shape[0]
    needed = lossless_adc_bits(tile_rows, cfg.cell_bits, cfg.dac_bits)
    step = 2 ** max(needed - cfg.adc_bits, 0)
    # float32 is exact for integer sums below 2**24; with device noise the sums are not
    # integers anyway and float32's rounding (1e-7 relative) is far below the noise
    noisy = bool(cfg.programming_noise or cfg.read_noise)
    dt = torch.float32 if noisy or 2 ** (needed + 1) <= _EXACT_F32 else torch.float64
    shift = torch.tensor([[2.0 ** (cfg.dac_bits * j + cfg.cell_bits * s_) for s_ in range(s_n)]
                          for j in range(p_n)], dtype=torch.float64)
    out = torch.zeros(g_n, a_n, m, c, dtype=torch.float64)
    gen = (generator or torch.Generator().manual_seed(cfg.seed)) if cfg.read_noise else None
    rows_per_chunk = max(1, _CHUNK_ELEMENTS // max(1, g_n * p_n * a_n * s_n * c))
    for t0 in range(0, k, tile_rows):
        t1 = min(k, t0 + tile_rows)
        gt = cells[:, :, :, t0:t1, :].to(dt).permute(0, 3, 1, 2, 4).reshape(
            g_n, t1 - t0, a_n * s_n * c)
        for m0 in range(0, m, rows_per_chunk):
            m1 = min(m, m0 + rows_per_chunk)
            mc = m1 - m0
            xp = planes[:, :, m0:m1, t0:t1].to(dt).transpose(0, 1).reshape(
                g_n, p_n * mc, t1 - t0)
            sums = torch.bmm(xp, gt).view(g_n, p_n, mc, a_n, s_n, c)
            if gen is not None:
                noise = torch.randn(sums.shape, generator=gen, dtype=sums.dtype)
                if rows_used is not None:
                    live = torch.tensor([float(r > t0) for r in rows_used], dtype=sums.dtype)
                    noise = noise * live.view(-1, 1, 1, 1, 1, 1)
                sums = sums + noise * cfg.read_noise
            conv = adc(sums, cfg.adc_bits, step)  # exact in float32 when exact32
            out[:, :, m0:m1] += torch.einsum("gpmasc,ps->gamc", conv.double(), shift)
    return out if batched else out[0]


def matmul_int(
    x_int: torch.Tensor,
    w_int: torch.Tensor,
    config: CrossbarConfig,
    *,
    bits: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``x_int @ w_int`` as the crossbars compute it (integers in, integers out, float64):
    ``w_int`` (K x N) programmed into fresh cells, ``x_int`` (M x K) of ``bits`` (default
    ``config.input_bits``) applied bit-serially."""
    bits = bits or config.input_bits
    _check_range(x_int, bits, "x_int")
    _check_range(w_int, config.weight_bits, "w_int", symmetric=True)
    arr = CrossbarArray.program(w_int, config, generator)
    return arr.mvm(x_int, bits)


def matmul(
    x: torch.Tensor,
    w: torch.Tensor,
    config: CrossbarConfig,
    *,
    bits: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``x @ w`` on emulated crossbars: both operands quantised per tensor
    (:func:`quantise`, ``bits`` default ``config.input_bits``, weights
    ``config.weight_bits``), multiplied by :func:`matmul_int`, scaled back (float32)."""
    if x.dim() != 2 or w.dim() != 2 or x.shape[1] != w.shape[0]:
        raise EmulationError(
            f"matmul: x must be M x K and w K x N, got {tuple(x.shape)} and {tuple(w.shape)}"
        )
    bits = bits or config.input_bits
    xi, sx = quantise(x, bits)
    wi, sw = quantise(w, config.weight_bits)
    return (matmul_int(xi, wi, config, bits=bits, generator=generator) * (sx * sw)).float()


def _check_range(t: torch.Tensor, bits: int, name: str, symmetric: bool = False) -> None:
    top = 2 ** (bits - 1) - 1
    lo = -top if symmetric else -top - 1
    if t.numel() and (float(t.max()) > top or float(t.min()) < lo or
                      not torch.equal(t, torch.round(t))):
        raise EmulationError(f"{name}: values must be integers in [{lo}, {top}] ({bits} bits)")
