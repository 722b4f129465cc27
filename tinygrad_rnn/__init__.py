"""tinygrad_rnn: an educational autodiff engine in which recurrent networks are visibly
unrolled - every time step, gate and gradient is a node you can print and step through.

    import numpy as np
    import tinygrad_rnn as tg

    W = tg.randn(4, 3, requires_grad=True, label="W")
    h = (tg.randn(2, 4) @ W).tanh()
    h.sum().backward()
    W.grad                  # dL/dW, a numpy array of shape (4, 3)

Start reading at graph.py (nodes and the backward loop), then scalar.py, ops.py and
tensor.py; then functional.py, nn/, optim/. docs/design.md maps the files.
"""

from . import bptt, data, functional, nn, ops, optim, utils
from .checkpoint import load, save
from .errors import (
    AnomalyError,
    ArgumentError,
    BackwardError,
    CheckpointError,
    DTypeError,
    ExerciseError,
    GradcheckError,
    InplaceError,
    ShapeError,
    StateDictError,
    TensorIndexError,
    TinygradError,
)
from .generator import Generator
from .gradcheck import gradcheck
from .graph import (
    BackwardStep,
    Node,
    backward_steps,
    current_time_step,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
    set_source_tracking,
    topological_order,
)
from .scalar import Value
from .tensor import (
    Tensor,
    addmm,
    cat,
    concat,
    exp,
    gather,
    get_default_dtype,
    log,
    manual_seed,
    matmul,
    ones,
    ones_like,
    randn,
    relu,
    set_default_dtype,
    sigmoid,
    stack,
    tanh,
    tensor,
    where,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

__all__ = [
    "Generator",
    "utils",
    "AnomalyError",
    "ArgumentError",
    "BackwardError",
    "BackwardStep",
    "CheckpointError",
    "DTypeError",
    "ExerciseError",
    "GradcheckError",
    "InplaceError",
    "Node",
    "ShapeError",
    "StateDictError",
    "Tensor",
    "TensorIndexError",
    "TinygradError",
    "Value",
    "addmm",
    "backward_steps",
    "bptt",
    "cat",
    "data",
    "functional",
    "concat",
    "current_time_step",
    "detect_anomaly",
    "enable_grad",
    "exp",
    "gather",
    "get_default_dtype",
    "gradcheck",
    "is_grad_enabled",
    "log",
    "manual_seed",
    "load",
    "matmul",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "randn",
    "relu",
    "save",
    "scope",
    "set_default_dtype",
    "set_source_tracking",
    "sigmoid",
    "stack",
    "tanh",
    "tensor",
    "topological_order",
    "where",
    "zeros",
    "zeros_like",
]
