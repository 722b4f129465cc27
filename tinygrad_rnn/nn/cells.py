"""One time step of a vanilla RNN, an LSTM and a GRU - the cells - built from primitives.

Two layers of code, so the same arithmetic serves a hand-written loop and nn.LSTM:

1. Step functions (`rnn_step`, `lstm_step`, `lstm_variant_step`, `gru_step`): plain
   functions of tensors. They take the input projection x_t W_ihᵀ + b_ih already
   computed, because nn.RNN/LSTM/GRU compute it for all time steps in one matmul
   before the loop; a cell module computes it for its one step.
2. Cell modules (`RNNCell`, `LSTMCell`, `GRUCell`): own the weights (PyTorch's names,
   shapes and initialisation) and call the step function once.

The gate matmuls are fused, as in PyTorch: weight_hh stacks the four LSTM gates' rows
(i, f, g, o) into one (4H, H) matrix, so one matmul gives all four pre-activations,
which are then sliced apart. Every gate is still its own node, labelled for the lessons:

    LSTM  i_t, f_t, g_t, o_t (after sigmoid/tanh), c_t, h_t      GRU  r_t, z_t, n_t, h_t

where t is the time step of the enclosing `tg.scope(t=...)`. Outside any time step the
labels are i, f, g, o, r, z, n for the gates and h', c' for the new state. The gate
nonlinearities run inside `tg.scope("gates")`; a cell module's step runs inside
`tg.scope("cell")`.

Shapes: B batch, D input size, H hidden size. The step functions also accept unbatched
vectors ((H,) instead of (B, H)) because they slice the last axis with `[..., a:b]`.

Read next: recurrent.py (the layers that loop these cells over time).
"""

from __future__ import annotations

import math

from ..errors import ShapeError
from ..graph import context, format_source, scope, user_source
from ..roles import mark
from ..tensor import Tensor, addmm, zeros
from .checks import (
    check_choice,
    check_flag,
    check_float_input,
    check_float_state,
    check_sizes,
    fail,
    layer_name,
    state_pair_hint,
)
from .layers import as_tensor
from .module import Module, uniform_parameter

NONLINEARITIES = ("tanh", "relu")


# --------------------------------------------------------------------------------------
# Step functions
# --------------------------------------------------------------------------------------
def rnn_step(
    x_proj: Tensor,
    h: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One step of the vanilla (Elman) RNN, PyTorch's RNNCell:

        h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)        (or relu)

    x_proj       (B, H)  x_t W_ihᵀ + b_ih
    h            (B, H)  h_{t-1}
    weight_hh_T  (H, H)  W_hhᵀ
    bias_hh      (H,)    b_hh, or None when the caller folded it into x_proj
    Returns h_t (B, H), labelled "h_t".
    """
    a = addmm(x_proj, h, weight_hh_T)  # (B, H): x_proj + h W_hhᵀ, one node
    if bias_hh is not None:
        a = a + bias_hh
    if nonlinearity == "tanh":
        h_new = a.tanh()
    elif nonlinearity == "relu":
        h_new = a.relu()
    else:  # anything else is a mistake: this raises ArgumentError
        check_choice("rnn_step", "nonlinearity", nonlinearity, NONLINEARITIES)
    return mark(h_new, "state", "h", cell="rnn")


def lstm_step(
    x_proj: Tensor,
    h: Tensor,
    c: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One step of the LSTM, PyTorch's LSTMCell (gate rows in the order i, f, g, o):

        [a_i, a_f, a_g, a_o] = x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh     (B, 4H)
        i_t = σ(a_i)       input gate: how much of the candidate to write
        f_t = σ(a_f)       forget gate: how much of the old cell state to keep
        g_t = tanh(a_g)    candidate values
        o_t = σ(a_o)       output gate: how much of the cell to show
        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
        h_t = o_t ⊙ tanh(c_t)

    x_proj       (B, 4H)  x_t W_ihᵀ + b_ih
    h, c         (B, H)   h_{t-1}, c_{t-1}
    weight_hh_T  (H, 4H)  W_hhᵀ
    bias_hh      (4H,)    b_hh, or None when the caller folded it into x_proj
    Returns (h_t, c_t), each (B, H).

    The cell-state path c_{t-1} -> c_t is one multiply by f_t and one add: no matmul,
    no squashing, so dL/dc_{t-1} = dL/dc_t ⊙ f_t (+ what arrives through h_{t-1}).
    """
    H = h.shape[-1]
    gates = addmm(x_proj, h, weight_hh_T)  # (B, 4H): x_proj + h W_hhᵀ, the four gates side by side
    if bias_hh is not None:
        gates = gates + bias_hh
    with scope("gates"):
        i = mark(gates[..., 0 * H : 1 * H].sigmoid(), "gate", "i", cell="lstm")  # (B, H)
        f = mark(gates[..., 1 * H : 2 * H].sigmoid(), "gate", "f", cell="lstm")  # (B, H)
        g = mark(gates[..., 2 * H : 3 * H].tanh(), "gate", "g", cell="lstm")  # (B, H)
        o = mark(gates[..., 3 * H : 4 * H].sigmoid(), "gate", "o", cell="lstm")  # (B, H)
    c_new = mark(f * c + i * g, "state", "c", cell="lstm")  # (B, H)
    h_new = mark(o * c_new.tanh(), "state", "h", cell="lstm")  # (B, H)
    return h_new, c_new


