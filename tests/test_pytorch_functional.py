"""tinygrad_rnn.nn.functional: torch.nn.functional's path. The re-exported functions are
the engine's; one_hot, pad, embedding and linear are checked against numpy and, for
their gradients, against central differences (tg.gradcheck, float64)."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as engine_F
import tinygrad_rnn.nn as nn
import tinygrad_rnn.nn.functional as F
from tinygrad_rnn.errors import ArgumentError, DTypeError, TensorIndexError


def test_the_module_paths_mirror_pytorchs():
    assert nn.functional is F
    for name in ["softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss", "dropout"]:
        assert getattr(F, name) is getattr(engine_F, name)
    x = tg.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(F.sigmoid(x).numpy(), 1 / (1 + np.exp(-x.numpy())))
    np.testing.assert_allclose(F.relu(x - 2).numpy(), [[0.0, 0.0, 1.0]])


def test_one_hot_infers_the_number_of_classes():
    out = F.one_hot(tg.tensor([[0, 3], [1, 1]]))
    assert out.dtype == np.int64
    assert out.shape == (2, 2, 4)
    expected = np.zeros((2, 2, 4), dtype=np.int64)
    expected[0, 0, 0] = expected[0, 1, 3] = expected[1, 0, 1] = expected[1, 1, 1] = 1
    np.testing.assert_array_equal(out.numpy(), expected)


def test_one_hot_with_num_classes_and_errors():
    np.testing.assert_array_equal(F.one_hot(tg.tensor([2]), 5).numpy(), [[0, 0, 1, 0, 0]])
    with pytest.raises(TensorIndexError):
        F.one_hot(tg.tensor([2, 5]), num_classes=5)
    with pytest.raises(TensorIndexError):
        F.one_hot(tg.tensor([-1]))
    with pytest.raises(DTypeError):
        F.one_hot(tg.tensor([1.0]))
    with pytest.raises(ArgumentError):
        F.one_hot(tg.tensor(np.zeros(0, dtype=np.int64)))


def test_pad_matches_numpy_pad_from_the_last_axis_backwards():
    data = np.arange(24.0).reshape(2, 3, 4)
    out = F.pad(tg.tensor(data), (1, 2, 0, 3), value=-7.5)
    expected = np.pad(data, [(0, 0), (0, 3), (1, 2)], constant_values=-7.5)
    assert out.shape == (2, 6, 7)
    np.testing.assert_array_equal(out.numpy(), expected)


def test_pad_negative_amounts_crop():
    data = np.arange(12.0).reshape(3, 4)
    out = F.pad(tg.tensor(data), (-1, 2, 1, -2))
    expected = np.pad(data[:1, 1:], [(1, 0), (0, 2)])
    np.testing.assert_array_equal(out.numpy(), expected)


def test_pad_gradient_by_finite_differences():
    x = tg.tensor(np.random.default_rng(0).normal(size=(2, 3)), requires_grad=True)
    weights = tg.tensor(np.random.default_rng(1).normal(size=(5, 5)))
    assert tg.gradcheck(lambda x: (F.pad(x, (2, 0, 1, 2), value=1.5) * weights).sum(), [x])
    out = F.pad(x, (1, 1))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))  # only x's slice reaches x


def test_pad_rejects_what_pytorch_rejects():
    x = tg.tensor(np.zeros((2, 3)))
    with pytest.raises(ArgumentError):
        F.pad(x, (1,))
    with pytest.raises(ArgumentError):
        F.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(ArgumentError, match="constant"):
        F.pad(x, (1, 1), mode="reflect")


def test_embedding_and_padding_idx():
    rng = np.random.default_rng(2)
    weight = tg.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    idx = tg.tensor([[0, 2], [2, 4]])
    out = F.embedding(idx, weight, padding_idx=2)
    np.testing.assert_array_equal(out.numpy(), weight.numpy()[idx.numpy()])
    out.sum().backward()
    np.testing.assert_array_equal(weight.grad[:, 0], [1, 0, 0, 0, 1])  # row 2: no gradient
    assert tg.gradcheck(lambda w: (F.embedding(idx, w) ** 2).sum(), [weight])
    with pytest.raises(TensorIndexError):
        F.embedding(tg.tensor([5]), weight)


def test_linear_is_x_times_w_transposed_plus_b():
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    w = tg.tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = tg.tensor(rng.normal(size=(2,)), requires_grad=True)
    expected = x.numpy() @ w.numpy().T + b.numpy()
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), expected)
    assert tg.gradcheck(lambda x, w, b: (F.linear(x, w, b) ** 2).sum(), [x, w, b])
