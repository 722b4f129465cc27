"""The recurrent cells (RNNCell, LSTMCell with its peephole/coupled variants, GRUCell)
and their step functions: values against the lessons' equations written out in numpy
below, gradients against float64 finite differences, parameter layouts, labels and
scopes of the gate nodes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.errors import ShapeError


# --------------------------------------------------------------------------------------
# The equations, in numpy (x (B, D), h and c (B, H); p a dict of parameter arrays)
# --------------------------------------------------------------------------------------
def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def gate_pre(p, x, h, k, H):
    """x W_kᵀ + b_ik + h U_kᵀ + b_hk for the gate stored in rows k*H ... (k+1)*H."""
    rows = slice(k * H, (k + 1) * H)
    return (
        x @ p["weight_ih"][rows].T
        + p["bias_ih"][rows]
        + h @ p["weight_hh"][rows].T
        + (p["bias_hh"][rows])
    )


def np_rnn_cell(p, x, h, nonlinearity="tanh"):
    a = x @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
    return np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0.0)


def np_lstm_cell(p, x, h, c, peephole=False, coupled=False):
    H = h.shape[-1]
    w_ci = p.get("weight_ci", np.zeros(H)) if peephole else np.zeros(H)
    w_cf = p["weight_cf"] if peephole else np.zeros(H)
    w_co = p["weight_co"] if peephole else np.zeros(H)
    if coupled:  # rows f, g, o
        f = sigmoid(gate_pre(p, x, h, 0, H) + w_cf * c)
        i = 1.0 - f
        g = np.tanh(gate_pre(p, x, h, 1, H))
        o_pre = gate_pre(p, x, h, 2, H)
    else:  # rows i, f, g, o
        i = sigmoid(gate_pre(p, x, h, 0, H) + w_ci * c)
        f = sigmoid(gate_pre(p, x, h, 1, H) + w_cf * c)
        g = np.tanh(gate_pre(p, x, h, 2, H))
        o_pre = gate_pre(p, x, h, 3, H)
    c_new = f * c + i * g
    o = sigmoid(o_pre + w_co * c_new)
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def np_gru_cell(p, x, h):
    H = h.shape[-1]
    rows = [slice(k * H, (k + 1) * H) for k in range(3)]
    W_ih, W_hh, b_ih, b_hh = p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"]
    r = sigmoid(x @ W_ih[rows[0]].T + b_ih[rows[0]] + h @ W_hh[rows[0]].T + b_hh[rows[0]])
    z = sigmoid(x @ W_ih[rows[1]].T + b_ih[rows[1]] + h @ W_hh[rows[1]].T + b_hh[rows[1]])
    n = np.tanh(x @ W_ih[rows[2]].T + b_ih[rows[2]] + r * (h @ W_hh[rows[2]].T + b_hh[rows[2]]))
    return (1.0 - z) * n + z * h


CELL_KINDS = ["rnn_tanh", "rnn_relu", "lstm", "lstm_peephole", "lstm_coupled", "lstm_both", "gru"]


def make_cell(kind, D, H):
    if kind.startswith("rnn"):
        return nn.RNNCell(D, H, nonlinearity=kind.split("_")[1])
    if kind == "gru":
        return nn.GRUCell(D, H)
    peephole = kind in ("lstm_peephole", "lstm_both")
    coupled = kind in ("lstm_coupled", "lstm_both")
    return nn.LSTMCell(D, H, peephole=peephole, coupled=coupled)


def randomize(cell, rng, scale=0.7):
    """Load normal(0, scale) weights (larger than the init, so gates saturate a bit)."""
    state = {k: rng.normal(0, scale, v.shape) for k, v in cell.state_dict().items()}
    cell.load_state_dict(state)
    return state


def np_cell(kind, p, x, h, c):
    if kind.startswith("rnn"):
        return np_rnn_cell(p, x, h, kind.split("_")[1])
    if kind == "gru":
        return np_gru_cell(p, x, h)
    peephole = kind in ("lstm_peephole", "lstm_both")
    coupled = kind in ("lstm_coupled", "lstm_both")
    return np_lstm_cell(p, x, h, c, peephole, coupled)


# --------------------------------------------------------------------------------------
# Values and gradients
# --------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(
    kind=st.sampled_from(CELL_KINDS),
    B=st.integers(1, 3),
    D=st.integers(1, 3),
    H=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_cells_match_the_equations(kind, B, D, H, seed):
    rng = np.random.default_rng(seed)
    cell = make_cell(kind, D, H)
    p = randomize(cell, rng)
    x, h, c = rng.normal(size=(B, D)), rng.normal(size=(B, H)), rng.normal(size=(B, H))
    if kind.startswith("lstm"):
        h_new, c_new = cell(tg.tensor(x), (tg.tensor(h), tg.tensor(c)))
        h_ref, c_ref = np_cell(kind, p, x, h, c)
        np.testing.assert_allclose(c_new.numpy(), c_ref, rtol=1e-10, atol=1e-12)
    else:
        h_new = cell(tg.tensor(x), tg.tensor(h))
        h_ref = np_cell(kind, p, x, h, c)
    np.testing.assert_allclose(h_new.numpy(), h_ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", CELL_KINDS)
def test_cells_gradcheck_inputs_states_and_parameters(kind):
    rng = np.random.default_rng(3)
    cell = make_cell(kind, 3, 2)
    randomize(cell, rng)
    x = tg.tensor(rng.normal(size=(2, 3)), requires_grad=True, label="x")
    h = tg.tensor(rng.normal(size=(2, 2)), requires_grad=True, label="h")
    c = tg.tensor(rng.normal(size=(2, 2)), requires_grad=True, label="c")
    params = list(cell.parameters())
    if kind.startswith("lstm"):
        assert tg.gradcheck(lambda x, h, c, *ps: cell(x, (h, c)), [x, h, c, *params])
    else:
        assert tg.gradcheck(lambda x, h, *ps: cell(x, h), [x, h, *params])


def test_zero_initial_state_by_default():
    rng = np.random.default_rng(0)
    cell = nn.LSTMCell(2, 3)
    p = randomize(cell, rng)
    x = rng.normal(size=(4, 2))
    h_new, c_new = cell(tg.tensor(x))
    h_ref, c_ref = np_lstm_cell(p, x, np.zeros((4, 3)), np.zeros((4, 3)))
    np.testing.assert_allclose(h_new.numpy(), h_ref)
    np.testing.assert_allclose(c_new.numpy(), c_ref)
    gru = nn.GRUCell(2, 3)
    q = randomize(gru, rng)
    np.testing.assert_allclose(gru(tg.tensor(x)).numpy(), np_gru_cell(q, x, np.zeros((4, 3))))


def test_unbatched_input_equals_a_batch_of_one():
    rng = np.random.default_rng(1)
    for kind in CELL_KINDS:
        cell = make_cell(kind, 3, 2)
        randomize(cell, rng)
        x = rng.normal(size=(3,))
        batched = cell(tg.tensor(x[np.newaxis]))
        single = cell(tg.tensor(x))
        if kind.startswith("lstm"):
            np.testing.assert_allclose(single[1].numpy(), batched[1].numpy()[0])
            single, batched = single[0], batched[0]
        assert single.shape == (2,)
        np.testing.assert_allclose(single.numpy(), batched.numpy()[0])


def test_step_functions_accept_the_hidden_bias_folded_or_separate():
    rng = np.random.default_rng(2)
    H = 3
    x_proj = tg.tensor(rng.normal(size=(2, 4 * H)))
    h, c = tg.tensor(rng.normal(size=(2, H))), tg.tensor(rng.normal(size=(2, H)))
    w_T = tg.tensor(rng.normal(size=(H, 4 * H)))
    b_hh = tg.tensor(rng.normal(size=(4 * H,)))
    folded = nn.lstm_step(x_proj + b_hh, h, c, w_T)
    separate = nn.lstm_step(x_proj, h, c, w_T, b_hh)
    variant = nn.lstm_variant_step(x_proj, h, c, w_T, b_hh)  # no options: the plain LSTM
    for a, b in [(folded, separate), (variant, separate)]:
        np.testing.assert_allclose(a[0].numpy(), b[0].numpy())
        np.testing.assert_allclose(a[1].numpy(), b[1].numpy())
    rnn_folded = nn.rnn_step(x_proj[:, :H] + b_hh[:H], h, w_T[:, :H])
    rnn_separate = nn.rnn_step(x_proj[:, :H], h, w_T[:, :H], b_hh[:H])
    np.testing.assert_allclose(rnn_folded.numpy(), rnn_separate.numpy())


# --------------------------------------------------------------------------------------
# Parameter layouts and initialisation (PyTorch's, plus the documented variants)
# --------------------------------------------------------------------------------------
def shapes(module):
    return {name: p.shape for name, p in module.named_parameters()}


def test_pytorch_parameter_names_and_shapes():
    D, H = 5, 3
    assert list(shapes(nn.RNNCell(D, H)).items()) == [
        ("weight_ih", (H, D)),
        ("weight_hh", (H, H)),
        ("bias_ih", (H,)),
        ("bias_hh", (H,)),
    ]
    assert list(shapes(nn.LSTMCell(D, H)).values()) == [(4 * H, D), (4 * H, H), (4 * H,), (4 * H,)]
    assert list(shapes(nn.GRUCell(D, H)).values()) == [(3 * H, D), (3 * H, H), (3 * H,), (3 * H,)]
    assert list(shapes(nn.GRUCell(D, H, bias=False))) == ["weight_ih", "weight_hh"]


def test_peephole_and_coupled_layouts():
    D, H = 5, 3
    assert shapes(nn.LSTMCell(D, H, peephole=True)) == {
        "weight_ih": (4 * H, D),
        "weight_hh": (4 * H, H),
        "bias_ih": (4 * H,),
        "bias_hh": (4 * H,),
        "weight_ci": (H,),
        "weight_cf": (H,),
        "weight_co": (H,),
    }
    assert shapes(nn.LSTMCell(D, H, coupled=True)) == {
        "weight_ih": (3 * H, D),
        "weight_hh": (3 * H, H),
        "bias_ih": (3 * H,),
        "bias_hh": (3 * H,),
    }
    assert list(shapes(nn.LSTMCell(D, H, peephole=True, coupled=True)))[4:] == [
        "weight_cf",
        "weight_co",
    ]


@pytest.mark.parametrize("kind", ["lstm_coupled", "lstm_both", "lstm_peephole"])
def test_every_parameter_row_of_the_variants_gets_a_gradient(kind):
    rng = np.random.default_rng(4)
    cell = make_cell(kind, 2, 3)
    x = tg.tensor(rng.normal(size=(4, 2)))
    state = (tg.tensor(rng.normal(size=(4, 3))), tg.tensor(rng.normal(size=(4, 3))))
    h, c = cell(x, state)
    (h.sum() + c.sum()).backward()
    for name, p in cell.named_parameters():
        rows = np.abs(p.grad).reshape(p.shape[0], -1).sum(axis=1)
        assert np.all(rows > 0), f"{name} has rows without gradient"


def test_coupled_input_gate_is_one_minus_forget_gate():
    cell = nn.LSTMCell(2, 3, coupled=True)
    h, c = cell(tg.randn(4, 2))
    nodes = {n.label: n for n in tg.topological_order(h)}
    np.testing.assert_allclose(nodes["i"].data, 1.0 - nodes["f"].data)


def test_initialisation_is_uniform_within_one_over_sqrt_hidden():
    tg.manual_seed(0)
    cell = nn.LSTMCell(40, 16, peephole=True)
    bound = 1 / np.sqrt(16)
    everything = np.concatenate([p.data.ravel() for p in cell.parameters()])
    assert np.abs(everything).max() <= bound
    assert np.abs(everything).max() > 0.95 * bound
    assert 0.45 < np.mean(np.abs(everything) < bound / 2) < 0.55


# --------------------------------------------------------------------------------------
# Labels and scopes
# --------------------------------------------------------------------------------------
def labelled(root):
    return {n.label: n for n in tg.topological_order(root) if n.label}


def test_lstm_cell_labels_outside_a_time_step():
    cell = nn.LSTMCell(2, 3)
    h, c = cell(tg.randn(1, 2))
    nodes = labelled(h)
    for gate in "ifgo":
        assert nodes[gate].scope == ("lstmcell", "cell", "gates")
        assert nodes[gate].time_step is None
    assert nodes["c'"].scope == ("lstmcell", "cell")
    assert h.label == "h'" and c.label == "c'"
    assert nodes["weight_hh"].is_leaf
    assert nodes["i"].op == "sigmoid" and nodes["g"].op == "tanh"


def test_gru_and_rnn_cell_labels_inside_a_time_step():
    gru = nn.GRUCell(2, 3)
    with tg.scope(t=4):
        h = gru(tg.randn(2, 2))
    nodes = labelled(h)
    assert h.label == "h_4" and h.time_step == 4
    for gate, op in [("r_4", "sigmoid"), ("z_4", "sigmoid"), ("n_4", "tanh")]:
        assert nodes[gate].op == op
        assert nodes[gate].scope == ("t=4", "grucell", "cell", "gates")
    with tg.scope(t=2):
        h = nn.RNNCell(2, 3)(tg.randn(2, 2))
    assert h.label == "h_2" and h.scope == ("t=2", "rnncell", "cell")


def test_a_cell_registered_as_cell_is_not_scoped_twice():
    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.LSTMCell(2, 3)

        def forward(self, x):
            state = None
            for t in range(1, x.shape[0] + 1):
                with tg.scope(t=t):
                    state = self.cell(x[t - 1], state)
            return state

    h, c = Decoder()(tg.randn(3, 1, 2))
    nodes = labelled(h)
    assert nodes["f_2"].scope == ("decoder", "t=2", "cell", "gates")
    assert nodes["c_3"].scope == ("decoder", "t=3", "cell")
    f_times_c = nodes["c_1"].parents[0]  # c_1 = f_1 * c_0 + i_1 * g_1
    assert f_times_c.parents[1].label == "c_0" and f_times_c.parents[1].is_leaf
    assert [f"c_{t}" in nodes for t in (1, 2, 3)] == [True, True, True]


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
def test_cell_errors_name_the_cell_and_the_shapes():
    cell = nn.LSTMCell(4, 3)
    with pytest.raises(ShapeError, match=r"LSTMCell\(4, 3\).*\(batch, 4\).*\(2, 5\)"):
        cell(tg.randn(2, 5))
    with pytest.raises(ShapeError, match=r"must have shape \(2, 3\).*\(2, 4\)"):
        cell(tg.randn(2, 4), (tg.randn(2, 4), tg.randn(2, 3)))
    with pytest.raises(ShapeError, match="GRUCell"):
        nn.GRUCell(4, 3)(tg.randn(2, 4), tg.randn(3, 3))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNNCell(2, 2, nonlinearity="sigmoid")
    assert "nonlinearity='relu'" in repr(nn.RNNCell(2, 2, nonlinearity="relu"))
    assert repr(nn.LSTMCell(2, 3, peephole=True)) == "LSTMCell(2, 3, peephole=True)"
