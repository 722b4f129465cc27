"""The graph itself: topological order, the backward loop and its generator, gradient
accumulation, lean mode, scopes, source lines, no_grad and anomaly detection - for both
the scalar and the tensor engine."""

import sys
import weakref

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import ops
from tinygrad_rnn.errors import AnomalyError, BackwardError, ShapeError
from tinygrad_rnn.gradients import IndexedGrad, PendingGradients
from tinygrad_rnn.tensor import apply


def scalar(value, label=None):
    return tg.Value(value, label=label)


def tensor(value, label=None):
    return tg.tensor(np.asarray(value, dtype=np.float64), requires_grad=True, label=label)


ENGINES = [pytest.param(scalar, id="Value"), pytest.param(tensor, id="Tensor")]


def as_float(grad):
    return float(np.asarray(grad))


# --------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", ENGINES)
def test_reused_non_leaf(make):
    a = make(3.0, "a")
    b = a + a
    c = b + b
    c.backward()
    assert as_float(a.grad) == 4.0
    assert as_float(b.grad) == 2.0


@pytest.mark.parametrize("make", ENGINES)
def test_diamond(make):
    a, b = make(2.0, "a"), make(-5.0, "b")
    x = a + b  # x = a + b
    y = x * a  # y = (a + b) a  ->  dy/da = x + a = 2a + b, dy/db = a
    y.backward()
    assert as_float(a.grad) == 2 * 2.0 - 5.0
    assert as_float(b.grad) == 2.0
    assert as_float(x.grad) == 2.0


@pytest.mark.parametrize("make", ENGINES)
def test_gradients_accumulate_over_two_backward_calls(make):
    a = make(1.5, "a")
    y = a * a * a  # dy/da = 3 a^2 = 6.75
    y.backward()
    y.backward()
    assert as_float(a.grad) == pytest.approx(2 * 6.75)
    a.zero_grad()
    assert a.grad is None


@pytest.mark.parametrize("make", ENGINES)
def test_second_backward_propagates_only_its_own_gradient(make):
    """Intermediate grads are kept, but each pass sends only what arrived in that pass."""
    a = make(2.0, "a")
    b = a * 3.0
    c = b * b  # dc/da = 2 b * 3 = 36
    c.backward()
    c.backward()
    assert as_float(b.grad) == pytest.approx(2 * 12.0)
    assert as_float(a.grad) == pytest.approx(2 * 36.0)


def test_shared_weight_gradient_sums_over_time_steps():
    """W used at every step: dL/dW is the sum of the per-step contributions (BPTT)."""
    W = tensor([[0.5]], "W")
    h = tg.tensor([[1.0]])
    hs = []
    for t in range(1, 4):
        with tg.scope(t=t):
            h = (h @ W).named(f"h_{t}")
            hs.append(h)
    h.sum().backward()  # h_3 = W^3 -> dh_3/dW = 3 W^2
    assert W.grad[0, 0] == pytest.approx(3 * 0.25)


@pytest.mark.parametrize("make", ENGINES)
def test_100000_node_chain_at_the_default_recursion_limit(make):
    assert sys.getrecursionlimit() <= 10_000
    x = make(0.5, "x")
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert as_float(x.grad) == 1.0
    assert len(tg.topological_order(y)) == 100_001


def test_topological_order_is_deterministic_and_parents_first():
    def build():
        a, b = tensor(1.0, "a"), tensor(2.0, "b")
        c = (a * b).named("c")
        d = (c + a).named("d")
        return (d * c).named("e")

    first = [(n.op, n.label) for n in tg.topological_order(build())]
    second = [(n.op, n.label) for n in tg.topological_order(build())]
    assert first == second
    order = tg.topological_order(build())
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.requires_grad:
                assert position[parent] < position[node]


def test_ids_follow_creation_order():
    a = tensor(1.0)
    b = a * 2.0
    c = b + a
    assert a.id < b.id < c.id


# --------------------------------------------------------------------------------------
# backward_steps(): the same loop as a generator
# --------------------------------------------------------------------------------------
def build_rnn_like_graph():
    rng = np.random.default_rng(0)
    W = tg.tensor(rng.standard_normal((3, 3)), requires_grad=True, label="W")
    U = tg.tensor(rng.standard_normal((2, 3)), requires_grad=True, label="U")
    h = tg.zeros(1, 3, label="h_0")
    for t in range(1, 4):
        with tg.scope(t=t):
            x = tg.tensor(rng.standard_normal((1, 2)))
            h = (x @ U + h @ W).tanh().named(f"h_{t}")
    return (h * h).sum(), [W, U]


def collect_grads(root):
    return {node.id: np.array(node.grad) for node in tg.topological_order(root)}


