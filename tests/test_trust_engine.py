"""The engine never gives a silently wrong number: each class of mistake that once did
(an array changed between forward and backward, a mask of the wrong shape, a negative
base to a tensor power, grad mode leaking across threads, iterating a number, a cast that
cut the graph, a gradient in the wrong dtype, `_, pred = out.max(1)`, truncated BPTT
without detach ...) now gives the right answer or one clear error naming the op, what
was wrong and the line of the test that made the mistake.

Read next: tests/test_errors.py (the catalogue of messages).
"""

import copy
import pickle
import threading
import warnings

import numpy as np
import pytest
from helpers import explained
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import arrays, leaf

import tinygrad_rnn as tg
from tinygrad_rnn import nn, optim
from tinygrad_rnn.errors import (
    BackwardError,
    DTypeError,
    InplaceError,
    ShapeError,
    TensorIndexError,
)
from tinygrad_rnn.graph import GraphReuseWarning


# --------------------------------------------------------------------------------------
# Arrays saved for backward
# --------------------------------------------------------------------------------------
def test_a_numpy_operand_changed_after_the_forward_pass():
    x = leaf(np.array([1.0, 2.0]))
    a = np.array([1.0, 2.0])
    y = (x * a).sum()
    a[:] = 100  # the graph took a copy of a
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 2.0])


@pytest.mark.parametrize("how", ["setitem", "iadd", "numpy", "copyto", "assign"])
def test_x_data_changed_between_forward_and_backward(how):
    x = leaf(np.array([1.0, 2.0]))
    y = (x * x).sum()  # d/dx = 2x = [2, 4] at the values the forward pass used
    if how == "setitem":
        x.data[:] = 100
    elif how == "iadd":
        x.data += 100
    elif how == "numpy":
        x.numpy()[0] = 100
    elif how == "copyto":
        np.copyto(x.data, 7.0)
    else:
        x.data = np.array([5.0, 5.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])
    assert not np.array_equal(x.data, [1.0, 2.0])  # and the change itself happened


def test_an_intermediate_changed_in_place_keeps_its_gradient():
    x = leaf(np.array([0.5, -0.3]))
    h = x.tanh()
    loss = (h * 3.0).sum()
    h.data[:] = 0.0  # tanh's backward uses the output it saved, not this
    loss.backward()
    np.testing.assert_allclose(x.grad, 3 * (1 - np.tanh([0.5, -0.3]) ** 2))


def test_optimizer_and_no_grad_updates_keep_working():
    """The usual loop changes parameters in place after backward; it must still train, and
    a second backward of the old graph still gives the old graph's gradient."""
    tg.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, target = tg.randn(8, 3, rng=1), tg.randn(8, 1, rng=2)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    w = leaf(np.array([1.0, -1.0]))
    loss = (w * w).sum()
    loss.backward()
    with tg.no_grad():
        w.data -= 0.5 * w.grad  # micrograd's update, in place
    w.grad = None
    loss.backward()  # the old graph: gradient at the old values
    np.testing.assert_array_equal(w.grad, [2.0, -2.0])
    np.testing.assert_array_equal(w.data, [0.0, 0.0])


def test_an_array_handed_out_before_the_forward_pass_cannot_change_it_silently():
    x = leaf(np.array([1.0, 2.0]))
    early = x.data  # a reference taken before any graph used x
    y = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        early[:] = 100  # numpy refuses: the graph keeps this array
    y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_index_and_where_arrays_are_copied():
    x = leaf(np.arange(4.0))
    rows = np.array([0, 0, 3])
    mask = np.array([True, False, True, False])
    y = x[rows].sum() + tg.where(mask, x, 0.0).sum() * 10
    rows[:] = 1
    mask[:] = True
    y.backward()
    np.testing.assert_array_equal(x.grad, [12.0, 0.0, 10.0, 1.0])


def test_a_value_changed_after_it_was_used_is_refused():
    x = tg.Value(2.0, label="x")
    y = (x * x).tanh()
    x.data = 5.0
    with explained(InplaceError, "leaf 'x'", "had its value replaced", "mul node"):
        y.backward()


SAVING_OPS = [
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1.0),
    lambda a, b: (a @ b.T).tanh(),
    lambda a, b: tg.addmm(a[:, :2], a, b.T).sigmoid(),
    lambda a, b: (a.exp() + b**2).log(),
    lambda a, b: tg.where(a.data > 0, a, b).relu() * b,
    lambda a, b: tg.cat([a, b]).amax(axis=0) * a,
    lambda a, b: a[:, ::2] * b[:, 1::2] + a[:, :2].abs(),
]


