"""PyTorch's tensor methods, package functions, einsum and numpy interplay (issue 15,
items 3, 5, 8, 11): values against numpy formulas or hand values, gradients against
central differences (tg.gradcheck, float64). No torch."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.errors import ArgumentError, DTypeError, ShapeError

RNG = np.random.default_rng(0)


def leaf(*shape):
    return tg.tensor(RNG.normal(size=shape), requires_grad=True)


# --------------------------------------------------------------------------------------
# sizes and shapes
# --------------------------------------------------------------------------------------
def test_size_dim_numel():
    x = tg.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size()[0] == 2 and x.size(-1) == 4
    assert isinstance(x.size(), tuple) and x.size().numel() == 24
    assert repr(x.size()) == "Size([2, 3, 4])"
    assert x.dim() == x.ndimension() == 3
    assert x.numel() == x.nelement() == tg.numel(x) == 24
    with pytest.raises(ShapeError):
        x.size(3)


def test_view_reshape_as_contiguous():
    x = leaf(2, 6)
    assert x.view(-1).shape == (12,) and x.view(3, -1).shape == (3, 4)
    assert x.view_as(tg.zeros(4, 3)).shape == (4, 3)
    assert x.reshape_as(tg.zeros(3, 4)).shape == (3, 4)
    assert x.contiguous() is x and x.is_contiguous()
    assert tg.gradcheck(lambda x: x.view(3, 4).view_as(x) * tg.arange(12.0).view(2, 6), [x])


def test_expand_and_expand_as():
    x = leaf(3, 1)
    out = x.expand(2, 3, 4)
    np.testing.assert_array_equal(out.numpy(), np.broadcast_to(x.numpy(), (2, 3, 4)))
    assert x.expand(-1, 5).shape == (3, 5)
    assert x.expand_as(tg.zeros(3, 2)).shape == (3, 2)
    weights = tg.tensor(RNG.normal(size=(2, 3, 4)))
    assert tg.gradcheck(lambda x: (x.expand(2, 3, 4) * weights).sum(), [x])
    out = x.expand(3, 4)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((3, 1), 4.0))  # summed over the copies
    with pytest.raises(ShapeError):
        x.expand(2, 2)


def test_repeat_is_numpy_tile():
    x = leaf(2, 3)
    out = x.repeat(2, 1, 3)
    np.testing.assert_array_equal(out.numpy(), np.tile(x.numpy(), (2, 1, 3)))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 6.0))  # six copies of each
    weights = tg.tensor(RNG.normal(size=(4, 3)))
    assert tg.gradcheck(lambda x: (x.repeat(2, 1) * weights).sum(), [leaf(2, 3)])
    with pytest.raises(ShapeError):
        x.repeat(2)


def test_split_chunk_unbind_narrow():
    x = leaf(5, 4)
    pieces = x.split(2)
    assert [p.shape for p in pieces] == [(2, 4), (2, 4), (1, 4)]
    assert [p.shape for p in x.split([1, 3], dim=1)] == [(5, 1), (5, 3)]
    assert [p.shape for p in x.chunk(3)] == [(2, 4), (2, 4), (1, 4)]
    assert [p.shape for p in tg.zeros(6).chunk(4)] == [(2,), (2,), (2,)]  # fewer, as PyTorch
    np.testing.assert_array_equal(tg.cat(x.chunk(2, 1), dim=1).numpy(), x.numpy())
    rows = x.unbind(0)
    assert len(rows) == 5 and rows[2].shape == (4,)
    np.testing.assert_array_equal(x.narrow(1, 1, 2).numpy(), x.numpy()[:, 1:3])
    with pytest.raises(ShapeError, match="add up"):
        x.split([2, 2])
    a, b = tg.split(x, [3, 2])
    assert tg.gradcheck(lambda x: (x.split(2, 1)[1] * 3.0).sum() + x.chunk(5)[4].sum(), [x])


def test_tg_flatten_takes_start_and_end_dim():
    x = tg.zeros(2, 3, 4, 5)
    assert tg.flatten(x).shape == (120,)
    assert tg.flatten(x, 1).shape == (2, 60)
    assert tg.flatten(x, 1, 2).shape == (2, 12, 5)
    assert tg.flatten(tg.tensor(3.0)).shape == (1,)


def test_package_shape_functions():
    x = leaf(2, 1, 3)
    assert tg.squeeze(x).shape == (2, 3) and tg.unsqueeze(x, 0).shape == (1, 2, 1, 3)
    assert tg.transpose(x, 0, 2).shape == (3, 1, 2)
    assert tg.permute(x, (2, 0, 1)).shape == (3, 2, 1)
    assert tg.t(tg.zeros(2, 3)).shape == (3, 2)
    assert tg.reshape(x, (3, 2)).shape == (3, 2)


# --------------------------------------------------------------------------------------
# products
# --------------------------------------------------------------------------------------
def test_dot_mm_bmm_matmul():
    a, b = leaf(3), leaf(3)
    assert a.dot(b).item() == pytest.approx(float(a.numpy() @ b.numpy()))
    assert tg.gradcheck(lambda a, b: tg.dot(a, b), [a, b])
    m, n = leaf(2, 3), leaf(3, 4)
    np.testing.assert_allclose(tg.mm(m, n).numpy(), m.numpy() @ n.numpy())
    p, q = leaf(2, 3, 4), leaf(2, 4, 5)
    np.testing.assert_allclose(tg.bmm(p, q).numpy(), p.numpy() @ q.numpy())
    assert tg.gradcheck(lambda p, q: p.bmm(q).sum(), [p, q])
    np.testing.assert_allclose(m.matmul(n).numpy(), m.numpy() @ n.numpy())
    with pytest.raises(ShapeError, match="mm: expects two 2-D"):
        tg.mm(p, q)
    with pytest.raises(ShapeError, match="bmm"):
        m.bmm(n)
    with pytest.raises(ShapeError, match="dot"):
        m.dot(n)


# --------------------------------------------------------------------------------------
# element-wise
# --------------------------------------------------------------------------------------
def test_clone_keeps_the_gradient_and_copies():
    x = leaf(2, 3)
    y = x.clone()
    assert y.numpy() is not x.numpy() and np.array_equal(y.numpy(), x.numpy())
    assert y.requires_grad and y.op == "mul"  # x * 1.0
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    ids = tg.tensor([1, 2])
    copy = ids.clone()
    assert copy.dtype == np.int64 and copy.tolist() == [1, 2] and copy is not ids


def test_masked_fill():
    x = leaf(2, 3)
    mask = tg.tensor([[True, False, False], [False, False, True]])
    out = x.masked_fill(mask, -1e9)
    expected = np.where(mask.numpy(), -1e9, x.numpy())
    np.testing.assert_array_equal(out.numpy(), expected)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, (~mask.numpy()).astype(float))
    row_mask = np.array([[False, True, False]])  # broadcasts over the rows
    assert tg.masked_fill(x, row_mask, 0.0).numpy()[1, 1] == 0.0
    with pytest.raises(DTypeError, match="masked_fill: the mask must be boolean"):
        x.masked_fill(tg.tensor([[1, 0, 0], [0, 0, 1]]), 0.0)
    with pytest.raises(ShapeError, match="masked_fill"):
        x.masked_fill(np.ones((3, 3), dtype=bool), 0.0)


def test_clamp_values_and_gradient_as_pytorch():
    x = tg.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    out = x.clamp(-1.0, 1.0)
    assert out.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]  # 1 on the closed range [min, max]
    assert tg.clamp(x, min=0.5).tolist() == [0.5, 0.5, 0.5, 1.0, 2.0]
    assert tg.clip(x, max=0.0).tolist() == [-2.0, -1.0, 0.0, 0.0, 0.0]
    assert x.clip(0, 1).tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    with pytest.raises(ArgumentError, match="clamp"):
        x.clamp()
    assert tg.gradcheck(lambda x: x.clamp(-0.5, 0.7) * x, [leaf(4, 3)])


def test_pow_sqrt_abs_add_alpha():
    x = tg.tensor([1.0, 4.0, 9.0], requires_grad=True)
    assert x.pow(2).tolist() == [1.0, 16.0, 81.0]
    assert tg.sqrt(x).tolist() == [1.0, 2.0, 3.0]
    assert tg.abs(tg.tensor([-1.5, 2.0])).tolist() == [1.5, 2.0]
    assert tg.pow(x, 0.5).tolist() == [1.0, 2.0, 3.0]
    assert x.add(x, alpha=2).tolist() == [3.0, 12.0, 27.0]
    assert x.sub(1.0).tolist() == [0.0, 3.0, 8.0] and x.neg().tolist() == [-1.0, -4.0, -9.0]
    assert x.mul(2).div(4).tolist() == [0.5, 2.0, 4.5] and tg.square(x).tolist()[1] == 16.0


def test_tril_triu():
    x = leaf(3, 3)
    np.testing.assert_array_equal(tg.tril(x).numpy(), np.tril(x.numpy()))
    np.testing.assert_array_equal(tg.triu(x, 1).numpy(), np.triu(x.numpy(), 1))
    causal = tg.tril(tg.ones(3, 3)) == 0
    assert causal.numpy().tolist()[0] == [False, True, True]
    assert tg.tril(tg.ones(2, 2, dtype=tg.long)).tolist() == [[1, 0], [1, 1]]


# --------------------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------------------
def test_sum_mean_with_dim_keepdim():
    x = leaf(2, 3)
    assert tg.sum(x, dim=1, keepdim=True).shape == (2, 1)
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).numpy(), x.numpy().sum(1, keepdims=True))
    np.testing.assert_allclose(tg.mean(x, 0).numpy(), x.numpy().mean(0))
    np.testing.assert_allclose(tg.sum(x).item(), x.numpy().sum())


def test_max_min_overloads_as_pytorch():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    assert tg.max(x).item() == 7.0 and tg.min(x).item() == 0.0
    values, indices = tg.max(x, 1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert tg.max(x, 1)[1].tolist() == [1, 0]  # torch.max(x, 1)[1]: the classic argmax
    assert tg.max(x, dim=1).indices.tolist() == [1, 0]
    assert x.max(1, keepdim=True).values.shape == (2, 1)
    assert tg.min(x, 0).indices.tolist() == [0, 1, 0]
    other = tg.tensor([[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]])
    assert tg.max(x, other).tolist() == [[3.0, 5.0, 3.0], [7.0, 3.0, 3.0]]
    assert tg.maximum(x, other).tolist() == tg.max(x, other).tolist()
    assert tg.argmax(x, dim=1).tolist() == [1, 0] and tg.argmin(x).item() == 4
    assert tg.amax(x, dim=0).tolist() == [7.0, 5.0, 3.0]
    values, indices = tg.topk(x, 2)
    assert values.tolist() == [[5.0, 2.0], [7.0, 3.0]] and indices.tolist() == [[1, 2], [0, 2]]


def test_norm():
    x = leaf(3, 4)
    array = x.numpy()
    assert x.norm().item() == pytest.approx(np.linalg.norm(array))
    assert tg.norm(x, p=1).item() == pytest.approx(np.abs(array).sum())
    assert x.norm(p=math.inf).item() == pytest.approx(np.abs(array).max())
    np.testing.assert_allclose(x.norm(dim=1).numpy(), np.linalg.norm(array, axis=1))
    np.testing.assert_allclose(x.norm(3, dim=0).numpy(), (np.abs(array) ** 3).sum(0) ** (1 / 3))
    assert tg.gradcheck(lambda x: x.norm() + x.norm(dim=0, keepdim=True).sum(), [x])


def test_var_std_unbiased_as_pytorch():
    x = leaf(4, 5)
    array = x.numpy()
    assert x.var().item() == pytest.approx(array.var(ddof=1))  # unbiased by default
    assert x.std(unbiased=False).item() == pytest.approx(array.std())
    np.testing.assert_allclose(tg.var(x, 1).numpy(), array.var(1, ddof=1))
    np.testing.assert_allclose(x.std(0, keepdim=True).numpy(), array.std(0, ddof=1, keepdims=True))
    np.testing.assert_allclose(x.var(1, correction=0).numpy(), array.var(1))
    assert tg.gradcheck(lambda x: x.std(1).sum() + x.var(), [x])


def test_prod():
    x = tg.tensor([[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]], requires_grad=True)
    assert x.prod().item() == 0.0
    assert tg.prod(x, 1).tolist() == [6.0, 0.0]
    assert x.prod(0, keepdim=True).shape == (1, 3)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[6.0, 3.0, 2.0], [20.0, 0.0, 0.0]]  # right at the zero, too
    assert tg.gradcheck(lambda x: x.prod(0).sum(), [leaf(3, 2)])


def test_all_any_comparisons_equal_allclose():
    x = tg.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert x.all().item() is False and x.any().item() is True
    assert x.all(dim=1).tolist() == [False, True] and tg.any(x, 0).tolist() == [True, True]
    assert x.eq(0).tolist() == [[False, True], [False, False]]
    assert x.gt(1).tolist() == [[False, False], [True, True]]
    assert x.le(1).numpy().sum() == 2 and x.ne(0).numpy().sum() == 3 and x.lt(4).numpy().all()
    assert x.ge(3).numpy().sum() == 1
    assert tg.equal(x, x.clone()) and not tg.equal(x, x + 1) and not x.equal(tg.zeros(4))
    assert tg.allclose(x, x + 1e-9) and not tg.allclose(x, x + 1e-3)


def test_softmax_log_softmax_at_package_and_method_level():
    x = leaf(2, 4)
    array = x.numpy()
    expected = np.exp(array) / np.exp(array).sum(1, keepdims=True)
    np.testing.assert_allclose(tg.softmax(x, dim=1).numpy(), expected)
    np.testing.assert_allclose(x.softmax(1).numpy(), expected)
    np.testing.assert_allclose(x.log_softmax(dim=-1).numpy(), np.log(expected))
    np.testing.assert_allclose(
        tg.log_softmax(x, 0).numpy().sum(), np.log(np.exp(array) / np.exp(array).sum(0)).sum()
    )


def test_gather_index_select():
    x = leaf(3, 4)
    index = tg.tensor([[0, 3], [1, 1], [2, 0]])
    out = x.gather(1, index)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(x.numpy(), index.numpy(), 1))
    assert tg.gather(x, 1, index).tolist() == out.tolist()  # torch.gather(input, dim, index)
    assert tg.gather(x, dim=0, index=tg.tensor([[2, 0, 1, 0]])).shape == (1, 4)
    out.sum().backward()
    assert x.grad[1].tolist() == [0.0, 2.0, 0.0, 0.0]  # index 1 used twice
    np.testing.assert_array_equal(
        x.index_select(1, tg.tensor([3, 0])).numpy(), x.numpy()[:, [3, 0]]
    )
    # the embedding lookup tg.gather(weight, indices) keeps its meaning
    assert tg.gather(x, np.array([2, 0])).shape == (2, 4)
    with pytest.raises(DTypeError):
        x.gather(1, tg.tensor([[0.5]]))


def test_new_tensors_like_this_one():
    x = tg.zeros(2, dtype=tg.float32)
    assert x.new_zeros(3, 2).shape == (3, 2) and x.new_zeros((3,)).dtype == np.float32
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert x.new_empty(4).shape == (4,)
    assert x.new_tensor([1, 2]).dtype == np.float32
    assert x.new_zeros(2, dtype=tg.long).dtype == np.int64
    assert x.type_as(tg.tensor([1])).dtype == np.int64


# --------------------------------------------------------------------------------------
# Python protocols
# --------------------------------------------------------------------------------------
def test_index_int_float_bool_of_one_element_tensors():
    names = ["ann", "bob", "cy"]
    t = tg.tensor(2)
    assert names[t] == "cy" and list(range(t)) == [0, 1] and "abc"[tg.tensor([1])] == "b"
    assert names[tg.argmax(tg.tensor([0.1, 0.9, 0.0]))] == "bob"
    assert [0, 1, 2, 3][tg.tensor(1) :] == [1, 2, 3]
    with pytest.raises(TypeError, match="integer tensor"):
        names[tg.tensor(1.0)]
    with pytest.raises(TypeError):
        names[tg.tensor([0, 1])]
    assert int(tg.tensor([3.7])) == 3 and float(tg.tensor(2)) == 2.0
    assert bool(tg.tensor([1.0])) and not bool(tg.tensor(0))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0]))


def test_item_tolist_hash():
    x = tg.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]] and x[0, 1].item() == 2.0
    assert isinstance(tg.tensor(3).item(), int)
    assert len({x: 1, tg.tensor([[1.5, 2.0]]): 2}) == 2  # by identity


def test_same_name_traps_match_pytorch():
    x = tg.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True)
    values, indices = x.max(1)  # a named pair, not the largest value
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    y = x.float()  # float32, still in the graph
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert x.t().tolist() == [[1.0, 7.0], [5.0, 2.0]]
    assert x.size(0) == 2 and x.view(-1, 1).shape == (4, 1)


# --------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------
EQUATIONS = [
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("btd,d->bt", [(2, 3, 4), (4,)]),
    ("bt,btd->bd", [(2, 3), (2, 3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ijk->k", [(2, 3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i", [(3,), (3,)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("...d,d->...", [(2, 3, 4), (4,)]),
    ("...ij,...jk", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bi, bj -> bij", [(2, 3), (2, 4)]),
]


@pytest.mark.parametrize("equation, shapes", EQUATIONS)
def test_einsum_matches_numpy_and_gradcheck(equation, shapes):
    inputs = [leaf(*shape) for shape in shapes]
    out = tg.einsum(equation, *inputs)
    expected = np.einsum(equation, *[x.numpy() for x in inputs])
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    weights = tg.tensor(RNG.normal(size=np.shape(expected)))
    assert tg.gradcheck(lambda *xs: (tg.einsum(equation, *xs) * weights).sum(), inputs)


def test_einsum_builds_only_primitives_and_refuses_what_it_cannot_do():
    q, k = leaf(2, 3, 4), leaf(2, 5, 4)
    scores = tg.einsum("bqd,bkd->bqk", [q, k])  # a list of operands works too
    ops = {node.op for node in tg.topological_order(scores) if node.op}
    assert ops <= {"transpose", "reshape", "matmul", "sum"}
    with pytest.raises(ArgumentError, match="trace or diagonal"):
        tg.einsum("ii->i", tg.ones(2, 2))
    with pytest.raises(ArgumentError, match="operands"):
        tg.einsum("ij,jk->ik", tg.ones(2, 2))
    with pytest.raises(ShapeError, match="label 'j'"):
        tg.einsum("ij,jk->ik", tg.ones(2, 3), tg.ones(4, 2))


# --------------------------------------------------------------------------------------
# numpy on tensors (numpy_protocol.py)
# --------------------------------------------------------------------------------------
def test_numpy_functions_that_map_to_ops_keep_the_graph():
    x = leaf(2, 3)
    w = RNG.normal(size=(3, 2))
    for out in (np.dot(x, w), np.tanh(x), np.exp(x), np.sum(x, axis=1), np.mean(x)):
        assert out.requires_grad
    np.testing.assert_allclose(np.dot(x, w).numpy(), x.numpy() @ w)
    pieces = np.split(x, 3, axis=1)
    assert isinstance(pieces, list) and [p.shape for p in pieces] == [(2, 1)] * 3
    assert [p.shape for p in np.split(x, [1, 2], axis=1)] == [(2, 1), (2, 1), (2, 1)]
    assert [p.shape for p in np.split(x, [2], axis=1)] == [(2, 2), (2, 1)]
    np.testing.assert_allclose(np.var(x).item(), x.numpy().var())  # numpy's ddof=0
    np.testing.assert_allclose(np.std(x, axis=0, ddof=1).numpy(), x.numpy().std(0, ddof=1))
    np.testing.assert_allclose(np.clip(x, -0.1, 0.1).numpy(), np.clip(x.numpy(), -0.1, 0.1))
    np.testing.assert_allclose(np.square(x).numpy(), x.numpy() ** 2)
    assert np.expand_dims(x, 0).shape == (1, 2, 3) and np.squeeze(x[None]).shape == (2, 3)
    assert tg.gradcheck(lambda x: np.split(x, 3, axis=1)[2].sum() + np.var(x), [x])
    with pytest.raises(ValueError, match="equal division"):
        np.split(x, 2, axis=1)


def test_numpy_functions_without_gradient_read_the_numbers():
    x = tg.tensor([[0.5, 2.0, -1.0]], requires_grad=True)
    assert np.argmax(x) == 1 and np.argmin(x, axis=1).tolist() == [2]
    assert np.argsort(x).tolist() == [[2, 0, 1]]
    zeros = np.zeros_like(x)
    assert isinstance(zeros, np.ndarray) and zeros.shape == (1, 3) and not zeros.any()
    assert np.ones_like(x).sum() == 3 and np.isnan(x).sum() == 0
    assert np.allclose(x, x.detach().numpy())
    with pytest.raises(DTypeError, match="cut"):
        np.sinh(x)  # no op behind it, and x requires grad


def test_the_flatten_method_takes_pytorchs_dims_and_keeps_the_gradient():
    x = tg.randn(2, 3, 4, requires_grad=True)
    assert x.flatten().shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert x.flatten(0, 1).shape == (6, 4)
    np.testing.assert_array_equal(x.flatten(1).numpy(), x.numpy().reshape(2, 12))
    (x.flatten(1) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3, 4), 2.0))
