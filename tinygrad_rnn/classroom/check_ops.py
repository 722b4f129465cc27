"""Exercises 1-3, the engine's own machinery: a primitive's backward, unbroadcast, and the
topological sort. The references are the engine's: ops.Tanh, ops.Sigmoid, ops.unbroadcast
and the semantics of graph.topological_order.

Read next: check_rnn.py (exercises 4 and 5).
"""

from __future__ import annotations

import functools
import sys

import numpy as np

from .. import ops
from ..errors import GradcheckError
from ..gradcheck import gradcheck
from ..graph import ancestors, topological_order
from ..nn.lessons import ElmanRNN
from ..scalar import Value
from ..tensor import Tensor, apply
from .compare import CaseFailure, as_array, compare, kind_of
from .runner import Case

# --------------------------------------------------------------------------------------
# Exercise 1: the backward of tanh and sigmoid
# --------------------------------------------------------------------------------------
TANH_HINT = "∂L/∂x = grad_out ⊙ (1 - out²), where out = tanh(x) is what forward returned"
SIGMOID_HINT = "∂L/∂x = grad_out ⊙ out ⊙ (1 - out), where out = σ(x) is what forward returned"
SIGMOID_FORWARD_HINT = "σ(x) = 1 / (1 + e^(-x)); for x = -800, e^800 = inf and 1 / inf = 0"


class StudentTanh(ops.Op):
    """out = tanh x, with the student's `tanh_backward` as the backward."""

    def forward(ctx, x, module):
        ctx.module = module
        ctx.out = np.tanh(x)
        return ctx.out

    def backward(ctx, grad_out):
        return (as_array(ctx.module.tanh_backward(ctx.out, grad_out), "tanh_backward"),)


class StudentSigmoid(ops.Op):
    """out = σ(x) (the engine's forward), with the student's `sigmoid_backward`."""

    def forward(ctx, x, module):
        ctx.module = module
        ctx.out = ops.Sigmoid().forward(x)
        return ctx.out

    def backward(ctx, grad_out):
        return (as_array(ctx.module.sigmoid_backward(ctx.out, grad_out), "sigmoid_backward"),)


# Named after the class statement: an Op subclass with a `name` at creation would be
# registered in ops.PRIMITIVES as an engine primitive, which these are not.
StudentTanh.name = "tanh (your backward)"
StudentSigmoid.name = "sigmoid (your backward)"


def sample(seed: int, shape=None, values=None, dtype=np.float64) -> np.ndarray:
    """Random normal inputs of `shape` (scaled to reach the saturated ends), or `values`."""
    if values is not None:
        return np.asarray(values, dtype=dtype)
    return (np.random.default_rng(seed).standard_normal(shape) * 2).astype(dtype)


def upstream(seed: int, like: np.ndarray) -> np.ndarray:
    """A random ∂L/∂out of the shape and dtype of `like`."""
    rng = np.random.default_rng(seed + 1000)
    return rng.standard_normal(like.shape).astype(like.dtype)


def call_backward(function, out: np.ndarray, grad_out: np.ndarray, name: str):
    """Call a student's backward and make sure it left grad_out alone."""
    saved = grad_out.copy()
    got = function(out, grad_out)
    if not np.array_equal(grad_out, saved):
        raise CaseFailure(
            f"{name} changed grad_out in place",
            "compute a new array (grad_out * ...) instead of writing into grad_out (*=, +=): "
            "in the engine, other nodes may share that array",
        )
    return got


def check_tanh_backward(module, seed=0, shape=None, values=None, dtype=np.float64) -> None:
    x = sample(seed, shape, values, dtype)
    reference = ops.Tanh()
    out = reference.forward(x)
    grad_out = upstream(seed, out)
    expected = reference.backward(grad_out)[0]
    got = call_backward(module.tanh_backward, out.copy(), grad_out, "tanh_backward")
    mistakes = [
        (grad_out * (1 - np.tanh(out) ** 2), "you apply tanh to `out` again: out is tanh(x)"),
        (1 - out**2, "you forget grad_out: the chain rule multiplies f'(x) by ∂L/∂out"),
        (grad_out * (1 - out), "you write 1 - out; the derivative of tanh is 1 - out²"),
    ]
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    compare("∂L/∂x", expected, got, hint=TANH_HINT, rtol=rtol, check_dtype=True, mistakes=mistakes)


def check_sigmoid_forward(module, seed=0, shape=None, values=None, dtype=np.float64) -> None:
    x = sample(seed, shape, values, dtype)
    expected = ops.Sigmoid().forward(x.copy())
    got = module.sigmoid_forward(x.copy())
    mistakes = [(1 / (1 + np.exp(x)), "you write e^x; σ(x) = 1 / (1 + e^(-x))")]
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    compare(
        "σ(x)",
        expected,
        got,
        hint=SIGMOID_FORWARD_HINT,
        rtol=rtol,
        atol=1e-12,
        check_dtype=True,
        mistakes=mistakes,
    )


