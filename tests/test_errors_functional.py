"""The losses' and functional's bad-input catalogue: every mistake a student is likely to
make with softmax, the losses, dropout and attention (and with gradcheck and the BPTT
reference) gives the right answer or one error naming the function, the argument, what
was wrong and the caller's line (`— at test_errors_functional.py:N`). Never a numpy
traceback, never a silent nan.

The composite paths these checks sit on are gradchecked in float64 at the end.

Read next: tests/test_errors_data.py (vocabularies, batching, splits).
"""

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn import bptt as B
from tinygrad_rnn import functional as F
from tinygrad_rnn.errors import ArgumentError, DTypeError, ShapeError, TensorIndexError


def logits(*shape, seed=0) -> tg.Tensor:
    return tg.Tensor(np.random.default_rng(seed).normal(size=shape))


def leaf(array) -> tg.Tensor:
    return tg.Tensor(np.array(array, dtype=np.float64), requires_grad=True)


TARGETS = np.array([0, 1, 2, 1])


# --------------------------------------------------------------------------------------
# cross_entropy / nll_loss: targets of the wrong dtype, range or shape
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, dtype",
    [(TARGETS.astype(float), "float64"), (np.array([True, False, True, False]), "bool")],
)
def test_cross_entropy_targets_of_the_wrong_dtype(target, dtype):
    with explained(DTypeError, "cross_entropy: target must hold class indices", dtype):
        F.cross_entropy(logits(4, 3), target)


def test_cross_entropy_target_class_out_of_range_and_negative():
    with explained(TensorIndexError, "class indices in [0, 3)", "got [5]"):
        F.cross_entropy(logits(4, 3), np.array([0, 1, 5, 1]))
    with explained(TensorIndexError, "or ignore_index=-100; got [-1]"):
        F.cross_entropy(logits(4, 3), np.array([0, 1, -1, 1]))
    loss = F.cross_entropy(logits(4, 3), np.array([0, 1, -1, 1]), ignore_index=-1)
    assert np.isfinite(loss.item())  # -1 is fine once it is the ignore_index


def test_cross_entropy_target_of_shape_b_1_says_how_to_reshape():
    with explained(ShapeError, "needs a target of shape (4,), got (4, 1)", "target.reshape(4,)"):
        F.cross_entropy(logits(4, 3), TARGETS.reshape(4, 1))


def test_cross_entropy_with_b_t_c_logits_says_how_to_flatten():
    with explained(ShapeError, "input of shape (2, 5, 3)", "input.reshape(B * T, C)", "permute"):
        F.cross_entropy(logits(2, 5, 3), np.zeros((2, 5), dtype=int))


def test_cross_entropy_with_no_classes_or_a_ragged_target():
    with explained(ShapeError, "cross_entropy: input of shape (4, 0) has no classes"):
        F.cross_entropy(logits(4, 0), np.zeros(4, dtype=int))
    with explained(ShapeError, "target must be a rectangular array of class indices"):
        F.cross_entropy(logits(2, 3), [[0, 1], [2]])


