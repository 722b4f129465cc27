"""The arrows between the boxes, and the gradient each one carries back.

The arrow parent -> child carries, in the backward pass, the gradient the child sends
to that parent:

    g(parent -> child) = ∂L/∂child · ∂child/∂parent     (one vector-Jacobian product)

so the gradients on all arrows leaving a node add up to that node's `.grad` (∂L/∂node).
viz does not run backward again (that would accumulate into `.grad`): it asks the
child's op for this one local product, `local_gradients(child, child.grad)` - the same
call the backward loop made - which reads `child.grad` and writes nothing. An arrow into
or out of a collapsed box carries the sum of the products of the edges it stands for.
The arrow's weight is the norm of that array, ‖g‖ (Frobenius). Arrows from nodes that
need no gradient (inputs, constants) carry none.

Read next: chains.py (the highlighted c_0 -> c_1 -> ... chain).
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.graph import Node, local_gradients

from .data import Arrow
from .numbers import norm, summarize
from .shared import is_shared_fan, note_anchor
from .walk import Layout


def sent_gradients(child: Node) -> tuple:
    """The gradient `child` sent to each of its parents in the backward pass.

    One local vector-Jacobian product, `local_gradients(child, child.grad)`: reads the
    gradient the node kept and writes nothing (no `.grad` changes). Entries are None
    where the parent needs no gradient or the child has none.
    """
    if child.grad is None or child.is_leaf or child.is_freed:
        return (None,) * len(child.parents)
    with np.errstate(all="ignore"):  # backward already warned about any inf/nan here
        grads = local_gradients(child, child.grad)
    return tuple(
        grad if parent.requires_grad else None for parent, grad in zip(child.parents, grads)
    )


def arrow_tooltip(parent: Node, grad, count: int = 1) -> str:
    """Hover text of an arrow: the gradient sent back to `parent` (summed over `count`
    edges for an arrow of a collapsed box)."""
    name = parent.label or parent.op or "leaf"
    through = f" (sum over {count} edges)" if count > 1 else ""
    if grad is None:
        return f"{name}: no gradient flows back along this edge"
    return f"gradient sent back to {name}{through}: {summarize(grad)}"


def norm_or_none(grad) -> float | None:
    return None if grad is None else norm(grad)


class DrawnArrows:
    """The arrows of one picture, as make_arrows collects them.

    arrows   Arrow list: edges between single boxes one by one, then the merged ones
    merged   (tail, head, id(parent)) -> [parent, gradient sum, highlighted, edge count]
             for edges into or out of a group: one arrow per group and parent node
    anchors  see shared.note_anchor;  outputs: group key -> members with arrows leaving
    """

    def __init__(self, grouped: set[int]) -> None:
        self.grouped = grouped
        self.arrows: list[Arrow] = []
        self.merged: dict[tuple, list] = {}
        self.anchors: dict[tuple, tuple] = {}
        self.outputs: dict[str, list[Node]] = {}

    def add(self, parent, child, tail: str, head: str, grad, highlighted: bool) -> None:
        """One edge parent -> child: its own arrow, or merged into a group's arrow."""
        if id(parent) not in self.grouped and id(child) not in self.grouped:
            tooltip = arrow_tooltip(parent, grad)
            self.arrows.append(Arrow(tail, head, norm_or_none(grad), "", highlighted, tooltip))
            return
        self.note_output(parent, tail)
        entry = self.merged.setdefault((tail, head, id(parent)), [parent, None, False, 0])
        if grad is not None:
            entry[1] = grad if entry[1] is None else entry[1] + grad
        entry[2] = entry[2] or highlighted
        entry[3] += 1

    def leave_out(self, parent, child, tail: str, head: str, shared: dict) -> None:
        """An edge of a shared fan that is not drawn: only its anchor is kept."""
        note_anchor(self.anchors, parent, child, tail, head, shared)
        self.note_output(parent, tail)

    def note_output(self, parent, tail: str) -> None:
        if id(parent) in self.grouped:
            self.outputs.setdefault(tail, []).append(parent)

    def finish(self) -> list[Arrow]:
        """All arrows: the single ones, then one per merged (tail, head, parent)."""
        for (tail, head, _), (parent, grad, highlighted, count) in self.merged.items():
            label = (parent.label or "") if id(parent) in self.grouped else ""
            tooltip = arrow_tooltip(parent, grad, count)
            self.arrows.append(Arrow(tail, head, norm_or_none(grad), label, highlighted, tooltip))
        return self.arrows


def make_arrows(nodes, layout: Layout, shared, chain_edges, grads, shared_arrows) -> DrawnArrows:
    """Every edge parent -> child between two different drawn boxes, with the gradient
    sent along it (grads=True). Edges of shared fans are left out unless shared_arrows."""
    drawn = DrawnArrows(layout.grouped)
    for child in nodes:
        if not child.parents:
            continue
        sent = sent_gradients(child) if grads else (None,) * len(child.parents)
        head = layout.box_of[id(child)]
        for parent, grad in zip(child.parents, sent):
            tail = layout.box_of.get(id(parent))
            if tail is None or tail == head:  # hidden constant, or inside one box
                continue
            if not shared_arrows and is_shared_fan(parent, child, shared):
                drawn.leave_out(parent, child, tail, head, shared)
                continue
            drawn.add(parent, child, tail, head, grad, (id(parent), id(child)) in chain_edges)
    drawn.finish()
    return drawn
