"""Every primitive op: forward against numpy, backward against float64 central differences
over hypothesis-drawn shapes (broadcasting included). `test_every_primitive_has_a_gradient_test`
fails if an op is added to ops.py without a gradient test here."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    arrays,
    away_from_zero,
    broadcast_pairs,
    distinct_values,
    leaf,
    nonempty_shapes,
    small_shapes,
)

import tinygrad_rnn as tg
from tinygrad_rnn.ops import PRIMITIVES, unbroadcast
from tinygrad_rnn.tensor import addmm  # not exported as tg.addmm yet

GRADIENT_TESTED: set[str] = set()


def covers(*op_names):
    """Mark a test as the gradient test of these primitives (checked by the registry test)."""
    GRADIENT_TESTED.update(op_names)
    return lambda test: test


fast = settings(max_examples=25, deadline=None)


def test_every_primitive_has_a_gradient_test():
    missing = set(PRIMITIVES) - GRADIENT_TESTED
    assert not missing, f"primitives without a finite-difference gradient test: {missing}"


def test_registry_holds_the_design_primitives():
    expected = {
        "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "sigmoid", "relu",
        "matmul", "sum", "mean", "max", "reshape", "transpose", "getitem", "concat", "stack",
        "where", "gather",
        "addmm",  # c + a @ b in one node, kept for memory (ops.py, docs/design.md)
        "power",  # a ** b for a tensor exponent: exp(b ln a) would be nan for a < 0
        "cast",  # x.float(), x.double(), x.to(dtype) keep the gradient
        "index_put",  # x[index] = v recorded in the graph (tensor_inplace.py)
        "unfold",  # image -> columns (ops_conv.py): conv2d and the pools are built on it
    }  # fmt: skip
    assert set(PRIMITIVES) == expected


# --------------------------------------------------------------------------------------
# Element-wise binary ops with broadcasting
# --------------------------------------------------------------------------------------
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
}


@covers("add", "sub", "mul", "div")
@pytest.mark.parametrize("name", sorted(BINARY))
@fast
@given(data=st.data(), shapes=broadcast_pairs)
def test_binary_ops_broadcast(name, data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = leaf(data.draw(arrays(shape_a)), "a")
    b_values = data.draw(away_from_zero(shape_b) if name == "div" else arrays(shape_b))
    b = leaf(b_values, "b")
    engine_fn, numpy_fn = BINARY[name]
    out = engine_fn(a, b)
    assert out.op == name
    np.testing.assert_allclose(out.data, numpy_fn(a.data, b.data))
    assert tg.gradcheck(engine_fn, [a, b])


@fast
@given(data=st.data(), shape=small_shapes)
def test_binary_ops_with_python_numbers_and_reflected(data, shape):
    x = leaf(data.draw(away_from_zero(shape)), "x")
    assert tg.gradcheck(lambda x: 2.0 * x - 1.5 / x + (3 - x) * 0.5 + x / 4, [x])


# --------------------------------------------------------------------------------------
# Element-wise unary ops
# --------------------------------------------------------------------------------------
UNARY = {
    "neg": (lambda x: -x, np.negative, arrays),
    "exp": (lambda x: x.exp(), np.exp, arrays),
    "log": (lambda x: x.log(), np.log, lambda s: arrays(s, 0.2, 3.0)),
    "tanh": (lambda x: x.tanh(), np.tanh, lambda s: arrays(s, -3.0, 3.0)),
    "sigmoid": (lambda x: x.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), lambda s: arrays(s, -4, 4)),
    "relu": (lambda x: x.relu(), lambda v: np.maximum(v, 0), away_from_zero),
}


@covers("neg", "exp", "log", "tanh", "sigmoid", "relu")
@pytest.mark.parametrize("name", sorted(UNARY))
@fast
@given(data=st.data(), shape=small_shapes)
def test_unary_ops(name, data, shape):
    engine_fn, numpy_fn, values = UNARY[name]
    x = leaf(data.draw(values(shape)), "x")
    out = engine_fn(x)
    assert out.op == name
    np.testing.assert_allclose(out.data, numpy_fn(x.data), rtol=1e-12, atol=1e-15)
    assert tg.gradcheck(engine_fn, [x])


@covers("pow")
@fast
@given(data=st.data(), shape=small_shapes, k=st.sampled_from([2, 3, -1, 0.5, 1.5, -0.5]))
def test_pow(data, shape, k):
    positive_only = k != int(k)
    values = arrays(shape, 0.3, 2.0) if positive_only else away_from_zero(shape)
    x = leaf(data.draw(values), "x")
    out = x**k
    assert out.op == "pow"
    np.testing.assert_allclose(out.data, x.data**k)
    assert tg.gradcheck(lambda x: x**k, [x])


@covers("power")
@fast
@given(data=st.data(), shapes=broadcast_pairs)
def test_power_with_a_tensor_exponent(data, shapes):
    shape_a, shape_b = shapes.input_shapes
    a = leaf(data.draw(arrays(shape_a, 0.3, 2.0)), "a")
    b = leaf(data.draw(arrays(shape_b)), "b")
    out = a**b
    assert out.op == "power"
    np.testing.assert_allclose(out.data, a.data**b.data)
    assert tg.gradcheck(lambda a, b: a**b, [a, b])
    assert tg.gradcheck(lambda b: 2.0**b, [b])


@fast
@given(data=st.data(), shape=small_shapes)
def test_power_of_a_negative_base_to_integer_exponents(data, shape):
    """(-2) ** 2 = 4, not the nan of exp(2 ln -2); d/da = b a^(b-1) holds for any a."""
    a = leaf(data.draw(away_from_zero(shape)), "a")
    b = tg.tensor(
        data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([1.0, 2.0, 3.0])))
    )
    out = a**b
    np.testing.assert_allclose(out.data, np.power(a.data, b.data))
    assert tg.gradcheck(lambda a: a**b, [a])


def test_power_edges_follow_the_limits():
    """d(x**0)/dx = 0 at x = 0 (x**0 is 1 everywhere); d(0**x)/dx = 0 for x > 0 (0**x is
    0 there); (-2)**x has the right values, and no real derivative in x (nan, as PyTorch)."""
    x = leaf(np.array([0.0, 2.0]))
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x = leaf(np.array([0.0, 2.0]))
    (x ** tg.tensor([0.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    x = leaf(np.array([0.5, 2.0]))
    (0.0**x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    np.testing.assert_array_equal((tg.tensor([-2.0]) ** tg.tensor(2.0)).data, [4.0])
    x = leaf(np.array([2.0, 3.0]))
    out = (-2.0) ** x
    np.testing.assert_array_equal(out.data, [4.0, -8.0])
    out.sum().backward()
    assert np.all(np.isnan(x.grad))
    base = leaf(np.array([-2.0, -3.0]))
    (base ** tg.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(base.grad, [2 * -2.0, 3 * 9.0])  # b a^(b-1)


@covers("cast")
@fast
@given(data=st.data(), shape=small_shapes)
def test_cast_between_float_dtypes_keeps_the_gradient(data, shape):
    x = leaf(data.draw(arrays(shape)), "x")
    out = x.float()
    assert out.op == "cast" and out.dtype == np.float32
    np.testing.assert_array_equal(out.data, x.data.astype(np.float32))
    # through float32 the differences need a larger step than float64's 1e-6
    assert tg.gradcheck(lambda x: x.float().double() * 3.0, [x], eps=1e-2, atol=1e-3)
    w = tg.tensor(data.draw(arrays(shape)).astype(np.float32), requires_grad=True)
    (w.double() * 2.0).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad, np.full(shape, 2.0, dtype=np.float32))


def test_sigmoid_and_tanh_are_stable_at_extremes():
    x = leaf(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]))
    s = x.sigmoid()
    np.testing.assert_allclose(
        s.data, [0.0, 1 / (1 + np.exp(30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1]
    )
    s.sum().backward()
    assert np.all(np.isfinite(x.grad))
    assert x.grad[0] == 0.0 and x.grad[-1] == 0.0 and x.grad[2] == 0.25
    x.zero_grad()
    x.tanh().sum().backward()
    np.testing.assert_allclose(x.grad, 1 - np.tanh(x.data) ** 2)


# --------------------------------------------------------------------------------------
# Matrix product
# --------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
]


@covers("matmul")
@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_matmul_shapes_and_gradients(shape_a, shape_b):
    rng = np.random.default_rng(0)
    a = leaf(rng.standard_normal(shape_a), "a")
    b = leaf(rng.standard_normal(shape_b), "b")
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data)
    assert tg.gradcheck(lambda a, b: a @ b, [a, b])


@fast
@given(data=st.data(), n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4))
def test_matmul_random_2d(data, n, k, m):
    a = leaf(data.draw(arrays((n, k))))
    b = leaf(data.draw(arrays((k, m))))
    assert tg.gradcheck(lambda a, b: a @ b, [a, b])


@covers("addmm")
@pytest.mark.parametrize("shape_a,shape_b", MATMUL_SHAPES)
def test_addmm_shapes_and_gradients(shape_a, shape_b):
    """addmm(c, a, b) = c + a @ b, with c of a @ b's shape and with c broadcast (a bias)."""
    rng = np.random.default_rng(1)
    a = leaf(rng.standard_normal(shape_a), "a")
    b = leaf(rng.standard_normal(shape_b), "b")
    product_shape = (a.data @ b.data).shape
    for c_shape in {product_shape, product_shape[-1:], ()}:
        c = leaf(rng.standard_normal(c_shape), "c")
        out = addmm(c, a, b)
        assert out.op == "addmm" and out.parents == (c, a, b)
        np.testing.assert_allclose(out.data, c.data + a.data @ b.data)
        assert tg.gradcheck(addmm, [c, a, b])


