"""The nodes a call to the student's function sends, and the changes that come back.

SentGraph: the nodes in the call's arguments and every node they were computed from
(graph.ancestors, in creation order): the worker rebuilds them, and a node in the answer
comes back as its position among them. put_back / put_node_data copy what the student's
function changed in place into the checker's own arrays and nodes.

Read next: pipes.py (the threads that carry the requests and answers).
"""

from __future__ import annotations

import numpy as np

from ..graph import ancestors
from ..scalar import Value
from ..tensor import Tensor
from . import wire
from .problems import CALLING, StudentRaised


class SentGraph:
    """The nodes in a call's arguments (also inside a list: clip_grad_norm's parameters)
    and every node they were computed from, oldest first: the worker rebuilds them, and
    a node in the answer comes back as its position here (a topological order)."""

    def __init__(self, values: list) -> None:
        self.nodes = ancestors(*nodes_in(values))
        self.index = {id(node): position for position, node in enumerate(self.nodes)}

    def encode_other(self, value) -> dict:
        """wire.encode's encode_other for arguments."""
        if id(value) in self.index:
            return {"node": self.index[id(value)]}
        if isinstance(value, wire.Opaque):
            return {"kept": value.handle}
        raise TypeError(f"the checker cannot send a {type(value).__name__} to your function")

    def specs(self) -> list[dict]:
        specs = []
        for node in self.nodes:
            specs.append(
                {
                    "kind": "value" if isinstance(node, Value) else "tensor",
                    "data": wire.encode_leaf(node._data, self.encode_other),
                    "grad": wire.encode_leaf(node.grad, self.encode_other),
                    "requires_grad": bool(node.requires_grad),
                    "label": node.label if isinstance(node.label, str) else None,
                    "op": node.op,
                    "parents": [self.index[id(parent)] for parent in node.parents],
                }
            )
        return specs

    def grad_positions(self) -> tuple:
        """Positions of the Tensors that require grad: the inputs of a StudentResult."""
        return tuple(
            position
            for position, node in enumerate(self.nodes)
            if isinstance(node, Tensor) and node.requires_grad
        )


def nodes_in(values: list) -> list:
    """The nodes among `values` and inside their tuples, lists and dicts (two levels,
    as wire.encode follows them)."""
    found = []
    stack = [(value, 0) for value in values]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (Tensor, Value)):
            found.append(value)
        elif isinstance(value, (tuple, list)) and depth < 2:
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, dict) and depth < 2:
            stack.extend((item, depth + 1) for item in value.values())
    return found


def checked_index(index, length: int) -> int:
    if type(index) is not int or not 0 <= index < length:
        raise wire.WireError(f"no position {index!r} among {length}")
    return index


def put_back(original, new, function: str, what: str) -> None:
    """Write an argument's new contents into the checker's own array."""
    if type(original) is not np.ndarray or not original.flags.writeable:
        return
    if not isinstance(new, np.ndarray) or new.shape != original.shape:
        raise StudentRaised(
            function,
            CALLING,
            f"{function} changed its {what} in place from shape {original.shape} to "
            f"{np.shape(new)}",
            "error",
            function,
        )
    np.copyto(original, new, casting="unsafe")


def put_node_data(node, new) -> None:
    """A node whose value the student's code changed (`p.data -= ...`)."""
    if isinstance(node, Value):
        node.data = float(new)
    elif isinstance(new, np.ndarray) and new.shape == node._data.shape:
        np.copyto(node.data, new, casting="unsafe")
    else:
        node.data = new
