"""lergan.baselines: what LerGAN is compared with, on the same iteration graph.

- :mod:`~lergan.baselines.records`: :func:`~lergan.baselines.records.evaluate`, one
  :class:`~lergan.baselines.records.Record` per (benchmark, architecture, batch) for any
  architecture name (a ReRAM preset or ablation, ``gpu[:NAME]``, ``fpga[:NAME]``).
- :mod:`~lergan.baselines.gpu` / :mod:`~lergan.baselines.fpga`: roofline models of GPUs
  and FPGA boards, every number in ``baselines/data/*.yaml`` with its source.
- :mod:`~lergan.baselines.result`: :class:`~lergan.baselines.result.BaselineResult`.
- :mod:`~lergan.baselines.anchors`: the published figures the models are checked against.
- :mod:`~lergan.baselines.measure`: timing the real iteration in PyTorch (``lergan compare
  --measure``).

PRIME and the ablations are presets of :mod:`lergan.system`, not baselines here.
"""
