"""The smallest scalar autograd this design allows: the floor under `tg.Value`'s speed.

Issue 19 asks the scalar engine to build and backpropagate a 50 000-node RNN 10x faster
than micrograd. `BareValue` measures what any pure-Python engine of this design (one
object per number, an op class per node, a backward loop over a topological order) can
reach on this machine. It keeps only what backward needs:

    data      the number
    grad      dL/d(this node), after backward
    parents   the nodes it was computed from
    op        the op class (its static `backward(node, grad_out)`), None for a leaf

and nothing a student or an error message uses: no label, role, scope, time step, id,
source line, no check of a replaced value or of a reused graph, no hooks, no
`requires_grad`, no `no_grad`. It has the ops bench_scalar's RNN uses (+, *, relu, tanh)
and nothing else. bench_scalar.py times it next to `tg.Value` and micrograd; what
`tg.Value` costs above it is the price of those features.

Nothing in the package uses this. Read next: bench_scalar.py.
"""

from __future__ import annotations

import math


class Add:
    @staticmethod
    def backward(node: BareValue, grad_out: float) -> tuple[float, float]:
        return (grad_out, grad_out)


class Mul:
    @staticmethod
    def backward(node: BareValue, grad_out: float) -> tuple[float, float]:
        a, b = node.parents
        return (grad_out * b.data, grad_out * a.data)


class Relu:
    @staticmethod
    def backward(node: BareValue, grad_out: float) -> tuple[float]:
        return (grad_out if node.data > 0 else 0.0,)


class Tanh:
    @staticmethod
    def backward(node: BareValue, grad_out: float) -> tuple[float]:
        return (grad_out * (1.0 - node.data * node.data),)


class BareValue:
    """One float per node, four fields, nothing else (see the module docstring)."""

    __slots__ = ("data", "grad", "parents", "op")

    def __init__(self, data: float, parents: tuple = (), op=None) -> None:
        self.data = data
        self.grad = None
        self.parents = parents
        self.op = op

    def __add__(self, other) -> BareValue:
        other = other if type(other) is BareValue else BareValue(float(other))
        return BareValue(self.data + other.data, (self, other), Add)

    __radd__ = __add__

    def __mul__(self, other) -> BareValue:
        other = other if type(other) is BareValue else BareValue(float(other))
        return BareValue(self.data * other.data, (self, other), Mul)

    __rmul__ = __mul__

    def relu(self) -> BareValue:
        return BareValue(self.data if self.data > 0 else 0.0, (self,), Relu)

    def tanh(self) -> BareValue:
        return BareValue(math.tanh(self.data), (self,), Tanh)

    def backward(self) -> None:
        """dL/d(node) for every node, from this one (L) back to the leaves."""
        pending = {self: 1.0}
        for node in reversed(parents_first(self)):
            grad_out = pending.pop(node, None)
            if grad_out is None:
                continue
            node.grad = grad_out
            if node.op is None:
                continue
            for parent, grad in zip(node.parents, node.op.backward(node, grad_out)):
                pending[parent] = pending.get(parent, 0.0) + grad


def parents_first(root: BareValue) -> list[BareValue]:
    """Every node `root` depends on, parents before children (an explicit stack)."""
    order = []
    visited = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents))
    return order
