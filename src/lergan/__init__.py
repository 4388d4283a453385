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
"""

__version__ = "0.1.0"
