"""The box of a node, or of a collapsed cell/step, and the clusters the boxes sit in.

    single_box(node, "n7", root)   # title "h_3", subtitle "tanh · (1, 3)", role "h"
    group_box("g7", scope, members, outputs)   # "LSTM cell", "h_3 · c_3 · 27 ops"

What a node is comes from its role (roles.py), never from parsing its label: a state
h_t / c_t is coloured as "h" / "c", a gate (inside a "gates" scope) as "gate", and a
collapsed cell is titled by `roles.cell_of` its members ("LSTM cell", "GRU cell").

Read next: arrows.py (the arrows between the boxes and their gradients).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from tinygrad_rnn.context import time_step_of_scope
from tinygrad_rnn.graph import Node
from tinygrad_rnn.roles import cell_of

from .data import Box, Cluster, GraphData
from .numbers import format_number, is_scalar, shape_text, summarize
from .walk import (
    CNN,
    IMAGE_OPS,
    SUBLAYER_SCOPES,
    Layout,
    creation_order,
    is_parameter,
    state_name,
    time_index,
)

LANE = "cell state"  # the scope element of the cluster the cell-state chain runs in
# the parallel gates of one step, top to bottom: PyTorch's order (nn.LSTM's weight_ih
# holds W_ii, W_if, W_ig, W_io), then GRU's r, z (its n is computed from r, so later)
GATE_ORDER = ("i", "f", "g", "o", "r", "z")


def node_role(node: Node, root: Node) -> str:
    """Colour group: "loss" (the root), "h", "c" (a state), "gate" (a gate in a "gates"
    scope) or ""."""
    if node is root:
        return "loss"
    letter = state_name(node)
    if letter is not None:
        return letter
    if node.role is not None and node.role.is_gate and "gates" in node.scope:
        return "gate"
    return ""


def node_kind(node: Node) -> str:
    """The box kind: "op", "param" (a leaf with grad), "input" (a labelled leaf), "constant"."""
    if node.op is not None:
        return "op"
    if is_parameter(node):
        return "param"
    if node.label or node.requires_grad:
        return "input"
    return "constant"


def node_tooltip(node: Node) -> str:
    """Hover text: what the node is, where it was made, its value and gradient."""
    lines = [node.describe()]
    if node.scope:
        lines.append("scope: " + " / ".join(node.scope))
    if isinstance(node.data, np.ndarray):
        lines.append(f"shape {node.data.shape}  {node.data.dtype}")
    lines.append("value: " + summarize(node.data))
    lines.append("grad ∂L/∂node: " + summarize(node.grad))
    return "\n".join(lines)


def single_box(node: Node, key: str, root: Node) -> Box:
    """The box of one engine node."""
    kind = node_kind(node)
    shape = shape_text(node.data)
    if kind == "op":
        title = node.label or node.op
        first = node.op if node.label else ""
    else:
        title = node.label or ("constant" if kind == "constant" else "leaf")
        first = "param" if kind == "param" else ""
    value = format_number(np.ravel(node.data)[0]) if is_scalar(node.data) else ""
    grad = ""
    if node.grad is not None and is_scalar(node.grad):
        grad = format_number(np.ravel(node.grad)[0])
    subtitle = " · ".join(part for part in (first, shape) if part)
    cluster = () if kind == "param" else node.scope
    return Box(
        key=key,
        kind=kind,
        title=title,
        subtitle=subtitle,
        role=node_role(node, root),
        cluster=cluster,
        tooltip=node_tooltip(node),
        time_step=node.time_step,
        value=value,
        grad=grad,
    )


def cell_kind(members: list[Node]) -> str | None:
    """ "LSTM", "GRU" or "RNN": `roles.cell_of` the members' roles (the cell nn marked
    them with; for a hand-written cell, its gates i f g o / r z, or just a state h)."""
    kind = cell_of([node.role for node in members if node.role is not None])
    return None if kind is None else kind.upper()


def group_title(scope: tuple, kind: str | None) -> tuple[str, str | None, tuple]:
    """(title, kind, cluster) of a group: "LSTM cell" and "attention" sit in their time
    step's cluster; a whole step ("LSTM step") keeps its own "t = k" cluster."""
    if scope[-1] == "attention":
        return "attention", "attention", scope[:-1]
    if scope[-1] == "cell":
        return f"{kind or 'RNN'} cell", kind, scope[:-1]
    if scope[-1] in SUBLAYER_SCOPES:  # a Transformer's sub-layer, or a LayerNorm
        title = {"self_attention": "self-attention", "layer_norm": "LayerNorm"}
        role = "attention" if scope[-1] == "self_attention" else "step"
        return title.get(scope[-1], "feed-forward"), role, scope[:-1]
    if scope[-1] in IMAGE_OPS:  # one convolution or pooling: "conv2d"
        return scope[-1], "op", scope[:-1]
    if scope[-1] == CNN:  # the conv/pool layers of a module, outside the time steps
        return "CNN", "cnn", scope[:-1]
    return (f"{kind} step" if kind else "step ops"), kind, scope


