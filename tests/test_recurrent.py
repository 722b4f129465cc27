"""nn.RNN, nn.LSTM, nn.GRU: stacks and bidirectional layers against a numpy reference
written out below (each sequence run alone, step by step), float64 gradchecks, padded
batches (`lengths`), PyTorch's state_dict keys, the LSTM cell-state gradient path,
labels and scopes of the unrolled graph, dropout between layers, and the errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.errors import DTypeError, ShapeError


# --------------------------------------------------------------------------------------
# numpy reference: the cell equations, and a layer that runs every sequence alone
# --------------------------------------------------------------------------------------
def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def np_step(kind, p, x, h, c):
    """One step for one sequence: x (D,), h and c (H,). Returns (h', c')."""
    H = h.shape[0]
    gx = p["weight_ih"] @ x + p["bias_ih"]  # W_ih x + b_ih, gate rows stacked
    gh = p["weight_hh"] @ h + p["bias_hh"]  # W_hh h + b_hh
    if kind == "rnn_tanh":
        return np.tanh(gx + gh), c
    if kind == "rnn_relu":
        return np.maximum(gx + gh, 0.0), c
    if kind == "gru":
        r = sigmoid(gx[:H] + gh[:H])
        z = sigmoid(gx[H : 2 * H] + gh[H : 2 * H])
        n = np.tanh(gx[2 * H :] + r * gh[2 * H :])
        return (1 - z) * n + z * h, c
    i = sigmoid(gx[:H] + gh[:H])
    f = sigmoid(gx[H : 2 * H] + gh[H : 2 * H])
    g = np.tanh(gx[2 * H : 3 * H] + gh[2 * H : 3 * H])
    o = sigmoid(gx[3 * H :] + gh[3 * H :])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def np_layer(kind, state, x, num_layers, bidirectional, h0=None, c0=None, lengths=None):
    """x (T, B, D) -> output (T, B, dirs*H), h_n, c_n (layers*dirs, B, H). Sequence b is
    run alone over its first lengths[b] steps (backwards for the reverse direction)."""
    T, B, _ = x.shape
    H = state["weight_hh_l0"].shape[1]
    dirs = 2 if bidirectional else 1
    lengths = [T] * B if lengths is None else list(lengths)
    h0 = np.zeros((num_layers * dirs, B, H)) if h0 is None else h0
    c0 = np.zeros((num_layers * dirs, B, H)) if c0 is None else c0
    h_n, c_n = np.zeros_like(h0), np.zeros_like(c0)
    layer_input = x
    for layer in range(num_layers):
        outputs = []
        for d, suffix in enumerate(["", "_reverse"][:dirs]):
            names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
            p = {name: state[f"{name}_l{layer}{suffix}"] for name in names}
            out = np.zeros((T, B, H))
            k = layer * dirs + d
            for b in range(B):
                h, c = h0[k, b], c0[k, b]
                steps = range(lengths[b]) if d == 0 else reversed(range(lengths[b]))
                for t in steps:
                    h, c = np_step(kind, p, layer_input[t, b], h, c)
                    out[t, b] = h
                h_n[k, b], c_n[k, b] = h, c
            outputs.append(out)
        layer_input = np.concatenate(outputs, axis=2)
    return layer_input, h_n, c_n


KINDS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def make_layer(kind, D, H, **options):
    if kind.startswith("rnn"):
        return nn.RNN(D, H, nonlinearity=kind.split("_")[1], **options)
    return {"lstm": nn.LSTM, "gru": nn.GRU}[kind](D, H, **options)


def randomize(module, rng, scale=0.6):
    state = {k: rng.normal(0, scale, v.shape) for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    return state


def call(layer, kind, x, h0=None, c0=None, lengths=None):
    """Run a layer; returns (output, h_n, c_n or None) as numpy arrays."""
    if kind == "lstm":
        hx = None if h0 is None else (h0, c0)
        output, (h_n, c_n) = layer(x, hx, lengths=lengths)
        return output, h_n, c_n
    output, h_n = layer(x, h0, lengths=lengths)
    return output, h_n, None


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------
@settings(max_examples=30)
@given(
    kind=st.sampled_from(KINDS),
    num_layers=st.integers(1, 2),
    bidirectional=st.booleans(),
    batch_first=st.booleans(),
    with_state=st.booleans(),
    padded=st.booleans(),
    T=st.integers(1, 4),
    B=st.integers(1, 3),
    D=st.integers(1, 3),
    H=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_layers_match_numpy(
    kind, num_layers, bidirectional, batch_first, with_state, padded, T, B, D, H, seed
):
    rng = np.random.default_rng(seed)
    layer = make_layer(
        kind, D, H, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first
    )
    state = randomize(layer, rng)
    x = rng.normal(size=(T, B, D))
    count = num_layers * (2 if bidirectional else 1)
    h0 = rng.normal(size=(count, B, H)) if with_state else None
    c0 = rng.normal(size=(count, B, H)) if with_state else None
    lengths = rng.integers(0, T + 1, size=B) if padded else None
    expected = np_layer(kind, state, x, num_layers, bidirectional, h0, c0, lengths)
    given_x = x.transpose(1, 0, 2) if batch_first else x
    h0_t = None if h0 is None else tg.tensor(h0)
    c0_t = None if c0 is None else tg.tensor(c0)
    output, h_n, c_n = call(layer, kind, tg.tensor(given_x), h0_t, c0_t, lengths)
    output = output.numpy().transpose(1, 0, 2) if batch_first else output.numpy()
    np.testing.assert_allclose(output, expected[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.numpy(), expected[1], rtol=1e-10, atol=1e-12)
    if kind == "lstm":
        np.testing.assert_allclose(c_n.numpy(), expected[2], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["rnn_tanh", "lstm", "gru"])
def test_stacked_bidirectional_gradcheck(kind):
    rng = np.random.default_rng(5)
    layer = make_layer(kind, 2, 2, num_layers=2, bidirectional=True)
    randomize(layer, rng)
    x = tg.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True, label="x")
    h0 = tg.tensor(rng.normal(size=(4, 2, 2)), requires_grad=True, label="h0")
    c0 = tg.tensor(rng.normal(size=(4, 2, 2)), requires_grad=True, label="c0")
    params = list(layer.parameters())
    if kind == "lstm":
        assert tg.gradcheck(lambda x, h0, c0, *ps: layer(x, (h0, c0)), [x, h0, c0, *params])
    else:
        assert tg.gradcheck(lambda x, h0, *ps: layer(x, h0), [x, h0, *params])


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_padded_gradcheck(kind):
    rng = np.random.default_rng(6)
    layer = make_layer(kind, 2, 2, bidirectional=True)
    randomize(layer, rng)
    x = tg.tensor(rng.normal(size=(4, 3, 2)), requires_grad=True, label="x")
    lengths = [4, 1, 2]
    assert tg.gradcheck(lambda x, *ps: layer(x, lengths=lengths), [x, *layer.parameters()])


def test_shapes_batch_first_and_unbatched():
    rng = np.random.default_rng(7)
    lstm = nn.LSTM(3, 4, num_layers=3, bidirectional=True, batch_first=True)
    randomize(lstm, rng)
    x = rng.normal(size=(2, 5, 3))  # (B, T, D)
    output, (h_n, c_n) = lstm(tg.tensor(x))
    assert output.shape == (2, 5, 8) and h_n.shape == (6, 2, 4) and c_n.shape == (6, 2, 4)
    single, (h_1, c_1) = lstm(tg.tensor(x[0]))  # unbatched (T, D): batch_first is ignored
    assert single.shape == (5, 8) and h_1.shape == (6, 4) and c_1.shape == (6, 4)
    np.testing.assert_allclose(single.numpy(), output.numpy()[0])
    np.testing.assert_allclose(h_1.numpy(), h_n.numpy()[:, 0])
    h0 = rng.normal(size=(6, 4))
    with_state, (h_2, _) = lstm(tg.tensor(x[1]), (tg.tensor(h0), tg.tensor(h0)))
    batched, (h_3, _) = lstm(tg.tensor(x[1:2]), (tg.tensor(h0[:, None]), tg.tensor(h0[:, None])))
    np.testing.assert_allclose(with_state.numpy(), batched.numpy()[0])
    gru = nn.GRU(3, 4)
    assert gru(tg.randn(5, 2, 3))[0].shape == (5, 2, 4)


# --------------------------------------------------------------------------------------
# Padded batches
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_padded_batch_equals_each_sequence_alone(kind):
    rng = np.random.default_rng(8)
    layer = make_layer(kind, 2, 3, num_layers=2, bidirectional=True)
    randomize(layer, rng)
    lengths = np.array([5, 2, 3, 1])
    x = rng.normal(size=(5, 4, 2))
    x[3:, 1] = 99.0  # padding values that must not matter
    output, h_n, c_n = call(layer, kind, tg.tensor(x), lengths=lengths)
    for b, length in enumerate(lengths):
        alone, h_alone, c_alone = call(layer, kind, tg.tensor(x[:length, b : b + 1]))
        np.testing.assert_allclose(output.numpy()[:length, b], alone.numpy()[:, 0], atol=1e-12)
        np.testing.assert_array_equal(output.numpy()[length:, b], 0.0)
        np.testing.assert_allclose(h_n.numpy()[:, b], h_alone.numpy()[:, 0], atol=1e-12)
        if kind == "lstm":
            np.testing.assert_allclose(c_n.numpy()[:, b], c_alone.numpy()[:, 0], atol=1e-12)


def test_padded_steps_get_no_gradient_and_full_lengths_change_nothing():
    rng = np.random.default_rng(9)
    lstm = nn.LSTM(2, 3, bidirectional=True, batch_first=True)
    randomize(lstm, rng)
    x = tg.tensor(rng.normal(size=(3, 4, 2)), requires_grad=True)
    lengths = tg.tensor([4, 2, 3])  # an int Tensor works as well as a list
    output, (h_n, c_n) = lstm(x, lengths=lengths)
    (output * rng.normal(size=output.shape)).sum().backward()
    np.testing.assert_array_equal(x.grad[1, 2:], 0.0)
    np.testing.assert_array_equal(x.grad[2, 3:], 0.0)
    assert np.all(x.grad[0] != 0)
    full, (h_full, _) = lstm(x, lengths=[4, 4, 4])
    plain, (h_plain, _) = lstm(x)
    np.testing.assert_array_equal(full.numpy(), plain.numpy())
    np.testing.assert_array_equal(h_full.numpy(), h_plain.numpy())


def test_zero_length_keeps_the_initial_state():
    rng = np.random.default_rng(10)
    gru = nn.GRU(2, 3)
    h0 = rng.normal(size=(1, 2, 3))
    output, h_n = gru(tg.tensor(rng.normal(size=(3, 2, 2))), tg.tensor(h0), lengths=[0, 3])
    np.testing.assert_array_equal(output.numpy()[:, 0], 0.0)
    np.testing.assert_array_equal(h_n.numpy()[0, 0], h0[0, 0])


def test_masked_steps_keep_the_state_labels():
    lstm = nn.LSTM(2, 3)
    output, (h_n, c_n) = lstm(tg.randn(4, 2, 2, requires_grad=True), lengths=[4, 2])
    nodes = [n for n in tg.topological_order(c_n) if n.label]
    c_3 = [n for n in nodes if n.label == "c_3"]
    assert len(c_3) == 1 and c_3[0].op == "where"
    assert any(n.label == "c_3 (unmasked)" for n in nodes)
    c_2 = [n for n in nodes if n.label == "c_2"]
    assert len(c_2) == 1 and c_2[0].op == "add"  # every sequence still running: no mask


# --------------------------------------------------------------------------------------
# state_dict keys: PyTorch's, written out by hand
# --------------------------------------------------------------------------------------
def test_state_dict_keys_are_pytorchs():
    keys = [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l0_reverse",
        "weight_hh_l0_reverse",
        "bias_ih_l0_reverse",
        "bias_hh_l0_reverse",
        "weight_ih_l1",
        "weight_hh_l1",
        "bias_ih_l1",
        "bias_hh_l1",
        "weight_ih_l1_reverse",
        "weight_hh_l1_reverse",
        "bias_ih_l1_reverse",
        "bias_hh_l1_reverse",
    ]
    D, H = 5, 3
    for layer_class, G in [(nn.RNN, 1), (nn.LSTM, 4), (nn.GRU, 3)]:
        state = layer_class(D, H, num_layers=2, bidirectional=True).state_dict()
        assert list(state) == keys
        assert state["weight_ih_l0"].shape == (G * H, D)
        assert state["weight_ih_l1_reverse"].shape == (G * H, 2 * H)
        assert state["weight_hh_l1"].shape == (G * H, H)
        assert state["bias_hh_l0_reverse"].shape == (G * H,)
    assert list(nn.GRU(D, H, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]


def test_state_dict_moves_between_layers_with_the_same_layout():
    rng = np.random.default_rng(11)
    a = nn.LSTM(2, 3, num_layers=2)
    randomize(a, rng)
    b = nn.LSTM(2, 3, num_layers=2)
    b.load_state_dict(a.state_dict())
    x = tg.tensor(rng.normal(size=(4, 1, 2)))
    np.testing.assert_array_equal(a(x)[0].numpy(), b(x)[0].numpy())


def test_init_is_uniform_within_one_over_sqrt_hidden():
    tg.manual_seed(0)
    bound = 1 / np.sqrt(8)
    values = np.concatenate([p.data.ravel() for p in nn.GRU(6, 8, num_layers=2).parameters()])
    assert bound * 0.95 < np.abs(values).max() <= bound


# --------------------------------------------------------------------------------------
# The LSTM cell-state path, labels and scopes
# --------------------------------------------------------------------------------------
def test_cell_state_gradient_is_f_times_the_next_plus_the_hidden_path():
    rng = np.random.default_rng(12)
    lstm = nn.LSTM(2, 3)
    randomize(lstm, rng)
    T = 5
    output, (h_n, c_n) = lstm(tg.tensor(rng.normal(size=(T, 2, 2))))
    loss = (output * rng.normal(size=output.shape)).sum() + (c_n * rng.normal(size=c_n.shape)).sum()
    loss.backward()
    nodes = {n.label: n for n in tg.topological_order(loss) if n.label}
    for t in range(2, T + 1):
        c_prev, c_t, f_t = nodes[f"c_{t - 1}"], nodes[f"c_{t}"], nodes[f"f_{t}"]
        h_prev, o_prev = nodes[f"h_{t - 1}"], nodes[f"o_{t - 1}"]
        # dL/dc_{t-1} = dL/dc_t ⊙ f_t  +  dL/dh_{t-1} ⊙ o_{t-1} ⊙ (1 - tanh²(c_{t-1}))
        through_cell = c_t.grad * f_t.data
        through_hidden = h_prev.grad * o_prev.data * (1 - np.tanh(c_prev.data) ** 2)
        np.testing.assert_allclose(c_prev.grad, through_cell + through_hidden, rtol=1e-10)
    assert "c_0" not in nodes  # the zero initial state needs no gradient


def test_labels_scopes_and_time_steps_follow_the_conventions():
    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.LSTM(2, 3, num_layers=2, bidirectional=True)

        def forward(self, x):
            return self.encoder(x)[0]

    out = Tagger()(tg.randn(4, 1, 2, requires_grad=True))
    order = tg.topological_order(out)
    f_3 = [n for n in order if n.label == "f_3"]
    assert [n.scope for n in f_3] == [
        ("tagger", "encoder", layer, "t=3", "cell", "gates")
        for layer in ("l0", "l0_reverse", "l1", "l1_reverse")
    ]
    assert all(n.time_step == 3 and n.op == "sigmoid" for n in f_3)
    h = {n.scope[2]: n for n in order if n.label == "h_4"}
    assert h["l0_reverse"].scope == ("tagger", "encoder", "l0_reverse", "t=4", "cell")
    for layer_scope in ("l0", "l1_reverse"):
        chain = [n for n in order if n.scope[2:3] == (layer_scope,) and n.label]
        c_labels = sorted(n.label for n in chain if n.label.startswith("c_"))
        assert c_labels == ["c_1", "c_2", "c_3", "c_4"]
        assert {n.time_step for n in chain if n.label.startswith("g_")} == {1, 2, 3, 4}


def test_gru_and_rnn_labels():
    out, h_n = nn.GRU(2, 3)(tg.randn(3, 1, 2, requires_grad=True))
    labels = {n.label for n in tg.topological_order(out) if n.label}
    assert {"r_1", "z_2", "n_3", "h_1", "h_3", "weight_hh_l0"} <= labels
    out, h_n = nn.RNN(2, 3)(tg.randn(3, 1, 2, requires_grad=True))
    h_2 = next(n for n in tg.topological_order(out) if n.label == "h_2")
    assert h_2.scope == ("rnn", "l0", "t=2", "cell") and h_2.op == "tanh"


def test_initial_states_are_labelled():
    h0 = tg.randn(1, 2, 3, requires_grad=True)
    c0 = tg.randn(1, 2, 3, requires_grad=True)
    out, _ = nn.LSTM(2, 3)(tg.randn(2, 2, 2), (h0, c0))
    labels = {n.label for n in tg.topological_order(out)}
    assert {"h_0", "c_0"} <= labels


def test_input_projection_is_one_matmul_before_the_loop():
    """x W_ihᵀ + b_ih for all T steps is one addmm (c + a @ b) before the loop, and each
    step has one more: the GRU's h_{t-1} W_hhᵀ + b_hh, the LSTM's x_proj_t + h_{t-1} W_hhᵀ."""
    T = 6
    for layer in (nn.GRU(2, 3, bidirectional=True), nn.LSTM(2, 3, bidirectional=True)):
        out, _ = layer(tg.randn(T, 2, 2, requires_grad=True))
        order = tg.topological_order(out)
        for layer_scope in ("l0", "l0_reverse"):
            matmuls = [n for n in order if n.op == "addmm" and n.scope[1] == layer_scope]
            before_loop = [n for n in matmuls if n.time_step is None]
            assert len(before_loop) == 1 and before_loop[0].shape == (T * 2, 3 * layer.gate_count)
            assert sorted(n.time_step for n in matmuls if n.time_step is not None) == list(
                range(1, T + 1)
            )
            assert not [n for n in order if n.op == "matmul" and n.scope[1] == layer_scope]
            transposes = [n for n in order if n.op == "transpose" and n.scope[1] == layer_scope]
            assert len(transposes) == 2 and all(n.time_step is None for n in transposes)


# --------------------------------------------------------------------------------------
# LSTM variants as layers
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("peephole,coupled", [(True, False), (False, True), (True, True)])
def test_lstm_variant_layer_equals_its_cell_looped(peephole, coupled):
    rng = np.random.default_rng(13)
    lstm = nn.LSTM(2, 3, peephole=peephole, coupled=coupled)
    state = randomize(lstm, rng)
    cell = nn.LSTMCell(2, 3, peephole=peephole, coupled=coupled)
    cell.load_state_dict({name[: -len("_l0")]: value for name, value in state.items()})
    x = rng.normal(size=(4, 2, 2))
    output, (h_n, c_n) = lstm(tg.tensor(x))
    hx = None
    for t in range(4):
        hx = cell(tg.tensor(x[t]), hx)
        np.testing.assert_allclose(output.numpy()[t], hx[0].numpy())
    np.testing.assert_allclose(c_n.numpy()[0], hx[1].numpy())
    expected_extra = []
    if peephole:
        expected_extra = ["weight_cf_l0", "weight_co_l0"]
    if peephole and not coupled:
        expected_extra = ["weight_ci_l0", "weight_cf_l0", "weight_co_l0"]
    assert list(state)[4:] == expected_extra
    assert state["weight_hh_l0"].shape == ((3 if coupled else 4) * 3, 3)


# --------------------------------------------------------------------------------------
# Dropout between layers
# --------------------------------------------------------------------------------------
def dropout_masks(root):
    return [
        n
        for n in tg.topological_order(root)
        if n.op == "mul" and any(p.label == "dropout_mask" for p in n.parents)
    ]


def test_dropout_acts_between_layers_only_in_training():
    rng = np.random.default_rng(14)
    gru = nn.GRU(2, 4, num_layers=3, dropout=0.9)
    state = randomize(gru, rng)
    x = rng.normal(size=(3, 2, 2))
    tg.manual_seed(0)
    out = gru(tg.tensor(x, requires_grad=True))[0]
    assert len(dropout_masks(out)) == 2  # after layers 0 and 1, not after the last
    assert np.all(out.numpy() != 0)  # so the output itself is never dropped
    expected = np_layer("gru", state, x, 3, False)[0]
    assert not np.allclose(out.numpy(), expected)
    gru.eval()
    out = gru(tg.tensor(x, requires_grad=True))[0]
    assert dropout_masks(out) == []
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)


def test_dropout_with_one_layer_warns():
    with pytest.warns(UserWarning, match="num_layers=1"):
        nn.LSTM(2, 3, dropout=0.5)


# --------------------------------------------------------------------------------------
# Errors and printing
# --------------------------------------------------------------------------------------
def test_wrong_input_size_names_expected_and_got():
    with pytest.raises(ShapeError, match=r"LSTM: expected input_size=3.*\(5, 2, 7\)"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 7))
    with pytest.raises(ShapeError, match=r"Axis 1 has length input_size.*\(T, B, input_size\)"):
        nn.LSTM(3, 4)(tg.randn(5, 3, 2))
    with pytest.raises(ShapeError, match="3-D input"):
        nn.GRU(3, 4)(tg.randn(2, 5, 2, 3))
    with pytest.raises(DTypeError, match="nn.Embedding"):
        nn.RNN(3, 4)(np.zeros((5, 2, 3), dtype=np.int64))


def test_wrong_initial_state_shape():
    gru = nn.GRU(3, 4, num_layers=2)
    with pytest.raises(ShapeError, match=r"h0 must have shape .* = \(2, 2, 4\), got \(1, 2, 4\)"):
        gru(tg.randn(5, 2, 3), tg.randn(1, 2, 4))
    x_batch_major = tg.randn(2, 5, 3)  # (B, T, D) given to a layer expecting (T, B, D)
    with pytest.raises(ShapeError, match="batch axis is 2 but the input has batch 5"):
        gru(x_batch_major, tg.randn(2, 2, 4))
    with pytest.raises(ShapeError, match="c0 must have shape"):
        nn.LSTM(3, 4)(tg.randn(5, 2, 3), (tg.randn(1, 2, 4), tg.randn(1, 2, 5)))


def test_wrong_lengths():
    lstm = nn.LSTM(3, 4)
    x = tg.randn(5, 2, 3)
    with pytest.raises(ShapeError, match=r"between 0 and the padded length T=5, got \[6, 2\]"):
        lstm(x, lengths=[6, 2])
    with pytest.raises(ShapeError, match=r"one length per sequence, shape \(2,\)"):
        lstm(x, lengths=[5, 2, 1])
    with pytest.raises(ShapeError, match="number of time steps"):
        lstm(x, lengths=[5, 2, 1, 1, 1])
    with pytest.raises(DTypeError, match="integers"):
        lstm(x, lengths=[5.0, 2.0])
    with pytest.raises(ShapeError, match="batched input"):
        lstm(tg.randn(5, 3), lengths=[5])


def test_repr():
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)) == (
        "LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)"
    )
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4, nonlinearity='relu')"
    assert repr(nn.GRU(3, 4, bias=False, dropout=0.0)) == "GRU(3, 4, bias=False)"