@fast
@given(data=st.data(), n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4))
def test_addmm_random_2d_with_broadcast_c(data, n, k, m):
    """c may also be larger than a @ b: (3, n, m) + (n, m) broadcasts to (3, n, m)."""
    c_shape = data.draw(st.sampled_from([(n, m), (m,), (1, m), (n, 1), (3, n, m), (3, 1, 1)]))
    c = leaf(data.draw(arrays(c_shape)), "c")
    a = leaf(data.draw(arrays((n, k))), "a")
    b = leaf(data.draw(arrays((k, m))), "b")
    out = addmm(c, a, b)
    np.testing.assert_allclose(out.data, c.data + a.data @ b.data)
    assert tg.gradcheck(addmm, [c, a, b])


def test_addmm_is_the_sum_of_its_two_nodes_and_leaves_c_untouched():
    """The same value and gradients as c + a @ b; c's array is not written into."""
    rng = np.random.default_rng(2)
    values = [rng.standard_normal(shape) for shape in [(2, 4), (2, 3), (3, 4)]]
    fused = [leaf(v) for v in values]
    plain = [leaf(v) for v in values]
    c_before = fused[0].data.copy()
    addmm(*fused).tanh().sum().backward()
    (plain[0] + plain[1] @ plain[2]).tanh().sum().backward()
    np.testing.assert_array_equal(fused[0].data, c_before)
    for x, y in zip(fused, plain):
        np.testing.assert_allclose(x.grad, y.grad, rtol=1e-12)


