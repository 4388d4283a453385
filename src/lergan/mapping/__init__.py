"""One operation onto crossbars, in every mapping mode, and the cost of one operation.

- :func:`map_pass` / :func:`map_operation` / :func:`map_layer_pass` ->
  :class:`LayerPassMapping` (module :mod:`lergan.mapping.mapper`): tiling, slices, signed
  scheme, bit-serial reads, mapping modes, transposed reads or copies, weight gradients on
  crossbars or digital units, updates with master weights and optimiser state.
- :func:`cost` -> :class:`OperationCost` (module :mod:`lergan.mapping.costing`): latency,
  energy per component, area, cell writes and lifetime of one mapped operation.
- :class:`MappingParams` (module :mod:`lergan.mapping.params`): the preset's numbers and
  named choices that a mapping reads.
"""

from __future__ import annotations

from lergan.mapping.costing import ENERGY_COMPONENTS, OperationCost, cost
from lergan.mapping.mapper import (
    LayerPassMapping,
    MatrixPlacement,
    map_layer_pass,
    map_operation,
    map_pass,
)
from lergan.mapping.modes import MODES
from lergan.mapping.params import MappingParams, from_architecture
from lergan.mapping.passes import PASSES

__all__ = [
    "ENERGY_COMPONENTS",
    "MODES",
    "PASSES",
    "LayerPassMapping",
    "MappingParams",
    "MatrixPlacement",
    "OperationCost",
    "cost",
    "from_architecture",
    "map_layer_pass",
    "map_operation",
    "map_pass",
]
