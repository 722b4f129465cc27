"""Optimizers: turn the gradients that backward() left in `p.grad` into parameter updates.

    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    for x, y in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)   # optional
        optimizer.step()

Each optimizer's `step()` is the update rule of its docstring, written line by line on
numpy arrays (an update is not part of the graph, so it is plain numpy, not Tensor ops).
The rules, defaults and argument names are PyTorch's (torch.optim, for the default
single-tensor path, maximize=False), so results match PyTorch's to rounding.

Updates happen in place on `p.data`, which keeps its dtype (float32 stays float32), and
parameters whose `grad` is None (unused in this step) are skipped.

Every option is checked when the optimizer (or a parameter group) is made, with
PyTorch's rules - lr, eps, weight_decay and momentum >= 0 (0 is fine), Adam's betas in
[0, 1), nesterov only with momentum and no dampening - plus two ranges PyTorch leaves
open although values outside them wreck the parameters: SGD's dampening and RMSprop's
alpha must lie in [0, 1] (dampening 2 turns descent into ascent; alpha 1.5 makes the
running mean of g² negative and its square root NaN). Numbers must be ints or floats:
lr="0.1" or lr=None is an error, not a crash deep inside step().

The files follow PyTorch's paths (torch/optim/):

    optimizer.py   the Optimizer base: parameter groups, state, zero_grad, state_dict
    sgd.py         SGD (momentum, Nesterov, weight decay)
    rmsprop.py     RMSprop (centered, momentum)
    adam.py        Adam (and its amsgrad option)
    adamw.py       AdamW (Adam with decoupled weight decay)
    adagrad.py     Adagrad
    lr_scheduler.py  learning-rate schedules (StepLR, CosineAnnealingLR, ReduceLROnPlateau ...),
                   reachable as optim.lr_scheduler as in PyTorch

Read next: optimizer.py, then sgd.py, rmsprop.py, adam.py, adamw.py, adagrad.py; then
nn/utils/ (gradient clipping) and bptt.py (the gradients by hand).
"""

from ..nn.utils import clip_grad_norm_, clip_grad_value_  # also reachable as optim.clip_...
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "SGD",
    "clip_grad_norm_",
    "clip_grad_value_",
    "lr_scheduler",
]