def test_addmm_float32_with_a_float64_c_gives_float64_like_add():
    a = tg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = tg.tensor(np.ones((3, 4), dtype=np.float32), requires_grad=True)
    c = tg.Tensor(np.full(4, 0.5))  # float64 constant, as numpy would promote
    out = addmm(c, a, b)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out.data, np.full((2, 4), 3.5))


def test_addmm_shape_errors_name_the_part_that_does_not_fit():
    a, b = tg.randn(32, 64), tg.randn(128, 512)
    with pytest.raises(
        tg.ShapeError, match=r"addmm: shapes \(32, 64\) and \(128, 512\) do not align"
    ):
        addmm(tg.randn(512), a, b)
    with pytest.raises(tg.ShapeError, match=r"c of shape \(3,\) cannot be broadcast with a @ b"):
        addmm(tg.randn(3), tg.randn(2, 4), tg.randn(4, 5))


# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------
@st.composite
def shape_and_axis(draw):
    shape = draw(nonempty_shapes)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-len(shape), len(shape) - 1),
            st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple),
        )
    )
    return shape, axis, draw(st.booleans())


@covers("sum", "mean")
@pytest.mark.parametrize("name", ["sum", "mean"])
@fast
@given(data=st.data(), spec=shape_and_axis())
def test_sum_and_mean(name, data, spec):
    shape, axis, keepdims = spec
    x = leaf(data.draw(arrays(shape)), "x")
    out = getattr(x, name)(axis=axis, keepdims=keepdims)
    expected = getattr(np, name)(x.data, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, expected)
    assert out.shape == np.shape(expected)
    assert tg.gradcheck(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims), [x])


@covers("max")
@fast
@given(data=st.data(), spec=shape_and_axis())
def test_max_without_ties(data, spec):
    shape, axis, keepdims = spec
    x = leaf(data.draw(distinct_values(shape)), "x")
    out = x.amax(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.data, np.max(x.data, axis=axis, keepdims=keepdims))
    assert tg.gradcheck(lambda x: x.amax(axis=axis, keepdims=keepdims), [x])


