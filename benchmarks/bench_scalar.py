"""The scalar engine against micrograd: a vanilla RNN with one `Value` per number.

    python -m benchmarks.bench_scalar                   # T = 10, 200, 2000, 10000
    python -m benchmarks.bench_scalar --steps 200 --repeats 9

The network (hidden H = 8, input D = 4), written with nothing but +, * and an activation
so that the very same code runs on tinygrad_rnn's `Value` and on micrograd's:

    a_t[j] = Σ_k U[j][k] x_t[k] + Σ_k W[j][k] h_{t-1}[k] + b[j]     (12 products, 12 sums)
    h_t[j] = act(a_t[j])
    y_t    = Σ_j V[j] h_t[j] + c                                    (readout)
    L      = Σ_t y_t

x_t are plain Python floats (each product wraps one as a constant node in both engines),
h_0 are leaves. That is 249 nodes per step, 49 921 in all at T = 200, close to the
49 801 of micrograd's reference figure. micrograd 0.1.0 has no tanh, so the comparison
uses relu in both; tinygrad_rnn's tanh version is timed too.

A third contender, `BareValue` (bare_value.py), is the least a Python engine of this
design can do per node (four fields, no label, scope, source line or check): the floor
under any speed-up of `tg.Value` that keeps one object per number.

micrograd (PyPI 0.1.0) is only a benchmark contender, never a dependency. Its recursive
topological sort raises RecursionError once the graph is deeper than the recursion
limit (T = 135 here); to still get its T = 200 figure we run it a second time with
the limit raised (in a thread with a large stack) and say so in the table.

Read next: bare_value.py, bench_memory.py.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import threading
import time

import tinygrad_rnn as tg
from benchmarks.bare_value import BareValue
from benchmarks.common import (
    add_common_args,
    apply_common_args,
    compare,
    median_ms,
    print_table,
    record_table,
    time_once,
)
from tinygrad_rnn import graph

HIDDEN, INPUT = 8, 4
BARE = "bare Value (relu; the floor: 4 fields, no features)"


def scalar_rnn_loss(value_class, steps: int, activation: str = "relu", seed: int = 0):
    """Build the scalar RNN above with `value_class` (tg.Value or micrograd's Value)."""
    rng = random.Random(seed)

    def uniform():
        return rng.uniform(-0.5, 0.5)

    U = [[value_class(uniform()) for _ in range(INPUT)] for _ in range(HIDDEN)]
    W = [[value_class(uniform()) for _ in range(HIDDEN)] for _ in range(HIDDEN)]
    b = [value_class(0.0) for _ in range(HIDDEN)]
    V = [value_class(uniform()) for _ in range(HIDDEN)]
    c = value_class(0.0)
    h = [value_class(0.0) for _ in range(HIDDEN)]  # h_0
    loss = None
    for _ in range(steps):
        x = [rng.uniform(-1.0, 1.0) for _ in range(INPUT)]
        new_h = []
        for j in range(HIDDEN):
            a = U[j][0] * x[0]
            for k in range(1, INPUT):
                a = a + U[j][k] * x[k]
            for k in range(HIDDEN):
                a = a + W[j][k] * h[k]
            a = a + b[j]
            new_h.append(a.relu() if activation == "relu" else a.tanh())
        h = new_h
        y = c
        for j in range(HIDDEN):
            y = y + V[j] * h[j]
        loss = y if loss is None else loss + y
    return loss


def count_micrograd_nodes(root) -> int:
    """Nodes reachable from `root` in a micrograd graph (iterative, no recursion)."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def count_engine_nodes(steps: int, activation: str = "relu") -> tuple[int, int]:
    """(Values created, nodes in the backward order) for one tinygrad_rnn build."""
    first = next(graph._next_id)
    loss = scalar_rnn_loss(tg.Value, steps, activation)
    created = next(graph._next_id) - first - 1
    return created, len(tg.topological_order(loss))


def engine_run(steps: int, activation: str = "relu") -> float:
    loss = scalar_rnn_loss(tg.Value, steps, activation)
    loss.backward()
    return loss.data


def bare_run(steps: int, activation: str = "relu") -> float:
    loss = scalar_rnn_loss(BareValue, steps, activation)
    loss.backward()
    return loss.data


def micrograd_run(steps: int) -> float:
    from micrograd.engine import Value

    loss = scalar_rnn_loss(Value, steps, "relu")
    loss.backward()
    return loss.data


def micrograd_max_steps(limit: int = 400) -> int:
    """The largest T whose backward micrograd survives at the default recursion limit."""
    from micrograd.engine import Value

    low, high = 1, limit
    while low < high:
        mid = (low + high + 1) // 2
        try:
            scalar_rnn_loss(Value, mid).backward()
            low = mid
        except RecursionError:
            high = mid - 1
    return low


def in_deep_thread(fn, recursion_limit: int = 1_000_000, stack_mb: int = 1024):
    """Run fn() in a thread with a huge C stack and a raised recursion limit."""
    result = {}

    def target():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(recursion_limit)
        try:
            result["value"] = fn()
        finally:
            sys.setrecursionlimit(old)

    threading.stack_size(stack_mb * 1024 * 1024)
    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    threading.stack_size(0)
    return result["value"]


def micrograd_deep_times(steps: int, repeats: int) -> list[float]:
    """micrograd build + backward at `steps`, with the recursion limit raised."""

    def run():
        times = []
        micrograd_run(steps)  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            micrograd_run(steps)
            times.append(time.perf_counter() - start)
        return times

    return in_deep_thread(run)


def have_micrograd() -> bool:
    try:
        import micrograd.engine  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="*", default=[10, 200, 2000, 10000])
    parser.add_argument("--no-micrograd", action="store_true", help="time the engine only")
    parser.add_argument("--gc", choices=["on", "off"], default="on", help="Python's cyclic GC")
    add_common_args(parser)
    args = parser.parse_args()
    apply_common_args(args)
    print(f"recursion limit: {sys.getrecursionlimit()}")
    micrograd = have_micrograd() and not args.no_micrograd
    max_steps = micrograd_max_steps() if micrograd else 0
    if micrograd:
        print(f"micrograd 0.1.0: RecursionError in backward beyond T = {max_steps}")
    elif not args.no_micrograd:
        print("micrograd not installed (pip install micrograd==0.1.0): engine only")
    if args.gc == "off":
        gc.disable()  # both engines; micrograd's cyclic garbage is then never collected
    print(f"garbage collector: {args.gc}")
    for steps in args.steps:
        created, in_order = count_engine_nodes(steps)
        print(f"\nT={steps}: {created} Values created, {in_order} in the backward order")
        if steps > 2000:  # one run: the point is that it works at the recursion limit
            seconds = time_once(lambda s=steps: engine_run(s, "relu"))
            print(f"  tinygrad_rnn Value (relu): build + backward {1000 * seconds:.0f} ms (1 run)")
            continue
        runs = {
            "tinygrad_rnn Value (relu)": lambda s=steps: engine_run(s, "relu"),
            "tinygrad_rnn Value (tanh)": lambda s=steps: engine_run(s, "tanh"),
            BARE: lambda s=steps: bare_run(s, "relu"),
        }
        if micrograd and steps <= max_steps:
            runs = {"micrograd 0.1.0": lambda s=steps: micrograd_run(s), **runs}
        repeats = args.repeats
        times = compare(runs, repeats=repeats, warmup=1)
        baseline = "micrograd 0.1.0" if "micrograd 0.1.0" in runs else next(iter(runs))
        title = f"scalar RNN build + backward, H={HIDDEN}, D={INPUT}, T={steps}"
        print_table(title, times, baseline)
        if micrograd and max_steps < steps <= 2000:
            deep = micrograd_deep_times(steps, repeats)
            engine_ms = median_ms(times["tinygrad_rnn Value (relu)"])
            bare_ms = median_ms(times[BARE])
            print(
                f"  micrograd 0.1.0 with the recursion limit raised: {median_ms(deep):.1f} ms "
                f"(median of {repeats}, separate rounds) -> engine (relu) is "
                f"{median_ms(deep) / engine_ms:.1f}x faster, the bare Value "
                f"{median_ms(deep) / bare_ms:.1f}x"
            )
            record_table(
                f"scalar RNN build + backward, H={HIDDEN}, D={INPUT}, T={steps}: micrograd "
                "with the recursion limit raised (ratio to tinygrad_rnn)",
                {
                    "tinygrad_rnn Value (relu)": {"median_ms": round(engine_ms, 3), "ratio": 1.0},
                    BARE: {"median_ms": round(bare_ms, 3), "ratio": round(bare_ms / engine_ms, 4)},
                    "micrograd 0.1.0": {
                        "median_ms": round(median_ms(deep), 3),
                        "ratio": round(median_ms(deep) / engine_ms, 4),
                    },
                },
            )


if __name__ == "__main__":
    main()