def group_box(key: str, scope: tuple, members: list[Node], outputs: list[Node]) -> Box:
    """The box of a collapsed cell step ("LSTM cell") or time step ("LSTM step").

    Both sit inside the cluster "t = k" of their step (for a whole step, that cluster
    holds just the box: it keeps one cluster per step at every detail, and dot lays out
    a long row of clusters far faster than a long row of loose boxes).
    """
    title, kind, cluster = group_title(scope, cell_kind(members))
    out_labels = []
    for node in outputs:
        if node.label and node.label not in out_labels:
            out_labels.append(node.label)
    ops = sum(node.op is not None for node in members)
    shown = " · ".join(out_labels[:4] + (["…"] if len(out_labels) > 4 else []))
    if scope[-1] in IMAGE_OPS:
        shown = image_op_shapes(members)
    tooltip = "\n".join(
        [
            f"{title}: {len(members)} nodes collapsed ({ops} ops)",
            "scope: " + " / ".join(scope),
            "outputs: " + (", ".join(out_labels) or "-"),
            "first node created at " + members[0].source,
        ]
    )
    return Box(
        key=key,
        kind="group",
        title=title,
        subtitle=" · ".join(part for part in (shown, f"{ops} ops") if part),
        role=(kind or "step").lower(),
        cluster=cluster,
        tooltip=tooltip,
        time_step=next((n.time_step for n in members if n.time_step is not None), None),
        members=len(members),
    )


def image_op_shapes(members: list[Node]) -> str:
    """ "(2, 3, 8, 8), (4, 3, 3, 3), (4,) → (2, 4, 8, 8)": a convolution's inputs (x,
    weight, bias: the parents from outside its nodes, numbers left out; the unfolded
    columns of an input that needs no gradient) and its output (its last node)."""
    inside = {id(node) for node in members}
    inputs: list[Node] = []
    for node in members:
        if node.op is None:  # the columns of an image that needs no gradient
            inputs.append(node)
        for parent in node.parents:
            constant = parent.op is None and np.ndim(parent.data) == 0  # a divisor
            if id(parent) in inside or constant or any(parent is seen for seen in inputs):
                continue
            inputs.append(parent)
    output = max(members, key=creation_order)
    return ", ".join(shape_text(node.data) for node in inputs) + " → " + shape_text(output.data)


def lane_of(cluster: tuple) -> tuple:
    """The cluster of a cell-state chain box: the lane LANE of its layer, outside the
    time steps.

    Each c_t is made at the end of step t and read near the end of step t+1, so an arrow
    c_t -> c_{t+1} inside the step clusters would have to bend around them. Lifted out of
    the steps into one lane cluster of their layer, c_0 included, the chain runs as one
    straight line along the steps (the LSTM "conveyor belt"): a cluster is a rectangle
    that cannot overlap the steps' rectangles, so all its boxes share one row.
    """
    where = time_index(cluster, innermost=False)
    layer = cluster if where is None else cluster[:where]
    return (*layer, LANE)


def join_chain_start(boxes: list[Box], arrows: list) -> None:
    """c_0 and h_0 are made outside the layers (nn.LSTM makes them for all layers at
    once), so a picture would draw them outside the layer's cluster - above or below
    it, far from the chain. The first box of a highlighted chain joins the cluster of
    the box its chain arrow leads to: the lane (cell state), or the layer around the
    step (hidden state). Then the chain starts on its line."""
    by_key = {box.key: box for box in boxes}
    for arrow in arrows:
        if not arrow.highlight:
            continue
        tail, head = by_key[arrow.tail], by_key[arrow.head]
        if time_index(tail.cluster) is not None:
            continue
        where = time_index(head.cluster, innermost=False)
        target = head.cluster if where is None else head.cluster[:where]
        home = tail.cluster[:-1] if tail.cluster[-1:] == (LANE,) else tail.cluster
        if len(home) < len(target) and target[: len(home)] == home:
            tail.cluster = target


def make_boxes(nodes, layout: Layout, root, detail, outputs, on_chain, notes, lane) -> list[Box]:
    """One box per node drawn alone and per group, in creation order of their first node.

    outputs  group key -> its members with arrows leaving the group (the subtitle)
    on_chain ids of the nodes on the highlighted chain;  lane: lift them out of the steps
    notes    id -> "t = 1..24" for shared nodes whose arrows are left out
    """
    boxes: list[Box] = []
    done: set[str] = set()
    for node in nodes:
        key = layout.box_of.get(id(node))
        if key is None or key in done:
            continue
        done.add(key)
        if id(node) in layout.grouped:
            scope = layout.key_of[id(node)]
            members = layout.groups[scope]
            box = group_box(key, scope, members, unique(outputs.get(key, [])))
            box.highlight = any(id(member) in on_chain for member in members)
        else:
            box = single_box(node, key, root)
            box.highlight = id(node) in on_chain
            if id(node) in notes:  # say what the missing arrows did
                box.subtitle += " · " + notes[id(node)]
        box.order = layout.rank[id(node)]
        if box.highlight and lane and box.kind != "group":
            box.home, box.cluster = box.cluster, lane_of(box.cluster)
        boxes.append(box)
    return boxes