def test_backward_steps_leave_exactly_the_grads_backward_leaves():
    loss_a, _ = build_rnn_like_graph()
    loss_a.backward()
    loss_b, _ = build_rnn_like_graph()
    steps = list(loss_b.backward_steps())
    grads_a = collect_grads(loss_a)
    grads_b = collect_grads(loss_b)
    assert len(steps) == len(grads_a)
    for (_, ga), (_, gb) in zip(sorted(grads_a.items()), sorted(grads_b.items())):
        np.testing.assert_array_equal(ga, gb)


def test_backward_step_contents():
    loss, _ = build_rnn_like_graph()
    order = tg.topological_order(loss)
    steps = list(loss.backward_steps())
    assert [step.node for step in steps] == list(reversed(order))
    assert [step.index for step in steps] == list(range(len(steps)))
    assert steps[0].node is loss and float(steps[0].grad) == 1.0
    for step in steps:
        np.testing.assert_array_equal(step.grad, step.node.grad)
        assert len(step.parent_grads) == (len(step.node.parents) if step.node.op else 0)
        for parent, sent in zip(step.node.parents, step.parent_grads):
            if parent.requires_grad:
                assert np.shape(sent) == parent.shape
    h3 = next(s for s in steps if s.node.label == "h_3")
    assert h3.node.op == "tanh" and h3.node.time_step == 3
    # tanh's local rule: the gradient it sends is grad * (1 - h^2)
    np.testing.assert_allclose(h3.parent_grads[0], h3.grad * (1 - h3.node.data**2))
    assert "h_3" in repr(h3)


def test_backward_steps_can_be_watched_one_at_a_time():
    a = tg.Value(2.0, label="a")
    y = (a * a).tanh()
    steps = y.backward_steps()
    first = next(steps)
    assert first.node is y and a.grad is None  # nothing has reached a yet
    for _ in steps:
        pass
    assert a.grad == pytest.approx((1 - np.tanh(4.0) ** 2) * 4.0)


# --------------------------------------------------------------------------------------
# Lean mode
# --------------------------------------------------------------------------------------
def test_lean_mode_frees_saved_arrays_and_intermediate_grads():
    loss, (W, U) = build_rnn_like_graph()
    reference, (W_ref, _) = build_rnn_like_graph()
    reference.backward()
    order = tg.topological_order(loss)
    loss.backward(retain_graph=False)
    np.testing.assert_allclose(W.grad, W_ref.grad)
    assert U.grad is not None
    assert sum(node.op is not None for node in order) > 10
    for node in order:
        if node.op is not None:
            assert node.grad is None
            assert node._ctx is None
            assert node.parents == ()  # so intermediate arrays are freed during backward
    with pytest.raises(BackwardError, match="freed"):
        loss.backward()


def test_lean_mode_frees_each_time_step_while_backward_runs():
    """In lean mode a node nothing else holds is freed once backward has passed it: when
    backward reaches h_1, the arrays of the later steps are gone."""
    W = tensor(np.full((2, 2), 0.5), "W")
    h = tensor([1.0, -1.0], "h_0")
    later_steps = []
    for t in range(1, 6):
        h = (h @ W).tanh().named(f"h_{t}")
        if t > 1:
            later_steps.append(weakref.ref(h.data))
    loss = h.sum()
    del h
    alive_at_h_1 = None
    for step in loss.backward_steps(retain_graph=False):
        if step.node.label == "h_1":
            alive_at_h_1 = sum(ref() is not None for ref in later_steps)
    assert alive_at_h_1 == 0
    default_loss = (tensor([1.0, -1.0], "h_0") @ W).tanh().sum()
    default_loss.backward()
    assert default_loss.parents[0].parents != ()  # the default keeps the whole graph


def test_leaf_gradients_are_not_shared_between_parameters():
    """a + b sends the same array to both; each leaf must still get its own copy."""
    a, b = tensor([1.0, 2.0], "a"), tensor([3.0, 4.0], "b")
    (a + b).sum().backward()
    a.grad *= 10
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_pending_gradients_never_change_an_array_someone_else_holds():
    """The first gradient to arrive is kept as it is; the sum is a new array, and only
    that array is added into in place (gradients.py)."""
    node, leaf = tensor([1.0, 2.0], "n") * 1.0, tensor([0.0, 0.0], "leaf")
    pending = PendingGradients(node, np.ones(2))
    shared = np.array([1.0, 2.0])
    pending.add(leaf, shared)
    pending.add(leaf, shared)
    pending.add(leaf, IndexedGrad((2,), np.float64, 1, np.float64(5.0)))
    np.testing.assert_array_equal(shared, [1.0, 2.0])
    total = pending.pop(leaf)
    np.testing.assert_array_equal(total, [2.0, 9.0])
    assert pending.pop(leaf) is None