@settings(max_examples=40, deadline=None)
@given(
    op=st.sampled_from(range(len(SAVING_OPS))),
    values=st.tuples(arrays((2, 4)), arrays((2, 4))),
    mutate=st.sampled_from(["a", "b", "out", "constant"]),
    how=st.sampled_from(["setitem", "iadd", "assign"]),
)
def test_property_mutating_a_saved_array_never_changes_the_gradient(op, values, mutate, how):
    """For random graphs of ops that save inputs or outputs: changing any input, output or
    constant array after the forward pass leaves every gradient as without the change."""

    def run(change: bool):
        a, b = leaf(values[0], "a"), leaf(values[1], "b")
        out = SAVING_OPS[op](a, b)
        constant = np.linspace(0.5, 1.5, out.data.size).reshape(out.shape)
        loss = (out * constant).sum()
        if change:
            target = {"a": a, "b": b, "out": out}.get(mutate)
            if target is None:
                constant[:] = 42.0
            elif how == "setitem":
                target.data[...] = 42.0
            elif how == "iadd":
                target.data += 42.0
            else:
                target.data = np.full(target.shape, 42.0)
        loss.backward()
        return a.grad, b.grad

    for unchanged, changed in zip(run(False), run(True)):
        np.testing.assert_array_equal(unchanged, changed)


# --------------------------------------------------------------------------------------
# Indexing, powers, iteration, where
# --------------------------------------------------------------------------------------
def test_a_boolean_mask_of_the_wrong_length():
    with explained(TensorIndexError, "getitem", "shape (3, 4)", "boolean index did not match"):
        tg.zeros(3, 4)[np.array([True, False])]


def test_a_boolean_mask_sends_the_gradient_to_the_selected_rows():
    x = leaf(np.arange(12.0).reshape(3, 4))
    mask = np.array([True, False, True])
    (x[mask] * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [[2] * 4, [0] * 4, [2] * 4])
    y = leaf(np.arange(6.0).reshape(2, 3))
    y[y > 2.0].sum().backward()  # a mask as a tensor, over both axes
    np.testing.assert_array_equal(y.grad, [[0, 0, 0], [1, 1, 1]])
    z = leaf(np.ones(3))
    z[np.array(True)].sum().backward()  # a 0-d mask adds an axis, as in numpy
    np.testing.assert_array_equal(z.grad, [1.0, 1.0, 1.0])


def test_an_index_that_is_not_an_int():
    with explained(TensorIndexError, "getitem: an index must be an int", "got float (1.5)"):
        tg.ones(3)[1.5]


def test_negative_base_to_a_tensor_power():
    np.testing.assert_array_equal((tg.tensor([-2.0]) ** tg.tensor(2.0)).data, [4.0])
    x = leaf(np.array([2.0, 3.0]))
    np.testing.assert_array_equal(((-2.0) ** x).data, [4.0, -8.0])


@pytest.mark.parametrize("call", [sum, list, len])
def test_a_0d_tensor_is_not_a_sequence(call):
    with pytest.raises(TypeError, match="0-d tensor"):
        call(tg.tensor(5.0))


def test_iterating_a_tensor_walks_its_first_axis_with_gradients():
    x = leaf(np.arange(6.0).reshape(3, 2))
    rows = list(x)
    assert len(rows) == 3 and rows[1].data.tolist() == [2.0, 3.0]
    sum(row.sum() * float(i) for i, row in enumerate(x)).backward()
    np.testing.assert_array_equal(x.grad, [[0, 0], [1, 1], [2, 2]])


@pytest.mark.parametrize(
    "cond, kind", [(None, "NoneType"), (np.array([0.3, 0.0]), "float64"), ([1, 0], "int64")]
)
def test_where_needs_a_boolean_condition(cond, kind):
    with explained(DTypeError, "where: the condition must be boolean", kind):
        tg.where(cond, tg.ones(2), tg.zeros(2))