def lstm_variant_step(
    x_proj: Tensor,
    h: Tensor,
    c: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
    weight_ci: Tensor | None = None,
    weight_cf: Tensor | None = None,
    weight_co: Tensor | None = None,
    coupled: bool = False,
) -> tuple[Tensor, Tensor]:
    """`lstm_step` with peephole connections and/or a coupled input-forget gate.

    Peepholes (Gers & Schmidhuber, 2000): the gates also look at the cell state,
    through diagonal weights (vectors, one weight per unit):
        i_t = σ(a_i + w_ci ⊙ c_{t-1})
        f_t = σ(a_f + w_cf ⊙ c_{t-1})
        o_t = σ(a_o + w_co ⊙ c_t)           o sees the *new* cell state
    Pass weight_ci, weight_cf, weight_co (each (H,)) to switch them on.

    Coupled input and forget gates ("CIFG", Greff et al., 2017): i_t = 1 - f_t, so
    the cell writes exactly as much as it forgets. There is no input gate to compute,
    so the gate rows are f, g, o: x_proj is (B, 3H), weight_hh_T is (H, 3H), and
    weight_ci is not used (pass None).

        c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t,    h_t = o_t ⊙ tanh(c_t)    as in lstm_step
    """
    if coupled and weight_ci is not None:
        fail(
            "lstm_variant_step",
            "coupled=True has no input gate (i = 1 - f), so weight_ci would be ignored; "
            "pass weight_ci=None",
        )
    H = h.shape[-1]
    gates = addmm(x_proj, h, weight_hh_T)  # (B, 4H) rows i, f, g, o; (B, 3H) f, g, o if coupled
    if bias_hh is not None:
        gates = gates + bias_hh
    with scope("gates"):
        if coupled:
            a_f = gates[..., 0 * H : 1 * H]  # (B, H)
            a_g = gates[..., 1 * H : 2 * H]
            a_o = gates[..., 2 * H : 3 * H]
        else:
            a_i = gates[..., 0 * H : 1 * H]  # (B, H)
            a_f = gates[..., 1 * H : 2 * H]
            a_g = gates[..., 2 * H : 3 * H]
            a_o = gates[..., 3 * H : 4 * H]
        if weight_cf is not None:
            a_f = a_f + weight_cf * c  # peephole: f_t sees c_{t-1}
        f = mark(a_f.sigmoid(), "gate", "f", cell="lstm")
        if coupled:
            i = mark(1.0 - f, "gate", "i", cell="lstm")
        else:
            if weight_ci is not None:
                a_i = a_i + weight_ci * c  # peephole: i_t sees c_{t-1}
            i = mark(a_i.sigmoid(), "gate", "i", cell="lstm")
        g = mark(a_g.tanh(), "gate", "g", cell="lstm")
    c_new = mark(f * c + i * g, "state", "c", cell="lstm")  # (B, H)
    with scope("gates"):
        if weight_co is not None:
            a_o = a_o + weight_co * c_new  # peephole: o_t sees c_t
        o = mark(a_o.sigmoid(), "gate", "o", cell="lstm")
    h_new = mark(o * c_new.tanh(), "state", "h", cell="lstm")  # (B, H)
    return h_new, c_new


