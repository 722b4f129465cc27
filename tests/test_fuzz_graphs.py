"""Random-graph gradient fuzzing: hypothesis writes random programs of primitives
(depth up to 12, shared subexpressions, broadcasting, reductions, slicing, concat ...),
and every leaf gradient is checked against float64 central differences.

A program is a list of instructions `(op, argument positions, params)` over a growing
pool of nodes that starts with the leaves. It is generated on concrete values, so each
op is only used where its input is safely inside its domain (log of values > 0.2, no
relu kinks or max ties within 1e-3, divisors away from 0 ...), and then replayed by
`tg.gradcheck` for every perturbed input. The output is the sum of every node, so every
intermediate is shared by at least two consumers.

`make fuzz` runs 2000 programs instead of the suite's 60.
"""

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import fuzz_examples

import tinygrad_rnn as tg
from tinygrad_rnn.tensor import addmm  # not exported as tg.addmm yet

LEAF_SHAPES = [(2, 3), (1, 3), (3,), (2, 1), (), (3, 2), (2, 3, 2)]
MARGIN = 1e-3


# --------------------------------------------------------------------------------------
# How each instruction is replayed
# --------------------------------------------------------------------------------------
def run_instruction(op: str, args: list, params: dict):
    (x, *rest) = args
    if op == "add":
        return x + rest[0]
    if op == "sub":
        return x - rest[0]
    if op == "mul":
        return x * rest[0]
    if op == "div":
        return x / rest[0]
    if op == "neg":
        return -x
    if op in ("exp", "log", "tanh", "sigmoid", "relu"):
        return getattr(x, op)()
    if op == "pow":
        return x ** params["k"]
    if op == "matmul":
        return x @ rest[0]
    if op == "addmm":  # addmm(c, a, b) = c + a @ b
        return addmm(x, rest[0], rest[1])
    if op in ("sum", "mean", "max"):
        method = "amax" if op == "max" else op  # x.max(dim) is a (values, indices) pair
        return getattr(x, method)(axis=params["axis"], keepdims=params["keepdims"])
    if op == "reshape":
        return x.reshape(params["shape"])
    if op == "transpose":
        return x.permute(*params["axes"])
    if op == "getitem":
        return x[params["index"]]
    if op == "concat":
        return tg.cat([x, *rest], axis=params["axis"])
    if op == "stack":
        return tg.stack([x, *rest], axis=params["axis"])
    if op == "where":
        return tg.where(params["cond"], x, rest[0])
    if op == "gather":
        return tg.gather(x, params["indices"])
    raise AssertionError(op)


def run_program(program, leaves):
    pool = list(leaves)
    for op, positions, params in program:
        pool.append(run_instruction(op, [pool[i] for i in positions], params))
    total = None
    for node in pool[len(leaves) :]:
        total = node.sum() if total is None else total + node.sum()
    return total


# --------------------------------------------------------------------------------------
# Choosing instructions that stay inside each op's domain
# --------------------------------------------------------------------------------------
def broadcastable(a, b) -> bool:
    try:
        np.broadcast_shapes(a.shape, b.shape)
        return True
    except ValueError:
        return False


def unique_max(values: np.ndarray, axis) -> bool:
    """True if the maximum along `axis` beats the runner-up by more than MARGIN."""
    if values.size < 2:
        return True
    moved = values.reshape(-1) if axis is None else np.moveaxis(values, axis, -1)
    if moved.shape[-1] < 2:
        return True
    top_two = np.sort(moved, axis=-1)[..., -2:]
    return bool(np.all(top_two[..., 1] - top_two[..., 0] > MARGIN))


def pick(draw, pool: list, fits) -> int | None:
    """Position of a random pool node for which `fits(node)` holds, or None."""
    candidates = [k for k, node in enumerate(pool) if fits(node)]
    return draw(st.sampled_from(candidates)) if candidates else None


def min_abs(node) -> float:
    return float(np.min(np.abs(node.data), initial=np.inf))