# --------------------------------------------------------------------------------------
# Grad mode, scopes and anomaly mode are per thread
# --------------------------------------------------------------------------------------
def test_no_grad_in_one_thread_leaves_another_threads_graph_alone():
    inside, go_on = threading.Event(), threading.Event()
    seen = {}

    def evaluator():
        with tg.no_grad(), tg.scope("eval", t=7), tg.detect_anomaly():
            inside.set()
            go_on.wait(5)

    thread = threading.Thread(target=evaluator)
    thread.start()
    inside.wait(5)
    w = leaf(np.ones(2))
    y = (w * 3.0).sum()  # built while the other thread is inside no_grad
    seen["grad_enabled"] = tg.is_grad_enabled()
    seen["scope"], seen["step"] = y.scope, y.time_step
    go_on.set()
    thread.join()
    assert seen == {"grad_enabled": True, "scope": (), "step": None}
    assert y.requires_grad
    y.backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


# --------------------------------------------------------------------------------------
# Casts and dtypes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cast", [lambda x: x.float(), lambda x: x.double(), lambda x: x.to(np.float32)]
)
def test_a_cast_keeps_the_gradient(cast):
    w = leaf(np.array([1.0, 2.0]))
    (cast(w) * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    assert w.grad.dtype == np.float64


def test_to_understands_pytorch_spellings():
    x = tg.ones(2)
    assert x.to("cpu") is x and x.to(x) is x
    assert x.to("float32").dtype == np.float32 and x.to(dtype=np.float32).dtype == np.float32
    assert x.to(tg.ones(1, dtype=np.float32)).dtype == np.float32
    assert x.long().dtype == np.int64 and not x.long().requires_grad
    with explained(DTypeError, "to: 'float7' is not a dtype"):
        x.to("float7")
    with explained(tg.ArgumentError, "runs on the CPU only", "'cuda'"):
        x.to("cuda")


def test_a_float32_leaf_gets_a_float32_gradient():
    w = tg.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = leaf(np.array([0.5, 0.5]))  # float64
    (w * b + b).sum().backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(w.grad, [0.5, 0.5])
    rows = tg.tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    (rows[1:] * b).sum().backward()  # a slice's gradient too
    assert rows.grad.dtype == np.float32


# --------------------------------------------------------------------------------------
# PyTorch meanings: max/min, W.t()
# --------------------------------------------------------------------------------------
def test_the_classification_idiom_gets_the_indices():
    out = tg.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 1.0]])
    _, pred = out.max(1)
    assert pred.tolist() == [1, 0]
    assert (pred == tg.tensor([1, 2])).numpy().sum() == 1


def test_t_is_the_transpose_and_time_step_is_the_step():
    W = leaf(np.arange(6.0).reshape(3, 2))
    assert W.t().shape == (2, 3)
    (W.t() * tg.tensor([[1.0, 2.0, 3.0]] * 2)).sum().backward()
    np.testing.assert_array_equal(W.grad, [[1, 1], [2, 2], [3, 3]])
    with tg.scope(t=3):
        h = W.tanh()
    assert h.time_step == 3
    with explained(ShapeError, "t: expects a tensor of at most 2 dimensions"):
        tg.zeros(2, 2, 2).t()


# --------------------------------------------------------------------------------------
# Truncated BPTT without detach
# --------------------------------------------------------------------------------------
def test_backward_into_the_previous_batch_warns_once():
    W = leaf(np.full((2, 2), 0.5))
    h = tg.zeros(2)
    warned = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _batch in range(3):
            h = (W @ h + 1.0).tanh()
            loss = h.sum()
            loss.backward()  # h is not detached: batch 2 runs back into batch 1's graph
            warned.append(len([w for w in caught if w.category is GraphReuseWarning]))
    assert warned == [0, 1, 1]  # once, from the second batch on
    message = str(caught[0].message)
    assert "tanh node" in message and "h = h.detach()" in message
    assert caught[0].filename == __file__


def test_detached_batches_and_a_repeated_backward_do_not_warn():
    W = leaf(np.full((2, 2), 0.5))
    h = tg.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GraphReuseWarning)
        for _ in range(3):
            h = (W @ h.detach() + 1.0).tanh()
            loss = h.sum()
            loss.backward()
        loss.backward()  # the same loss again: deliberate, gradients accumulate


# --------------------------------------------------------------------------------------
# numpy functions, pickle, constructors, backward arguments
# --------------------------------------------------------------------------------------
def test_numpy_functions_and_ufuncs_go_through_the_graph():
    x = leaf(np.array([[1.0, -2.0], [3.0, 4.0]]))
    y = np.sum(np.tanh(x) * np.ones(2), axis=1) + np.mean(x) + np.max(x)
    assert isinstance(y, tg.Tensor)
    y.sum().backward()
    expected = (1 - np.tanh(x.data) ** 2) + 2 * 0.25 + 2 * (x.data == 4.0)
    np.testing.assert_allclose(x.grad, expected)
    assert np.concatenate([x, x]).shape == (4, 2) and np.shape(x) == (2, 2)