def gru_step(
    x_proj: Tensor,
    h: Tensor,
    weight_hh_T: Tensor,
    bias_hh: Tensor | None = None,
) -> Tensor:
    """One step of the GRU, PyTorch's GRUCell (gate rows in the order r, z, n):

        r_t = σ(x_t W_irᵀ + b_ir + h_{t-1} W_hrᵀ + b_hr)          reset gate
        z_t = σ(x_t W_izᵀ + b_iz + h_{t-1} W_hzᵀ + b_hz)          update gate
        n_t = tanh(x_t W_inᵀ + b_in + r_t ⊙ (h_{t-1} W_hnᵀ + b_hn))  candidate
        h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}

    x_proj       (B, 3H)  x_t W_ihᵀ + b_ih
    h            (B, H)   h_{t-1}
    weight_hh_T  (H, 3H)  W_hhᵀ
    bias_hh      (3H,)    b_hh. It cannot be folded into x_proj: b_hn sits inside r_t ⊙ (...).
    Returns h_t (B, H).
    """
    H = h.shape[-1]
    if bias_hh is not None:
        h_proj = addmm(bias_hh, h, weight_hh_T)  # (B, 3H): h W_hhᵀ + b_hh, one node
    else:
        h_proj = h @ weight_hh_T  # (B, 3H)
    with scope("gates"):
        a_r = x_proj[..., 0 * H : 1 * H] + h_proj[..., 0 * H : 1 * H]  # (B, H)
        r = mark(a_r.sigmoid(), "gate", "r", cell="gru")
        a_z = x_proj[..., 1 * H : 2 * H] + h_proj[..., 1 * H : 2 * H]  # (B, H)
        z = mark(a_z.sigmoid(), "gate", "z", cell="gru")
        a_n = x_proj[..., 2 * H : 3 * H] + r * h_proj[..., 2 * H : 3 * H]  # (B, H)
        n = mark(a_n.tanh(), "gate", "n", cell="gru")
    h_new = mark((1.0 - z) * n + z * h, "state", "h", cell="gru")  # (B, H)
    return h_new


