"""lergan.zerofree."""
