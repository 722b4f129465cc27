"""What a node *is* in the lessons' picture of a recurrent network: its role.

A node made by nn.LSTM at time step 3 of layer 0 carries, besides its label "f_3":

    node.role       Role(kind="gate", name="f", t=3, cell="lstm", layer=0, reverse=False)

nn writes these fields through `mark` (the one place labels are formatted), and viz,
the gradient-flow plots and the player read the fields: nothing parses a label back,
except `role_from_label` below, for labels a student writes by hand in the same
convention (`h.named(f"h_{t}")` gets the role a nn layer would give it).

The kinds of role:

    "state"  h_t, c_t: what a cell carries from one step to the next  (h_0 at t = 0)
    "gate"   i_t, f_t, g_t, o_t (LSTM), r_t, z_t, n_t (GRU)
    "step"   any other named value of one time step: o_t, alpha_t, context_t, s_tilde_t

Labels. Inside time step t a gate or state is "f_3" / "h_3"; outside any time step (a
cell module called on its own) a gate is "f" and a new state is "h'" (h prime).

Which cell, layer and direction a node belongs to comes from `cell_context`, which the
recurrent layers open around each layer-direction: `with roles.cell_context("lstm",
layer=0, reverse=False):`. Like `tg.scope`, it is per thread.

Read next: graph.py (the node that holds `role`), nn/cells.py (the code that marks gates).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from .context import context

KINDS = ("state", "gate", "step")
STATE_NAMES = ("h", "c")
GATE_NAMES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}

# The label convention, read back only for labels written by hand (see role_from_label).
_STATE_LABEL = re.compile(r"^([hc])(?:_(\d+)|')(\[[^\]]*\])?$")  # h_3, c_3, h', h_3[0]
_GATE_LABEL = re.compile(r"^([ifgorzn])(?:_(\d+)|')?(\[[^\]]*\])?$")  # f_3, z_3, f


@dataclass(frozen=True, slots=True)
class Role:
    """The structured meaning of one node (see the module docstring).

    kind     "state", "gate" or "step"
    name     "h", "c", "f", "z", "o", "alpha" ...
    t        the time step in the label: 3 for "f_3", 0 for "h_0", None for "f" and "h'"
    cell     "rnn", "lstm", "gru", or None when unknown (a hand-written cell)
    layer    0, 1, ... for a node of a stacked layer; None outside nn.RNN/LSTM/GRU
    reverse  True in the reverse direction of a bidirectional layer
    unit     "[0]" for one unit of a state written with scalars (lesson 1), else ""
    """

    kind: str
    name: str
    t: int | None = None
    cell: str | None = None
    layer: int | None = None
    reverse: bool = False
    unit: str = ""

    @property
    def is_state(self) -> bool:
        return self.kind == "state"

    @property
    def is_gate(self) -> bool:
        return self.kind == "gate"


def label_for(kind: str, name: str, t: int | None) -> str:
    """The label of a node with this role at time step t.

    label_for("gate", "f", 3) = "f_3"     label_for("gate", "f", None) = "f"
    label_for("state", "h", 3) = "h_3"    label_for("state", "h", None) = "h'"
    """
    if t is not None:
        return f"{name}_{t}"
    return f"{name}'" if kind == "state" else name


def mark(node, kind: str, name: str, *, cell: str | None = None, t: int | None = None):
    """Give `node` a role and its label, and return it:

        f = roles.mark(a_f.sigmoid(), "gate", "f")      # "f_3" inside tg.scope(t=3)

    The time step is the node's own (`tg.scope(t=...)`), unless `t` is given (t=0 for
    an initial state h_0 made before the loop). The step functions name their `cell`
    ("lstm"); otherwise it, the layer and the direction come from the enclosing
    `cell_context`.
    """
    if kind not in KINDS:
        raise ValueError(f"roles.mark: kind must be one of {KINDS}, got {kind!r}")
    if t is None:
        t = node.time_step
    node._label = label_for(kind, name, t)
    key = (kind, name, t, cell or context.cell, context.layer, context.reverse)
    role = _roles.get(key)
    if role is None:  # Roles are frozen, so every node with the same role shares one
        role = _roles[key] = Role(*key)
    node.role = role
    return node


_roles: dict[tuple, Role] = {}  # (kind, name, t, cell, layer, reverse) -> its Role


def unmark(node) -> None:
    """Take a node's role away (its label stays): e.g. the unmasked state of a padded step,
    which is not the state the next step reads."""
    node.role = None


@contextmanager
def cell_context(cell: str | None, layer: int | None = None, reverse: bool = False):
    """Every role marked inside the block belongs to this cell kind, layer and direction."""
    saved = context.cell, context.layer, context.reverse
    context.cell, context.layer, context.reverse = cell, layer, reverse
    try:
        yield
    finally:
        context.cell, context.layer, context.reverse = saved


def role_from_label(label: str | None, scope: tuple = ()) -> Role | None:
    """The role a hand-written label in the lessons' convention stands for:

        "h_3", "c_0", "h'", "h_3[0]"          -> a state
        "f_3", "z_2", "f" inside a "gates" scope -> a gate
        anything else                         -> None

    Outside a "gates" scope a gate letter is not a gate: lesson 2's output is "o_3".
    """
    if not label or len(label) > 24:  # every role label is short: skip the regexes
        return None
    match = _STATE_LABEL.match(label)
    if match:
        return Role("state", match.group(1), _step(match.group(2)), unit=match.group(3) or "")
    match = _GATE_LABEL.match(label)
    if match and "gates" in scope:
        return Role("gate", match.group(1), _step(match.group(2)), unit=match.group(3) or "")
    return None


def _step(digits: str | None) -> int | None:
    return None if digits is None else int(digits)


def cell_of(roles: list[Role]) -> str | None:
    """The cell kind these roles come from: the kind nn marked them with, or for a cell
    written by hand, a guess from its gates: i, f, g, o -> "lstm"; r, z -> "gru"; only a
    state h -> "rnn"."""
    for role in roles:
        if role.cell is not None:
            return role.cell
    gates = {role.name for role in roles if role.kind == "gate"}
    if {"i", "f", "g", "o"} <= gates:
        return "lstm"
    if {"r", "z"} <= gates:
        return "gru"
    if any(role.kind == "state" and role.name == "h" for role in roles):
        return "rnn"
    return None