def test_max_splits_the_gradient_evenly_among_ties():
    x = leaf(np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]))
    x.amax(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_pytorch_reduction_spellings():
    x = leaf(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=1, keepdim=True).shape == (2, 1)
    assert x.mean(dim=0).shape == (3,)
    np.testing.assert_allclose(x.amax(dim=1).data, [2.0, 5.0])
    assert x.argmax(dim=1).tolist() == [2, 2]
    assert x.argmax(dim=1).requires_grad is False


def test_max_and_min_mean_what_they_mean_in_pytorch():
    """x.max() is a 0-d tensor; x.max(dim) the pair (values, indices), so the common
    `_, pred = out.max(1)` gets the indices; the gradient goes to the indexed element."""
    x = leaf(np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]]))
    assert x.max().shape == () and x.max().item() == 7.0 and x.min().item() == 1.0
    _, pred = x.max(1)
    assert pred.tolist() == [1, 0] and pred.dtype == np.int64
    values, indices = x.min(dim=1, keepdim=True)
    assert values.shape == (2, 1) and values.data.tolist() == [[1.0], [2.0]]
    assert indices.tolist() == [[0], [1]]
    result = x.max(dim=1)
    assert result.values.data.tolist() == [5.0, 7.0] and result.indices.tolist() == [1, 0]
    result.values.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 1, 0], [1, 0, 0]])  # the first tied 7 only
    y = leaf(np.array([2.0, 5.0, 5.0]))
    y.max().backward()  # the full max splits ties, as PyTorch does
    np.testing.assert_array_equal(y.grad, [0.0, 0.5, 0.5])
    assert x.argmin(1).tolist() == [0, 1]
    np.testing.assert_array_equal(x.max(tg.tensor(4.0)).data, [[4.0, 5.0, 4.0], [7.0, 4.0, 7.0]])


@fast
@given(data=st.data(), shape=nonempty_shapes)
def test_max_and_min_over_a_dim_against_numpy(data, shape):
    x = leaf(data.draw(distinct_values(shape)), "x")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    for method, reduce, arg in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
        values, indices = getattr(x, method)(dim)
        np.testing.assert_array_equal(values.data, reduce(x.data, axis=dim))
        np.testing.assert_array_equal(indices.data, arg(x.data, axis=dim))
        assert tg.gradcheck(lambda x, method=method: getattr(x, method)(dim).values, [x])


@fast
@given(data=st.data(), shape=nonempty_shapes)
def test_topk_against_sorting(data, shape):
    x = leaf(data.draw(distinct_values(shape)), "x")
    k = data.draw(st.integers(0, shape[-1]))
    values, indices = x.topk(k)
    expected = -np.sort(-x.data, axis=-1)[..., :k]
    np.testing.assert_array_equal(values.data, expected)
    np.testing.assert_array_equal(np.take_along_axis(x.data, indices.data, axis=-1), expected)
    smallest = x.topk(k, largest=False).values
    np.testing.assert_array_equal(smallest.data, np.sort(x.data, axis=-1)[..., :k])
    if k:
        assert tg.gradcheck(lambda x: x.topk(k).values * 2.0, [x])


# --------------------------------------------------------------------------------------
# Shape ops
# --------------------------------------------------------------------------------------
@covers("reshape")
@fast
@given(data=st.data(), shape=nonempty_shapes)
def test_reshape(data, shape):
    x = leaf(data.draw(arrays(shape)))
    size = int(np.prod(shape))
    new_shape = data.draw(st.sampled_from([(size,), (1, size), (size, 1), tuple(reversed(shape))]))
    out = x.reshape(*new_shape)
    np.testing.assert_array_equal(out.data, x.data.reshape(new_shape))
    assert tg.gradcheck(lambda x: x.reshape(new_shape), [x])


@covers("transpose")
@fast
@given(data=st.data(), shape=nonempty_shapes)
def test_permute_transpose_and_T(data, shape):
    x = leaf(data.draw(arrays(shape)))
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    np.testing.assert_array_equal(x.permute(*axes).data, np.transpose(x.data, axes))
    np.testing.assert_array_equal(x.T.data, x.data.T)
    assert tg.gradcheck(lambda x: x.permute(*axes), [x])
    if len(shape) >= 2:
        np.testing.assert_array_equal(x.transpose(0, -1).data, np.swapaxes(x.data, 0, -1))
        assert tg.gradcheck(lambda x: x.transpose(0, -1), [x])


