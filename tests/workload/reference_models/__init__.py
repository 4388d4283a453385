"""Independent reference networks of the benchmark suite, written from each official code.

These modules are plain ``torch.nn.Module`` classes written by hand from the official code
(or the paper where there is none); they do not use ``lergan.workload``. Tests compare the
networks that ``lergan.workload`` builds from its own descriptions against them: layer by
layer shapes, parameter counts, and (where the tracer can) the traced description.

Each module states the file and commit it was read from and the parameter count that the
official code gives (computed from its layer sizes; checked in ``test_suite_reference``).
"""
