"""functional.py: softmax, log_softmax, the losses and dropout, checked against numpy
formulas written out here, against hand-computed numbers, and by float64 gradcheck."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import arrays

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F

EXAMPLES = settings(max_examples=25, deadline=None)


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def np_log_softmax(x, axis):
    """x - log Σ e^x, written with the max shift."""
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


@st.composite
def array_and_axis(draw, min_dims=1):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    x = draw(arrays(shape, -5.0, 5.0))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return x, axis


@st.composite
def logits_and_targets(draw):
    """(N, C) or (N, C, d) logits with matching int targets, some set to ignore_index."""
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 5))
    extra = draw(st.sampled_from([(), (2,), (3, 2)]))
    logits = draw(arrays((n, c) + extra, -4.0, 4.0))
    target_shape = (n,) + extra
    targets = draw(hnp.arrays(np.int64, target_shape, elements=st.integers(0, c - 1)))
    ignored = draw(hnp.arrays(np.bool_, target_shape))
    return logits, np.where(ignored, -100, targets)


def np_cross_entropy(
    logits, targets, reduction="mean", ignore_index=-100, weight=None, label_smoothing=0.0
):
    """Loop over every (n, d...) position, PyTorch's definition written out:
    loss = (1 - ε) w[y] (-log ŷ[y]) + ε/C Σ_c w_c (-log ŷ[c]); mean divides by Σ w[y]."""
    classes = logits.shape[1]
    w = np.ones(classes) if weight is None else weight
    losses = np.zeros(targets.shape)
    denominator = 0.0
    for position in np.ndindex(targets.shape):
        y = targets[position]
        if y == ignore_index:
            continue
        log_y_hat = np_log_softmax(logits[(position[0], slice(None)) + position[1:]], 0)
        nll = -w[y] * log_y_hat[y]
        smooth = -np.sum(w * log_y_hat)
        losses[position] = (1 - label_smoothing) * nll + label_smoothing / classes * smooth
        denominator += w[y]
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / denominator if denominator else np.nan


# --------------------------------------------------------------------------------------
# softmax and log_softmax
# --------------------------------------------------------------------------------------
@EXAMPLES
@given(array_and_axis())
def test_softmax_matches_numpy_formula(case):
    x, axis = case
    expected = np.exp(x) / np.exp(x).sum(axis=axis, keepdims=True)
    out = F.softmax(tg.tensor(x), axis=axis)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(out.numpy().sum(axis=axis), 1.0, rtol=1e-12)


@EXAMPLES
@given(array_and_axis())
def test_log_softmax_matches_numpy_formula(case):
    x, axis = case
    expected = x - np.log(np.exp(x).sum(axis=axis, keepdims=True))
    out = F.log_softmax(tg.tensor(x), axis=axis)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(array_and_axis())
def test_softmax_and_log_softmax_gradcheck(case):
    x, axis = case
    assert tg.gradcheck(lambda x: F.softmax(x, axis=axis), [leaf(x)])
    assert tg.gradcheck(lambda x: F.log_softmax(x, axis=axis), [leaf(x)])


def test_softmax_output_is_labelled_and_dim_default_is_last_axis():
    x = tg.tensor([[1.0, 2.0], [3.0, 5.0]])
    out = F.softmax(x)
    assert out.label == "softmax"
    assert F.log_softmax(x).label == "log_softmax"
    np.testing.assert_allclose(out.numpy().sum(axis=-1), [1.0, 1.0])
    np.testing.assert_array_equal(F.softmax(x, dim=0).numpy(), F.softmax(x, axis=0).numpy())
    np.testing.assert_array_equal(F.log_softmax(x, dim=0).numpy(), F.log_softmax(x, 0).numpy())
    assert not np.allclose(F.softmax(x, dim=0).numpy(), out.numpy())


def test_log_softmax_is_stable_at_plus_minus_1e4_with_correct_gradients():
    x = leaf([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]])
    out = F.log_softmax(x, axis=1)
    log2 = np.log(2)
    expected = [[0.0, -2e4, -1e4], [-2e4, -2e4, 0.0], [-log2, -log2, -2e4 - log2]]
    assert np.all(np.isfinite(out.numpy()))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-15, atol=1e-12)
    # d/dx Σ_i w_i log_softmax(x)_i = w - softmax(x) Σ w
    weights = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0], [1.0, -2.0, 4.0]])
    (out * tg.tensor(weights)).sum().backward()
    softmax = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    expected_grad = weights - softmax * weights.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad, expected_grad, atol=1e-12)
    assert np.all(np.isfinite(F.softmax(x).numpy()))


def test_softmax_at_plus_minus_1e4_has_correct_gradient():
    x = leaf([1e4, -1e4, 1e4])
    out = F.softmax(x)
    np.testing.assert_allclose(out.numpy(), [0.5, 0.0, 0.5])
    out[0].backward()  # d s_0 / d x_j = s_0 (δ_0j - s_j)
    np.testing.assert_allclose(x.grad, [0.25, 0.0, -0.25], atol=1e-15)


# --------------------------------------------------------------------------------------
# cross_entropy and nll_loss
# --------------------------------------------------------------------------------------
@EXAMPLES
@given(logits_and_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_matches_numpy_loop(case, reduction):
    logits, targets = case
    if reduction == "mean" and np.all(targets == -100):
        with pytest.raises(tg.ArgumentError, match="nothing to average"):  # PyTorch: nan
            F.cross_entropy(tg.tensor(logits), targets, reduction=reduction)
        return
    out = F.cross_entropy(tg.tensor(logits), targets, reduction=reduction)
    expected = np_cross_entropy(logits, targets, reduction)
    if reduction == "none":
        assert out.shape == targets.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(logits_and_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_gradcheck(case, reduction):
    logits, targets = case
    if reduction == "mean" and np.all(targets == -100):
        targets = targets.copy()
        targets.flat[0] = 0
    assert tg.gradcheck(lambda x: F.cross_entropy(x, targets, reduction=reduction), [leaf(logits)])


@EXAMPLES
@given(
    logits_and_targets(),
    st.sampled_from(["mean", "sum", "none"]),
    st.booleans(),
    st.sampled_from([0.0, 0.1, 1.0]),
    st.data(),
)
def test_cross_entropy_with_weight_and_label_smoothing(case, reduction, weighted, eps, data):
    logits, targets = case
    if np.all(targets == -100):
        targets = targets.copy()
        targets.flat[0] = 0
    weight = data.draw(arrays((logits.shape[1],), 0.1, 2.0)) if weighted else None
    out = F.cross_entropy(
        tg.tensor(logits), targets, weight, reduction=reduction, label_smoothing=eps
    )
    expected = np_cross_entropy(logits, targets, reduction, -100, weight, eps)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(
        lambda x: F.cross_entropy(x, targets, weight, reduction=reduction, label_smoothing=eps),
        [leaf(logits)],
    )


def test_nll_loss_weight_mean_divides_by_the_target_weights():
    log_probs = np.log(np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]]))
    weight = np.array([1.0, 3.0])
    loss = F.nll_loss(tg.tensor(log_probs), [1, 0, -100], weight).item()
    expected = (3.0 * -np.log(0.8) + 1.0 * -np.log(0.6)) / (3.0 + 1.0)
    assert loss == pytest.approx(expected, rel=1e-14)
    with pytest.raises(tg.ShapeError, match=r"nll_loss: weight .* shape \(2,\)"):
        F.nll_loss(tg.tensor(log_probs), [1, 0, 0], np.ones(3))
    with pytest.raises(TypeError):
        F.nll_loss(tg.tensor(log_probs), [1, 0, 0], None, -100)  # keyword-only


def test_cross_entropy_hand_computed_with_ignore_index():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0], [5.0, -5.0]])  # softmax [1/2,1/2], [3/4,1/4]
    targets = np.array([1, 0, -100])
    losses = F.cross_entropy(tg.tensor(logits), targets, reduction="none").numpy()
    np.testing.assert_allclose(losses, [np.log(2), np.log(4 / 3), 0.0], rtol=1e-14)
    total = np.log(2) + np.log(4 / 3)
    np.testing.assert_allclose(
        F.cross_entropy(tg.tensor(logits), targets, reduction="sum").item(), total
    )
    mean = F.cross_entropy(tg.tensor(logits), targets).item()
    np.testing.assert_allclose(mean, total / 2, rtol=1e-14)  # 2 counted targets, not 3
    # a different ignore_index: class 0 is ignored now, -100 would be out of range
    custom = F.cross_entropy(tg.tensor(logits), np.array([1, 0, 0]), ignore_index=0)
    np.testing.assert_allclose(custom.item(), np.log(2), rtol=1e-14)


def test_cross_entropy_ignored_rows_get_zero_gradient():
    x = leaf(np.random.default_rng(0).normal(size=(3, 4)))
    F.cross_entropy(x, [2, -100, 1]).backward()
    np.testing.assert_array_equal(x.grad[1], 0.0)
    softmax = np.exp(np_log_softmax(x.numpy(), 1))
    expected = softmax.copy()
    expected[0, 2] -= 1
    expected[2, 1] -= 1
    np.testing.assert_allclose(x.grad[[0, 2]], expected[[0, 2]] / 2, rtol=1e-12)


def test_cross_entropy_of_a_single_vector_with_a_scalar_target():
    logits = np.array([1.0, 2.0, 0.5])
    out = F.cross_entropy(tg.tensor(logits), 1)
    assert out.shape == ()
    np.testing.assert_allclose(out.item(), -np_log_softmax(logits, 0)[1], rtol=1e-14)
    assert tg.gradcheck(lambda x: F.cross_entropy(x, np.int64(2)), [leaf(logits)])


def test_cross_entropy_is_stable_for_huge_logits():
    x = leaf([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    loss = F.cross_entropy(x, [1, 1], reduction="sum")
    np.testing.assert_allclose(loss.item(), 2e4, rtol=1e-15)  # row 0: 2e4, row 1: 0
    loss.backward()
    np.testing.assert_allclose(x.grad, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-15)


def test_cross_entropy_accepts_int_tensors_lists_and_arrays_as_targets():
    logits = tg.tensor(np.random.default_rng(1).normal(size=(3, 4)))
    expected = F.cross_entropy(logits, np.array([0, 3, 1])).item()
    assert F.cross_entropy(logits, [0, 3, 1]).item() == expected
    assert F.cross_entropy(logits, tg.tensor(np.array([0, 3, 1]))).item() == expected
    assert F.cross_entropy(logits, np.array([0, 3, 1], dtype=np.int32)).item() == expected


def test_nll_loss_equals_cross_entropy_of_log_softmax_and_picks_entries():
    log_probs = np.log(np.array([[0.2, 0.8], [0.6, 0.4]]))
    loss = F.nll_loss(tg.tensor(log_probs), [1, 0], reduction="none")
    np.testing.assert_allclose(loss.numpy(), [-np.log(0.8), -np.log(0.6)], rtol=1e-14)
    logits = np.random.default_rng(2).normal(size=(4, 3, 2))
    targets = np.array([[0, 2], [1, -100], [2, 2], [0, 1]])
    a = F.nll_loss(F.log_softmax(tg.tensor(logits), axis=1), targets)
    b = F.cross_entropy(tg.tensor(logits), targets)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-14)
    assert tg.gradcheck(lambda x: F.nll_loss(x, targets, reduction="sum"), [leaf(logits)])


def test_nll_loss_ignores_minus_inf_at_ignored_positions():
    x = leaf([[-np.inf, 0.0], [-1.0, -2.0]])  # row 0 ignored: picking its -inf must not leak
    loss = F.nll_loss(x, [-100, 1])
    assert loss.item() == 2.0
    loss.backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [0.0, -1.0]])


def test_cross_entropy_errors_name_function_shapes_and_line():
    logits = tg.randn(2, 3, 4, rng=0)
    with pytest.raises(tg.ShapeError) as info:
        F.cross_entropy(logits, np.zeros((2, 3), dtype=int))
    message = str(info.value)
    assert "cross_entropy" in message and "(2, 3, 4)" in message and "(2, 4)" in message
    assert "permute" in message and "test_functional.py:" in message
    with pytest.raises(tg.TensorIndexError, match=r"cross_entropy.*\[0, 3\).*\[3\]"):
        F.cross_entropy(tg.randn(2, 3, rng=0), [0, 3])
    with pytest.raises(tg.TensorIndexError, match=r"\[-1\]"):
        F.cross_entropy(tg.randn(2, 3, rng=0), [0, -1])
    with pytest.raises(tg.DTypeError, match="cross_entropy.*integers.*float64"):
        F.cross_entropy(tg.randn(2, 3, rng=0), np.array([0.0, 1.0]))
    with pytest.raises(tg.DTypeError, match="nll_loss"):
        F.nll_loss(tg.randn(2, 3, rng=0), np.array([True, False]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(tg.randn(2, 3, rng=0), [0, 1], reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(tg.randn(2, 3, rng=0), [0, 1], label_smoothing=1.5)
    with pytest.raises(tg.ShapeError, match=r"cross_entropy.*\(3,\).*\(\).*got \(1,\)"):
        F.cross_entropy(tg.randn(3, rng=0), [1])
    with pytest.raises(tg.DTypeError, match="cross_entropy"):
        F.cross_entropy(tg.tensor(np.array([[1, 2]])), [0])


def test_softmax_bad_axis_is_a_clear_error():
    with pytest.raises(tg.ShapeError, match=r"softmax: axis 2 .* shape \(2, 3\)"):
        F.softmax(tg.randn(2, 3, rng=0), axis=2)


# --------------------------------------------------------------------------------------
# mse_loss, binary_cross_entropy, binary_cross_entropy_with_logits
# --------------------------------------------------------------------------------------
@EXAMPLES
@given(st.data(), st.sampled_from(["mean", "sum", "none"]))
def test_mse_loss_matches_numpy_and_gradcheck(data, reduction):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    x, y = data.draw(arrays(shape)), data.draw(arrays(shape))
    out = F.mse_loss(tg.tensor(x), tg.tensor(y), reduction=reduction)
    expected = {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction]((x - y) ** 2)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-15)
    assert tg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [leaf(x), leaf(y)])


def test_mse_loss_refuses_silent_broadcasting():
    with pytest.raises(tg.ShapeError, match=r"mse_loss.*\(4, 1\).*\(4,\)"):
        F.mse_loss(tg.randn(4, 1, rng=0), tg.randn(4, rng=1))


@EXAMPLES
@given(st.data(), st.sampled_from(["mean", "sum", "none"]), st.booleans())
def test_binary_cross_entropy_matches_numpy_and_gradcheck(data, reduction, weighted):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    p = data.draw(arrays(shape, 0.05, 0.95))
    y = data.draw(arrays(shape, 0.0, 1.0))
    w = data.draw(arrays(shape, 0.1, 2.0)) if weighted else None
    weight = tg.tensor(w) if weighted else None
    out = F.binary_cross_entropy(tg.tensor(p), tg.tensor(y), weight, reduction=reduction)
    losses = -(y * np.log(p) + (1 - y) * np.log(1 - p)) * (w if weighted else 1.0)
    expected = {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](losses)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert tg.gradcheck(
        lambda a: F.binary_cross_entropy(a, tg.tensor(y), weight, reduction=reduction), [leaf(p)]
    )


def test_binary_cross_entropy_clamps_log_at_minus_100_like_pytorch():
    p = leaf([0.0, 1.0, 0.0, 1.0, 1e-50, 0.5])
    y = tg.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    losses = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(losses.numpy(), [100.0, 100.0, 0.0, 0.0, 100.0, np.log(2)])
    losses.sum().backward()
    assert np.all(np.isfinite(p.grad))
    assert p.grad[5] == pytest.approx(-2.0)  # -y/p + (1-y)/(1-p) at p = 1/2
    np.testing.assert_array_equal(p.grad[:2], 0.0)  # the clamp is a constant there


def test_binary_cross_entropy_rejects_non_probabilities():
    with pytest.raises(ValueError, match="binary_cross_entropy.*between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5, 1.5]), tg.tensor([1.0, 0.0]))
    with pytest.raises(tg.ShapeError, match="binary_cross_entropy"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5]), tg.tensor([[1.0, 0.0]]))


@EXAMPLES
@given(st.data(), st.sampled_from(["mean", "sum", "none"]), st.booleans())
def test_bce_with_logits_matches_numpy_and_gradcheck(data, reduction, with_pos_weight):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    x = data.draw(arrays(shape, -6.0, 6.0))
    y = data.draw(arrays(shape, 0.0, 1.0))
    pw = data.draw(arrays(shape[-1:], 0.2, 3.0)) if with_pos_weight else None
    pos_weight = tg.tensor(pw) if with_pos_weight else None
    out = F.binary_cross_entropy_with_logits(
        tg.tensor(x), tg.tensor(y), reduction=reduction, pos_weight=pos_weight
    )
    s = np_sigmoid(x)
    positive = pw if with_pos_weight else 1.0
    losses = -(positive * y * np.log(s) + (1 - y) * np.log(1 - s))
    expected = {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](losses)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(
        lambda a, b: F.binary_cross_entropy_with_logits(
            a, b, reduction=reduction, pos_weight=pos_weight
        ),
        [leaf(x), leaf(y)],
    )


def test_bce_with_logits_is_stable_for_huge_scores_and_exact_at_zero():
    x = leaf([1e4, -1e4, 1e4, -1e4, 0.0, 0.0, -50.0])
    y = tg.tensor([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0])
    losses = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    expected = [1e4, 1e4, 0.0, 0.0, np.log(2), np.log(2), 0.0]
    np.testing.assert_allclose(losses.numpy(), expected, rtol=1e-15, atol=1e-20)
    losses.sum().backward()
    # d loss / dx = sigmoid(x) - y, exactly 0.5 - y at x = 0
    expected_grad = np_sigmoid(np.clip(x.numpy(), -700, 700)) - y.numpy()
    np.testing.assert_allclose(x.grad, expected_grad, rtol=1e-12, atol=1e-300)
    assert x.grad[4] == -0.5 and x.grad[5] == 0.5


def test_bce_with_logits_weight_scales_each_element():
    x, y, w = np.array([0.3, -1.2]), np.array([1.0, 0.0]), np.array([2.0, 0.5])
    plain = F.binary_cross_entropy_with_logits(tg.tensor(x), tg.tensor(y), reduction="none")
    weighted = F.binary_cross_entropy_with_logits(
        tg.tensor(x), tg.tensor(y), tg.tensor(w), reduction="none"
    )
    np.testing.assert_allclose(weighted.numpy(), plain.numpy() * w, rtol=1e-15)


# --------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------
def test_dropout_statistics_scale_and_dtype():
    x = tg.ones(200_000, dtype=np.float32)
    out = F.dropout(x, p=0.3, rng=0).numpy()
    assert out.dtype == np.float32
    dropped = np.mean(out == 0)
    assert abs(dropped - 0.3) < 0.005  # binomial std = 0.001
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)  # survivors scaled
    assert abs(out.mean() - 1.0) < 0.01  # inverted dropout keeps the expectation


def test_dropout_gradient_uses_the_same_mask():
    rng = np.random.default_rng(3)
    x = leaf(rng.uniform(1.0, 2.0, size=(50, 40)))
    out = F.dropout(x, p=0.5, rng=rng)
    mask = out.parents[1]
    assert mask.label == "dropout_mask" and not mask.requires_grad
    weights = rng.normal(size=(50, 40))
    (out * tg.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad, weights * out.numpy() / x.numpy(), rtol=1e-12)
    assert set(np.unique(mask.numpy())) == {0.0, 2.0}


def test_dropout_is_reproducible_with_seeds_and_manual_seed():
    x = tg.ones(100)
    np.testing.assert_array_equal(F.dropout(x, rng=7).numpy(), F.dropout(x, rng=7).numpy())
    tg.manual_seed(11)
    first = F.dropout(x).numpy()
    tg.manual_seed(11)
    np.testing.assert_array_equal(first, F.dropout(x).numpy())


def test_dropout_edge_probabilities_and_eval_mode():
    x = leaf([1.0, -2.0, 3.0])
    assert F.dropout(x, p=0.0) is x
    assert F.dropout(x, p=0.9, training=False) is x
    zeros = F.dropout(x, p=1.0)
    np.testing.assert_array_equal(zeros.numpy(), 0.0)
    zeros.sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)
    for p in (-0.1, 1.5, "half", True):
        with pytest.raises(ValueError, match="dropout.*between 0 and 1"):
            F.dropout(x, p=p)


def test_float32_inputs_give_float32_losses_and_gradients():
    rng = np.random.default_rng(4)
    logits = tg.tensor(rng.normal(size=(3, 4)).astype(np.float32) * 1e4, requires_grad=True)
    probs = tg.tensor(rng.uniform(size=5).astype(np.float32), requires_grad=True)
    y = tg.tensor(rng.uniform(size=5).astype(np.float32))
    losses = [
        F.cross_entropy(logits, [0, -100, 3]),
        F.nll_loss(F.log_softmax(logits), [1, 2, 3], reduction="sum"),
        F.softmax(logits).sum(),
        F.mse_loss(probs, y),
        F.binary_cross_entropy(probs, y),
        F.binary_cross_entropy_with_logits(
            probs, y, pos_weight=tg.tensor(np.array([2.0], dtype=np.float32))
        ),
        F.dropout(probs, 0.5, rng=0).sum(),
    ]
    for loss in losses:
        assert loss.dtype == np.float32, loss.label
        assert np.isfinite(loss.item())
        loss.backward()
    assert logits.grad.dtype == np.float32 and probs.grad.dtype == np.float32
    assert np.all(np.isfinite(logits.grad))
