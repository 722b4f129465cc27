"""Numerical edges: saturating nonlinearities and losses at logits of ±1e4 (float64) and
±1e4 / ±100 (float32) stay finite, raise no floating-point warning, keep their dtype and
have the right gradients; and anomaly mode points at the user's line where a log of 0,
an overflowing exp or a division by zero appears.

The expected values are written out here in numpy with formulas that are stable at
those magnitudes (e.g. σ'(x) = e^{-|x|} / (1 + e^{-|x|})², not σ(1 - σ)), so they are
independent of how the engine computes them.
"""

import sys
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F

# Extreme logits as rows: a winner far ahead, a near tie at the top, and ordinary values.
ROWS = [[1e4, -1e4, 0.0], [1e4, 1e4 - 1.0, -1e4], [-1e4, 1.0, 2.0]]
CASES = [(np.float64, 1e4), (np.float32, 1e4), (np.float32, 100.0)]
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}


def logits(dtype, scale: float) -> np.ndarray:
    """ROWS with ±1e4 replaced by ±scale (the near tie stays a difference of 1)."""
    rows = np.array(ROWS, dtype=np.float64) / 1e4 * scale
    rows[1, 1] = scale - 1.0
    return rows.astype(dtype)


def leaf(array) -> tg.Tensor:
    return tg.tensor(array, requires_grad=True)


def weights_like(array) -> np.ndarray:
    """A fixed weighting w, so that d(Σ w ⊙ y)/dx tests every element of the Jacobian."""
    return (np.arange(array.size).reshape(array.shape) % 5 - 2.0).astype(array.dtype)


def backward_weighted(y: tg.Tensor, w: np.ndarray) -> None:
    (y * tg.tensor(w)).sum().backward()


def close(actual, expected, dtype) -> None:
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


