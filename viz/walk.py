"""Which nodes a picture draws, and which box each one goes to.

    nodes = collect_nodes(loss)             # graph.ancestors: the one shared walk
    layout = assign_boxes(nodes, "cells")   # node -> box key ("n7" or "g7")

Where things go. A node's `scope` tuple, e.g. ("lstm", "l0", "t=3", "cell", "gates"), is
its cluster path: module "lstm" > layer "l0" > time step "t = 3" > "cell" > "gates".
Parameters (leaves that require grad) are shared by every time step, so they are drawn
once, outside all clusters.

Detail levels. "ops" draws every engine node. "cells" collapses the nodes of one cell
step (scope prefix ending in "cell", same t) into one box, and the other ops of a time
step into one box per step. "steps" collapses each time step into one box. Leaves
(parameters, inputs, h_0) and nodes outside any time step are always drawn one by one;
unlabelled constants only at "ops".

Images. F.conv2d and the pools make their nodes (unfold, matmul, reshape ...) inside
tg.scope("conv2d" / "max_pool2d" / "avg_pool2d"): at every detail those nodes are one
box, the convolution. At "cells" and "steps", the module around the conv/pool layers
(outside the time steps: ("encoder", "layers") for ("encoder", "layers", "conv1",
"conv2d")) is one box, the CNN, with its ReLUs, Flatten and so on (`cnn_scopes`).

What a node is comes from its role (`node.role`, tinygrad_rnn/roles.py): a state h_t or
c_t, a gate, ... - viz reads those fields and never parses a label.

Read next: boxes.py (the box of a node or a group: title, subtitle, colour).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinygrad_rnn.context import time_step_of_scope
from tinygrad_rnn.graph import Node, ancestors

from .errors import VizError

DETAILS = ("ops", "cells", "steps")
# scopes that get their own box at detail="cells": a cell step, a decoder step's attention
GROUPED_SCOPES = ("cell", "attention")
# the scopes F.conv2d and the pools open (functional_conv.py): each call is one box
IMAGE_OPS = ("conv2d", "max_pool2d", "avg_pool2d")
# a Transformer block's sub-layers (nn/transformer.py) and F.layer_norm: one box each at
# "cells"/"steps" when outside the time steps
SUBLAYER_SCOPES = ("self_attention", "feed_forward", "layer_norm")
CNN = "cnn"  # the last part of a CNN box's key at "cells"/"steps": (*module scope, "cnn")
DEFAULT_MAX_NODES = 2000


def check_root(root) -> None:
    """A graph to draw needs a node that some op produced (not a leaf)."""
    if not isinstance(root, Node):
        raise VizError(
            f"viz: expected a tinygrad_rnn Tensor or Value (e.g. the loss), "
            f"got {type(root).__name__}"
        )
    if root.op is None:
        reason = (
            "it was computed inside tg.no_grad(), detached, or from tensors that do not "
            "require grad"
            if not root.requires_grad
            else "it is an input or parameter itself"
        )
        raise VizError(
            f"viz: nothing to draw - the root is a leaf ({root.describe()}), so there is no "
            f"graph behind it ({reason}). Pass the output of a computation, e.g. the loss."
        )


def collect_nodes(root: Node) -> list[Node]:
    """Every node the root depends on (constants included), sorted by creation order:
    `graph.ancestors(root)`, the walk viz, the player and the classroom share."""
    return ancestors(root)


def creation_order(node: Node) -> int:
    """Sort key: nodes in the order they were made (node.id)."""
    return node.id


def time_index(scope: tuple, innermost: bool = True) -> int | None:
    """Position of the innermost (or outermost) "t=k" element in a scope path, or None."""
    positions = [i for i, part in enumerate(scope) if time_step_of_scope(part) is not None]
    if not positions:
        return None
    return positions[-1] if innermost else positions[0]


def state_name(node: Node) -> str | None:
    """'h' or 'c' for a state (role kind "state": h_3, c_0, h', h_2[1]); else None."""
    role = node.role
    if role is None or not role.is_state:
        return None
    return role.name


def is_parameter(node: Node) -> bool:
    """A leaf that requires grad and is not an initial state h_0/c_0: drawn once, on top."""
    return node.op is None and node.requires_grad and state_name(node) is None


def node_step(node: Node) -> int | None:
    """The time step a node is drawn in (None outside every step)."""
    return None if time_index(node.scope) is None else node.time_step


def image_op_position(scope: tuple) -> int | None:
    """Where the outermost "conv2d" / "max_pool2d" / "avg_pool2d" sits in a scope, or None."""
    for position, part in enumerate(scope):
        if part in IMAGE_OPS:
            return position
    return None


def cnn_scopes(nodes: list[Node]) -> list[tuple]:
    """The module scopes drawn as one CNN box at "cells"/"steps", shortest first: for
    every conv/pool op outside the time steps, the module around its layer (its scope
    before the layer's name), or the layer itself when nothing is around it."""
    found = set()
    for node in nodes:
        where = image_op_position(node.scope)
        if node.op is None or where is None or time_index(node.scope) is not None:
            continue
        layer = node.scope[:where]  # ("encoder", "layers", "conv1"); () for F.conv2d
        found.add(layer[:-1] if len(layer) > 1 else node.scope[: max(where, 1)])
    return sorted(found, key=len)


def collapse_key(node: Node, detail: str, cnn: list[tuple] = ()) -> tuple | None:
    """The scope prefix of the box `node` is collapsed into at `detail`, or None.

    ops:   the nodes of a convolution or pooling: the prefix up to its "conv2d" ...
    cells: the prefix up to the first "cell" or "attention" after the innermost time step
           (a decoder step's attention is one box beside its cell), else the prefix up
           to the time step (the rest of the step); steps: up to the outermost
           time step. Outside the time steps: the outermost of SUBLAYER_SCOPES (a
           Transformer's sub-layer), else the first of the `cnn` scopes (see
           `cnn_scopes`) the node is in, plus "cnn". Leaves (parameters, inputs, h_0)
           and other nodes outside any time step are never collapsed.
    """
    scope = node.scope
    if detail == "ops":  # every node a convolution made (its constant columns too)
        where = image_op_position(scope)
        return None if where is None else scope[: where + 1]
    if node.op is None:
        return None
    if time_index(scope) is None:
        sublayer = next((end for end, part in enumerate(scope) if part in SUBLAYER_SCOPES), None)
        if sublayer is not None:  # a Transformer's self-attention, feed-forward, LayerNorm
            return scope[: sublayer + 1]
        module = next((prefix for prefix in cnn if scope[: len(prefix)] == prefix), None)
        return None if module is None else (*module, CNN)
    if detail == "steps":
        where = time_index(scope, innermost=False)
        return None if where is None else scope[: where + 1]
    where = time_index(scope, innermost=True)
    for position in range(where + 1, len(scope)):
        if scope[position] in GROUPED_SCOPES:
            return scope[: position + 1]
    return scope[: where + 1]


def is_hidden(node: Node, detail: str) -> bool:
    """Unlabelled constants (numbers mixed in, sliced inputs) are left out of the coarse
    pictures: they carry no gradient and would only add a box per step."""
    return detail != "ops" and node.op is None and not node.requires_grad and not node.label


def count_boxes(nodes: list[Node], detail: str) -> int:
    """How many boxes the graph has at `detail` (cheap: no drawing)."""
    groups = set()
    singles = 0
    cnn = cnn_scopes(nodes)
    for node in nodes:
        if is_hidden(node, detail):
            continue
        key = collapse_key(node, detail, cnn)
        if key is None:
            singles += 1
        else:
            groups.add(key)
    return singles + len(groups)


def check_size(nodes: list[Node], detail: str, max_nodes: int) -> None:
    """Refuse (with advice) to draw more than `max_nodes` boxes: dot would take ages."""
    count = count_boxes(nodes, detail)
    if count <= max_nodes:
        return
    coarser = DETAILS[DETAILS.index(detail) + 1 :]
    options = [f"detail={d!r} ({count_boxes(nodes, d):,} boxes)" for d in coarser]
    advice = "draw it with " + " or ".join(options) + ", or " if options else ""
    raise VizError(
        f"viz: the graph has {count:,} boxes at detail={detail!r} ({len(nodes):,} nodes), "
        f"more than max_nodes={max_nodes:,}; {advice}"
        f"raise max_nodes (Graphviz slows down a lot beyond a few thousand boxes)."
    )


@dataclass
class Layout:
    """Which box each node is drawn in.

    rank     id(node) -> its position in creation order (the n in "n7")
    box_of   id(node) -> box key: "n7" for a node drawn alone, "g7" for a group whose
             first member is node 7; hidden constants have none
    groups   collapse scope -> the nodes of that group (two or more)
    grouped  ids of the nodes that sit in a group
    key_of   id(node) -> the collapse scope of its group (the key in `groups`)
    """

    rank: dict[int, int]
    box_of: dict[int, str]
    groups: dict[tuple, list[Node]]
    grouped: set[int]
    key_of: dict[int, tuple] = field(default_factory=dict)


def assign_boxes(nodes: list[Node], detail: str) -> Layout:
    """Put every drawn node in its box: alone ("n" + rank) or in the group of its
    collapse scope ("g" + rank of the group's first node). A group of one op is drawn
    as that op."""
    rank = {id(node): position for position, node in enumerate(nodes)}
    box_of: dict[int, str] = {}
    groups: dict[tuple, list[Node]] = {}
    cnn = cnn_scopes(nodes)
    for node in nodes:
        if is_hidden(node, detail):
            continue
        key = collapse_key(node, detail, cnn)
        if key is None:
            box_of[id(node)] = f"n{rank[id(node)]}"
            continue
        members = groups.setdefault(key, [])
        members.append(node)
        box_of[id(node)] = f"g{rank[id(members[0])]}"
    for key, members in list(groups.items()):
        if len(members) == 1:
            box_of[id(members[0])] = f"n{rank[id(members[0])]}"
            del groups[key]
    grouped = {id(node) for members in groups.values() for node in members}
    key_of = {id(node): key for key, members in groups.items() for node in members}
    return Layout(rank, box_of, groups, grouped, key_of)