def propose(draw, op: str, pool: list):
    """(positions, params) for `op` on nodes of the pool, or None if nothing fits."""
    if op == "log":
        i = pick(draw, pool, lambda n: np.min(n.data, initial=np.inf) > 0.2)
        return None if i is None else ([i], {})
    if op == "exp":
        i = pick(draw, pool, lambda n: np.max(n.data, initial=-np.inf) < 3)
        return None if i is None else ([i], {})
    if op == "relu":
        i = pick(draw, pool, lambda n: min_abs(n) > MARGIN)
        return None if i is None else ([i], {})
    if op == "gather":
        i = pick(draw, pool, lambda n: n.ndim == 2)
        if i is None:
            return None
        rows = draw(st.lists(st.integers(0, pool[i].shape[0] - 1), min_size=1, max_size=5))
        return [i], {"indices": np.array(rows)}
    i = draw(st.integers(0, len(pool) - 1))
    x = pool[i]
    v = x.data
    if op in ("add", "sub", "mul", "where"):
        j = pick(draw, pool, lambda n: broadcastable(x, n))
        if op != "where":
            return [i, j], {}
        shape = np.broadcast_shapes(x.shape, pool[j].shape)
        size = int(np.prod(shape))
        cond = draw(st.lists(st.booleans(), min_size=size, max_size=size))
        return [i, j], {"cond": np.array(cond, dtype=bool).reshape(shape)}
    if op == "div":
        j = pick(draw, pool, lambda n: broadcastable(x, n) and min_abs(n) > 0.3)
        return None if j is None else ([i, j], {})
    if op == "matmul":
        j = pick(draw, pool, lambda n: matmul_fits(x, n))
        return None if j is None else ([i, j], {})
    if op == "addmm":  # x is a; then b, then a c that broadcasts with a @ b
        j = pick(draw, pool, lambda n: matmul_fits(x, n))
        if j is None:
            return None
        product = np.empty_like(x.data @ pool[j].data)
        k = pick(draw, pool, lambda n: broadcastable(n, product))
        return None if k is None else ([k, i, j], {})
    if op in ("neg", "tanh", "sigmoid"):
        return [i], {}
    if op == "pow":
        k = draw(st.sampled_from([2, 3, 0.5, 1.5, -1]))
        if k != int(k) and np.min(v, initial=np.inf) <= 0.2:
            return None
        if k == -1 and min_abs(x) <= 0.3:
            return None
        return [i], {"k": k}
    if op in ("sum", "mean", "max"):
        axis = None if x.ndim == 0 else draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)))
        if op == "max" and not unique_max(v, axis):
            return None
        return [i], {"axis": axis, "keepdims": draw(st.booleans())}
    if op == "reshape":
        return [i], {"shape": draw(st.sampled_from([(-1,), tuple(reversed(x.shape)), (1, -1)]))}
    if op == "transpose":
        return [i], {"axes": tuple(draw(st.permutations(range(x.ndim))))}
    if op == "getitem":
        if x.ndim == 0:
            return None
        n = x.shape[0]
        index = draw(
            st.one_of(
                st.integers(-n, n - 1),
                st.builds(slice, st.integers(0, n - 1), st.integers(1, n)),
                st.lists(st.integers(0, n - 1), min_size=1, max_size=4).map(np.array),
            )
        )
        if isinstance(index, slice) and index.start >= index.stop:
            return None
        return [i], {"index": index}
    if op in ("concat", "stack"):
        if x.ndim == 0 and op == "concat":
            return None
        j = pick(draw, pool, lambda n: n.shape == x.shape)
        axis = draw(st.integers(0, x.ndim - (1 if op == "concat" else 0)))
        return [i, j], {"axis": axis}
    raise AssertionError(op)


def matmul_fits(a, b) -> bool:
    if a.ndim == 0 or b.ndim == 0:
        return False
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return False
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    return a.shape[-1] == inner_b


OPS = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "sigmoid", "relu",
    "matmul", "sum", "mean", "max", "reshape", "transpose", "getitem", "concat", "stack",
    "where", "gather", "addmm",
]  # fmt: skip


@st.composite
def programs(draw):
    """(leaf values, program) with every instruction checked on the concrete values."""
    shapes = draw(st.lists(st.sampled_from(LEAF_SHAPES), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = [rng.uniform(-1.5, 1.5, shape) for shape in shapes]
    pool = [tg.tensor(v) for v in values]
    program = []
    depth = draw(st.integers(1, 12))
    attempts = 0
    while len(program) < depth and attempts < 60:
        attempts += 1
        op = draw(st.sampled_from(OPS))
        proposal = propose(draw, op, pool)
        if proposal is None:
            continue
        positions, params = proposal
        out = run_instruction(op, [pool[i] for i in positions], params)
        if out.data.size == 0 or not np.all(np.abs(out.data) < 50):
            continue
        pool.append(out)
        program.append((op, positions, params))
    return values, program


@settings(max_examples=fuzz_examples(60), deadline=None)
@given(spec=programs())
def test_random_graphs_match_finite_differences(spec):
    values, program = spec
    leaves = [tg.tensor(v, requires_grad=True, label=f"leaf{k}") for k, v in enumerate(values)]
    if not program:
        return
    event(f"program length {len(program)}")
    for op, _, _ in program:
        event(f"op {op}")
    assert tg.gradcheck(lambda *xs: run_program(program, xs), leaves, atol=1e-5, rtol=1e-4)


@settings(max_examples=fuzz_examples(30), deadline=None)
@given(spec=programs())
def test_random_graphs_backward_steps_equal_backward(spec):
    """The generator and the plain loop leave identical gradients on every node."""
    values, program = spec
    if not program:
        return
    first = [tg.tensor(v, requires_grad=True) for v in values]
    second = [tg.tensor(v, requires_grad=True) for v in values]
    out_a = run_program(program, first)
    out_b = run_program(program, second)
    out_a.backward()
    steps = list(out_b.backward_steps())
    order_a, order_b = tg.topological_order(out_a), tg.topological_order(out_b)
    assert len(steps) == len(order_b) == len(order_a)
    for node_a, node_b in zip(order_a, order_b):
        assert node_a.op == node_b.op
        np.testing.assert_array_equal(node_a.grad, node_b.grad)
