"""roles.py: the structured meaning of a node, and the error type that names the user's line."""

import inspect
import pickle

import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import roles
from tinygrad_rnn.errors import ShapeError
from tinygrad_rnn.graph import ancestors


@pytest.mark.parametrize(
    "label, scope, expected",
    [
        ("h_3", (), roles.Role("state", "h", 3)),
        ("c_0", (), roles.Role("state", "c", 0)),
        ("h'", (), roles.Role("state", "h")),
        ("h_2[1]", (), roles.Role("state", "h", 2, unit="[1]")),
        ("f_3", ("lstm", "gates"), roles.Role("gate", "f", 3)),
        ("f", ("gates",), roles.Role("gate", "f")),
        ("o_3", (), None),  # lesson 2's output: a gate letter outside a "gates" scope
        ("fc", ("gates",), None),
        ("W", (), None),
        ("hidden_3", (), None),
    ],
)
def test_role_from_label(label, scope, expected):
    assert roles.role_from_label(label, scope) == expected


def test_mark_formats_the_label_and_reads_the_cell_context():
    x = tg.randn(2, 3, requires_grad=True)
    with roles.cell_context("gru", layer=1, reverse=True), tg.scope(t=4):
        z = roles.mark(x.sigmoid(), "gate", "z")
    assert z.label == "z_4"
    assert z.role == roles.Role("gate", "z", 4, cell="gru", layer=1, reverse=True)
    new_state = roles.mark(x.tanh(), "state", "h")  # outside any time step: h prime
    assert new_state.label == "h'" and new_state.role.cell is None


def test_named_and_label_assignment_set_the_role():
    h = tg.Value(1.0).tanh().named("h_1")
    assert h.role == roles.Role("state", "h", 1)
    h.label = "output"
    assert h.role is None


@pytest.mark.parametrize(
    "names, cell",
    [({"i", "f", "g", "o"}, "lstm"), ({"r", "z", "n"}, "gru"), (set(), "rnn"), ({"f"}, None)],
)
def test_cell_of_guesses_a_hand_written_cell(names, cell):
    found = [roles.Role("gate", name) for name in names]
    if not names:
        found = [roles.Role("state", "h")]
    assert roles.cell_of(found) == cell


def test_ancestors_lists_every_node_once_in_creation_order():
    a = tg.Value(2.0)
    b = a * a + a  # a is reached three times
    found = ancestors(b)
    assert [node.id for node in found] == sorted(node.id for node in found)
    assert len(found) == len({id(node) for node in found}) == 3  # a, a*a and b
    assert found[-1] is b and found[0] is a


def test_an_error_names_the_users_line_once():
    line = inspect.currentframe().f_lineno + 1
    error = ShapeError("matmul: shapes (2, 3) and (4, 5)")
    assert str(error) == f"matmul: shapes (2, 3) and (4, 5) — at test_roles.py:{line}"
    assert str(ShapeError(str(error))) == str(error)  # already located: not appended again
    assert pickle.loads(pickle.dumps(error)).args == error.args


def test_recurrent_layers_mark_cell_layer_direction_and_step():
    import numpy as np

    from tinygrad_rnn import nn

    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    output, _ = lstm(tg.tensor(np.random.default_rng(0).normal(size=(5, 2, 3))))
    found = {}
    for node in ancestors(output):
        if node.role is not None:
            role = node.role
            found[(role.kind, role.name, role.t, role.layer, role.reverse)] = role.cell
            assert node.label == roles.label_for(role.kind, role.name, role.t)
            if role.t:
                assert role.t == node.time_step
    for layer in (0, 1):
        for reverse in (False, True):
            for t in range(1, 6):
                for kind, name in [("gate", "f"), ("gate", "i"), ("state", "c"), ("state", "h")]:
                    assert found[(kind, name, t, layer, reverse)] == "lstm"
            assert found[("state", "c", 0, layer, reverse)] == "lstm"
    gru = nn.GRUCell(3, 4)
    h = gru(tg.randn(2, 3))
    assert h.role == roles.Role("state", "h", None, cell="gru") and h.label == "h'"


def test_set_grad_enabled_as_a_call_and_as_a_block():
    x = tg.randn(2, requires_grad=True)
    with tg.set_grad_enabled(False):
        assert (x * 2).op is None and not tg.is_grad_enabled()
    assert (x * 2).op == "mul"
    tg.set_grad_enabled(False)
    try:
        assert (x * 2).op is None
    finally:
        tg.set_grad_enabled(True)
    with tg.inference_mode():
        assert (x * 2).op is None
    with tg.inference_mode(False):
        assert (x * 2).op == "mul"

    @tg.no_grad()
    def evaluate():
        return x * 2

    assert evaluate().op is None and (x * 2).op == "mul"
