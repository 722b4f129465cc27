"""The player's record of one backward pass: each step as plain data for the page.

    recording = Recording()
    for step in loss.backward_steps():
        recording.add(step, keys)         # keys: id(node) -> "n7", the node's box at "ops"
    recording.records[0]                  # {"title": "L", "grad": {...}, "sent": [...], ...}

Each record says which node was processed, the gradient that arrived at it (∂L/∂node:
shape, norm, first values), its op's derivative (the first paragraph of the op class's
docstring), what it sent to each parent, and where your code made it: `made` is
"file.py:LINE, in module" and `code` the text of that line (`source_text`).

Read next: player_boxes.py (the same steps, grouped by the boxes of detail "cells").
"""

from __future__ import annotations

import linecache
from dataclasses import dataclass, field

import numpy as np

from tinygrad_rnn.context import time_step_of_scope
from tinygrad_rnn.graph import Node
from tinygrad_rnn.sources import line_number

from .arrows import arrow_tooltip
from .numbers import format_number, norm

VALUES_SHOWN = 6  # first values of a gradient shown on the page


def node_keys(nodes: list[Node]) -> dict[int, str]:
    """id(node) -> the DOT key of its box at detail "ops": "n" + its creation rank
    (`nodes` as collect_nodes returns them: sorted by creation order)."""
    return {id(node): f"n{rank}" for rank, node in enumerate(nodes)}


def node_title(node: Node) -> str:
    """What the page calls a node: its label, else its op, else "leaf"/"constant"."""
    if node.label:
        return node.label
    if node.op:
        return node.op
    return "leaf" if node.requires_grad else "constant"


def derivative_text(node: Node) -> str:
    """The op's derivative: the first paragraph of its class docstring, on one line."""
    if node.op is None:
        if node.requires_grad:
            return "a leaf: the gradients its children sent are summed into .grad"
        return "a constant: no gradient"
    doc = node.op_class.__doc__ or ""
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


def shape_words(value) -> str:
    """'(1, 3)' for an array, 'scalar' for a float (the scalar engine)."""
    if isinstance(value, float):
        return "scalar"
    return str(tuple(np.shape(value)))


def gradient_summary(grad) -> dict | None:
    """Shape, norm and the first few values of a gradient, as text (None: no gradient)."""
    if grad is None:
        return None
    flat = np.ravel(np.asarray(grad, dtype=np.float64))
    shown = [format_number(x) for x in flat[:VALUES_SHOWN]]
    value = norm(flat)
    return {
        "shape": shape_words(grad),
        "norm": format_number(value),
        "norm_value": value if np.isfinite(value) else None,
        "values": shown,
        "more": int(flat.size - len(shown)),
    }


def made_at(node: Node) -> str:
    """Where the node was made, for the page: the line of code and the modules it was
    made in - "render.py:102, in elmanrnn" - or "" when the line is unknown. The line is
    the first one outside the engine (node.source): the user's script, a lesson, or the
    `tinygrad-rnn` command that built the model; the modules say which model it was."""
    if node.source == "<unknown>":
        return ""
    modules = [part for part in node.scope if time_step_of_scope(part) is None]
    return node.source + (", in " + " / ".join(modules) if modules else "")


def source_text(node: Node) -> str:
    """The text of the line `node.source` names, stripped ("" when it is unknown or the
    file cannot be read, e.g. code typed at the >>> prompt). The node keeps the code
    object and bytecode offset of that frame (sources.node_source); linecache reads the
    file, as a traceback does."""
    code = node._source_code
    if code is None:
        return ""
    line = line_number(code, node._source_offset)
    if line is None:
        return ""
    return linecache.getline(code.co_filename, line).strip()


def step_record(step, keys: dict) -> dict:
    """One BackwardStep as plain data for the page."""
    node = step.node
    sent = []
    for parent, grad in zip(node.parents, step.parent_grads):
        if grad is None or not parent.requires_grad:
            continue
        entry = {"key": keys[id(parent)], "title": node_title(parent)}
        entry.update(gradient_summary(grad))
        sent.append(entry)
    return {
        "index": step.index,
        "key": keys[id(node)],
        "title": node_title(node),
        "op": node.op,
        "time_step": node.time_step,
        "scope": " / ".join(node.scope),
        "source": node.source,
        "made": made_at(node),
        "code": source_text(node),
        "derivative": derivative_text(node),
        "grad": gradient_summary(step.grad),
        "sent": sent,
    }


@dataclass
class Recording:
    """What one `backward_steps()` run yielded, as the page needs it.

    records  one step_record per BackwardStep, in backward order
    sent     (parent key, node key) -> [(‖g‖, arrow tooltip) or None, ...]: what each
             step sent along each edge, in the order of node.parents (a + a: twice)
    states   the steps that processed a state h_t or c_t: {"step", "title", "norm"}
    nodes    the node of each record (player_boxes finds each node's box by it)
    timing   box key -> {"step", "first"}: the page step that processes the box and
             the one at which its first gradient arrives; None: worked out from the
             records (detail "ops", where every box is one node)
    """

    records: list = field(default_factory=list)
    nodes: list = field(default_factory=list)
    sent: dict = field(default_factory=dict)
    states: list = field(default_factory=list)
    timing: dict | None = None

    def add(self, step, keys: dict) -> None:
        """Note one BackwardStep (while its gradients are fresh: the engine may later
        add into a gradient array it owns)."""
        self.records.append(step_record(step, keys))
        node = step.node
        self.nodes.append(node)
        for position, parent in enumerate(node.parents):
            grad = step.parent_grads[position] if step.parent_grads else None
            edge = None
            if grad is not None and parent.requires_grad:
                edge = (norm(grad), arrow_tooltip(parent, grad))
            self.sent.setdefault((keys[id(parent)], keys[id(node)]), []).append(edge)
        role = node.role
        if role is not None and role.is_state and role.t is not None and step.grad is not None:
            norm_text = self.records[-1]["grad"]["norm"]
            self.states.append({"step": step.index, "title": node_title(node), "norm": norm_text})
