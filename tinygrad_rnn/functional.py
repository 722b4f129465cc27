"""Composite functions: softmax, losses, dropout and attention, built only from primitives.

    import tinygrad_rnn.functional as F
    logits = model(x)                          # (N, C)
    loss = F.cross_entropy(logits, targets)    # targets: N class indices in [0, C)
    loss.backward()

Nothing here has a backward of its own. Every function is a few Tensor operations
(`exp`, `log`, `max`, `sum`, indexing, `where` ...), so the graph shows *how* a loss is
computed and the engine derives its gradient. Names, argument order, defaults and
reductions follow PyTorch's `torch.nn.functional`; the few deviations are listed in the
docstrings ("Differs from PyTorch").

This file is the doorway: `F.X` finds every function. They live by topic, one file each:

    functional_checks.py       the shared argument checks (float input, axis / dim)
    functional_activations.py  softmax, log_softmax, dropout
    functional_targets.py      the losses' checks of targets and class weights
    functional_losses.py       nll_loss, cross_entropy, mse_loss, binary_cross_entropy ...
    functional_attention.py    masked_softmax, attend, attention
    functional_conv.py         conv2d, max_pool2d, avg_pool2d, unfold, fold (ops_conv.Unfold)
    functional_transformer.py  gelu, layer_norm, scaled_dot_product_attention

Read next: functional_activations.py, then optim/ (what to do with the gradients) and
nn/ (the layers).
"""

from __future__ import annotations

# Every name below is re-exported: F.softmax, F.cross_entropy ... (nn.Attention uses F._attend)
from .functional_activations import dropout, log_softmax, softmax  # noqa: F401
from .functional_attention import (  # noqa: F401
    MASKED_SCORE,
    _attend,
    attend,
    attention,
    masked_softmax,
)
from .functional_conv import avg_pool2d, conv2d, fold, max_pool2d, unfold  # noqa: F401
from .functional_losses import (  # noqa: F401
    LOG_CLAMP,
    REDUCTIONS,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from .functional_targets import TARGET_SLACK  # noqa: F401
from .functional_transformer import gelu, layer_norm, scaled_dot_product_attention  # noqa: F401