def test_a_numpy_function_without_an_op():
    np.testing.assert_allclose(np.sinh(tg.ones(2)), np.sinh(np.ones(2)))  # no grad: fine
    w = leaf(np.ones(2), "w")
    with explained(DTypeError, "np.sinh: has no tinygrad_rnn op", "leaf 'w'", "requires grad"):
        np.sinh(w)


def test_pickle_and_deepcopy_of_leaves():
    w = tg.tensor([1.0, 2.0], requires_grad=True, label="w")
    (w * 2.0).sum().backward()
    for clone in (pickle.loads(pickle.dumps(w)), copy.deepcopy(w)):
        assert clone.label == "w" and clone.requires_grad
        np.testing.assert_array_equal(clone.data, w.data)
        np.testing.assert_array_equal(clone.grad, w.grad)
    p = nn.Linear(2, 1).weight
    assert type(pickle.loads(pickle.dumps(p))) is type(p)
    with explained(BackwardError, "pickle/copy", "mul node", "x.detach()", located=False):
        pickle.dumps(w * 2.0)


@pytest.mark.parametrize("size", [-1, 2.5, "3", True])
def test_constructor_sizes(size):
    with explained(ShapeError, "zeros: sizes must be non-negative ints", f"got {size!r}"):
        tg.zeros(size)


def test_backward_with_a_gradient_that_is_not_numbers():
    y = leaf(np.ones(2)).sum()
    with explained(DTypeError, "backward: the gradient must be an array of numbers", "'ab'"):
        y.backward("ab")
    with explained(DTypeError, "backward: Value holds one number", "str 'ab'"):
        (tg.Value(2.0) * 3).backward("ab")


def test_subtracting_boolean_tensors():
    with explained(DTypeError, "sub: numpy boolean subtract", "dtypes bool, bool"):
        tg.tensor([True]) - tg.tensor([False])


def test_a_reduction_over_the_same_axis_twice():
    with explained(ShapeError, "sum: axis (0, 0) names the same axis twice"):
        tg.ones(2, 3).sum(axis=(0, 0))


def test_the_scalar_engine_takes_numpy_numbers_and_refuses_strings():
    v = tg.Value(2.0)
    assert (v * np.float32(2)).data == 4.0 and (np.int64(3) + v).data == 5.0
    with explained(DTypeError, "Value(): Value holds one number, got str '3'"):
        tg.Value("3")
    with explained(DTypeError, "cannot combine a Value with str"):
        v * "2"


# --------------------------------------------------------------------------------------
# Swept beyond the examples: more inputs a student types
# --------------------------------------------------------------------------------------
def test_a_ragged_list():
    with explained(DTypeError, "Tensor: cannot make an array of numbers", "inhomogeneous"):
        tg.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("shape, bad", [((2.5,), 2.5), ((3, -2), -2), (("6",), "6")])
def test_reshape_sizes(shape, bad):
    with explained(ShapeError, "reshape: sizes must be ints", f"got {bad!r}"):
        tg.zeros(6).reshape(*shape)


def test_an_axis_that_is_not_an_int():
    with explained(ShapeError, "sum: axis must be None, an int or a tuple of ints, got 1.5"):
        tg.ones(2, 3).sum(axis=1.5)


@pytest.mark.parametrize("call", [lambda: tg.manual_seed("a"), lambda: tg.randn(2, rng=-1)])
def test_seeds_must_be_non_negative_ints(call):
    with explained(tg.ArgumentError, "the seed must be a non-negative int", located=False):
        call()


def test_comparing_with_a_string():
    with explained(DTypeError, ">: cannot compare a Tensor with str ('a')"):
        _ = tg.ones(2) > "a"


def test_dtype_names_and_lists_of_tensors():
    with explained(DTypeError, "zeros: 'float7' is not a dtype"):
        tg.zeros(2, dtype="float7")
    with explained(tg.ArgumentError, "stack: expects a list or tuple of tensors, got NoneType"):
        tg.stack(None)
    with explained(tg.ArgumentError, "concat: expects a list or tuple of tensors, got Tensor"):
        tg.cat(tg.ones(2))


def test_a_time_step_that_is_not_an_int():
    with pytest.raises(TypeError, match=r"scope: t must be an int time step \(1..T\), got 'a'"):
        with tg.scope(t="a"):
            pass
