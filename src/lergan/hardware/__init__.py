"""lergan.hardware: hardware descriptions as cited data, loaded into typed SI objects.

```python
from lergan.hardware import list_presets, load_preset
arch = load_preset("lergan", overrides={"adc.bits": 6})
arch.provenance("adc.energy_j")      # value (SI), unit, source, derivation / assumption
```
"""

from lergan.hardware.loader import (
    apply_overrides,
    list_presets,
    load_preset,
    parse_set_options,
    raw_tree,
)
from lergan.hardware.schema import (
    Adc,
    Architecture,
    Buffer,
    Cell,
    Crossbar,
    Dac,
    DigitalUnit,
    Interconnect,
    Link,
    Organisation,
    Precision,
    Provenance,
    SampleHold,
    ShiftAdd,
    Technology,
    Training,
    WriteModel,
)

__all__ = [
    "Adc",
    "Architecture",
    "Buffer",
    "Cell",
    "Crossbar",
    "Dac",
    "DigitalUnit",
    "Interconnect",
    "Link",
    "Organisation",
    "Precision",
    "Provenance",
    "SampleHold",
    "ShiftAdd",
    "Technology",
    "Training",
    "WriteModel",
    "apply_overrides",
    "list_presets",
    "load_preset",
    "parse_set_options",
    "raw_tree",
]