def unique(nodes: list[Node]) -> list[Node]:
    """The nodes once each, in creation order."""
    seen: set[int] = set()
    out = []
    for node in sorted(nodes, key=creation_order):
        if id(node) not in seen:
            seen.add(id(node))
            out.append(node)
    return out


def cluster_kind(part: str) -> tuple[str, str]:
    """(kind, label) of the cluster for one scope element: "t=3" -> ("time", "t = 3")."""
    t = time_step_of_scope(part)
    if t is not None:
        return "time", f"t = {t}"
    if part in ("cell", "gates", "attention"):
        return part, part
    if part == LANE:
        return "lane", "cell state c_0 → c_T"
    if part.startswith(LANE):  # the lane of a later row (lanes_by_row)
        return "lane", "cell state, continued"
    return "module", part


def build_clusters(boxes: list[Box]) -> list[Cluster]:
    """Every scope prefix that holds a box, parents before children, in box order."""
    clusters: list[Cluster] = []
    known: set[tuple] = set()
    for box in boxes:
        for end in range(1, len(box.cluster) + 1):
            path = box.cluster[:end]
            if path in known:
                continue
            known.add(path)
            kind, label = cluster_kind(path[-1])
            clusters.append(Cluster(path, f"cluster_{len(clusters)}", kind, label))
    return clusters


def gate_rows(nodes: list[Node], layout: Layout) -> list[list[str]]:
    """The box keys of the parallel gates of each "gates" cluster, in GATE_ORDER (i, f,
    g, o; r, z): dot.py stacks them top to bottom in that order in every step."""
    rows: dict[tuple, list] = {}
    for node in nodes:
        role = node.role
        key = layout.box_of.get(id(node))
        if key is None or id(node) in layout.grouped or role is None or not role.is_gate:
            continue
        if role.name not in GATE_ORDER or "gates" not in node.scope:
            continue
        place = (GATE_ORDER.index(role.name), layout.rank[id(node)], key)
        rows.setdefault(node.scope, []).append(place)
    return [[key for _, _, key in sorted(row)] for row in rows.values() if len(row) > 1]


def lanes_by_row(data: GraphData, per_row: int) -> GraphData:
    """When the steps wrap into rows of `per_row` (dot.py), the cell-state lane wraps
    with them: the chain boxes of the steps in row k go to a lane of their own, under
    that row ("cell state 2", "cell state 3", ...); c_0 stays in the first. With one
    step per row, the chain boxes go back into their steps (`steps_hold_the_chain`).
    Returns a copy of `data` with those boxes moved (`data` itself is left as it is:
    dot.py may try several row lengths)."""
    if per_row == 1 and has_lane(data):
        return steps_hold_the_chain(data)
    boxes = []
    for box in data.boxes:
        where = [i for i, part in enumerate(box.cluster) if part.startswith(LANE)]
        if where:
            row = ((box.time_step or 1) - 1) // per_row
            lane = LANE if row == 0 else f"{LANE} {row + 1}"
            box = replace(box, cluster=(*box.cluster[: where[0]], lane))
        boxes.append(box)
    return replace(data, boxes=boxes, clusters=build_clusters(boxes))


def has_lane(data: GraphData) -> bool:
    """True if the picture has a cell-state lane (detail "ops", cell state highlighted)."""
    return any(part.startswith(LANE) for box in data.boxes for part in box.cluster)


def steps_hold_the_chain(data: GraphData) -> GraphData:
    """One step per row: each chain box goes back to its own cluster in its step
    (mul and c_t in step t's cell), c_0 and h_0 to the cluster of the box they feed
    (not in a band of their own above the rows). A lane
    under each row would hold two boxes and float between the rows; inside the steps
    the chain runs straight through each row, and dot.py ranks the arrow c_t -> (step
    t+1) so it steps down and to the right into the next row, never back in a loop."""
    by_key = {box.key: box for box in data.boxes}
    home = {box.key: box.home for box in data.boxes if box.home and box.time_step is not None}
    for arrow in data.arrows:
        tail = by_key[arrow.tail]
        head = by_key[arrow.head]
        if arrow.highlight and tail.time_step is None and tail.cluster[-1:] == (LANE,):
            home[arrow.tail] = head.home  # c_0: beside what it feeds
        elif tail.role == "h" and tail.kind == "input" and tail.time_step is None:
            home.setdefault(arrow.tail, head.cluster)  # h_0 too, not in a row of its own
    boxes = [replace(box, cluster=home[box.key]) if home.get(box.key) else box
             for box in data.boxes]  # fmt: skip
    return replace(data, boxes=boxes, clusters=build_clusters(boxes))
