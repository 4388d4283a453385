"""lergan.workload."""