GETITEM_CASES = [
    ((5,), 2),
    ((5,), slice(1, 4)),
    ((5,), slice(None, None, -2)),
    ((4, 3), (slice(None), 1)),
    ((4, 3), (Ellipsis, slice(0, 2))),
    ((4, 3), (None, 1)),
    ((4, 3), np.array([0, 2, 2, 3])),  # repeated rows: gradients add up
    ((4, 3), (np.array([0, 1, 1]), np.array([2, 2, 0]))),
    ((4, 3), (slice(1, 3), np.array([0, 0, 2]))),
    ((3, 4), np.array([[True, False, True, False]] * 3)),
    ((3, 4), [1, 1, 0]),
]


@covers("getitem")
@pytest.mark.parametrize("shape,index", GETITEM_CASES)
def test_getitem(shape, index):
    x = leaf(np.random.default_rng(1).standard_normal(shape))
    out = x[index]
    np.testing.assert_array_equal(out.data, x.data[index])
    assert tg.gradcheck(lambda x: x[index], [x])


def test_getitem_repeated_indices_accumulate():
    x = leaf(np.zeros(3))
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_getitem_accepts_integer_tensors():
    x = leaf(np.arange(4.0))
    np.testing.assert_array_equal(x[tg.tensor([3, 1])].data, [3.0, 1.0])


INDEX_PUT_CASES = [  # (x's shape, index, v's shape)
    ((4, 3), 1, (3,)),
    ((4, 3), (slice(None), 1), (4,)),
    ((4, 3), (slice(1, 3),), (1, 3)),  # v broadcast over the rows written
    ((4, 3), 2, (1, 3)),  # v with an extra leading axis of length 1
    ((4, 3), Ellipsis, ()),  # fill_ with a 0-d tensor
    ((3, 4), np.array([[True, False, True, False]] * 3), (6,)),
    ((4, 3), np.array([0, 2, 0]), (3, 3)),  # row 0 written twice: the last write wins
    ((4, 3), (np.array([1, 1]), np.array([2, 2])), (2,)),
]


@covers("index_put")
@pytest.mark.parametrize("shape,index,v_shape", INDEX_PUT_CASES)
def test_index_put(shape, index, v_shape):
    from tinygrad_rnn import ops
    from tinygrad_rnn.tensor import apply

    rng = np.random.default_rng(2)
    x = leaf(rng.standard_normal(shape), "x")
    v = leaf(rng.standard_normal(v_shape), "v")
    out = apply(ops.IndexPut, x, v, index=index)
    expected = x.data.copy()
    expected[index] = v.data
    np.testing.assert_array_equal(out.data, expected)
    assert tg.gradcheck(lambda x, v: apply(ops.IndexPut, x, v, index=index), [x, v])


def test_index_put_repeated_index_gives_the_overwritten_value_no_gradient():
    from tinygrad_rnn import ops
    from tinygrad_rnn.tensor import apply

    x = leaf(np.zeros(3), "x")
    v = leaf(np.array([1.0, 2.0, 3.0]), "v")
    out = apply(ops.IndexPut, x, v, index=np.array([0, 2, 0]))  # x[0] = 1, then x[0] = 3
    np.testing.assert_array_equal(out.data, [3.0, 0.0, 2.0])
    (out * tg.tensor([10.0, 20.0, 30.0])).sum().backward()
    np.testing.assert_array_equal(v.grad, [0.0, 30.0, 10.0])
    np.testing.assert_array_equal(x.grad, [0.0, 20.0, 0.0])


@covers("gather")
@fast
@given(data=st.data(), rows=st.integers(1, 5), dim=st.integers(1, 3), idx_shape=small_shapes)
def test_gather_rows(data, rows, dim, idx_shape):
    weight = leaf(data.draw(arrays((rows, dim))), "weight")
    indices = data.draw(hnp.arrays(np.int64, idx_shape, elements=st.integers(0, rows - 1)))
    out = tg.gather(weight, indices)
    assert out.shape == idx_shape + (dim,)
    np.testing.assert_array_equal(out.data, weight.data[indices])
    assert tg.gradcheck(lambda w: tg.gather(w, indices), [weight])


@st.composite
def join_inputs(draw, same_shape: bool):
    base = draw(nonempty_shapes)
    count = draw(st.integers(1, 3))
    axis = draw(st.integers(0, len(base) - 1))
    shapes = []
    for _ in range(count):
        shape = list(base)
        if not same_shape:
            shape[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(shape))
    values = [draw(arrays(shape)) for shape in shapes]
    return values, axis


