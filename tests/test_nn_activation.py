"""Activation modules and Flatten/Unflatten: values against numpy formulas, gradients by
gradcheck, PyTorch's implicit softmax axis and reprs."""

import warnings

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.nn.activation import Identity, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from tinygrad_rnn.nn.flatten import Flatten, Unflatten

RNG = np.random.default_rng(1)
X = np.array([[-2.0, -0.5, 0.0], [0.25, 1.0, 3.0]])


def softmax_np(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize(
    "module, formula",
    [
        (Tanh(), lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))),
        (Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (ReLU(), lambda x: np.where(x > 0, x, 0.0)),
        (Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
        (Softmax(dim=0), lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True)),
        (LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
        (LogSoftmax(dim=-2), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True))),
    ],
)
def test_forward_values(module, formula):
    np.testing.assert_allclose(module(tg.tensor(X)).numpy(), formula(X), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "module", [Tanh(), Sigmoid(), ReLU(), Softmax(dim=0), LogSoftmax(dim=1), Identity()]
)
def test_gradcheck(module):
    x = tg.tensor(RNG.normal(size=(3, 4)) + 0.05, requires_grad=True)  # keep off relu's kink
    assert tg.gradcheck(lambda z: module(z), [x])


def test_identity_accepts_any_arguments_and_returns_its_input():
    x = tg.tensor(X)
    assert Identity(54, unused_argument="x")(x) is x
    assert repr(Identity(3)) == "Identity()"


def test_activations_accept_numpy_input():
    np.testing.assert_allclose(Tanh()(X).numpy(), np.tanh(X), rtol=1e-15)


@pytest.mark.parametrize(
    "shape, axis",
    [((5,), 0), ((2, 5), 1), ((3, 2, 5), 0), ((2, 3, 4, 5), 1)],
)
def test_softmax_without_dim_warns_and_picks_pytorchs_axis(shape, axis):
    x = RNG.normal(size=shape)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = Softmax()(tg.tensor(x)).numpy()
    np.testing.assert_allclose(out, softmax_np(x, axis), rtol=1e-14)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        out = LogSoftmax()(tg.tensor(x)).numpy()
    np.testing.assert_allclose(out, np.log(softmax_np(x, axis)), rtol=1e-13)


def test_softmax_with_dim_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Softmax(dim=-1)(tg.tensor(X))


def test_reprs_like_pytorch():
    assert repr(Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(LogSoftmax()) == "LogSoftmax(dim=None)"
    assert repr(ReLU()) == "ReLU()"
    assert repr(ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(Tanh()) == "Tanh()"
    assert repr(Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    model = nn.Sequential(nn.Linear(2, 3), ReLU(), Flatten(0))
    assert repr(model).splitlines()[2:4] == [
        "  (1): ReLU()",
        "  (2): Flatten(start_dim=0, end_dim=-1)",
    ]


def test_relu_refuses_a_string_flag():
    with pytest.raises(TypeError, match="inplace must be True or False"):
        ReLU(inplace="False")


# --- Flatten and Unflatten --------------------------------------------------------------
@pytest.mark.parametrize(
    "start, end, expected",
    [
        (1, -1, (2, 60)),
        (0, -1, (120,)),
        (0, 1, (6, 4, 5)),
        (1, 2, (2, 12, 5)),
        (-2, -1, (2, 3, 20)),
    ],
)
def test_flatten_shapes(start, end, expected):
    x = RNG.normal(size=(2, 3, 4, 5))
    out = Flatten(start, end)(tg.tensor(x))
    assert out.shape == expected
    np.testing.assert_array_equal(out.numpy(), x.reshape(expected))  # row-major order kept


def test_flatten_of_a_scalar_is_one_element_and_bad_dims_are_errors():
    assert Flatten()(tg.tensor(2.0)).shape == (1,)
    with pytest.raises(ValueError, match="Dimension out of range"):
        Flatten()(tg.tensor([1.0, 2.0]))  # start_dim=1 on a 1-D input
    with pytest.raises(ValueError, match="start_dim cannot come after end_dim"):
        Flatten(2, 1)(tg.zeros(2, 3, 4))
    with pytest.raises(TypeError, match="start_dim must be an int"):
        Flatten(1.0)


def test_unflatten_and_its_inverse():
    x = RNG.normal(size=(2, 12))
    out = Unflatten(1, (3, -1))(tg.tensor(x))
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(Flatten()(out).numpy(), x)
    with pytest.raises(ValueError, match="must multiply to the length 12"):
        Unflatten(1, (5, 2))(tg.tensor(x))


def test_flatten_unflatten_gradcheck():
    x = tg.tensor(RNG.normal(size=(2, 3, 2)), requires_grad=True)
    weights = tg.tensor(RNG.normal(size=(2, 6)))
    assert tg.gradcheck(lambda z: (Flatten()(z) * weights).sum(), [x])
    y = tg.tensor(RNG.normal(size=(2, 6)), requires_grad=True)
    assert tg.gradcheck(lambda z: Unflatten(-1, (3, 2))(z).tanh(), [y])
