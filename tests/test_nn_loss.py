"""Loss modules: values against numpy formulas written here, gradients by gradcheck."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.nn.loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
)

RNG = np.random.default_rng(0)


def log_softmax_np(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def nll_np(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    """PyTorch's NLLLoss for (N, C) input, written as a plain loop."""
    losses, weights = [], []
    for n, y in enumerate(target):
        if y == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        w = 1.0 if weight is None else weight[y]
        losses.append(-w * log_probs[n, y])
        weights.append(w)
    losses = np.array(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / sum(weights)


def smoothed_ce_np(logits, target, eps, weight):
    """(1 - ε)·w[y]·(-log p_y) + (ε/C)·Σ_c w_c·(-log p_c), mean over Σ w[y]."""
    log_probs = log_softmax_np(logits, 1)
    C = logits.shape[1]
    total, denominator = 0.0, 0.0
    for n, y in enumerate(target):
        hard = -weight[y] * log_probs[n, y]
        smooth = -(weight * log_probs[n]).sum()
        total += (1 - eps) * hard + eps / C * smooth
        denominator += weight[y]
    return total / denominator


# --- NLLLoss and CrossEntropyLoss -------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_with_weights_and_ignore_index(reduction):
    log_probs = log_softmax_np(RNG.normal(size=(6, 4)), 1)
    target = np.array([0, 3, 1, 1, 2, 3])
    weight = np.array([0.5, 2.0, 1.0, 3.0])
    loss = NLLLoss(weight=tg.tensor(weight), ignore_index=1, reduction=reduction)
    got = loss(tg.tensor(log_probs), target).numpy()
    expected = nll_np(log_probs, target, weight, ignore_index=1, reduction=reduction)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_cross_entropy_with_weights_and_ignore_index_against_numpy():
    logits = RNG.normal(size=(5, 3)) * 3
    target = np.array([2, 0, -100, 1, 2])
    weight = np.array([1.0, 0.25, 4.0])
    got = CrossEntropyLoss(weight=weight)(tg.tensor(logits), tg.tensor(target)).item()
    expected = nll_np(log_softmax_np(logits, 1), target, weight)
    assert got == pytest.approx(expected, rel=1e-13)


def test_cross_entropy_of_a_hand_computed_example():
    # logits (0, ln 3): p = (1/4, 3/4); target 1 -> -log(3/4)
    logits = tg.tensor([[0.0, math.log(3.0)]])
    assert CrossEntropyLoss()(logits, [1]).item() == pytest.approx(-math.log(0.75), rel=1e-14)


def test_cross_entropy_with_label_smoothing_and_weights():
    logits = RNG.normal(size=(4, 5))
    target = np.array([0, 4, 2, 2])
    weight = np.array([1.0, 2.0, 0.5, 1.5, 3.0])
    loss = CrossEntropyLoss(weight=weight, label_smoothing=0.2)
    got = loss(tg.tensor(logits), target).item()
    assert got == pytest.approx(smoothed_ce_np(logits, target, 0.2, weight), rel=1e-13)


def test_cross_entropy_on_n_c_d_layout_matches_the_flattened_one():
    """(N, C, d1) scores with (N, d1) targets: the class axis is axis 1, as in PyTorch."""
    logits = RNG.normal(size=(2, 4, 3))  # (N, C, T)
    target = np.array([[0, 3, 1], [2, 2, 0]])  # (N, T)
    flat_logits = logits.transpose(0, 2, 1).reshape(6, 4)  # (N·T, C)
    expected = nll_np(log_softmax_np(flat_logits, 1), target.reshape(6), reduction="none")
    got = CrossEntropyLoss(reduction="none")(tg.tensor(logits), target).numpy()
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got.reshape(6), expected, rtol=1e-13)


def test_nll_after_log_softmax_equals_cross_entropy():
    from tinygrad_rnn.nn.activation import LogSoftmax

    x = tg.tensor(RNG.normal(size=(3, 4)))
    target = [3, 0, 1]
    a = NLLLoss()(LogSoftmax(dim=1)(x), target).item()
    b = CrossEntropyLoss()(x, target).item()
    assert a == pytest.approx(b, rel=1e-14)


