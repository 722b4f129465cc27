"""nn.init: PyTorch's initialisers, checked against fan values and bounds derived by hand."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.nn import init
from tinygrad_rnn.nn.init import _calculate_fan_in_and_fan_out


def weight(*shape):
    return nn.Parameter(np.zeros(shape))


# --- gains and fans --------------------------------------------------------------------
@pytest.mark.parametrize(
    "nonlinearity, param, expected",
    [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5.0 / 3.0),
        ("relu", None, math.sqrt(2.0)),
        ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01**2))),
        ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)),
        ("leaky_relu", 0, math.sqrt(2.0)),
        ("selu", None, 0.75),
    ],
)
def test_calculate_gain_table(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_refuses_unknown_nonlinearity_and_bad_slope():
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "0.1")


def test_fans_of_linear_rnn_and_conv_weights():
    linear = nn.Linear(7, 3)  # weight (3, 7): 7 inputs, 3 outputs
    assert _calculate_fan_in_and_fan_out(linear.weight) == (7, 3)
    lstm = nn.LSTM(5, 4)  # weight_ih_l0 (4H, D) = (16, 5), weight_hh_l0 (16, 4)
    assert _calculate_fan_in_and_fan_out(lstm.weight_ih_l0) == (5, 16)
    assert _calculate_fan_in_and_fan_out(lstm.weight_hh_l0) == (4, 16)
    conv = weight(8, 3, 5, 2)  # (out, in, kH, kW): receptive field 10
    assert _calculate_fan_in_and_fan_out(conv) == (30, 80)


@pytest.mark.parametrize(
    "fill",
    [init.xavier_uniform_, init.xavier_normal_, init.kaiming_uniform_, init.kaiming_normal_],
)
def test_fan_based_initialisers_refuse_1d_tensors(fill):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fill(weight(5))


def test_kaiming_refuses_unknown_mode():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(weight(3, 4), mode="fan_avg")


# --- in place, same object, repeatable --------------------------------------------------
@pytest.mark.parametrize(
    "fill",
    [
        init.uniform_,
        init.normal_,
        init.zeros_,
        init.ones_,
        init.eye_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.orthogonal_,
    ],
)
def test_initialisers_fill_in_place_and_return_the_same_tensor(fill):
    layer = nn.Linear(4, 3)
    array_before = layer.weight.data
    out = fill(layer.weight)
    assert out is layer.weight
    assert layer.weight.data is array_before  # the same array was written into
    assert layer.weight.requires_grad and layer.weight.is_leaf
    assert layer.weight.dtype == np.float64


def test_manual_seed_makes_initialisation_repeatable():
    tg.manual_seed(3)
    first = init.kaiming_normal_(weight(5, 6)).data.copy()
    tg.manual_seed(3)
    second = init.kaiming_normal_(weight(5, 6)).data.copy()
    np.testing.assert_array_equal(first, second)
    third = init.kaiming_normal_(weight(5, 6)).data
    assert not np.array_equal(first, third)


def test_generator_argument_is_used():
    a = init.uniform_(weight(3, 3), generator=np.random.default_rng(1)).data
    b = np.random.default_rng(1).uniform(0.0, 1.0, size=(3, 3))
    np.testing.assert_array_equal(a, b)


def test_a_tg_generator_is_accepted():
    from tinygrad_rnn.generator import Generator

    a = init.normal_(weight(2, 3), generator=Generator().manual_seed(5)).data
    b = Generator().manual_seed(5).rng.normal(0.0, 1.0, size=(2, 3))
    np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="generator must be"):
        init.normal_(weight(2, 3), generator=5)


def test_float32_tensor_keeps_its_dtype():
    w = nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    init.normal_(w)
    assert w.dtype == np.float32 and np.all(w.data != 0)


def test_initialising_a_tensor_a_graph_saved_keeps_the_graph_right():
    W = nn.Parameter(np.full((2, 2), 2.0))
    x = tg.tensor([[1.0, 1.0]], requires_grad=True)
    y = (x @ W).sum()  # dy/dx = row sums of W = 4
    init.zeros_(W)
    y.backward()
    np.testing.assert_array_equal(x.grad, [[4.0, 4.0]])
    np.testing.assert_array_equal(W.data, 0.0)


# --- the values -------------------------------------------------------------------------
def test_constant_zeros_ones_eye():
    np.testing.assert_array_equal(init.constant_(weight(2, 3), 0.3).data, np.full((2, 3), 0.3))
    np.testing.assert_array_equal(init.ones_(weight(4)).data, np.ones(4))
    np.testing.assert_array_equal(init.zeros_(nn.Parameter(np.ones(4))).data, np.zeros(4))
    np.testing.assert_array_equal(init.eye_(weight(2, 3)).data, [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(weight(2, 2, 2))


def test_uniform_and_normal_statistics():
    tg.manual_seed(0)
    u = init.uniform_(weight(400, 500), a=-2.0, b=4.0).data
    assert u.min() >= -2.0 and u.max() < 4.0
    assert u.mean() == pytest.approx(1.0, abs=0.02)
    assert u.std() == pytest.approx(6.0 / math.sqrt(12), rel=0.01)  # (b - a)/√12
    n = init.normal_(weight(400, 500), mean=3.0, std=0.5).data
    assert n.mean() == pytest.approx(3.0, abs=0.005)
    assert n.std() == pytest.approx(0.5, rel=0.01)


def test_xavier_uniform_bound_for_a_linear_weight():
    tg.manual_seed(1)
    w = init.xavier_uniform_(weight(300, 500), gain=2.0).data  # fan_in 500, fan_out 300
    bound = 2.0 * math.sqrt(6.0 / 800.0)  # gain·√(6 / (fan_in + fan_out)) = 0.1732...
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # 150 000 draws reach the edge
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_xavier_normal_std_for_a_conv_weight():
    tg.manual_seed(2)
    w = init.xavier_normal_(weight(64, 32, 3, 3)).data  # fan_in 288, fan_out 576
    assert w.std() == pytest.approx(math.sqrt(2.0 / (288 + 576)), rel=0.03)
    assert abs(w.mean()) < 0.002


def test_kaiming_uniform_default_is_relu_gain_over_fan_in():
    tg.manual_seed(4)
    w = init.kaiming_uniform_(weight(400, 250)).data  # a=0: gain √2; fan_in 250
    bound = math.sqrt(3.0) * math.sqrt(2.0) / math.sqrt(250)  # = √(6/250) = 0.1549...
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(math.sqrt(2.0 / 250), rel=0.03)


def test_kaiming_normal_fan_out_and_tanh_gain_for_rnn_weight():
    tg.manual_seed(5)
    rnn = nn.RNN(100, 200)  # weight_ih_l0 (200, 100): fan_out 200
    w = init.kaiming_normal_(rnn.weight_ih_l0, mode="fan_out", nonlinearity="tanh").data
    assert w.std() == pytest.approx((5.0 / 3.0) / math.sqrt(200), rel=0.03)


def test_kaiming_with_leaky_slope():
    tg.manual_seed(6)
    w = init.kaiming_normal_(weight(300, 400), a=0.5).data  # gain √(2 / 1.25)
    assert w.std() == pytest.approx(math.sqrt(2.0 / 1.25) / math.sqrt(400), rel=0.03)


def test_kaiming_on_an_empty_tensor_warns_and_leaves_it():
    w = weight(0, 3)
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        assert init.kaiming_uniform_(w) is w


# --- orthogonal -------------------------------------------------------------------------
def test_orthogonal_wide_matrix_has_orthonormal_rows():
    tg.manual_seed(7)
    w = init.orthogonal_(weight(3, 5)).data
    np.testing.assert_allclose(w @ w.T, np.eye(3), atol=1e-12)


def test_orthogonal_tall_matrix_has_orthonormal_columns_times_gain():
    tg.manual_seed(8)
    w = init.orthogonal_(weight(6, 4), gain=2.0).data
    np.testing.assert_allclose(w.T @ w, 4.0 * np.eye(4), atol=1e-12)


def test_orthogonal_square_recurrent_weight_and_4d_weight():
    tg.manual_seed(9)
    rnn = nn.RNN(3, 8)
    W_hh = init.orthogonal_(rnn.weight_hh_l0).data  # (8, 8)
    np.testing.assert_allclose(W_hh @ W_hh.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(W_hh.T @ W_hh, np.eye(8), atol=1e-12)
    conv = init.orthogonal_(weight(4, 2, 3, 3)).data.reshape(4, 18)  # rows of 2·3·3
    np.testing.assert_allclose(conv @ conv.T, np.eye(4), atol=1e-12)


def test_orthogonal_uses_the_sign_fix():
    """q·sign(diag r) makes the diagonal of R positive: rebuilding A = Q R with the fixed
    Q needs |R|'s sign-corrected rows, which the QR of the same draw gives back."""
    w = init.orthogonal_(weight(4, 4), generator=np.random.default_rng(11)).data
    a = np.random.default_rng(11).normal(0.0, 1.0, size=(4, 4))
    q, r = np.linalg.qr(a)
    np.testing.assert_allclose(w, q * np.sign(np.diag(r)), atol=1e-15)
    r_fixed = w.T @ a  # R with rows multiplied by the signs: its diagonal is positive
    assert np.all(np.diag(r_fixed) > 0)


def test_orthogonal_refuses_1d():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(weight(4))


def test_init_refuses_a_numpy_array():
    with pytest.raises(TypeError, match="expects a Tensor"):
        init.zeros_(np.ones(3))