@pytest.fixture(autouse=True)
def no_floating_point_warnings():
    """Any overflow, division by zero or invalid operation that numpy does not
    silence on purpose fails the test (underflow to 0 is the right answer here)."""
    with np.errstate(over="raise", divide="raise", invalid="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------------------
# Reference formulas, stable at any magnitude, in float64
# --------------------------------------------------------------------------------------
def tanh_grad(x):
    """d tanh/dx = 1 / cosh² x = 4 e^{-2|x|} / (1 + e^{-2|x|})²."""
    e = np.exp(-2 * np.abs(x))
    return 4 * e / (1 + e) ** 2


def sigmoid_ref(x):
    """σ(x) = 1 / (1 + e^{-x}) for x >= 0, e^x / (1 + e^x) for x < 0."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    """σ'(x) = e^{-|x|} / (1 + e^{-|x|})²."""
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def softmax_ref(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)


def log_softmax_ref(x):
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


# --------------------------------------------------------------------------------------
# Finite values, right gradients, dtype kept
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, scale", CASES)
def test_tanh_saturates_to_plus_minus_one_with_zero_gradient(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    w = weights_like(x.data)
    y = x.tanh()
    backward_weighted(y, w)
    assert y.dtype == dtype and x.grad.dtype == dtype
    close(y.data, np.tanh(x64), dtype)
    close(x.grad, w * tanh_grad(x64), dtype)
    assert y.data[0, 0] == 1.0 and y.data[0, 1] == -1.0 and x.grad[0, 0] == 0.0


@pytest.mark.parametrize("dtype, scale", CASES)
def test_sigmoid_saturates_to_zero_and_one_with_zero_gradient(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    w = weights_like(x.data)
    y = x.sigmoid()
    backward_weighted(y, w)
    assert y.dtype == dtype and x.grad.dtype == dtype
    close(y.data, sigmoid_ref(x64), dtype)
    close(x.grad, w * sigmoid_grad(x64), dtype)
    assert y.data[0, 0] == 1.0 and y.data[0, 1] == 0.0


@pytest.mark.parametrize("dtype, scale", CASES)
def test_softmax_at_huge_logits(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    w = weights_like(x.data)
    y = F.softmax(x, axis=1)
    backward_weighted(y, w)
    s = softmax_ref(x64)
    assert y.dtype == dtype and x.grad.dtype == dtype
    close(y.data, s, dtype)
    close(x.grad, s * (w - (s * w).sum(axis=1, keepdims=True)), dtype)  # J_softmaxᵀ w


@pytest.mark.parametrize("dtype, scale", CASES)
def test_log_softmax_at_huge_logits_is_finite(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    w = weights_like(x.data)
    y = F.log_softmax(x, axis=1)
    backward_weighted(y, w)
    assert y.dtype == dtype and np.all(np.isfinite(y.data))
    close(y.data, log_softmax_ref(x64), dtype)
    # e.g. the row [1e4, -1e4, 0] gives exactly [0, -2e4, -1e4]
    np.testing.assert_array_equal(y.data[0], np.array([0.0, -2 * scale, -scale], dtype))
    s = softmax_ref(x64)
    close(x.grad, w - s * w.sum(axis=1, keepdims=True), dtype)


@pytest.mark.parametrize("dtype, scale", CASES)
def test_cross_entropy_at_huge_logits(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    target = np.array([1, 2, 0])  # each row's target is one of its losing classes
    loss = F.cross_entropy(x, target)
    loss.backward()
    rows = np.arange(3)
    expected = -log_softmax_ref(x64)[rows, target].mean()
    assert loss.dtype == dtype and np.isfinite(loss.item())
    close(loss.item() / expected, 1.0, dtype)  # ~ 1e4: compare relatively
    one_hot = np.eye(3)[target]
    close(x.grad, (softmax_ref(x64) - one_hot) / 3, dtype)


@pytest.mark.parametrize("dtype, scale", CASES)
def test_binary_cross_entropy_with_logits_at_huge_logits(dtype, scale):
    x64 = logits(np.float64, scale)
    x = leaf(logits(dtype, scale))
    y_np = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.5]])
    loss = F.binary_cross_entropy_with_logits(x, tg.tensor(y_np.astype(dtype)), reduction="sum")
    loss.backward()
    # -y log σ(x) - (1 - y) log(1 - σ(x)), with log σ(x) = -softplus(-x) written stably
    softplus = np.maximum(x64, 0) + np.log1p(np.exp(-np.abs(x64)))  # log(1 + e^x)
    expected = (y_np * (softplus - x64) + (1 - y_np) * softplus).sum()
    assert loss.dtype == dtype and x.grad.dtype == dtype
    close(loss.item() / expected, 1.0, dtype)
    close(x.grad, sigmoid_ref(x64) - y_np, dtype)


def test_binary_cross_entropy_of_probabilities_0_and_1_is_clamped_at_100():
    """PyTorch's rule: log p >= -100, so a confident wrong answer costs 100, not inf."""
    p = leaf(np.array([0.0, 1.0, 0.0, 1.0]))
    y = tg.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    loss.sum().backward()
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    assert np.all(np.isfinite(p.grad))


@pytest.mark.parametrize("x", [1e4, -1e4, 700.0, -700.0])
def test_scalar_engine_tanh_and_sigmoid_at_huge_inputs(x):
    a = tg.Value(x)
    t = a.tanh()
    t.backward()
    assert t.data == np.tanh(x) and a.grad == pytest.approx(tanh_grad(x), abs=1e-300)
    b = tg.Value(x)
    s = b.sigmoid()
    s.backward()
    assert s.data == pytest.approx(float(sigmoid_ref(x)), abs=1e-300)
    assert b.grad == pytest.approx(float(sigmoid_grad(x)), abs=1e-300)


def test_hand_written_cross_entropy_underflows_where_the_library_one_does_not():
    """The lesson: log(softmax(x)) hits log 0 at huge logits, log_softmax does not."""
    x = leaf(np.array([[1e4, -1e4, 0.0]]))
    target = np.array([1])
    with np.errstate(divide="ignore"):
        by_hand = -F.softmax(x, axis=1).log()[0, 1]
    assert by_hand.item() == np.inf
    assert F.cross_entropy(x, target).item() == 2e4


# --------------------------------------------------------------------------------------
# Anomaly mode names the op and the line
# --------------------------------------------------------------------------------------
def line_above() -> int:
    """The line number just before the caller's current line."""
    return sys._getframe(1).f_lineno - 1


def test_log_of_zero_is_flagged_with_the_op_and_the_line():
    p = leaf(np.array([0.5, 0.0]))
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(tg.AnomalyError) as error:
            (p.log() * 2.0).sum()
        line = line_above()
    assert (
        f"log produced NaN/inf (from inputs of shapes (2,)) at test_numerical_edges.py:{line}"
        in (str(error.value))
    )


def test_log_of_zero_inside_a_time_step_names_the_step():
    p = leaf(np.array([0.5, 0.0]))
    with tg.detect_anomaly(), tg.scope(t=3), np.errstate(divide="ignore"):
        with pytest.raises(tg.AnomalyError, match=r"log \(t=3\) produced NaN/inf"):
            p.log()


def test_hand_written_cross_entropy_is_flagged_at_its_log():
    x = leaf(np.array([[1e4, -1e4, 0.0]]))
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        probabilities = F.softmax(x, axis=1)  # [1, 0, 0]: finite, so not flagged
        with pytest.raises(tg.AnomalyError) as error:
            -probabilities.log()[0, 1]
        line = line_above()
    assert str(error.value).startswith("log produced NaN/inf")
    assert f"test_numerical_edges.py:{line}" in str(error.value)


def test_exp_overflow_is_flagged_with_the_op_and_the_line():
    x = leaf(np.array([1.0, 800.0]))
    with tg.detect_anomaly(), np.errstate(over="ignore"):
        with pytest.raises(tg.AnomalyError) as error:
            x.exp()
        line = line_above()
    assert (
        f"exp produced NaN/inf (from inputs of shapes (2,)) at test_numerical_edges.py:{line}"
        in (str(error.value))
    )


def test_float32_exp_overflows_sooner_and_is_flagged():
    x = leaf(np.array([89.0], dtype=np.float32))  # e^89 > 3.4e38, the float32 maximum
    with tg.detect_anomaly(), np.errstate(over="ignore"):
        with pytest.raises(tg.AnomalyError, match="exp produced NaN/inf"):
            x.exp()


def test_division_by_zero_is_flagged_with_the_op_and_the_line():
    x = leaf(np.array([1.0, 2.0]))
    d = leaf(np.array([2.0, 0.0]))
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(tg.AnomalyError) as error:
            x / d
        line = line_above()
    assert (
        f"div produced NaN/inf (from inputs of shapes (2,), (2,)) at test_numerical_edges.py:{line}"
        in (str(error.value))
    )


def test_zero_divided_by_zero_gives_nan_and_is_flagged():
    x = leaf(np.array([0.0]))
    with tg.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(tg.AnomalyError, match="div produced NaN/inf"):
            x / x


def test_a_finite_forward_with_an_infinite_gradient_is_flagged_in_backward():
    """sqrt(x) at 0 is 0, but its derivative 1 / (2 sqrt x) is inf there."""
    x = leaf(np.array([4.0, 0.0]))
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        y = x.sqrt().sum()
        with pytest.raises(tg.AnomalyError, match="pow backward produced a NaN/inf gradient"):
            y.backward()


def test_scalar_engine_flags_log_of_zero_and_division_by_zero():
    with tg.detect_anomaly():
        with pytest.raises(tg.AnomalyError, match="log produced -inf in log node .* at test_nume"):
            tg.Value(0.0).log()
        with pytest.raises(tg.AnomalyError, match="produced inf"):
            tg.Value(1.0) / tg.Value(0.0)
        with pytest.raises(tg.AnomalyError, match="exp produced inf"):
            tg.Value(1000.0).exp()


def test_outside_anomaly_mode_the_values_are_numpys():
    """Without detect_anomaly nothing is raised: log 0 = -inf, 1/0 = inf, as in numpy."""
    x = tg.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        assert x.log().data[0] == -np.inf
        assert (1.0 / x).data[0] == np.inf