def check_sigmoid_backward(module, seed=0, shape=None, values=None, dtype=np.float64) -> None:
    x = sample(seed, shape, values, dtype)
    reference = ops.Sigmoid()
    out = reference.forward(x)
    grad_out = upstream(seed, out)
    expected = reference.backward(grad_out)[0]
    got = call_backward(module.sigmoid_backward, out.copy(), grad_out, "sigmoid_backward")
    sig_out = 1 / (1 + np.exp(-out))
    mistakes = [
        (grad_out * sig_out * (1 - sig_out), "you apply σ to `out` again: out is σ(x)"),
        (out * (1 - out), "you forget grad_out: the chain rule multiplies f'(x) by ∂L/∂out"),
    ]
    rtol = 1e-5 if dtype == np.float32 else 1e-9
    compare(
        "∂L/∂x", expected, got, hint=SIGMOID_HINT, rtol=rtol, check_dtype=True, mistakes=mistakes
    )


def apply_student_op(op_class, module, x: Tensor) -> Tensor:
    return apply(op_class, x, module=module)


def check_gradcheck_unary(module, which: str, seed: int = 0) -> None:
    """Finite differences against the student's backward, run by the engine's loop."""
    op_class = StudentTanh if which == "tanh" else StudentSigmoid
    x = Tensor(sample(seed, (2, 3)), requires_grad=True, label="x")
    run_gradcheck(functools.partial(apply_student_op, op_class, module), [x], which)


def run_gradcheck(function, inputs: list, what: str) -> None:
    """tg.gradcheck, with a failure turned into a CaseFailure."""
    try:
        gradcheck(function, inputs)
    except GradcheckError as error:
        raise CaseFailure(
            f"gradcheck ({what}): {error}",
            "the analytic gradient (your code, through backward) disagrees with the central "
            "difference (L(x + ε) - L(x - ε)) / 2ε",
        ) from None


def backward_cases() -> list[Case]:
    f32 = np.float32
    return [
        Case("tanh_backward: random (3, 4) array", check_tanh_backward, dict(shape=(3, 4))),
        Case(
            "tanh_backward: x = -300, -20, 0, 20, 300 (saturated: gradient 0)",
            check_tanh_backward,
            dict(values=[-300.0, -20.0, 0.0, 20.0, 300.0]),
        ),
        Case(
            "tanh_backward: float32 stays float32", check_tanh_backward, dict(shape=(5,), dtype=f32)
        ),
        Case("tanh: gradcheck through your backward", check_gradcheck_unary, dict(which="tanh")),
        Case("sigmoid_forward: random (3, 4) array", check_sigmoid_forward, dict(shape=(3, 4))),
        Case(
            "sigmoid_forward: x = -800, -50, 0, 50, 800 (finite, no nan)",
            check_sigmoid_forward,
            dict(values=[-800.0, -50.0, 0.0, 50.0, 800.0]),
        ),
        Case("sigmoid_backward: random (2, 5) array", check_sigmoid_backward, dict(shape=(2, 5))),
        Case(
            "sigmoid_forward and sigmoid_backward: float32 stays float32",
            check_sigmoid_float32,
            dict(shape=(4,)),
        ),
        Case(
            "sigmoid: gradcheck through your backward", check_gradcheck_unary, dict(which="sigmoid")
        ),
    ]


def check_sigmoid_float32(module, shape) -> None:
    check_sigmoid_forward(module, shape=shape, dtype=np.float32)
    check_sigmoid_backward(module, shape=shape, dtype=np.float32)


# --------------------------------------------------------------------------------------
# Exercise 2: unbroadcast
# --------------------------------------------------------------------------------------
class StudentAdd(ops.Op):
    """out = a + b (broadcasting), whose backward calls the student's `unbroadcast`."""

    def forward(ctx, a, b, module):
        ctx.module = module
        ctx.a_shape = a.shape
        ctx.b_shape = b.shape
        return a + b

    def backward(ctx, grad_out):
        grad_a = as_array(ctx.module.unbroadcast(grad_out, ctx.a_shape), "unbroadcast")
        grad_b = as_array(ctx.module.unbroadcast(grad_out, ctx.b_shape), "unbroadcast")
        return (grad_a, grad_b)


StudentAdd.name = "add (your unbroadcast)"  # not a registered primitive (see StudentTanh)