@covers("concat")
@fast
@given(spec=join_inputs(same_shape=False))
def test_concat(spec):
    values, axis = spec
    xs = [leaf(v, f"x{i}") for i, v in enumerate(values)]
    out = tg.cat(xs, axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate(values, axis=axis))
    assert tg.gradcheck(lambda *xs: tg.cat(xs, dim=axis), xs)
    assert tg.concat is tg.cat


@covers("stack")
@fast
@given(spec=join_inputs(same_shape=True), negative=st.booleans())
def test_stack(spec, negative):
    values, axis = spec
    axis = axis - values[0].ndim - 1 if negative else axis
    xs = [leaf(v, f"x{i}") for i, v in enumerate(values)]
    np.testing.assert_array_equal(tg.stack(xs, axis=axis).data, np.stack(values, axis=axis))
    assert tg.gradcheck(lambda *xs: tg.stack(xs, axis=axis), xs)


@covers("where")
@fast
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3))
def test_where(data, shapes):
    cond_shape, shape_a, shape_b = shapes.input_shapes
    cond = data.draw(hnp.arrays(bool, cond_shape))
    a = leaf(data.draw(arrays(shape_a)), "a")
    b = leaf(data.draw(arrays(shape_b)), "b")
    out = tg.where(cond, a, b)
    np.testing.assert_array_equal(out.data, np.where(cond, a.data, b.data))
    assert tg.gradcheck(lambda a, b: tg.where(cond, a, b), [a, b])


@covers("unfold")
@fast
@given(
    data=st.data(),
    image=hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=5),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
)
def test_unfold(data, image, kernel, stride, padding, dilation):
    """More cases (layout, pad values, the adjoint) in tests/test_conv.py."""
    spans = [dilation[k] * (kernel[k] - 1) + 1 for k in (0, 1)]
    if spans[0] > image[2] + 2 * padding[0] or spans[1] > image[3] + 2 * padding[1]:
        return  # the kernel does not fit: tests/test_conv.py checks the error
    x = leaf(data.draw(arrays(image)), "x")
    unfold = tg.functional.unfold
    out = unfold(x, kernel, dilation=dilation, padding=padding, stride=stride)
    assert out.op == "unfold"
    assert tg.gradcheck(lambda x: unfold(x, kernel, dilation, padding, stride), [x])


def test_where_accepts_a_boolean_tensor_and_numbers():
    x = leaf(np.array([-1.0, 2.0, -3.0]))
    out = tg.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.data, [0.0, 2.0, 0.0])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0])


# --------------------------------------------------------------------------------------
# unbroadcast, the one place broadcast gradients are reduced
# --------------------------------------------------------------------------------------
@fast
@given(data=st.data(), shapes=broadcast_pairs)
def test_unbroadcast_is_the_adjoint_of_broadcasting(data, shapes):
    """<broadcast(x), g> == <x, unbroadcast(g)> for every x and g: the defining property."""
    shape_x, _ = shapes.input_shapes
    x = data.draw(arrays(shape_x))
    g = data.draw(arrays(shapes.result_shape))
    lhs = np.sum(np.broadcast_to(x, shapes.result_shape) * g)
    rhs = np.sum(x * unbroadcast(g, shape_x))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10, atol=1e-10)
    assert unbroadcast(g, shape_x).shape == shape_x


# --------------------------------------------------------------------------------------
# float32 end to end
# --------------------------------------------------------------------------------------
def test_every_op_keeps_float32():
    f32 = np.float32
    x = tg.tensor(np.random.default_rng(0).random((2, 3)).astype(f32) + 0.5, requires_grad=True)
    w = tg.tensor(np.ones((3, 2), dtype=f32), requires_grad=True)
    results = [
        x + 1.0, 1 - x, x * 2, x / 3.0, 2.0 / x, -x, x**2, x.exp(), x.log(), x.tanh(),
        x.sigmoid(), x.relu(), x @ w, x.sum(), x.mean(axis=0), x.amax(axis=1), x.reshape(6),
        x.T, x[0], x[np.array([1, 0])], tg.cat([x, x]), tg.stack([x, x]),
        tg.where(x.numpy() > 1, x, 0.0), tg.gather(w, np.array([0, 2])), x * tg.tensor([1, 0, 1]),
        addmm(1.0, x, w),
    ]  # fmt: skip
    for out in results:
        assert out.dtype == f32, out
    total = None
    for out in results:
        total = out.sum() if total is None else total + out.sum()
    total.backward()
    assert x.grad.dtype == f32 and w.grad.dtype == f32
