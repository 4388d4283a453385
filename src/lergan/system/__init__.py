"""lergan.system."""
