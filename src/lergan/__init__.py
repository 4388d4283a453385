"""lergan: simulator and toolkit for processing-in-memory GAN-training accelerators.

Subpackages, in the one direction imports flow (nothing imports a package listed above it,
except ``report`` and ``cli``, which sit on top):

- :mod:`lergan.zerofree`  exact zero-free operations (ZFDR) and their plans
- :mod:`lergan.workload`  layers, networks, GANs, the benchmark suite, the iteration graph
- :mod:`lergan.hardware`  components, organisations and cited presets
- :mod:`lergan.mapping`   one operation onto crossbars, per mapping mode; its cost
- :mod:`lergan.system`    a whole training iteration: placement, interconnect, scheduling
- :mod:`lergan.baselines` GPU and FPGA models
- :mod:`lergan.report`    tables and plots
- :mod:`lergan.cli`       the ``lergan`` command

The everyday entry points are here too: ``lergan.trace(G, D, latent=..., image=...)`` (a
GAN from two PyTorch modules, :mod:`lergan.workload.quick`) and ``lergan.simulate(gan,
arch)`` (:func:`lergan.system.simulate`).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from lergan import compiled as _compiled

__version__ = "0.1.0"

_compiled.install()  # compiled engine modules only while their sources are unchanged

_LAZY = {
    "trace": "lergan.workload.quick",
    "simulate": "lergan.system.api",
    "resolve_gan": "lergan.workload.source",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lergan' has no attribute {name!r}")
