"""A whole training iteration: placement, interconnect, scheduling, energy and area.

``simulate(name_or_gan, arch="lergan", batch=64, overrides=None, options=None)`` returns a
:class:`SimulationResult` (``time_s``, ``energy_j``, ``area_mm2``, ``breakdown(...)``,
``timeline``, ``to_dict()``). Modules: :mod:`.tasks` (the engine's records), :mod:`.build`
(workload + mapping -> records), :mod:`.placement` (with :mod:`.replication` and
:mod:`.ordering`), :mod:`.interconnect`, :mod:`.schedule`, :mod:`.accounting`,
:mod:`.engine`, :mod:`.result`, :mod:`.options`, :mod:`.api` (``simulate``),
:mod:`.ablation`.
"""

from lergan.system.api import simulate
from lergan.system.options import SimulationOptions
from lergan.system.result import SimulationResult

__all__ = ["SimulationOptions", "SimulationResult", "simulate"]