def test_cross_entropy_gradcheck_with_everything():
    logits = tg.tensor(RNG.normal(size=(4, 3, 2)), requires_grad=True)
    target = np.array([[0, 2], [1, -1], [2, 2], [0, 1]])
    loss = CrossEntropyLoss(weight=[1.0, 2.0, 0.5], ignore_index=-1, label_smoothing=0.1)
    assert tg.gradcheck(lambda x: loss(x, target), [logits])


def test_nll_loss_gradcheck():
    log_probs = tg.tensor(log_softmax_np(RNG.normal(size=(5, 3)), 1), requires_grad=True)
    target = np.array([0, 1, 2, 1, 0])
    assert tg.gradcheck(lambda x: NLLLoss(reduction="sum")(x, target), [log_probs])


# --- MSE and BCE ------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    x, y = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    got = MSELoss(reduction=reduction)(tg.tensor(x), tg.tensor(y)).numpy()
    squared = (x - y) ** 2
    expected = {"mean": squared.mean(), "sum": squared.sum(), "none": squared}[reduction]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_mse_loss_gradcheck():
    x = tg.tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    y = tg.tensor(RNG.normal(size=(2, 3)), requires_grad=True)
    assert tg.gradcheck(lambda a, b: MSELoss()(a, b), [x, y])


def test_bce_loss_with_weight():
    p = RNG.uniform(0.05, 0.95, size=(4, 3))
    y = RNG.integers(0, 2, size=(4, 3)).astype(float)
    w = np.array([1.0, 0.5, 2.0])
    got = BCELoss(weight=tg.tensor(w))(tg.tensor(p), tg.tensor(y)).item()
    expected = np.mean(-w * (y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert got == pytest.approx(expected, rel=1e-13)


def test_bce_loss_gradcheck():
    p = tg.tensor(RNG.uniform(0.1, 0.9, size=(5,)), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    assert tg.gradcheck(lambda q: BCELoss(reduction="sum")(q, y), [p])


def test_bce_with_logits_pos_weight_against_numpy():
    x = RNG.normal(size=(4, 3)) * 4
    y = RNG.integers(0, 2, size=(4, 3)).astype(float)
    pos_weight = np.array([3.0, 1.0, 0.5])
    loss = BCEWithLogitsLoss(pos_weight=tg.tensor(pos_weight), reduction="none")
    got = loss(tg.tensor(x), tg.tensor(y)).numpy()
    sigma = 1 / (1 + np.exp(-x))
    expected = -(pos_weight * y * np.log(sigma) + (1 - y) * np.log(1 - sigma))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_bce_with_logits_equals_sigmoid_then_bce():
    x = RNG.normal(size=(6,))
    y = RNG.uniform(0, 1, size=(6,))
    a = BCEWithLogitsLoss()(tg.tensor(x), tg.tensor(y)).item()
    b = BCELoss()(tg.tensor(x).sigmoid(), tg.tensor(y)).item()
    assert a == pytest.approx(b, rel=1e-12)


def test_bce_with_logits_gradcheck_with_weight_and_pos_weight():
    x = tg.tensor(RNG.normal(size=(3, 2)), requires_grad=True)
    y = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    loss = BCEWithLogitsLoss(weight=[2.0, 1.0], pos_weight=[0.5, 4.0])
    assert tg.gradcheck(lambda z: loss(z, y), [x])


# --- the module side --------------------------------------------------------------------
def test_legacy_size_average_and_reduce_map_to_reduction():
    with pytest.warns(DeprecationWarning, match="reduction='sum'"):
        assert MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(DeprecationWarning, match="reduction='none'"):
        assert NLLLoss(reduce=False).reduction == "none"
    with pytest.warns(DeprecationWarning, match="reduction='mean'"):
        assert CrossEntropyLoss(size_average=True).reduction == "mean"


def test_loss_modules_store_options_and_print_like_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)
    assert (loss.ignore_index, loss.label_smoothing, loss.reduction) == (0, 0.1, "mean")
    assert loss.weight is None
    assert repr(loss) == "CrossEntropyLoss()"
    assert repr(BCEWithLogitsLoss()) == "BCEWithLogitsLoss()"
    assert list(loss.parameters()) == []


def test_bad_reduction_is_reported_when_called():
    with pytest.raises(ValueError, match="reduction must be one of"):
        MSELoss(reduction="avg")(tg.zeros(2), tg.zeros(2))
