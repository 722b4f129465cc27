"""How fast could the char-LSTM step be if the graph were not rebuilt? A measurement.

    python -m benchmarks.replay_floor --clock cpu --blas-threads 1

Issue 19 asks for an `nn.LSTM` step at most as slow as the hand-written numpy BPTT, and
names one way: record the unrolled graph once and replay its numpy calls. This script
measures what that could reach before anyone builds it. It records, during one ordinary
engine step, every primitive the step applies (`tensor.apply`: the op class, which
earlier results are its inputs, its parameters), then times a *replay*: the same op
objects' `forward` and `backward` on the same arrays in a plain loop - no Tensor, no
node, no scope, role, source line or checks; the gradients summed as the engine sums
them. That is the floor of any replay that calls the same primitives; what is left above
the numpy baseline is the primitives' own numpy work.

Contenders, alternating: the numpy baseline, the engine (`nn.LSTM`, lean), the replay.
The replay's gradients are checked against the engine's first. Nothing in the package
uses this.

Read next: bench_lstm.py.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from benchmarks.bench_lstm import build_nn_model, engine_step, nn_lm_loss
from benchmarks.common import add_common_args, apply_common_args, compare, print_table
from benchmarks.numpy_lstm import init_params, lstm_lm_step, random_batch
from tinygrad_rnn.gradients import PendingGradients
from tinygrad_rnn.tensor import apply as engine_apply


class Plan:
    """The primitives of one step in the order they ran: (op class, input keys, params)."""

    def __init__(self) -> None:
        self.steps = []  # (op_class, parent keys, params, output key)
        self.leaves = {}  # key -> array of an input that no recorded op made
        self.made = set()  # keys of the recorded ops' results

    def key(self, node) -> int:
        if node.id not in self.made and node.id not in self.leaves:
            self.leaves[node.id] = node._data
        return node.id


def record_plan(loss_fn, *args) -> tuple[Plan, int, object]:
    """Run `loss_fn(*args)` once, recording every `tensor.apply`; (plan, loss key, loss)."""
    plan = Plan()
    original = engine_apply

    def recording_apply(op_class, *parents, **params):
        out = original(op_class, *parents, **params)
        keys = tuple(plan.key(parent) for parent in parents)
        plan.steps.append((op_class, keys, params, out.id))
        plan.made.add(out.id)
        return out

    holders = [  # every module that imported `apply` by name
        module
        for name, module in list(sys.modules.items())
        if name.startswith("tinygrad_rnn") and getattr(module, "apply", None) is original
    ]
    for module in holders:
        module.apply = recording_apply
    try:
        loss = loss_fn(*args)
    finally:
        for module in holders:
            module.apply = original
    return plan, loss.id, loss


def replay(plan: Plan, loss_key: int, wanted: set) -> dict:
    """The plan's forward, then backward from the loss: {key: gradient} for `wanted`."""
    arrays = dict(plan.leaves)
    ops = []
    for op_class, keys, params, out_key in plan.steps:
        ctx = op_class()
        arrays[out_key] = ctx.forward(*[arrays[k] for k in keys], **params)
        ops.append((ctx, keys, Key(out_key, "op")))
    pending = PendingGradients(loss_key, np.ones_like(arrays[loss_key]))
    for ctx, keys, out_key in reversed(ops):
        grad_out = pending.pop(out_key)  # what its consumers sent (products multiplied out)
        if grad_out is None:
            continue
        for key, grad in zip(keys, ctx.backward(grad_out)):
            if grad is not None:
                pending.add(key, grad)
    return {key: pending.pop(Key(key, None)) for key in wanted}


class Key(int):
    """A plan key that PendingGradients can ask `.op` (None: a leaf, which gets its own copy)."""

    def __new__(cls, key: int, op):
        self = super().__new__(cls, key)
        self.op = op
        return self


def check_replay(model, inputs, targets) -> None:
    """The replay's parameter gradients equal the engine's (to float32 rounding)."""
    parameters = list(model.parameters())
    engine_step(nn_lm_loss, parameters, model, inputs, targets)
    plan, loss_key, _ = record_plan(nn_lm_loss, model, inputs, targets)
    grads = replay(plan, loss_key, {p.id for p in parameters})
    for p in parameters:
        np.testing.assert_allclose(grads[p.id], p.grad, rtol=2e-3, atol=1e-6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="T")
    add_common_args(parser)
    args = parser.parse_args()
    apply_common_args(args)
    params = init_params(60, 128, 128, rng=0)
    inputs, targets = random_batch(32, args.steps, 60, rng=1)
    model = build_nn_model(params)
    check_replay(model, inputs, targets)
    leaves = list(model.parameters())
    plan, loss_key, _ = record_plan(nn_lm_loss, model, inputs, targets)
    wanted = {p.id for p in leaves}
    runs = {
        "numpy (hand-written BPTT)": lambda: lstm_lm_step(params, inputs, targets),
        "engine nn.LSTM, lean": lambda: engine_step(
            nn_lm_loss, leaves, model, inputs, targets, retain_graph=False
        ),
        "replay of the recorded primitives": lambda: replay(plan, loss_key, wanted),
    }
    times = compare(runs, repeats=args.repeats)
    print(f"\n{len(plan.steps)} primitives per step")
    title = f"char-LSTM step, B=32, T={args.steps}: the replay floor"
    print_table(title, times, baseline="numpy (hand-written BPTT)")


if __name__ == "__main__":
    main()
