"""Gradient utilities: `clip_grad_norm_` and `clip_grad_value_` (filled in by the optim work)."""
