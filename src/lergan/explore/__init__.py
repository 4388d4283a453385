"""Design-space exploration: sweeps on Dask, results in SQLite, Pareto fronts, sensitivity.

```python
from lergan.explore import load_spec, run_sweep, ResultsStore, pareto_front
spec = load_spec("sweep.yaml")                 # validated, frozen (SweepSpec)
summary = run_sweep(spec, "results.db", workers=2)   # resumes what the file holds
with ResultsStore("results.db") as store:
    rows = store.rows()                        # one dict per point x benchmark x arch
```
Modules: :mod:`.spec` (specifications), :mod:`.evaluate` (the one place a simulation is
read: ``evaluate_point``), :mod:`.execute` (Dask), :mod:`.store` (SQLite, export),
:mod:`.sweep`, :mod:`.pareto` (fronts and plots), :mod:`.sensitivity` (assumption ranges,
tornado plots). Sits above :mod:`lergan.system`; nothing below imports it.
"""

from lergan.explore.evaluate import METRICS, OBJECTIVES, evaluate_point
from lergan.explore.pareto import pareto_front
from lergan.explore.spec import SpecError, SweepSpec, load_spec
from lergan.explore.store import ResultsStore, StoreError
from lergan.explore.sweep import SweepSummary, run_sweep

__all__ = [
    "METRICS",
    "OBJECTIVES",
    "ResultsStore",
    "SpecError",
    "StoreError",
    "SweepSpec",
    "SweepSummary",
    "evaluate_point",
    "load_spec",
    "pareto_front",
    "run_sweep",
]
