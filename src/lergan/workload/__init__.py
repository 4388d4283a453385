"""What runs: layer, network and GAN descriptions, the benchmark suite, tracing of PyTorch
modules, and the dataflow graph of one training iteration with its MAC counts.

```python
from lergan.workload import layers, GAN, Network, suite
gan = suite.get("dcgan")
from lergan.workload.iteration import build_iteration, IterationOptions
graph = build_iteration(gan, batch=64)
```
Torch is imported only by :mod:`lergan.workload.modules`, :mod:`~lergan.workload.trace` and
:mod:`~lergan.workload.reference`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from lergan.workload import layers, suite
from lergan.workload.gan import GAN, GanInput, LayerShape, Loss, Network, NetworkCall, NetworkInput
from lergan.workload.layers import LAYER_KINDS, Layer

_LAZY = {
    "build_iteration": "lergan.workload.iteration",
    "IterationOptions": "lergan.workload.iteration",
    "IterationGraph": "lergan.workload.iteration",
    "Operation": "lergan.workload.iteration",
    "build_module": "lergan.workload.modules",
    "build_gan_modules": "lergan.workload.modules",
    "trace_network": "lergan.workload.trace",
    "trace_gan": "lergan.workload.trace",
    "structure": "lergan.workload.trace",
    "reference_iteration": "lergan.workload.reference",
    "count_iteration_flops": "lergan.workload.reference",
    "count_forward_flops": "lergan.workload.reference",
}

__all__ = [
    "GAN",
    "LAYER_KINDS",
    "GanInput",
    "Layer",
    "LayerShape",
    "Loss",
    "Network",
    "NetworkCall",
    "NetworkInput",
    "layers",
    "suite",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lergan.workload' has no attribute {name!r}")