# --------------------------------------------------------------------------------------
# reduction, label_smoothing, weight, ignore_index
# --------------------------------------------------------------------------------------
LOSSES = {
    "cross_entropy": lambda r: F.cross_entropy(logits(4, 3), TARGETS, reduction=r),
    "nll_loss": lambda r: F.nll_loss(F.log_softmax(logits(4, 3)), TARGETS, reduction=r),
    "mse_loss": lambda r: F.mse_loss(logits(4), logits(4, seed=1), reduction=r),
    "binary_cross_entropy": lambda r: F.binary_cross_entropy(
        tg.tensor([0.2, 0.7]), tg.tensor([0.0, 1.0]), reduction=r
    ),
    "binary_cross_entropy_with_logits": lambda r: F.binary_cross_entropy_with_logits(
        logits(2), tg.tensor([0.0, 1.0]), reduction=r
    ),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_reduction_typo_names_the_loss_and_suggests_mean(name):
    with explained(ArgumentError, f"{name}: reduction must be one of", "got 'avg'", "'mean'"):
        LOSSES[name]("avg")
    with explained(ValueError, "got None", "reduction='none' (a string)"):  # also a ValueError
        LOSSES[name](None)


@pytest.mark.parametrize("smoothing", [-0.1, 1.5, float("nan"), "0.1", None, True])
def test_label_smoothing_outside_0_1_or_not_a_number(smoothing):
    with explained(ArgumentError, "cross_entropy: label_smoothing must be a number between 0"):
        F.cross_entropy(logits(4, 3), TARGETS, label_smoothing=smoothing)


def test_label_smoothing_at_the_ends_of_0_1_is_right():
    x = logits(4, 3)
    plain = F.cross_entropy(x, TARGETS).item()
    assert F.cross_entropy(x, TARGETS, label_smoothing=0.0).item() == pytest.approx(plain)
    uniform = -F.log_softmax(x, dim=1).numpy().mean(axis=1).mean()  # ε = 1: uniform target
    assert F.cross_entropy(x, TARGETS, label_smoothing=1.0).item() == pytest.approx(uniform)


def test_class_weight_of_the_wrong_length_dtype_or_sign():
    with explained(ShapeError, "weight must hold one number per class, shape (3,)", "(2,)"):
        F.cross_entropy(logits(4, 3), TARGETS, weight=np.ones(2))
    with explained(DTypeError, "cross_entropy: weight must hold numbers", "bool"):
        F.cross_entropy(logits(4, 3), TARGETS, weight=np.array([True, False, True]))
    with explained(ArgumentError, "nll_loss: weight must be >= 0, got -1"):
        F.nll_loss(F.log_softmax(logits(4, 3)), TARGETS, weight=np.array([1.0, -1.0, 1.0]))
    with explained(ArgumentError, "weight must be finite, got 1 NaN/inf value(s)"):
        F.cross_entropy(logits(4, 3), TARGETS, weight=np.array([1.0, np.nan, 1.0]))


@pytest.mark.parametrize("ignore_index", [1.0, "pad", None, True])
def test_ignore_index_that_is_not_an_int(ignore_index):
    with explained(ArgumentError, "cross_entropy: ignore_index must be an int", "-100"):
        F.cross_entropy(logits(4, 3), TARGETS, ignore_index=ignore_index)


def test_ignore_index_as_a_numpy_int_is_fine():
    x = logits(4, 3)
    expected = F.cross_entropy(x, TARGETS, ignore_index=1).item()
    assert F.cross_entropy(x, TARGETS, ignore_index=np.int64(1)).item() == expected


# --------------------------------------------------------------------------------------
# Nothing to average: all targets ignored, an empty batch, weights that are all 0
# (decided: an ArgumentError for "mean"; PyTorch gives nan, which poisons the weights)
# --------------------------------------------------------------------------------------
def test_all_targets_ignored_is_an_error_for_mean_and_zero_for_sum():
    x = logits(4, 3)
    ignored = np.full(4, -100)
    with explained(ArgumentError, "all 4 targets equal ignore_index=-100", "PyTorch returns nan"):
        F.cross_entropy(x, ignored)
    with explained(ArgumentError, "nll_loss: reduction='mean' has nothing to average"):
        F.nll_loss(F.log_softmax(x), ignored)
    assert F.cross_entropy(x, ignored, reduction="sum").item() == 0.0
    assert F.cross_entropy(x, ignored, reduction="none").numpy().tolist() == [0.0] * 4


def test_class_weights_of_the_counted_targets_all_zero():
    with explained(ArgumentError, "the class weights of all counted targets are 0"):
        F.cross_entropy(logits(2, 3), [1, 1], weight=np.array([1.0, 0.0, 1.0]))


def test_an_empty_batch():
    with explained(ArgumentError, "the batch is empty (target shape (0,))"):
        F.cross_entropy(logits(0, 3), np.zeros(0, dtype=int))
    with explained(ArgumentError, "the batch is empty"):
        F.cross_entropy(logits(0, 3), [])  # [] has no dtype: read as no targets
    assert F.cross_entropy(logits(0, 3), [], reduction="sum").item() == 0.0
    with explained(ShapeError, "mse_loss: the input is empty (shape (0,))", "reduction='sum'"):
        F.mse_loss(logits(0), logits(0))
    with explained(ShapeError, "binary_cross_entropy_with_logits: the input is empty"):
        F.binary_cross_entropy_with_logits(logits(0, 2), tg.zeros(0, 2))
    assert F.softmax(logits(0, 3)).shape == (0, 3)  # no rows: nothing to average, no error


# --------------------------------------------------------------------------------------
# nll_loss fed probabilities instead of log-probabilities
# --------------------------------------------------------------------------------------
def test_nll_loss_of_softmax_output_instead_of_log_softmax():
    probabilities = F.softmax(logits(4, 3), dim=1)
    with explained(ArgumentError, "nll_loss: the input of shape (4, 3) looks like probabilities"):
        F.nll_loss(probabilities, TARGETS)
    assert np.isfinite(F.nll_loss(F.log_softmax(logits(4, 3), dim=1), TARGETS).item())
    assert F.nll_loss(tg.tensor([[1.0, 0.0], [0.0, 1.0]]), [0, 1]).item() == -1.0  # one-hot


# --------------------------------------------------------------------------------------
# softmax / log_softmax: dims, scalars, empty axes, -inf rows, +inf
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("function", [F.softmax, F.log_softmax])
def test_softmax_dim_out_of_range_or_not_an_int(function):
    name = function.__name__
    with explained(ShapeError, f"{name}: axis 2 is out of range for an input of shape (4, 3)"):
        function(logits(4, 3), dim=2)
    with explained(ArgumentError, f"{name}: axis (dim) must be an int, got 1.0 (float)"):
        function(logits(4, 3), dim=1.0)
    with explained(ArgumentError, "got True (bool)"):
        function(logits(4, 3), True)
    with explained(ArgumentError, "got axis=0 and dim=1; they are the same argument"):
        function(logits(4, 3), axis=0, dim=1)


def test_softmax_of_a_scalar_or_over_an_empty_axis():
    with explained(ShapeError, "softmax: the input is a scalar (shape ())", "x.reshape(1)"):
        F.softmax(tg.tensor(3.0))
    with explained(ShapeError, "log_softmax: axis 1 of the input of shape (3, 0) has length 0"):
        F.log_softmax(logits(3, 0), dim=1)


def test_softmax_of_a_row_masked_by_hand_with_minus_inf_is_not_a_silent_nan():
    scores = tg.tensor([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf]])
    with explained(ArgumentError, "softmax: 1 slice(s) along axis 1", "hold only -inf"):
        F.softmax(scores, dim=1)
    with explained(ArgumentError, "cross_entropy: 1 slice(s)", "F.masked_softmax"):
        F.cross_entropy(scores, [0, 1])
    partly = F.softmax(tg.tensor([1.0, -np.inf, 1.0])).numpy()  # one -inf is fine
    np.testing.assert_allclose(partly, [0.5, 0.0, 0.5])


