"""Layer descriptions (lergan.workload.layers) used by the mapping tests."""

from __future__ import annotations

from lergan.workload.layers import Conv, ConvTranspose, Linear


def tconv(rank=2, cin=4, cout=3, k=4, s=2, p=1, op=0, d=1, groups=1, name="tconv"):
    return ConvTranspose(name=name, rank=rank, in_channels=cin, out_channels=cout,
                         kernel_size=k, stride=s, padding=p, output_padding=op, dilation=d,
                         groups=groups)


def conv(rank=2, cin=4, cout=3, k=4, s=2, p=1, d=1, groups=1, name="conv"):
    return Conv(name=name, rank=rank, in_channels=cin, out_channels=cout, kernel_size=k,
                stride=s, padding=p, dilation=d, groups=groups)


def linear(fin=300, fout=100, name="fc"):
    return Linear(name=name, in_features=fin, out_features=fout)
