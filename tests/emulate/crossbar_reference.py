"""A deliberately simple loop-based crossbar: Python integers, one conversion at a time.

Written from the description in lergan.emulate.crossbar's docstring, not from its code:
two's complement inputs cut into DAC chunks (last chunk signed), weights cut into cell
slices (differential pair or offset column), one ADC conversion per column per row tile per
read cycle (round half up on the magnitude, saturating), shift-and-add, adder tree.
"""

from __future__ import annotations

from math import ceil, log2


def _adc(s: int, bits: int, step: int) -> int:
    mag = abs(s)
    code = (mag + step // 2) // step if step > 1 else mag
    code = min(code, 2**bits - 1)
    return code * step if s >= 0 else -code * step


def _chunks(x: int, bits: int, d: int) -> list[int]:
    u = x % (2**bits)
    n = ceil(bits / d)
    out = []
    for j in range(n):
        width = min(d, bits - d * j)
        p = (u >> (d * j)) & (2**width - 1)
        if j == n - 1 and p >= 2 ** (width - 1):
            p -= 2**width
        out.append(p)
    return out


def _slices(v: int, c: int, n: int) -> list[int]:
    return [(v >> (c * s)) & (2**c - 1) for s in range(n)]


def reference_matmul(x, w, *, rows, cell_bits, weight_bits, bits, dac_bits, adc_bits,
                     signed_weights):
    """x: list of M lists of K ints; w: list of K lists of N ints -> M lists of N ints."""
    m_n, k_n, n_n = len(x), len(w), len(w[0])
    n_sl = ceil(weight_bits / cell_bits)
    top = 2 ** (weight_bits - 1) - 1
    needed = ceil(log2(rows * (2**cell_bits - 1) * (2**dac_bits - 1) + 1))
    step = 2 ** max(needed - adc_bits, 0)
    if signed_weights == "differential":
        arrays = [[[max(w[k][n], 0) for n in range(n_n)] for k in range(k_n)],
                  [[max(-w[k][n], 0) for n in range(n_n)] for k in range(k_n)]]
    else:
        arrays = [[[w[k][n] + top for n in range(n_n)] + [top] for k in range(k_n)]]
    out = []
    for i in range(m_n):
        planes = [_chunks(x[i][k], bits, dac_bits) for k in range(k_n)]
        totals = []
        for arr in arrays:
            cols = len(arr[0])
            col_tot = []
            for n in range(cols):
                acc = 0
                for t0 in range(0, k_n, rows):
                    for j in range(len(planes[0]) if planes else 0):
                        for s in range(n_sl):
                            col = 0
                            for k in range(t0, min(k_n, t0 + rows)):
                                col += planes[k][j] * _slices(arr[k][n], cell_bits, n_sl)[s]
                            acc += _adc(col, adc_bits, step) << (dac_bits * j + cell_bits * s)
                col_tot.append(acc)
            totals.append(col_tot)
        if signed_weights == "differential":
            out.append([totals[0][n] - totals[1][n] for n in range(n_n)])
        else:
            out.append([totals[0][n] - totals[0][n_n] for n in range(n_n)])
    return out
