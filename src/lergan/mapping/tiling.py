"""Crossbar tiling of one K x N matrix: slices, signed columns, row and column tiles.

Formulas (``docs/architecture.md`` section 3; ISAAC, Shafiee et al., ISCA 2016, section 3):

- a weight of ``weight_bits`` takes ``slices = ceil(weight_bits / cell_bits)`` cells along a
  row; a signed weight takes ``sign = 2`` columns per slice with a differential pair and
  ``sign = 1`` with an offset encoding;
- a K x N matrix takes ``ceil(K / R)`` row tiles by ``ceil(N * slices * sign / C)`` column
  tiles on R x C crossbars;
- inputs are applied bit-serially: ``ceil(input_bits / dac_bits)`` read cycles per MVM.

Pure functions of explicit numbers; :class:`Tiling` bundles them for one matrix.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

from lergan.errors import MappingError


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for non-negative integers (exact, no floating point)."""
    return -(-a // b)


def _positive(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise MappingError(f"{name} must be a positive integer, got {value!r}")


def weight_slices(weight_bits: int, cell_bits: int) -> int:
    """Cells per weight along a row: ``ceil(weight_bits / cell_bits)`` (ISAAC: 16/2 = 8)."""
    _positive("weight_bits", weight_bits)
    _positive("cell_bits", cell_bits)
    return ceil_div(weight_bits, cell_bits)


def sign_columns(signed_weights: str) -> int:
    """Columns per weight slice for signed weights: 2 (differential pair) or 1 (offset)."""
    if signed_weights == "differential":
        return 2
    if signed_weights == "offset":
        return 1
    raise MappingError(
        f"signed_weights must be 'differential' or 'offset', got {signed_weights!r}"
    )


def read_cycles_per_mvm(input_bits: int, dac_bits: int) -> int:
    """Bit-serial read cycles of one MVM: ``ceil(input_bits / dac_bits)`` (ISAAC: 16)."""
    _positive("input_bits", input_bits)
    _positive("dac_bits", dac_bits)
    return ceil_div(input_bits, dac_bits)


def row_tiles(k: int, crossbar_rows: int) -> int:
    """Row tiles of a matrix with ``k`` rows: ``ceil(k / R)``."""
    _positive("matrix rows", k)
    _positive("crossbar_rows", crossbar_rows)
    return ceil_div(k, crossbar_rows)


def col_tiles(n: int, slices: int, sign: int, crossbar_cols: int) -> int:
    """Column tiles of a matrix with ``n`` logical columns: ``ceil(n * slices * sign / C)``."""
    _positive("matrix columns", n)
    _positive("crossbar_cols", crossbar_cols)
    return ceil_div(n * slices * sign, crossbar_cols)


def row_tile_sizes(k: int, crossbar_rows: int) -> tuple[int, ...]:
    """Rows used in each row tile (all full but the last)."""
    tiles = row_tiles(k, crossbar_rows)
    return tuple(min(crossbar_rows, k - j * crossbar_rows) for j in range(tiles))


@dataclass(frozen=True)
class Tiling:
    """How one K x N matrix lands on R x C crossbars.

    ``physical_cols = n * slices * sign`` cells columns in all; every row tile spans all
    column tiles, so ``crossbars = row_tiles * col_tiles`` and ``cells = k * physical_cols``.
    """

    k: int
    n: int
    crossbar_rows: int
    crossbar_cols: int
    slices: int
    sign: int
    row_tiles: int
    col_tiles: int

    @property
    def physical_cols(self) -> int:
        return self.n * self.slices * self.sign

    @property
    def crossbars(self) -> int:
        return self.row_tiles * self.col_tiles

    @property
    def cells(self) -> int:
        """Cells that hold weight slices (unused cells of partly filled tiles excluded)."""
        return self.k * self.physical_cols

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(physical_cols=self.physical_cols, crossbars=self.crossbars, cells=self.cells)
        return d


@functools.lru_cache(maxsize=8192, typed=True)
def tile(
    k: int, n: int, *, crossbar_rows: int, crossbar_cols: int, slices: int, sign: int
) -> Tiling:
    """Tile a K x N matrix whose weights take ``slices`` cells and ``sign`` columns each
    (memoised: the matrices of a layer's passes recur in every mode and preset)."""
    _positive("slices", slices)
    _positive("sign", sign)
    return Tiling(
        k=k,
        n=n,
        crossbar_rows=crossbar_rows,
        crossbar_cols=crossbar_cols,
        slices=slices,
        sign=sign,
        row_tiles=row_tiles(k, crossbar_rows),
        col_tiles=col_tiles(n, slices, sign, crossbar_cols),
    )