def test_pending_gradients_give_a_leaf_its_own_array():
    leaf = tensor([0.0, 0.0], "leaf")
    pending = PendingGradients(leaf, np.ones(2))
    sent = np.array([1.0, 2.0])
    pending.add(leaf, sent)  # (the root's seed plus what an op sent)
    assert pending.pop(leaf) is not sent
    other = tensor([0.0, 0.0], "other")
    pending.add(other, sent)
    assert pending.pop(other) is not sent


def test_scalar_gradients_sum_as_floats():
    a = scalar(1.0, "a")
    pending = PendingGradients(a, 1.0)
    pending.add(a, 2.0)
    assert pending.pop(a) == 3.0


def test_source_of_a_value_made_by_an_operator_names_the_users_line():
    """Value operators skip two engine frames (sources.node_source, engine_callers=2)."""
    a = scalar(2.0)
    b = a * 3.0 + 1.0
    line = sys._getframe().f_lineno - 1
    assert b.source == f"test_graph.py:{line}"
    assert b.parents[1].source == f"test_graph.py:{line}"  # the constant 1.0


# --------------------------------------------------------------------------------------
# Bookkeeping: scope, t, source, labels, no_grad
# --------------------------------------------------------------------------------------
def test_scope_and_time_step_are_recorded():
    x = tensor(1.0, "x")
    with tg.scope("encoder"):
        with tg.scope("lstm"):
            with tg.scope(t=3):
                y = x * 2.0
                assert tg.current_time_step() == 3
        z = x * 3.0
    assert y.scope == ("encoder", "lstm", "t=3") and y.time_step == 3
    assert z.scope == ("encoder",) and z.time_step is None
    assert tg.current_time_step() is None


def test_source_names_the_users_line():
    x = tensor(1.0)
    y = x * 2.0  # the line below is what y.source must name
    line = sys._getframe().f_lineno - 1
    assert y.source == f"test_graph.py:{line}"
    assert "test_graph.py" in y.describe()


def test_source_tracking_can_be_switched_off():
    previous = tg.set_source_tracking(False)
    try:
        y = tensor(1.0) * 2.0
    finally:
        tg.set_source_tracking(previous)
    assert y.source == "<unknown>"


def test_no_grad_builds_no_graph():
    x = tensor(1.0)
    with tg.no_grad():
        y = x * 2.0
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 2.0
    assert y.parents == () and y.op is None and not y.requires_grad
    assert z.op == "mul"
    v = tg.Value(1.0)
    with tg.no_grad():
        w = v * 2
    assert w.parents == () and not w.requires_grad


def test_constants_do_not_require_grad_and_are_skipped():
    x = tensor([1.0, 2.0], "x")
    c = tg.tensor([3.0, 4.0], label="const")
    y = (x * c).sum()
    assert any(parent is c for parent in y.parents[0].parents)
    y.backward()
    assert c.grad is None
    assert all(node is not c for node in tg.topological_order(y))


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
def test_backward_of_a_constant_is_an_error():
    with pytest.raises(BackwardError, match="does not require grad"):
        (tg.tensor([1.0]) * 2.0).sum().backward()


def test_an_op_sending_a_wrong_shape_is_caught_with_its_name():
    class BrokenSum(ops.Op):
        def forward(ctx, x):
            ctx.shape = x.shape
            return np.asarray(x.sum())

        def backward(ctx, grad_out):
            return (np.ones(ctx.shape[0] + 1),)  # one element too many

    BrokenSum.name = "broken_sum"  # set after the class, so it stays out of the registry
    x = tensor([1.0, 2.0], "x")
    y = apply(BrokenSum, x)
    with pytest.raises(ShapeError, match=r"broken_sum backward: sent a gradient of shape \(3,\)"):
        y.backward()


def test_anomaly_mode_names_the_op_and_line_of_a_nan_value():
    x = tensor([1.0, 0.0])
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(AnomalyError, match=r"log produced NaN/inf .* at test_graph.py:\d+"):
            x.log()
    with np.errstate(divide="ignore"):
        assert np.isneginf(x.log().data[1])  # outside anomaly mode: numpy's answer


def test_anomaly_mode_catches_an_infinite_gradient():
    x = tensor([4.0, 0.0], "x")
    with tg.detect_anomaly():
        y = (x**0.5).sum()  # finite forward, but d sqrt(x)/dx = inf at 0
        with np.errstate(divide="ignore"), pytest.raises(AnomalyError, match="pow backward"):
            y.backward()


def test_anomaly_mode_in_the_scalar_engine():
    with tg.detect_anomaly(), pytest.raises(AnomalyError, match="log"):
        tg.Value(0.0).log()
