"""lergan.baselines."""