def unbroadcast_steps(grad_shape: tuple, shape: tuple) -> str:
    """In words, what turns a gradient of `grad_shape` into `shape`."""
    extra = len(grad_shape) - len(shape)
    steps = []
    if extra > 0:
        axes = ", ".join(str(axis) for axis in range(extra))
        steps.append(f"sum over the extra leading axis (axes) {axes}")
    kept = grad_shape[extra:]
    stretched = [axis for axis, size in enumerate(shape) if size == 1 and kept[axis] != 1]
    if stretched:
        named = ", ".join(f"axis {axis} ({kept[axis]} -> 1)" for axis in stretched)
        steps.append(f"sum over {named} where the input has size 1, keeping that axis")
    if not steps:
        return f"the shapes are already equal: return grad as it is (shape {shape})"
    return f"from {grad_shape} to {shape}: " + ", then ".join(steps)


def check_unbroadcast(module, grad_shape: tuple, shape: tuple, seed: int = 0) -> None:
    grad = np.random.default_rng(seed).standard_normal(grad_shape)
    expected = ops.unbroadcast(grad.copy(), shape)
    saved = grad.copy()
    got = module.unbroadcast(grad, shape)
    if not np.array_equal(grad, saved):
        raise CaseFailure(
            "unbroadcast changed grad in place",
            "grad.sum(...) returns a new array; do not write into grad (+=, [...] =)",
        )
    extra = grad.ndim - len(shape)
    leading_only = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    mistakes = [
        (
            leading_only,
            "you sum the extra leading axes but not the axes where the input had size 1 "
            "(NumPy stretched those too)",
        )
    ]
    hint = unbroadcast_steps(grad_shape, shape)
    compare("unbroadcast(grad, shape)", expected, got, hint=hint, mistakes=mistakes)


def add_with_student_unbroadcast(module, a: Tensor, b: Tensor) -> Tensor:
    return apply(StudentAdd, a, b, module=module)


def check_unbroadcast_gradcheck(module, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    a = Tensor(rng.standard_normal((3, 1)), requires_grad=True, label="a")
    b = Tensor(rng.standard_normal((2, 1, 4)), requires_grad=True, label="b")
    function = functools.partial(add_with_student_unbroadcast, module)
    run_gradcheck(function, [a, b], "a (3, 1) + b (2, 1, 4)")


UNBROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((2, 3, 4), (3, 4)),
    ((3, 4), (3, 1)),
    ((3, 4), (1, 4)),
    ((2, 3, 4), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((2, 5), (1,)),
    ((5,), ()),
    ((2, 3), ()),
    ((4, 1, 3), (4, 1, 3)),
    ((2, 4, 3), (1, 4, 1)),
]


def unbroadcast_cases() -> list[Case]:
    cases = []
    for number, (grad_shape, shape) in enumerate(UNBROADCAST_SHAPES):
        cases.append(
            Case(
                f"grad {grad_shape} -> shape {shape}",
                check_unbroadcast,
                dict(grad_shape=grad_shape, shape=shape, seed=number),
                hint=unbroadcast_steps(grad_shape, shape),
            )
        )
    cases.append(
        Case("gradcheck of a broadcasting add using your unbroadcast", check_unbroadcast_gradcheck)
    )
    return cases


# --------------------------------------------------------------------------------------
# Exercise 3: the iterative topological sort
# --------------------------------------------------------------------------------------
def node_name(node, ranks: dict) -> str:
    """ "'h_2' (tanh, node 7)": label, op and creation rank within the graph."""
    kind = node.op or ("leaf" if node.requires_grad else "constant")
    rank = ranks.get(node, "?")
    if node.label:
        return f"'{node.label}' ({kind}, node {rank})"
    return f"a {kind} node (node {rank})"


def creation_ranks(root) -> dict:
    """node -> its position by creation among all nodes reachable from root
    (graph.ancestors, the engine's one graph walk)."""
    return {node: rank for rank, node in enumerate(ancestors(root))}


def check_order(root, got) -> None:
    """`got` lists every requires-grad node of root's graph once, parents first."""
    ranks = creation_ranks(root)
    expected = topological_order(root)
    got = as_node_list(got)
    position = positions_in_graph(got, ranks, set(expected))
    check_none_missing(expected, position, ranks)
    check_parents_first(got, position, ranks)


def as_node_list(got) -> list:
    """The student's result as a list (None, or something not iterable, fails)."""
    if got is None:
        raise CaseFailure("got None", "return the list you built (return order)")
    try:
        return list(got)
    except TypeError:
        raise CaseFailure(f"got a {kind_of(got)}, not a list of nodes") from None


def positions_in_graph(got: list, ranks: dict, in_graph: set) -> dict:
    """node -> its index in `got`; each element must be a node of the graph that needs a
    gradient, listed once."""
    position: dict = {}
    for index, node in enumerate(got):
        if not hasattr(node, "parents"):
            raise CaseFailure(f"element {index} is a {kind_of(node)}, not a node")
        if node in position:
            raise CaseFailure(
                f"{node_name(node, ranks)} appears twice (positions {position[node]} and {index})",
                "each node must appear once, even when it is reached along two paths: keep "
                "a `visited` set and skip nodes already in it",
            )
        position[node] = index
        if node not in ranks:
            raise CaseFailure(
                f"element {index} is a {kind_of(node)} your code made, not a node of the graph "
                "you were given",
                "put the nodes you visit into the list: the root and its ancestors",
            )
        if node not in in_graph:
            raise CaseFailure(
                f"{node_name(node, ranks)} should not be in the list: it needs no gradient "
                f"(requires_grad is {node.requires_grad})",
                "only follow parents with parent.requires_grad: constants get no gradient",
            )
    return position


def check_none_missing(expected: list, position: dict, ranks: dict) -> None:
    """Every node of the reference order must be in the student's list."""
    missing = [node for node in expected if node not in position]
    if missing:
        names = ", ".join(node_name(node, ranks) for node in missing[:3])
        raise CaseFailure(
            f"{len(missing)} of {len(expected)} nodes are missing, e.g. {names}",
            "walk the whole graph: every parent that requires grad, of every node you visit",
        )


def check_parents_first(got: list, position: dict, ranks: dict) -> None:
    """Post-order: every parent that requires grad comes before its child."""
    for node in got:
        for parent in node.parents:
            if parent.requires_grad and position[parent] > position[node]:
                raise CaseFailure(
                    f"{node_name(node, ranks)} comes before its parent "
                    f"{node_name(parent, ranks)} (positions {position[node]} and "
                    f"{position[parent]})",
                    "a node goes into the list only after ALL its parents (post-order): push "
                    "(node, True) before its parents, and append the node when it is popped "
                    "again with True",
                )


def call_topological_order(module, root):
    return module.topological_order(root)


def graph_diamond():
    a = Tensor(np.array([1.0, -2.0]), requires_grad=True, label="a")
    b = Tensor(np.array([0.5, 3.0]), requires_grad=True, label="b")
    x = (a + b).named("x")
    return (x * a).named("y")


def graph_reused():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True, label="a")
    b = (a + a).named("b")
    c = (b + b).named("c")
    return c.sum().named("L")


