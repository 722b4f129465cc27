"""viz reads what a node is from its role (tinygrad_rnn/roles.py), never from its label:
a label that looks like a state but carries no role is drawn as a plain op, a cell's box
is titled by the cell nn marked, and gradient_flow picks the layer by role.layer."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import nn, roles


def box_by_title(data, title):
    (box,) = [b for b in data.boxes if b.title == title]
    return box


def small_step_graph():
    """One time step written by hand: h_1 = tanh(x W), marked as a state; a gate marked
    inside a "gates" scope and a value with a gate's name outside it."""
    W = tg.tensor(np.full((2, 2), 0.5), requires_grad=True, label="W")
    x = tg.tensor(np.ones((1, 2)), label="x")
    with tg.scope(t=1):
        with tg.scope("gates"):
            f = roles.mark((x @ W).sigmoid(), "gate", "f")
        o = roles.mark(x @ W, "step", "o")  # an output o_1, not the gate o
        h = roles.mark((f * o).tanh(), "state", "h")
        unmasked = (h * 2.0).named("h_1 (unmasked)")
        loss = (unmasked.sum() + o.sum()).named("L")
    return loss, h, unmasked


def test_box_colours_come_from_roles():
    loss, h, unmasked = small_step_graph()
    data = viz.extract(loss, grads=False)
    assert box_by_title(data, "h_1").role == "h"
    assert box_by_title(data, "f_1").role == "gate"
    assert box_by_title(data, "o_1").role == ""  # a "step" role: not a gate
    assert box_by_title(data, "h_1 (unmasked)").role == ""
    roles.unmark(h)  # the label stays "h_1", the role goes: no longer drawn as a state
    assert h.label == "h_1"
    assert box_by_title(viz.extract(loss, grads=False), "h_1").role == ""


def test_a_gate_role_outside_a_gates_scope_is_not_coloured_as_a_gate():
    x = tg.tensor(np.ones((1, 2)), requires_grad=True, label="x")
    with tg.scope(t=1):
        z = roles.mark(x.sigmoid(), "gate", "z")
    data = viz.extract(z.sum().named("L"), grads=False)
    assert z.role.is_gate and box_by_title(data, "z_1").role == ""


def hand_written_cell(cell):
    """A cell step whose only marked node is its new state h_1, of the given cell kind."""
    W = tg.tensor(np.full((2, 2), 0.5), requires_grad=True, label="W")
    x = tg.tensor(np.ones((1, 2)), label="x")
    with tg.scope("mine"), tg.scope(t=1), tg.scope("cell"):
        a = x @ W
        h = roles.mark(a.tanh(), "state", "h", cell=cell)
    return (h * h).sum().named("L")


@pytest.mark.parametrize(
    "cell, title", [("gru", "GRU cell"), ("lstm", "LSTM cell"), (None, "RNN cell")]
)
def test_a_collapsed_cell_is_titled_by_the_cell_its_nodes_were_marked_with(cell, title):
    data = viz.extract(hand_written_cell(cell), detail="cells", grads=False)
    groups = [box for box in data.boxes if box.kind == "group"]
    assert [box.title for box in groups] == [title]
    assert groups[0].role == title.split()[0].lower()


def test_the_highlighted_chain_follows_state_roles_not_labels():
    tg.manual_seed(0)
    model = nn.RNN(2, 3)
    x = tg.tensor(np.random.default_rng(0).normal(size=(3, 1, 2)), label="x")
    output, _ = model(x)
    loss = output.sum().named("L")
    chained = [b.title for b in viz.extract(loss, highlight="hidden_state").boxes if b.highlight]
    assert {"h_0", "h_1", "h_2", "h_3"} <= set(chained)
    for node in tg.graph.ancestors(loss):
        if node.label == "h_2":
            roles.unmark(node)  # h_2 is no longer a state: h_1 -> h_2 -> h_3 breaks there
    chained = [b.title for b in viz.extract(loss, highlight="hidden_state").boxes if b.highlight]
    assert "h_1" in chained and "h_2" not in chained and "h_3" not in chained


def test_gradient_flow_takes_the_top_layer_forward_direction_by_role():
    tg.manual_seed(2)
    model = nn.LSTM(2, 3, num_layers=2, bidirectional=True)
    x = tg.tensor(np.random.default_rng(2).normal(size=(4, 1, 2)), label="x")
    output, _ = model(x)
    loss = (output * output).sum()
    loss.backward()
    flow = viz.gradient_flow(loss)
    assert flow.scope == ("lstm", "l1")  # not l1_reverse, although that was computed last
    top = {}
    for node in tg.graph.ancestors(loss):
        role = node.role
        if role is not None and role.name == "h" and role.layer == 1 and not role.reverse:
            top[role.t] = np.linalg.norm(node.grad) if node.grad is not None else 0.0
    assert flow.steps == [1, 2, 3, 4]
    assert flow.h_norms == pytest.approx([top[t] for t in flow.steps], rel=1e-12)


def test_gradient_flow_reads_the_layer_from_the_role_not_the_scope_name():
    """Two hand-written layers: the one marked layer=1 is the top, though it was computed
    first and its scope is not called l1."""
    W = tg.tensor(np.full((2, 2), 0.3), requires_grad=True, label="W")
    x = tg.tensor(np.ones((1, 2)), label="x")
    states = {}
    for name, layer, scale in (("upper", 1, 1.0), ("lower", 0, 2.0)):
        with tg.scope(name), roles.cell_context("rnn", layer=layer):
            h = x
            for t in (1, 2):
                with tg.scope(t=t):
                    h = roles.mark((h @ W * scale).tanh(), "state", "h")
                states[(name, t)] = h
    loss = (states[("upper", 2)].sum() + states[("lower", 2)].sum()).named("L")
    loss.backward()
    flow = viz.gradient_flow(loss)
    assert flow.scope == ("upper",)
    expected = [np.linalg.norm(states[("upper", t)].grad) for t in (1, 2)]
    assert flow.h_norms == pytest.approx(expected, rel=1e-12)
