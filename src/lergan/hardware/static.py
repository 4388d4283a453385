"""Static power of one instance of each named component (what it draws while powered,
whether or not it acts), in watts.

Every figure is a preset field with its source or labelled assumption: ``crossbar``,
``dac``, ``adc``, ``sample_hold`` and ``shift_add`` have ``static_power_w``; a
``write_driver`` is ``write.driver_static_power_w``; buffers, digital units and links have
their own ``static_power_w``. Static energy is this power times the time the component is
powered (the system charges it over an iteration's makespan).
"""

from __future__ import annotations

from lergan.errors import HardwareError
from lergan.hardware.schema import Architecture


def component_static_power_w(arch: Architecture, name: str) -> float:
    """Static power (W) of one instance of the component ``name`` (a component kind, a
    buffer, a digital unit or a link of ``arch``)."""
    if name in ("crossbar", "dac", "adc", "sample_hold", "shift_add"):
        return getattr(arch, name).static_power_w
    if name == "write_driver":
        return arch.write.driver_static_power_w
    if name in arch.buffers:
        return arch.buffers[name].static_power_w
    if name in arch.digital:
        return arch.digital[name].static_power_w
    if name in arch.interconnect.links:
        return arch.interconnect.links[name].static_power_w
    raise HardwareError(f"organisation: no component named {name!r}")