# --------------------------------------------------------------------------------------
# Cell modules
# --------------------------------------------------------------------------------------
class CellBase(Module):
    """What the three cells share: PyTorch's weights for `gate_count` stacked gates.

        weight_ih (G*H, D), weight_hh (G*H, H), bias_ih (G*H,), bias_hh (G*H,)
    all drawn from uniform(-1/√H, 1/√H), as in PyTorch.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, gate_count: int) -> None:
        super().__init__()
        owner = layer_name(self)
        sizes = {"input_size": input_size, "hidden_size": hidden_size}
        input_size, hidden_size = check_sizes(owner, sizes, minimum=1)
        bias = check_flag(owner, "bias", bias)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = gate_count * hidden_size
        self.weight_ih = uniform_parameter((rows, input_size), self.init_bound())
        self.weight_hh = uniform_parameter((rows, hidden_size), self.init_bound())
        if bias:
            self.bias_ih = uniform_parameter((rows,), self.init_bound())
            self.bias_hh = uniform_parameter((rows,), self.init_bound())
        else:
            self.bias_ih = None
            self.bias_hh = None

    def init_bound(self) -> float:
        """1/√H: PyTorch's bound for every weight of a recurrent cell or layer."""
        return 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0

    def project_input(self, x: Tensor) -> Tensor:
        """x W_ihᵀ + b_ih: (B, D) -> (B, G*H)."""
        if self.bias_ih is None:
            return x @ self.weight_ih.T  # (B, D) @ (D, G*H)
        return addmm(self.bias_ih, x, self.weight_ih.T)  # (B, G*H), one node

    def check_input(self, x) -> Tensor:
        x = as_tensor(x)
        check_float_input(repr(self), x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ShapeError(
                f"{self!r}: expected input of shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {x.shape}"
            )
        return x

    def initial_state(self, x: Tensor, name: str) -> Tensor:
        """Zeros of shape (B, H) (or (H,) for an unbatched x), labelled "h_0" / "c_0"."""
        shape = x.shape[:-1] + (self.hidden_size,)
        return zeros(shape, dtype=self.weight_hh.dtype, label=f"{name}_0")

    def check_state(self, x: Tensor, state, name: str) -> Tensor:
        hint = state_pair_hint(state, "(h, c)")
        state = check_float_state(repr(self), name, as_tensor(state))
        expected = x.shape[:-1] + (self.hidden_size,)
        if state.shape != expected:
            raise ShapeError(
                f"{self!r}: the state {name} must have shape {expected} for an input of "
                f"shape {x.shape}, got {state.shape}.{hint}"
            )
        return state

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        return text


def state_pair(hx, owner: str, names: str) -> tuple:
    """An LSTM's state `hx` as the tuple (h, c), or a clear error: its state is two
    tensors, and a single tensor would otherwise be split along its first axis."""
    if isinstance(hx, (tuple, list)) and len(hx) == 2:
        return tuple(hx)
    where_ = format_source(user_source())
    if isinstance(hx, (tuple, list)):
        raise ShapeError(
            f"{owner}: the state must be the pair {names}, got a {type(hx).__name__} of "
            f"{len(hx)} item(s)"
        )
    shape = f" of shape {hx.shape}" if hasattr(hx, "shape") else ""
    raise TypeError(
        f"{owner}: the state must be the pair {names}, got one {type(hx).__name__}{shape}; "
        f"an LSTM carries two states: pass ({names[1:-1]}) as a tuple — at {where_}"
    )


def cell_scope_name() -> str | None:
    """ "cell" - unless the innermost scope already is "cell" (a cell module registered
    as `self.cell`), so the scope reads (..., "cell", "gates"), not (..., "cell", "cell")."""
    if context.scope and context.scope[-1] == "cell":
        return None
    return "cell"


class RNNCell(CellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)   (nonlinearity="relu": relu instead).

    weight_ih (H, D), weight_hh (H, H), bias_ih (H,), bias_hh (H,).
    forward(x (B, D), hx (B, H) or None -> zeros) -> h' (B, H). Unbatched (D,) works too.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        check_choice(layer_name(self), "nonlinearity", nonlinearity, NONLINEARITIES)
        super().__init__(input_size, hidden_size, bias, gate_count=1)
        self.nonlinearity = nonlinearity

    def forward(self, x, hx=None) -> Tensor:
        x = self.check_input(x)
        if hx is None:
            h = self.initial_state(x, "h")
        else:
            h = self.check_state(x, hx, "hx")
        with scope(cell_scope_name()):
            x_proj = self.project_input(x)  # (B, H)
            h_new = rnn_step(x_proj, h, self.weight_hh.T, self.bias_hh, self.nonlinearity)
        return h_new

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.nonlinearity != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text


class LSTMCell(CellBase):
    """c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')  (see `lstm_step` for the gates).

    weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,): gate rows i, f, g, o.
    forward(x (B, D), hx = (h, c) or None -> zeros) -> (h', c'), each (B, H).

    peephole=True adds weight_ci, weight_cf, weight_co, each (H,): i and f see c, o sees c'.
    coupled=True sets i = 1 - f and drops the input gate's rows: weight_ih (3H, D),
    weight_hh (3H, H), biases (3H,) with gate rows f, g, o (and no weight_ci). Rows for
    an input gate that is never used would only receive zero gradients, so they are
    not kept. Neither option exists in PyTorch, whose state dicts are the defaults'.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        peephole: bool = False,
        coupled: bool = False,
    ) -> None:
        peephole = check_flag(layer_name(self), "peephole", peephole)
        coupled = check_flag(layer_name(self), "coupled", coupled)
        super().__init__(input_size, hidden_size, bias, gate_count=3 if coupled else 4)
        self.peephole = peephole
        self.coupled = coupled
        self.weight_ci = None  # peephole weights: Parameters only when peephole=True
        self.weight_cf = None
        self.weight_co = None
        if peephole:
            if not coupled:
                self.weight_ci = uniform_parameter((hidden_size,), self.init_bound())
            self.weight_cf = uniform_parameter((hidden_size,), self.init_bound())
            self.weight_co = uniform_parameter((hidden_size,), self.init_bound())

    def forward(self, x, hx=None) -> tuple[Tensor, Tensor]:
        x = self.check_input(x)
        if hx is None:
            h = self.initial_state(x, "h")
            c = self.initial_state(x, "c")
        else:
            hx = state_pair(hx, repr(self), "(h, c)")
            h = self.check_state(x, hx[0], "h")
            c = self.check_state(x, hx[1], "c")
        with scope(cell_scope_name()):
            x_proj = self.project_input(x)  # (B, 4H), or (B, 3H) when coupled
            if not self.peephole and not self.coupled:
                return lstm_step(x_proj, h, c, self.weight_hh.T, self.bias_hh)
            return lstm_variant_step(
                x_proj,
                h,
                c,
                self.weight_hh.T,
                self.bias_hh,
                weight_ci=self.weight_ci,
                weight_cf=self.weight_cf,
                weight_co=self.weight_co,
                coupled=self.coupled,
            )

    def extra_repr(self) -> str:
        text = super().extra_repr()
        if self.peephole:
            text += ", peephole=True"
        if self.coupled:
            text += ", coupled=True"
        return text


class GRUCell(CellBase):
    """h' = (1 - z) ⊙ n + z ⊙ h  (see `gru_step` for r, z, n).

    weight_ih (3H, D), weight_hh (3H, H), bias_ih (3H,), bias_hh (3H,): gate rows r, z, n.
    forward(x (B, D), hx (B, H) or None -> zeros) -> h' (B, H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias, gate_count=3)

    def forward(self, x, hx=None) -> Tensor:
        x = self.check_input(x)
        if hx is None:
            h = self.initial_state(x, "h")
        else:
            h = self.check_state(x, hx, "hx")
        with scope(cell_scope_name()):
            x_proj = self.project_input(x)  # (B, 3H)
            h_new = gru_step(x_proj, h, self.weight_hh.T, self.bias_hh)
        return h_new
