"""The lessons' models: ElmanRNN (U, W, V, b, c) against the textbook equations in
column-vector numpy and against nn.RNNCell + nn.Linear under the documented mapping;
many-to-one use; OutputToHiddenRNN with teacher forcing and free running feeding exactly
the documented previous outputs."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn import nn
from tinygrad_rnn.errors import ShapeError, TensorIndexError


def randomize(module, rng, scale=0.6):
    state = {k: rng.normal(0, scale, v.shape) for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    return state


def all_nodes(root):
    """Every node reachable through parents, constants included (iterative walk)."""
    seen, stack, found = set(), [root], []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        found.append(node)
        stack.extend(node.parents)
    return found


def one_hot(k, K):
    row = np.zeros(K)
    row[k] = 1.0
    return row


# --------------------------------------------------------------------------------------
# ElmanRNN
# --------------------------------------------------------------------------------------
def np_elman(p, x, h0):
    """The lesson's equations, one sequence at a time, with column vectors:
    h_t = tanh(U x_t + W h_{t-1} + b),  o_t = V h_t + c."""
    T, B, _ = x.shape
    o = np.zeros((T, B, p["V"].shape[0]))
    hs = np.zeros((T, B, p["W"].shape[0]))
    for b in range(B):
        h = h0[b]
        for t in range(T):
            h = np.tanh(p["U"] @ x[t, b] + p["W"] @ h + p["b"])
            o[t, b] = p["V"] @ h + p["c"]
            hs[t, b] = h
    return o, hs


def test_elman_parameters_have_the_lessons_names_and_shapes():
    model = nn.ElmanRNN(input_size=4, hidden_size=3, output_size=2)
    assert [(name, p.shape) for name, p in model.named_parameters()] == [
        ("U", (3, 4)),
        ("W", (3, 3)),
        ("V", (2, 3)),
        ("b", (3,)),
        ("c", (2,)),
    ]
    assert [p.label for p in model.parameters()] == ["U", "W", "V", "b", "c"]
    assert repr(model) == "ElmanRNN(4, 3, 2)"


def test_elman_matches_the_equations():
    rng = np.random.default_rng(0)
    model = nn.ElmanRNN(3, 4, 2)
    p = randomize(model, rng)
    x = rng.normal(size=(5, 2, 3))
    h0 = rng.normal(size=(2, 4))
    o, h = model(tg.tensor(x), tg.tensor(h0))
    o_ref, h_ref = np_elman(p, x, h0)
    np.testing.assert_allclose(o.numpy(), o_ref, rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), h_ref, rtol=1e-12)
    o_zero, _ = model(tg.tensor(x))
    np.testing.assert_allclose(o_zero.numpy(), np_elman(p, x, np.zeros((2, 4)))[0], rtol=1e-12)
    o_single, h_single = model(tg.tensor(x[:, 0]), tg.tensor(h0[0]))  # unbatched (T, D)
    assert o_single.shape == (5, 2) and h_single.shape == (5, 4)
    np.testing.assert_allclose(o_single.numpy(), o_ref[:, 0], rtol=1e-12)


def test_elman_gradcheck():
    rng = np.random.default_rng(1)
    model = nn.ElmanRNN(2, 3, 2)
    randomize(model, rng)
    x = tg.tensor(rng.normal(size=(4, 2, 2)), requires_grad=True)
    h0 = tg.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    assert tg.gradcheck(lambda x, h0, *ps: model(x, h0), [x, h0, *model.parameters()])


def test_elman_is_an_rnn_cell_plus_a_linear_layer():
    rng = np.random.default_rng(2)
    model = nn.ElmanRNN(3, 4, 2)
    randomize(model, rng)
    cell, fc = nn.RNNCell(3, 4), nn.Linear(4, 2)
    cell.load_state_dict(model.to_rnn_cell_state_dict())
    fc.load_state_dict(model.to_linear_state_dict())
    x = rng.normal(size=(5, 2, 3))
    o, h = model(tg.tensor(x))
    h_cell = None
    for t in range(5):
        h_cell = cell(tg.tensor(x[t]), h_cell)
        np.testing.assert_allclose(h.numpy()[t], h_cell.numpy(), rtol=1e-12)
        np.testing.assert_allclose(o.numpy()[t], fc(h_cell).numpy(), rtol=1e-12)


def test_an_rnn_cell_with_two_biases_is_an_elman_rnn_with_their_sum():
    rng = np.random.default_rng(3)
    cell = nn.RNNCell(3, 4)
    p = randomize(cell, rng)
    model = nn.ElmanRNN(3, 4, 1)
    model.U.data[...] = p["weight_ih"]
    model.W.data[...] = p["weight_hh"]
    model.b.data[...] = p["bias_ih"] + p["bias_hh"]
    x = rng.normal(size=(3, 2, 3))
    _, h = model(tg.tensor(x))
    h_cell = None
    for t in range(3):
        h_cell = cell(tg.tensor(x[t]), h_cell)
    np.testing.assert_allclose(h.numpy()[-1], h_cell.numpy(), rtol=1e-12)


def test_elman_labels_and_scopes():
    model = nn.ElmanRNN(2, 3, 2)
    o, _ = model(tg.randn(3, 1, 2))
    nodes = {n.label: n for n in tg.topological_order(o) if n.label}
    assert nodes["h_2"].scope == ("elmanrnn", "t=2") and nodes["h_2"].op == "tanh"
    assert nodes["o_3"].time_step == 3
    assert {"U", "W", "V", "b", "c"} <= set(nodes)


def test_elman_many_to_one_learns_to_classify_whole_sequences():
    """Read a sequence, answer once at the end: is the sum of the inputs positive?"""
    rng = np.random.default_rng(4)
    tg.manual_seed(4)
    model = nn.ElmanRNN(input_size=1, hidden_size=8, output_size=2)
    T, B = 6, 64

    def batch(size=B):
        x = rng.normal(size=(T, size, 1))
        return tg.tensor(x), (x.sum(axis=(0, 2)) > 0).astype(np.int64)

    losses = []
    for _ in range(300):
        x, y = batch()
        o, _ = model(x)
        loss = F.cross_entropy(o[-1], y)  # only the last step's scores o_T are used
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.5 * p.grad
        losses.append(loss.item())
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    x, y = batch(1000)
    with tg.no_grad():
        o, _ = model(x)
    assert np.mean(o.numpy()[-1].argmax(axis=1) == y) > 0.8  # 0.86-0.97 over ten seeds
    x = tg.tensor(rng.normal(size=(T, 2, 1)), requires_grad=True)
    model(x)[0][-1].sum().backward()
    assert np.all(x.grad[0] != 0)  # the answer at T depends on the first input


# --------------------------------------------------------------------------------------
# OutputToHiddenRNN: teacher forcing and free running
# --------------------------------------------------------------------------------------
def np_output_to_hidden(p, x, fed):
    """h_t = tanh(U x_t + W y_{t-1} + b), o_t = V h_t + c for one sequence x (T, D);
    fed(t, o_prev) gives y_{t-1} for steps t = 2..T (y_0 = 0)."""
    K = p["V"].shape[0]
    y_prev = np.zeros(K)
    scores = []
    for t in range(1, x.shape[0] + 1):
        h = np.tanh(p["U"] @ x[t - 1] + p["W"] @ y_prev + p["b"])
        o = p["V"] @ h + p["c"]
        scores.append(o)
        y_prev = fed(t, o)
    return np.array(scores)


def test_output_to_hidden_parameters():
    model = nn.OutputToHiddenRNN(input_size=4, hidden_size=3, output_size=5)
    assert [(name, p.shape) for name, p in model.named_parameters()] == [
        ("U", (3, 4)),
        ("W", (3, 5)),
        ("V", (5, 3)),
        ("b", (3,)),
        ("c", (5,)),
    ]


def test_teacher_forcing_feeds_the_true_previous_outputs():
    rng = np.random.default_rng(5)
    K = 4
    model = nn.OutputToHiddenRNN(3, 5, K)
    p = randomize(model, rng)
    x = rng.normal(size=(6, 2, 3))
    targets = rng.integers(0, K, size=(6, 2))
    o, h = model(tg.tensor(x), targets)
    assert o.shape == (6, 2, K) and h.shape == (6, 2, 5)
    for b in range(2):
        truth = targets[:, b]
        expected = np_output_to_hidden(
            p, x[:, b], lambda t, o, truth=truth: one_hot(truth[t - 1], K)
        )
        np.testing.assert_allclose(o.numpy()[:, b], expected, rtol=1e-12)
    fed = {n.label: n.data for n in all_nodes(o) if n.label and n.label.startswith("y_")}
    assert sorted(fed) == ["y_0", "y_1", "y_2", "y_3", "y_4", "y_5"]  # y_6 is never fed
    np.testing.assert_array_equal(fed["y_0"], 0.0)
    for t in range(1, 6):
        np.testing.assert_array_equal(fed[f"y_{t}"], np.eye(K)[targets[t - 1]])


def test_free_running_feeds_the_models_own_previous_predictions():
    rng = np.random.default_rng(6)
    K = 3
    model = nn.OutputToHiddenRNN(2, 4, K)
    p = randomize(model, rng, scale=1.5)
    x = rng.normal(size=(8, 2))  # unbatched
    o, _ = model(tg.tensor(x), teacher_forcing=False)
    expected = np_output_to_hidden(p, x, lambda t, o: one_hot(int(np.argmax(o)), K))
    np.testing.assert_allclose(o.numpy(), expected, rtol=1e-12)
    fed = {n.label: n.data for n in all_nodes(o) if n.label and n.label.startswith("ŷ_")}
    for t in range(1, 8):
        np.testing.assert_array_equal(fed[f"ŷ_{t}"][0], one_hot(np.argmax(expected[t - 1]), K))
    wrong = (expected.argmax(axis=1) + 1) % K  # targets the model never predicts
    forced, _ = model(tg.tensor(x), wrong)
    assert not np.allclose(forced.numpy()[1:], o.numpy()[1:])  # the two modes differ
    np.testing.assert_allclose(forced.numpy()[0], o.numpy()[0])  # except at t = 1: y_0 = 0


@pytest.mark.parametrize("teacher_forcing", [True, False])
def test_fed_back_outputs_are_constants_so_steps_decouple(teacher_forcing):
    rng = np.random.default_rng(7)
    model = nn.OutputToHiddenRNN(2, 3, 3)
    x = tg.tensor(rng.normal(size=(4, 2, 2)), requires_grad=True)
    targets = rng.integers(0, 3, size=(4, 2))
    o, _ = model(x, targets, teacher_forcing=teacher_forcing)
    o[-1].sum().backward()
    np.testing.assert_array_equal(x.grad[:3], 0.0)  # o_T depends on x_T only
    assert np.all(x.grad[3] != 0)


def test_output_to_hidden_gradcheck_with_teacher_forcing():
    rng = np.random.default_rng(8)
    model = nn.OutputToHiddenRNN(2, 3, 3)
    x = tg.tensor(rng.normal(size=(3, 2, 2)), requires_grad=True)
    targets = rng.integers(0, 3, size=(3, 2))
    assert tg.gradcheck(lambda x, *ps: model(x, targets), [x, *model.parameters()])


def test_trained_with_teacher_forcing_it_generates_free_running():
    """Learn the cycle 0, 1, 2, 0, 1, 2 from a constant input: each output is determined
    by the previous one, which teacher forcing supplies during training."""
    tg.manual_seed(9)
    model = nn.OutputToHiddenRNN(input_size=1, hidden_size=8, output_size=3)
    x = tg.ones(6, 1)
    targets = np.array([0, 1, 2, 0, 1, 2])
    for _ in range(200):
        o, _ = model(x, targets)
        loss = F.cross_entropy(o, targets)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 1.0 * p.grad
    with tg.no_grad():
        generated, _ = model(x, teacher_forcing=False)
    np.testing.assert_array_equal(generated.numpy().argmax(axis=1), targets)


def test_output_to_hidden_errors():
    model = nn.OutputToHiddenRNN(2, 3, 4)
    x = tg.randn(5, 2, 2)
    with pytest.raises(ValueError, match="teacher_forcing=False"):
        model(x)
    with pytest.raises(ShapeError, match=r"\(5, 2\)"):
        model(x, np.zeros((5, 3), dtype=np.int64))
    with pytest.raises(TensorIndexError, match="0..3"):
        model(x, np.full((5, 2), 4))
    with pytest.raises(ShapeError, match="OutputToHiddenRNN"):
        model(tg.randn(5, 2, 3), teacher_forcing=False)
