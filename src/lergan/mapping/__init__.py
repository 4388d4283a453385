"""lergan.mapping."""
