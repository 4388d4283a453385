"""lergan.report."""