def graph_constants():
    w = Tensor(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True, label="w")
    data = Tensor(np.array([[1.0, 2.0]]), label="data")  # an input: no gradient
    scale = Tensor(np.array(3.0), label="scale")
    hidden = (data @ w).named("hidden") * scale
    return (hidden.tanh() + 1.0).sum().named("L")


def graph_rnn():
    model = ElmanRNN(2, 3, 2)
    x = Tensor(np.random.default_rng(3).standard_normal((3, 1, 2)), label="x")
    scores, _ = model(x)
    return scores.sum().named("L")


def graph_scalar():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = (a * b).named("c")
    d = (c + a).named("d")
    return (d.tanh() * c).named("L")


def graph_chain(length: int):
    x = Tensor(np.array([0.5]), requires_grad=True, label="x")
    for _ in range(length):
        x = x * 0.999
    return x.named("end")


def chain_length() -> int:
    """Longer than Python's recursion limit allows a recursive walk to go."""
    return max(3000, 3 * sys.getrecursionlimit())


GRAPHS = {
    "diamond": graph_diamond,
    "reused": graph_reused,
    "constants": graph_constants,
    "rnn": graph_rnn,
    "scalar": graph_scalar,
}


def check_topological_sort(module, graph: str) -> None:
    root = GRAPHS[graph]()
    check_order(root, call_topological_order(module, root))


def check_topological_sort_chain(module) -> None:
    root = graph_chain(chain_length())
    check_order(root, call_topological_order(module, root))


def topological_sort_cases() -> list[Case]:
    return [
        Case("a diamond: x = a + b; y = x * a", check_topological_sort, dict(graph="diamond")),
        Case("a reused node: b = a + a; c = b + b", check_topological_sort, dict(graph="reused")),
        Case(
            "constants are left out: (data @ w) * scale, data and scale need no grad",
            check_topological_sort,
            dict(graph="constants"),
        ),
        Case(
            "the lessons' RNN unrolled over 3 steps (U, W, V, b, c shared)",
            check_topological_sort,
            dict(graph="rnn"),
        ),
        Case("a scalar graph (Value)", check_topological_sort, dict(graph="scalar")),
        Case(f"a chain of {chain_length()} nodes (no recursion)", check_topological_sort_chain),
    ]
