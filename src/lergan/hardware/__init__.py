"""lergan.hardware."""
