"""The Tensor API: constructors, dtypes, PyTorch spellings, repr, and the bad-input
errors of the core engine (each names the op, the shapes and the user's line)."""

import sys

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.errors import BackwardError, DTypeError, ShapeError, TensorIndexError


# --------------------------------------------------------------------------------------
# Construction and dtypes
# --------------------------------------------------------------------------------------
def test_constructors_and_default_dtype():
    assert tg.tensor([1.0, 2.0]).dtype == np.float64
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.tensor([True, False]).dtype == bool
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).shape == (2, 3)
    assert tg.ones(4).data.sum() == 4.0
    assert tg.zeros_like(tg.ones(2, 2)).data.sum() == 0
    assert tg.ones_like(tg.zeros(3)).shape == (3,)
    x = tg.tensor([[1.0, 2.0]], requires_grad=True, label="x")
    assert x.requires_grad and x.is_leaf and x.label == "x" and x.op is None


def test_numpy_arrays_keep_their_float_dtype_and_are_copied():
    source = np.ones(3, dtype=np.float32)
    x = tg.tensor(source, requires_grad=True)
    assert x.dtype == np.float32
    x.data[0] = 5.0
    assert source[0] == 1.0  # tg.tensor copies, like torch.tensor


def test_set_default_dtype_float32():
    try:
        tg.set_default_dtype(np.float32)
        assert tg.tensor([1.0]).dtype == np.float32
        assert tg.randn(2, 2).dtype == np.float32
        assert (tg.ones(2) * 0.5).dtype == np.float32
    finally:
        tg.set_default_dtype(np.float64)
    with pytest.raises(DTypeError):
        tg.set_default_dtype(np.int32)


def test_randn_is_seedable():
    a = tg.randn(3, 4, rng=7)
    b = tg.randn(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    tg.manual_seed(1)
    c = tg.randn(5)
    tg.manual_seed(1)
    np.testing.assert_array_equal(c.data, tg.randn(5).data)


def test_item_numpy_detach():
    x = tg.tensor([[2.5]], requires_grad=True)
    y = x * 2.0
    assert y.item() == 5.0 and float(y) == 5.0
    assert y.numpy() is y.data
    d = y.detach()
    assert d.data is y.data and not d.requires_grad and d.parents == ()
    with pytest.raises(ShapeError, match="item"):
        tg.ones(2).item()


def test_shape_facts_in_pytorch_and_numpy_spelling():
    x = tg.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert tg.zeros(2, 1, 3).squeeze(1).shape == (2, 3)
    assert x.view(6, 4).shape == (6, 4) and x.flatten().shape == (24,)
    assert x.reshape((4, 6)).shape == (4, 6)
    assert x.permute(2, 0, 1).shape == (4, 2, 3) and x.T.shape == (4, 3, 2)


def test_repr_shows_label_shape_op_and_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True, label="x")
    assert repr(x) == "Tensor([1., 2.], label='x', shape=(2,), requires_grad=True, grad=None)"
    with tg.scope(t=3):
        h = x.tanh().named("h_3")
    h.sum().backward()
    text = repr(h)
    assert "label='h_3'" in text and "op='tanh'" in text and "t=3" in text and "grad=(2,)" in text
    big = tg.zeros(10, 10)
    assert repr(big) == "Tensor(shape=(10, 10), grad=None)"


def test_comparisons_give_boolean_constants():
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    mask = x > 0
    assert mask.dtype == bool and not mask.requires_grad
    assert (x == 3.0).tolist() == [False, False, True]
    assert (x <= 1.0).tolist() == [True, True, False]
    assert {x: 1}[x] == 1  # still hashable by identity


def test_numpy_operands_on_the_left_dispatch_to_tensor():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([10.0, 20.0]) + x
    assert isinstance(y, tg.Tensor) and y.op == "add"
    z = np.array([[1.0, 1.0]]) @ x
    assert isinstance(z, tg.Tensor) and z.op == "matmul"


def test_numpy_functions_refuse_a_tensor_that_requires_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="cut it out of the graph"):
        np.asarray(x)
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.0, 2.0])