def test_softmax_of_plus_inf():
    with explained(ArgumentError, "log_softmax: the input of shape (1, 3) holds +inf"):
        F.log_softmax(tg.tensor([[np.inf, 1.0, 2.0]]))


def test_inputs_that_are_not_numbers_name_the_function_and_the_argument():
    with explained(DTypeError, "softmax: input must be a Tensor, a numpy array or a list", "'abc'"):
        F.softmax("abc")
    with explained(DTypeError, "mse_loss: target must be a Tensor", "[[1.0, 2.0], [3.0]]"):
        F.mse_loss(logits(2, 2), [[1.0, 2.0], [3.0]])  # ragged
    with explained(DTypeError, "cross_entropy: input (the logits) must be a Tensor", "None"):
        F.cross_entropy(None, [0])


def test_float16_and_float32_inputs():
    x16 = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float16)
    out = F.softmax(tg.Tensor(x16))
    assert out.dtype == np.float64  # float16 is widened on the way in
    expected = F.softmax(tg.Tensor(x16.astype(np.float64))).numpy()
    np.testing.assert_allclose(out.numpy(), expected)
    x32 = tg.Tensor(x16.astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x32, TARGETS, weight=np.ones(3), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x32.grad.dtype == np.float32


# --------------------------------------------------------------------------------------
# mse_loss and the binary losses: silent broadcasting, values outside [0, 1]
# --------------------------------------------------------------------------------------
def test_mse_loss_does_not_broadcast_b_1_against_b():
    with explained(ShapeError, "mse_loss: input of shape (4, 1) and target of shape (4,)"):
        F.mse_loss(logits(4, 1), logits(4))


def test_bce_probabilities_outside_0_1():
    with explained(ArgumentError, "binary_cross_entropy: all elements of input", "1.5"):
        F.binary_cross_entropy(tg.tensor([0.5, 1.5]), tg.tensor([1.0, 0.0]))


@pytest.mark.parametrize("function", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
@pytest.mark.parametrize("labels", [[-1.0, 1.0], [1.0, 2.0], [0.0, np.nan]])
def test_binary_targets_outside_0_1(function, labels):
    with explained(ArgumentError, f"{function.__name__}: target values must be between 0 and 1"):
        function(tg.tensor([0.3, 0.6]), tg.tensor(labels))


def test_binary_targets_a_rounding_error_outside_0_1_are_fine():
    p = tg.tensor([0.3, 0.6])
    loss = F.binary_cross_entropy(p, tg.tensor([1.0 + 1e-12, -1e-12]), reduction="sum")
    assert loss.item() == pytest.approx(-np.log(0.3) - np.log(0.4))


@pytest.mark.parametrize("what", ["weight", "pos_weight"])
def test_bce_weights_that_would_broadcast_the_loss_bigger(what):
    x, y = logits(4), tg.tensor([0.0, 1.0, 1.0, 0.0])
    with explained(ShapeError, f"{what} of shape (4, 1) must broadcast to the input's shape (4,)"):
        F.binary_cross_entropy_with_logits(x, y, **{what: np.ones((4, 1))})
    with explained(ShapeError, f"{what} of shape (3,)"):
        F.binary_cross_entropy_with_logits(x, y, **{what: np.ones(3)})
    with explained(ArgumentError, f"{what} must be >= 0, got -1"):
        F.binary_cross_entropy_with_logits(x, y, **{what: -np.ones(4)})


def test_bce_weight_of_shape_c_broadcasts_along_the_last_axis():
    p = tg.tensor([[0.2, 0.7], [0.4, 0.9]])
    y = tg.tensor([[0.0, 1.0], [1.0, 1.0]])
    weighted = F.binary_cross_entropy(p, y, weight=np.array([1.0, 3.0]), reduction="none")
    plain = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(weighted.numpy(), plain.numpy() * [1.0, 3.0])
    with explained(ShapeError, "binary_cross_entropy: weight of shape (2, 1)"):
        F.binary_cross_entropy(tg.tensor([0.2, 0.7]), tg.tensor([0.0, 1.0]), weight=np.ones((2, 1)))


# --------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("p, phrase", [(1.5, "between 0 and 1, but got 1.5"), (-0.1, "got -0.1"),
                                       (float("nan"), "got nan")])  # fmt: skip
