"""bptt.py: the hand-derived BPTT equals the engine's autodiff of the same RNN, written
here with raw Tensor ops, to 1e-10 - every parameter gradient and every ∂J/∂h_t."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.bptt import BPTTResult, bptt, rnn_backward, rnn_forward


def random_rnn(seed, T, D, H, K, scale=0.8):
    rng = np.random.default_rng(seed)
    params = {
        "U": rng.normal(0, scale, (H, D)),
        "W": rng.normal(0, scale, (H, H)),
        "V": rng.normal(0, scale, (K, H)),
        "b": rng.normal(0, scale, H),
        "c": rng.normal(0, scale, K),
    }
    xs = rng.normal(size=(T, D))
    targets = rng.integers(0, K, size=T)
    h0 = rng.normal(0, 0.5, H)
    return params, xs, targets, h0


def engine_rnn(params, xs, targets, h0):
    """The same RNN with tinygrad_rnn Tensors; returns (J, parameter leaves, h_0, [h_1..h_T])."""
    leaves = {name: tg.tensor(a, requires_grad=True, label=name) for name, a in params.items()}
    U, W, V, b, c = (leaves[name] for name in "UWVbc")
    h_0 = tg.tensor(h0, requires_grad=True, label="h_0")
    h = h_0
    hs = []
    J = tg.tensor(0.0)
    for t in range(1, len(xs) + 1):
        with tg.scope(t=t):
            h = (U @ tg.tensor(xs[t - 1]) + W @ h + b).tanh().named(f"h_{t}")
            o = V @ h + c
            shifted = o - o.max().detach()
            log_y_hat = shifted - shifted.exp().sum().log()
            J = J - log_y_hat[int(targets[t - 1])]
            hs.append(h)
    J.backward()
    return J, leaves, h_0, hs


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    T=st.integers(1, 7),
    D=st.integers(1, 5),
    H=st.integers(1, 5),
    K=st.integers(1, 5),
    with_h0=st.booleans(),
)
def test_bptt_equals_autodiff(seed, T, D, H, K, with_h0):
    params, xs, targets, h0 = random_rnn(seed, T, D, H, K)
    if not with_h0:
        h0 = np.zeros(H)
    result = bptt(*(params[n] for n in "UWVbc"), xs, targets, h0 if with_h0 else None)
    J, leaves, h_0, hs = engine_rnn(params, xs, targets, h0)

    assert result.J == pytest.approx(J.item(), abs=1e-10)
    for name, grad in result.gradients().items():
        assert grad.shape == params[name].shape
        np.testing.assert_allclose(grad, leaves[name].grad, rtol=0, atol=1e-10, err_msg=name)
    assert result.dh.shape == (T, H)
    for t, h in enumerate(hs, start=1):
        np.testing.assert_allclose(result.h[t - 1], h.numpy(), atol=1e-12)
        np.testing.assert_allclose(result.dh[t - 1], h.grad, atol=1e-10, err_msg=f"dJ/dh_{t}")
    np.testing.assert_allclose(result.dh0, h_0.grad, atol=1e-10)


def test_last_step_gradient_is_V_transpose_times_output_error():
    params, xs, targets, _ = random_rnn(0, 4, 3, 5, 6)
    result = bptt(*(params[n] for n in "UWVbc"), xs, targets)
    one_hot = np.eye(6)[targets[-1]]
    np.testing.assert_allclose(result.dh[-1], params["V"].T @ (result.y_hat[-1] - one_hot))
    np.testing.assert_allclose(result.y_hat.sum(axis=1), 1.0)


def test_hand_computed_uniform_outputs():
    """V = 0, c = 0: every ŷ_t is uniform, J = T log K, ∂J/∂c = Σ_t (1/K - y_t),
    ∂J/∂V = Σ_t (1/K - y_t) h_tᵀ, and no gradient reaches the hidden layer."""
    T, D, H, K = 3, 2, 4, 5
    params, xs, targets, _ = random_rnn(1, T, D, H, K)
    params["V"] = np.zeros((K, H))
    params["c"] = np.zeros(K)
    result = bptt(*(params[n] for n in "UWVbc"), xs, targets)
    assert result.J == pytest.approx(T * np.log(K))
    errors = np.full((T, K), 1 / K) - np.eye(K)[targets]
    np.testing.assert_allclose(result.dc, errors.sum(axis=0))
    np.testing.assert_allclose(result.dV, errors.T @ result.h)
    for grad in (result.dU, result.dW, result.db, result.dh):
        np.testing.assert_array_equal(grad, 0.0)


def test_forward_and_backward_separately_and_tensor_parameters():
    params, xs, targets, h0 = random_rnn(2, 5, 3, 4, 3)
    forward = rnn_forward(params, xs, targets, h0)
    assert forward.h.shape == (5, 4) and forward.y_hat.shape == (5, 3)
    separate = rnn_backward(params, xs, targets, forward)
    as_tensors = {name: tg.tensor(a, requires_grad=True) for name, a in params.items()}
    combined = bptt(*(as_tensors[n] for n in "UWVbc"), xs, targets, h0)
    assert isinstance(combined, BPTTResult)
    assert combined.J == separate.J
    for name in "UWVbc":
        np.testing.assert_array_equal(combined.gradients()[name], separate.gradients()[name])


def test_bad_inputs_are_clear_errors():
    params, xs, targets, _ = random_rnn(3, 4, 3, 2, 5)
    args = [params[n] for n in "UWVbc"]
    with pytest.raises(tg.ShapeError, match=r"xs must have shape \(T, D\) = \(T, 3\)"):
        bptt(*args, xs[:, :2], targets)
    with pytest.raises(tg.ShapeError, match="do not fit together"):
        bptt(params["U"], params["W"], params["V"].T, params["b"], params["c"], xs, targets)
    with pytest.raises(tg.TensorIndexError, match=r"\[0, 5\)"):
        bptt(*args, xs, np.array([0, 1, 2, 5]))
    with pytest.raises(tg.DTypeError, match="ints"):
        bptt(*args, xs, targets.astype(float))
    with pytest.raises(tg.ShapeError, match=r"targets must have shape \(T,\) = \(4,\)"):
        bptt(*args, xs, targets[:3])
    with pytest.raises(tg.ShapeError, match="h0"):
        bptt(*args, xs, targets, h0=np.zeros(3))


def test_bptt_equals_autodiff_of_nn_elman_rnn():
    """The lesson model nn.ElmanRNN (same U, W, V, b, c) gives the same gradients, and its
    nodes labelled h_1 ... h_T carry ∂J/∂h_t after backward."""
    from tinygrad_rnn.nn.lessons import ElmanRNN

    T, D, H, K = 6, 3, 4, 5
    tg.manual_seed(0)
    model = ElmanRNN(D, H, K)
    _, xs, targets, _ = random_rnn(4, T, D, H, K)
    result = bptt(**model.state_dict(), xs=xs, targets=targets)

    o, _ = model(tg.tensor(xs))  # (T, K) scores
    J = F.cross_entropy(o, targets, reduction="sum")
    J.backward()
    assert result.J == pytest.approx(J.item(), abs=1e-10)
    for name, grad in result.gradients().items():
        np.testing.assert_allclose(grad, getattr(model, name).grad, atol=1e-10, err_msg=name)
    h_nodes = {node.label: node for node in tg.topological_order(J) if node.label}
    for t in range(1, T + 1):
        np.testing.assert_allclose(
            result.dh[t - 1], h_nodes[f"h_{t}"].grad.reshape(H), atol=1e-10, err_msg=f"h_{t}"
        )