def test_integer_tensor_times_float_tensor_stays_float():
    x = tg.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    mask = tg.tensor([1, 0, 1])
    y = x * mask
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1, 0, 1])


# --------------------------------------------------------------------------------------
# Bad input: clear errors that name the op, the shapes and this file's line
# --------------------------------------------------------------------------------------
def test_matmul_shape_error_names_shapes_and_line():
    a, b = tg.randn(32, 64), tg.randn(128, 512)
    with pytest.raises(ShapeError) as error:
        a @ b
    line = sys._getframe().f_lineno - 1
    expected = "matmul: shapes (32, 64) and (128, 512) do not align (64 != 128)"
    assert str(error.value) == f"{expected} — at test_tensor.py:{line}"


def test_broadcast_error_in_add():
    with pytest.raises(ShapeError, match=r"add: shapes \(3, 4\) and \(5,\) cannot be broadcast"):
        tg.randn(3, 4, requires_grad=True) + tg.randn(5)


def test_concat_error():
    with pytest.raises(ShapeError, match=r"concat: shapes \(2, 3\), \(2, 4\) must match .* axis 0"):
        tg.cat([tg.zeros(2, 3), tg.zeros(2, 4)], axis=0)
    with pytest.raises(ShapeError, match="empty list"):
        tg.cat([])


def test_reshape_and_axis_errors():
    with pytest.raises(ShapeError, match=r"cannot reshape \(2, 3\) \(6 elements\) into \(4,\)"):
        tg.zeros(2, 3).reshape(4)
    with pytest.raises(ShapeError, match=r"axis 2 is out of range for shape \(2, 3\)"):
        tg.zeros(2, 3).sum(axis=2)


def test_index_errors():
    with pytest.raises(TensorIndexError, match=r"getitem: index 5 does not fit .* shape \(3, 4\)"):
        tg.zeros(3, 4)[5]
    with pytest.raises(TensorIndexError, match="integers or booleans"):
        tg.zeros(3)[np.array([0.5])]
    with pytest.raises(TensorIndexError, match=r"indices must be in 0..2"):
        tg.gather(tg.zeros(3, 2), np.array([0, 3]))
    with pytest.raises(DTypeError, match="gather: indices must be integers"):
        tg.gather(tg.zeros(3, 2), np.array([0.0]))


def test_backward_on_a_non_scalar_explains_what_to_do():
    y = tg.randn(3, 4, requires_grad=True) * 2.0
    with pytest.raises(BackwardError, match=r"has shape \(3, 4\).*y.sum\(\).backward\(\)"):
        y.backward()


def test_backward_with_an_explicit_gradient_and_a_wrong_one():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [3.0, 30.0])
    with pytest.raises(ShapeError, match=r"gradient has shape \(3,\) .* shape \(2,\)"):
        y.backward(np.ones(3))


def test_backward_twice_after_lean_mode():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=False)
    with pytest.raises(BackwardError, match="freed by an earlier backward"):
        y.backward()


def test_requires_grad_on_an_integer_tensor():
    with pytest.raises(DTypeError, match="only floating-point tensors can require grad"):
        tg.tensor([1, 2, 3], requires_grad=True)


def test_object_and_string_arrays_are_refused():
    with pytest.raises(DTypeError, match="cannot hold data of dtype object"):
        tg.tensor(np.array([1, "a", None], dtype=object))
    with pytest.raises(DTypeError):
        tg.tensor(["a", "b"])
    with pytest.raises(DTypeError, match="cannot combine"):
        tg.ones(2) + "a"


def test_float_functions_on_integers_explain_the_fix():
    with pytest.raises(
        DTypeError, match=r"tanh: needs a floating-point tensor, got int64.*float\(\)"
    ):
        tg.tensor([1, 2]).tanh()
    assert tg.tensor([1, 2]).float().tanh().dtype == np.float32  # as PyTorch


def test_errors_are_also_builtin_exceptions():
    with pytest.raises(ValueError):
        tg.zeros(2, 3) @ tg.zeros(2, 3)
    with pytest.raises(IndexError):
        tg.zeros(2)[3]
    with pytest.raises(TypeError):
        tg.tensor([1, 2], requires_grad=True)