def test_dropout_p_outside_0_1(p, phrase):
    with explained(ArgumentError, "dropout: probability has to be", phrase):
        F.dropout(logits(4, 3), p)


@pytest.mark.parametrize("p", ["0.5", None, True])
def test_dropout_p_that_is_not_a_number(p):
    with explained(ArgumentError, "dropout: p (the probability of zeroing an element) must be"):
        F.dropout(logits(4, 3), p)


@pytest.mark.parametrize("training", ["False", None, 0])
def test_dropout_training_flag_that_is_not_a_bool(training):
    with explained(ArgumentError, "dropout: training must be True or False"):
        F.dropout(logits(4, 3), 0.5, training=training)


@pytest.mark.parametrize("rng", ["abc", 1.5, -1])
def test_dropout_rng_of_the_wrong_kind(rng):
    with explained(ArgumentError, "dropout: rng must be a np.random.Generator, an int seed >= 0"):
        F.dropout(logits(4, 3), 0.5, rng=rng)


def test_dropout_rng_kinds_that_work():
    x = logits(4, 3)
    same = F.dropout(x, 0.5, rng=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(F.dropout(x, 0.5, rng=3).numpy(), same)
    F.dropout(x, 0.5, rng=np.random.RandomState(0))  # numpy's legacy generator works too
    assert F.dropout(x, np.float32(0.0)) is x


# --------------------------------------------------------------------------------------
# Attention masks: wrong shape, wrong dtype, all-False rows (never a silent NaN)
# --------------------------------------------------------------------------------------
QUERY, KEYS = logits(2, 4), logits(2, 5, 4, seed=1)


@pytest.mark.parametrize("shape", [(2,), (5,), (2, 5, 1), (1, 5), (5, 2)])
def test_attention_mask_of_the_wrong_shape(shape):
    with explained(ShapeError, f"attention: mask of shape {shape} must match", "(2, 5)"):
        F.attention(QUERY, KEYS, KEYS, mask=np.ones(shape, dtype=bool))


def test_attention_mask_of_ints_and_all_false_rows():
    with explained(DTypeError, "attention: mask must be a boolean array", "astype(bool)"):
        F.attention(QUERY, KEYS, KEYS, mask=np.ones((2, 5), dtype=int))
    mask = np.ones((2, 5), dtype=bool)
    mask[1] = False
    with explained(ArgumentError, "attention: mask rows [1] are all False", "no length is 0"):
        F.attention(QUERY, KEYS, KEYS, mask=mask)


def test_masked_softmax_all_false_along_the_axis_it_normalises():
    mask = np.array([[True, False, True], [False, False, True]])
    with explained(ArgumentError, "masked_softmax: mask rows [1] are all False (along axis 0)"):
        F.masked_softmax(logits(2, 3), mask, axis=0)  # column 1 is all False
    weights = F.masked_softmax(logits(2, 3), mask, axis=1).numpy()
    np.testing.assert_allclose(weights.sum(axis=1), [1.0, 1.0])


def test_masked_softmax_whose_unmasked_scores_are_all_minus_inf():
    scores = tg.tensor([[-np.inf, 0.0, -np.inf], [1.0, 2.0, 3.0]])
    mask = np.array([[True, False, True], [True, True, True]])
    with explained(ArgumentError, "masked_softmax: 1 slice(s) along axis 1", "hold only -inf"):
        F.masked_softmax(scores, mask)


def test_masked_softmax_with_an_unmasked_plus_inf_is_refused_and_masked_inf_ignored():
    mask = np.array([[True, False, True], [True, True, True]])
    scores = tg.tensor([[0.0, np.inf, 1.0], [1.0, 2.0, 3.0]])  # the +inf is masked: fine
    weights = F.masked_softmax(scores, mask).numpy()
    np.testing.assert_allclose(weights[0], [1 / (1 + np.e), 0.0, np.e / (1 + np.e)])
    scores = tg.tensor([[0.0, 1.0, np.inf], [1.0, 2.0, 3.0]])  # an unmasked +inf
    with explained(ArgumentError, "masked_softmax: the input of shape (2, 3) holds +inf"):
        F.masked_softmax(scores, mask)


def test_attention_on_an_empty_batch_is_empty_not_an_error():
    context, weights = F.attention(logits(0, 4), logits(0, 5, 4), logits(0, 5, 4))
    assert context.shape == (0, 4) and weights.shape == (0, 5)


# --------------------------------------------------------------------------------------
# gradcheck and the BPTT reference
# --------------------------------------------------------------------------------------
def test_gradcheck_arguments():
    x = leaf([0.1, 0.2])
    with explained(ArgumentError, "gradcheck: input #0 has type ndarray", "tg.tensor("):
        tg.gradcheck(lambda x: x.tanh(), [np.ones(2)])
    with explained(ArgumentError, "gradcheck: inputs must be a list of Tensors or Values"):
        tg.gradcheck(lambda x: x.tanh(), None)
    with explained(ArgumentError, "gradcheck: eps must be a finite number > 0, got 0"):
        tg.gradcheck(lambda x: x.tanh(), [x], eps=0)
    with explained(ArgumentError, "gradcheck: atol must be a finite number >= 0, got -1"):
        tg.gradcheck(lambda x: x.tanh(), [x], atol=-1)
    with explained(ArgumentError, "gradcheck: fn must be a function"):
        tg.gradcheck(5, [x])
    with explained(ArgumentError, "gradcheck: seed must be an int >= 0, got 'x'"):
        tg.gradcheck(lambda x: x.tanh(), [x], seed="x")
    assert tg.gradcheck(lambda x: x.tanh(), x)  # one input need not be in a list


def test_gradcheck_of_a_function_that_returns_numpy():
    with explained(tg.GradcheckError, "it returned a ndarray", "not x.numpy()", located=False):
        tg.gradcheck(lambda x: x.tanh().numpy(), [leaf([0.1])])


def bptt_parameters():
    rng = np.random.default_rng(0)
    H, D, K = 3, 2, 4
    return {
        "U": rng.normal(size=(H, D)),
        "W": rng.normal(size=(H, H)),
        "V": rng.normal(size=(K, H)),
        "b": rng.normal(size=H),
        "c": rng.normal(size=K),
    }


def test_bptt_reference_arguments():
    params = bptt_parameters()
    xs, targets = np.ones((5, 2)), np.array([0, 1, 2, 3, 0])
    with explained(ArgumentError, "bptt: params must be a mapping", "got list"):
        B.rnn_forward(list(params.values()), xs, targets)
    with explained(ArgumentError, "bptt: params needs the entries", "missing ['c']"):
        B.rnn_forward({k: v for k, v in params.items() if k != "c"}, xs, targets)
    with explained(DTypeError, "bptt: xs must hold numbers", "'abc'"):
        B.rnn_forward(params, "abc", targets)
    with explained(DTypeError, "bptt: h0 must hold numbers"):
        B.bptt(**params, xs=xs, targets=targets, h0="zeros")
    short = B.rnn_forward(params, xs[:3], targets[:3])
    with explained(ShapeError, "bptt: forward holds h (3, 3)", "need (5, 3)"):
        B.rnn_backward(params, xs, targets, short)
    with explained(ArgumentError, "bptt: forward must be the RNNForward"):
        B.rnn_backward(params, xs, targets, None)


# --------------------------------------------------------------------------------------
# float64 gradchecks of the composite paths the checks above sit on
# --------------------------------------------------------------------------------------
def test_gradcheck_softmax_and_log_softmax_through_dim_and_over_minus_inf():
    x = leaf(np.random.default_rng(1).normal(size=(3, 4)))
    assert tg.gradcheck(lambda x: F.softmax(x, dim=0), [x])
    assert tg.gradcheck(lambda x: F.log_softmax(x, dim=np.int64(1)), [x])
    mask = tg.tensor([[0.0, -np.inf, 0.0, 0.0]] * 3)  # a -inf entry per row: still fine
    assert tg.gradcheck(lambda x: F.softmax(x + mask, dim=1), [x])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_cross_entropy_with_weight_smoothing_and_ignore_index(reduction):
    x = leaf(np.random.default_rng(2).normal(size=(5, 4)))
    targets = np.array([0, 3, -1, 2, 3])
    weight = np.array([0.5, 1.0, 2.0, 0.0])
    assert tg.gradcheck(
        lambda x: F.cross_entropy(
            x, targets, weight, ignore_index=-1, reduction=reduction, label_smoothing=0.2
        ),
        [x],
    )
    sequence = leaf(np.random.default_rng(3).normal(size=(2, 3, 4)))  # (N, C, d)
    assert tg.gradcheck(lambda x: F.cross_entropy(x, np.array([[0, 1, 2, 0]] * 2)), [sequence])


def test_gradcheck_nll_loss_with_weight():
    x = leaf(np.random.default_rng(4).normal(size=(4, 3)))
    weight = np.array([1.0, 2.0, 0.5])
    assert tg.gradcheck(lambda x: F.nll_loss(F.log_softmax(x, dim=1), TARGETS, weight), [x])


def test_gradcheck_mse_and_binary_losses_with_weights():
    rng = np.random.default_rng(5)
    x, t = leaf(rng.normal(size=(3, 2))), leaf(rng.normal(size=(3, 2)))
    assert tg.gradcheck(lambda x, t: F.mse_loss(x, t), [x, t])
    p = leaf(rng.uniform(0.1, 0.9, size=(3, 2)))
    y = leaf(rng.uniform(0.0, 1.0, size=(3, 2)))
    weight = tg.tensor([0.5, 2.0])
    assert tg.gradcheck(lambda p, y: F.binary_cross_entropy(p, y, weight), [p, y])
    pos_weight = tg.tensor([3.0, 0.5])
    assert tg.gradcheck(
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, weight, reduction="sum", pos_weight=pos_weight
        ),
        [x, y],
    )


def test_gradcheck_masked_softmax_and_attention_with_masks():
    rng = np.random.default_rng(6)
    scores = leaf(rng.normal(size=(3, 4)))
    mask = np.array([[True, False, True, True], [False, True, True, True], [True] * 4])
    assert tg.gradcheck(lambda s: F.masked_softmax(s, mask, axis=0), [scores])
    assert tg.gradcheck(lambda s: F.masked_softmax(s, mask, axis=1), [scores])
    query, keys = leaf(rng.normal(size=(3, 2))), leaf(rng.normal(size=(3, 4, 2)))
    assert tg.gradcheck(lambda q, k: F.attention(q, k, k, mask=mask), [query, keys])


def test_gradcheck_dropout_with_a_seed():
    x = leaf(np.random.default_rng(7).normal(size=(4, 3)))
    assert tg.gradcheck(lambda x: F.dropout(x, 0.3, rng=np.int64(11)), [x])
