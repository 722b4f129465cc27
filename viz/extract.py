"""Step 1 of 3: walk a computation graph into plain data - boxes, arrows and clusters.

    data = extract(loss, detail="ops", grads=True, highlight="cell_state")
    data.boxes      # one Box per drawn node (an engine node, or a collapsed cell/step)
    data.arrows     # one Arrow per drawn edge, parent -> child (the forward direction)
    data.clusters   # the nested scopes the boxes sit in: modules, "t = k", cell, gates

Nothing here knows about Graphviz: dot.py turns this data into DOT, render.py into files.

Where things go. A node's `scope` tuple, e.g. ("lstm", "l0", "t=3", "cell", "gates"), is
its cluster path: module "lstm" > layer "l0" > time step "t = 3" > "cell" > "gates".
Parameters (leaves that require grad) are shared by every time step, so they are drawn
once, outside all clusters, with one arrow to each step that uses them.

Detail levels. "ops" draws every engine node. "cells" collapses the nodes of one cell
step (scope prefix ending in "cell", same t) into one box, and the other ops of a time
step into one box per step. "steps" collapses each time step into one box. Every box
stays inside its "t = k" cluster. Leaves (parameters, inputs, h_0) and nodes outside
any time step are always drawn one by one; unlabelled constants only at "ops".
In the coarse pictures the arrows between the steps and what they share - parameters,
and nodes outside the loop that feed or collect many steps (an input projection made for
all steps at once, the stack of outputs) - are left out (`shared_arrows`), with hidden
anchors keeping those boxes before or after the steps they serve.

The cell-state highlight. `highlight="cell_state"` finds, for every node labelled c_t,
the shortest path back to c_{t-1} (c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t: through one mul and
one add) and marks it; at detail "ops" the chain's boxes are lifted out of the step
clusters onto one lane of their layer, so the chain is one straight line along the
steps (see `lane_of`). "hidden_state" does the same for h_{t-1} -> h_t, in place.

The gradient on an arrow. The arrow parent -> child carries, in the backward pass, the
gradient the child sends to that parent:

    g(parent -> child) = ∂L/∂child · ∂child/∂parent     (one vector-Jacobian product)

so the gradients on all arrows leaving a node add up to that node's `.grad` (∂L/∂node).
viz does not run backward again (that would accumulate into `.grad`): it asks the
child's op for this one local product, `local_gradients(child, child.grad)` - the same call
the backward loop made - which reads `child.grad` and writes nothing. An arrow into a
collapsed box carries the sum of the products of the arrows it stands for, i.e. the
gradient that box sent to the node the arrow leaves. The arrow's weight is the norm of
that array, ‖g‖ (Frobenius). Arrows from nodes that need no gradient (inputs,
constants) carry none. After a lean `backward(retain_graph=False)` the graph keeps no
intermediate gradients, so there is nothing to draw: viz says so.

Every walk is iterative (explicit stacks and queues), so a 100 000-node graph is fine.

Read next: dot.py (this data -> a graphviz.Digraph).
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from tinygrad_rnn.graph import Node, local_gradients

from .errors import VizError

DETAILS = ("ops", "cells", "steps")
# scopes that get their own box at detail="cells": a cell step, a decoder step's attention
GROUPED_SCOPES = ("cell", "attention")
HIGHLIGHTS = (None, "cell_state", "hidden_state")
DEFAULT_MAX_NODES = 2000
CHAIN_SEARCH_DEPTH = 12  # how many ops back from c_t (h_t) to look for c_{t-1} (h_{t-1})

TIME_SCOPE = re.compile(r"^t=(-?\d+)$")
STATE_LABEL = re.compile(r"^([hc])_(\d+)(\[[^\]]*\])?$")  # h_3, c_3, h_3[0] (a scalar unit)
PRIMED_STATE = re.compile(r"^([hc])'(\[[^\]]*\])?$")  # h', c' (a cell called outside time)
GATE_LABEL = re.compile(r"^([ifgorzn])(_\d+|')(\[[^\]]*\])?$")  # f_3, z_3, f'


# --------------------------------------------------------------------------------------
# The plain data
# --------------------------------------------------------------------------------------
@dataclass
class Box:
    """One drawn node: an engine node, or a cell/step collapsed into one box.

    key       stable DOT id: "n7" = the 7th node of the graph by creation order,
              "g7" = the box whose first member is node 7
    kind      "op", "param", "input" (labelled leaf without grad), "constant", "group"
    title     the node's label ("h_3", "W") or op name ("matmul"); "LSTM cell", "t = 3"
    subtitle  second line: "tanh · (1, 3)", "param · (12, 3)", "h_3 · c_3 · 27 ops"
    role      "h", "c", "gate", "loss" or "" (colours); "lstm"/"gru"/"rnn"/"step" for groups
    cluster   scope path of the cluster the box is drawn in (() = top level)
    """

    key: str
    kind: str
    title: str
    subtitle: str
    role: str
    cluster: tuple
    tooltip: str
    time_step: int | None
    order: int = 0  # creation rank of its (first) engine node: boxes sort by it
    members: int = 1
    value: str = ""  # the number itself for scalar nodes ("0.7616"), else ""
    grad: str = ""  # the gradient for scalar nodes, else ""
    highlight: bool = False


@dataclass
class Arrow:
    """One drawn edge, tail -> head in the forward direction (parent -> child).

    grad_norm  ‖g‖ of the gradient sent back along it (see the module docstring);
               None where no gradient is tracked (inputs, constants, grads=False)
    label      the engine node the arrow leaves, where it leaves a collapsed box ("c_2")
    """

    tail: str
    head: str
    grad_norm: float | None
    label: str = ""
    highlight: bool = False
    tooltip: str = ""


@dataclass
class Cluster:
    """A scope drawn as a box around boxes: "module", "time", "cell", "gates", "attention"."""

    path: tuple
    key: str
    kind: str
    label: str


@dataclass
class GraphData:
    """Everything dot.py needs to draw the graph; plain Python, easy to test."""

    boxes: list[Box]
    arrows: list[Arrow]
    clusters: list[Cluster]  # parents before children
    detail: str
    grads: bool
    highlight: str | None
    node_count: int  # engine nodes in the graph
    shared_arrows: bool = True
    # hidden edges that keep a shared box before the first step it feeds / after the
    # last step it collects from, when its arrows are not drawn
    anchors: list = field(default_factory=list)
    steps: list[int] = field(default_factory=list)  # the time steps present, sorted


# --------------------------------------------------------------------------------------
# Walking the graph
# --------------------------------------------------------------------------------------
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
    """Every node the root depends on (constants included), sorted by creation order.

    Iterative depth-first search with an explicit stack; `seen` holds node identities.
    """
    seen = {id(root): root}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                stack.append(parent)
    return sorted(seen.values(), key=_creation_order)


def _creation_order(node: Node) -> int:
    return node.id


def time_index(scope: tuple, innermost: bool = True) -> int | None:
    """Position of the innermost (or outermost) "t=k" element in a scope path, or None."""
    positions = [i for i, part in enumerate(scope) if TIME_SCOPE.match(part)]
    if not positions:
        return None
    return positions[-1] if innermost else positions[0]


def is_parameter(node: Node) -> bool:
    """A leaf that requires grad and is not an initial state h_0/c_0: drawn once, on top."""
    return node.op is None and node.requires_grad and _state_letter(node.label) is None


def collapse_key(node: Node, detail: str) -> tuple | None:
    """The scope prefix of the box `node` is collapsed into at `detail`, or None.

    cells: the prefix up to the first "cell" or "attention" after the innermost time step
           (a decoder step's attention is one box beside its cell), else the prefix up
           to the time step (the rest of the step); steps: up to the outermost
           time step. Leaves (parameters, inputs, h_0) and nodes outside any time step
           are never collapsed.
    """
    if detail == "ops" or node.op is None:
        return None
    scope = node.scope
    if detail == "steps":
        where = time_index(scope, innermost=False)
        return None if where is None else scope[: where + 1]
    where = time_index(scope, innermost=True)
    if where is None:
        return None
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
    for node in nodes:
        if is_hidden(node, detail):
            continue
        key = collapse_key(node, detail)
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


# --------------------------------------------------------------------------------------
# Labels, roles and summaries
# --------------------------------------------------------------------------------------
def _state_letter(label: str | None) -> str | None:
    """'h' or 'c' for state labels h_3, c_0, h', h_2[1]; else None."""
    if not label:
        return None
    match = STATE_LABEL.match(label) or PRIMED_STATE.match(label)
    return match.group(1) if match else None


def node_role(node: Node, root: Node) -> str:
    """Colour group: "loss" (the root), "h", "c", "gate" (a labelled node in a "gates"
    scope) or ""."""
    if node is root:
        return "loss"
    letter = _state_letter(node.label)
    if letter is not None:
        return letter
    if "gates" in node.scope and node.label:  # o_t outside a gates scope is an output
        return "gate"
    return ""


def node_kind(node: Node) -> str:
    if node.op is not None:
        return "op"
    if is_parameter(node):
        return "param"
    if node.label or node.requires_grad:
        return "input"
    return "constant"


def is_scalar(data) -> bool:
    return np.ndim(data) == 0 or np.size(data) == 1


def format_number(x: float) -> str:
    """4 significant digits: 0.7616, -3.2e-05, nan, inf (and 0, never -0)."""
    x = float(x)
    return "0" if x == 0 else f"{x:.4g}"


def shape_text(data) -> str:
    """'(1, 3)' for arrays; '' for the floats of a Value."""
    return str(tuple(np.shape(data))) if isinstance(data, np.ndarray) else ""


def norm(array) -> float:
    """Frobenius norm ‖a‖ of an array or number (nan if any entry is nan)."""
    return float(np.linalg.norm(np.ravel(np.asarray(array, dtype=np.float64))))


def summarize(array) -> str:
    """'0.7616' for one number; 'min -0.9 max 0.8 norm 1.2' for an array."""
    if array is None:
        return "None"
    flat = np.ravel(np.asarray(array, dtype=np.float64))
    if flat.size == 1:
        return format_number(flat[0])
    if flat.size == 0:
        return "empty"
    return (
        f"min {format_number(np.min(flat))}  max {format_number(np.max(flat))}  "
        f"norm {format_number(norm(flat))}"
    )


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
        title = node.label or ("const" if kind == "constant" else "leaf")
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


def group_box(key: str, scope: tuple, members: list[Node], outputs: list[Node]) -> Box:
    """The box of a collapsed cell step ("LSTM cell") or time step ("LSTM step").

    Both sit inside the cluster "t = k" of their step (for a whole step, that cluster
    holds just the box: it keeps one cluster per step at every detail, and dot lays out
    a long row of clusters far faster than a long row of loose boxes).
    """
    kind = cell_kind(members)
    if scope[-1] == "attention":
        title, kind = "attention", "attention"
        cluster = scope[:-1]
    elif scope[-1] == "cell":
        title = f"{kind or 'RNN'} cell"
        cluster = scope[:-1]
    else:
        title = f"{kind} step" if kind else "step ops"
        cluster = scope
    role = (kind or "step").lower()
    out_labels = []
    for node in outputs:
        if node.label and node.label not in out_labels:
            out_labels.append(node.label)
    ops = sum(node.op is not None for node in members)
    shown = " · ".join(out_labels[:4] + (["…"] if len(out_labels) > 4 else []))
    subtitle = " · ".join(part for part in (shown, f"{ops} ops") if part)
    tooltip = "\n".join(
        [
            f"{title}: {len(members)} nodes collapsed ({ops} ops)",
            "scope: " + " / ".join(scope),
            "outputs: " + (", ".join(out_labels) or "-"),
            "first node created at " + members[0].source,
        ]
    )
    time_step = next((n.time_step for n in members if n.time_step is not None), None)
    return Box(
        key=key,
        kind="group",
        title=title,
        subtitle=subtitle,
        role=role,
        cluster=cluster,
        tooltip=tooltip,
        time_step=time_step,
        members=len(members),
    )


def cell_kind(members: list[Node]) -> str | None:
    """ "LSTM", "GRU" or "RNN" from the labels inside (gates i f g o; r z; h_t), or None."""
    letters = set()
    for node in members:
        match = GATE_LABEL.match(node.label or "")
        if match:
            letters.add(match.group(1))
    if {"i", "f", "g", "o"} <= letters:
        return "LSTM"
    if {"r", "z"} <= letters:
        return "GRU"
    if any(_state_letter(node.label) == "h" for node in members):
        return "RNN"
    return None


# --------------------------------------------------------------------------------------
# Gradients on arrows
# --------------------------------------------------------------------------------------
def sent_gradients(child: Node) -> tuple:
    """The gradient `child` sent to each of its parents in the backward pass.

    One local vector-Jacobian product, `local_gradients(child, child.grad)`: reads the
    gradient the node kept and writes nothing (no `.grad` changes). Entries are None
    where the parent needs no gradient or the child has none.
    """
    if child.grad is None or child._ctx is None:
        return (None,) * len(child.parents)
    with np.errstate(all="ignore"):  # backward already warned about any inf/nan here
        grads = local_gradients(child, child.grad)
    return tuple(
        grad if parent.requires_grad else None for parent, grad in zip(child.parents, grads)
    )


# --------------------------------------------------------------------------------------
# The cell-state (hidden-state) chain
# --------------------------------------------------------------------------------------
def _path_back(start: Node, target_label: str, members: set[int]) -> list[Node] | None:
    """Shortest path target -> ... -> start through parents (breadth-first, no recursion)."""
    previous = {id(start): None}
    queue = deque([(start, 0)])
    while queue:
        node, depth = queue.popleft()
        if node is not start and node.label == target_label:
            path = [node]
            step = previous[id(node)]
            while step is not None:
                path.append(step)
                step = previous[id(step)]
            return path  # target first, start last
        if depth == CHAIN_SEARCH_DEPTH:
            continue
        for parent in node.parents:
            if id(parent) not in previous and id(parent) in members:
                previous[id(parent)] = node
                queue.append((parent, depth + 1))
    return None


def state_chain(nodes: list[Node], letter: str) -> tuple[set, set]:
    """The edges and nodes of the chains letter_0 -> letter_1 -> ... -> letter_T.

    For every node labelled c_k (k >= 1; also c_k[j] for scalar units) the shortest path
    back to the node labelled c_{k-1} is found; its edges are the chain. Returns
    (set of (id(parent), id(child)) pairs, set of node ids on the chain).
    """
    members = {id(node) for node in nodes}
    edges: set[tuple[int, int]] = set()
    on_chain: set[int] = set()
    for node in nodes:
        match = STATE_LABEL.match(node.label or "")
        if not match or match.group(1) != letter or int(match.group(2)) == 0:
            continue
        target = f"{letter}_{int(match.group(2)) - 1}{match.group(3) or ''}"
        path = _path_back(node, target, members)
        if path is None:
            continue
        for parent, child in zip(path, path[1:]):
            edges.add((id(parent), id(child)))
        on_chain.update(id(step) for step in path)
    return edges, on_chain


def chain_for(nodes: list[Node], highlight: str | None) -> tuple[set, set]:
    if highlight is None:
        return set(), set()
    letter = "c" if highlight == "cell_state" else "h"
    edges, on_chain = state_chain(nodes, letter)
    if not edges:
        hint = (
            " Only an LSTM has a cell state; for an RNN or GRU use highlight='hidden_state'."
            if letter == "c"
            else ""
        )
        raise VizError(
            f"viz: highlight={highlight!r} found no chain {letter}_0 -> {letter}_1 -> ...: "
            f"no nodes labelled {letter}_1, {letter}_2, ... connected to {letter}_(t-1) "
            f"(recurrent layers label their states h_t, c_t).{hint}"
        )
    return edges, on_chain


# --------------------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------------------
def _check_options(detail: str, highlight: str | None, max_nodes: int) -> None:
    if detail not in DETAILS:
        raise VizError(f"viz: detail must be one of {', '.join(DETAILS)}; got {detail!r}")
    if highlight not in HIGHLIGHTS:
        names = ", ".join(repr(h) for h in HIGHLIGHTS)
        raise VizError(f"viz: highlight must be one of {names}; got {highlight!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise VizError(f"viz: max_nodes must be a positive integer; got {max_nodes!r}")


def _resolve_grads(grads: bool | None, root: Node) -> bool:
    """grads=None means: draw gradients if backward has run."""
    if grads is None:
        return root.grad is not None
    if grads and root.grad is None:
        raise VizError(
            f"viz: grads=True, but {root.describe()} has no gradient: call "
            "loss.backward() first (with the default retain_graph=True, which keeps the "
            "intermediate gradients), or draw with grads=False."
        )
    return bool(grads)


def extract(
    root: Node,
    detail: str = "ops",
    grads: bool | None = None,
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    shared_arrows: bool | None = None,
) -> GraphData:
    """Walk the graph behind `root` into boxes, arrows and clusters (see module doc).

    shared_arrows: draw the arrows between the steps and what they share - parameters,
    and nodes outside the steps that feed or collect SHARED_STEPS or more of them (the
    input projection x W_ihᵀ of all steps, W_hhᵀ, the stack of outputs). None: only at
    detail="ops"; in a long coarse picture those fans would hide everything else. The
    shared boxes are drawn either way, their subtitle saying which steps they serve.
    """
    _check_options(detail, highlight, max_nodes)
    if shared_arrows is None:
        shared_arrows = detail == "ops"
    check_root(root)
    grads = _resolve_grads(grads, root)
    nodes = collect_nodes(root)
    check_size(nodes, detail, max_nodes)
    chain_edges, on_chain = chain_for(nodes, highlight)

    # 1. which box each node goes to
    rank = {id(node): position for position, node in enumerate(nodes)}
    box_of: dict[int, str] = {}
    group_nodes: dict[tuple, list[Node]] = {}
    group_key: dict[tuple, str] = {}
    for node in nodes:
        key = collapse_key(node, detail)
        if is_hidden(node, detail):
            continue
        if key is None:
            box_of[id(node)] = f"n{rank[id(node)]}"
            continue
        if key not in group_nodes:
            group_nodes[key] = []
            group_key[key] = f"g{rank[id(node)]}"
        group_nodes[key].append(node)
        box_of[id(node)] = group_key[key]
    for key, members in list(group_nodes.items()):
        if len(members) == 1:  # a group of one op is drawn as that op
            box_of[id(members[0])] = f"n{rank[id(members[0])]}"
            del group_nodes[key]
    grouped = {id(node) for members in group_nodes.values() for node in members}
    shared = shared_nodes(nodes, grouped)

    # 2. arrows (individual arrows kept one by one; arrows touching a group merged per
    #    (tail box, head box, tail node), their gradients summed)
    arrows: list[Arrow] = []
    merged: dict[tuple, list] = {}  # (tail, head, id(parent)) -> [parent, grad sum, hl, n]
    anchors: dict[tuple, tuple] = {}  # (shared box, "feeds"/"collects") -> (step, tail, head)
    outputs: dict[str, list[Node]] = {}  # group key -> members with arrows leaving it
    for child in nodes:
        if not child.parents:
            continue
        sent = sent_gradients(child) if grads else (None,) * len(child.parents)
        head = box_of[id(child)]
        for parent, grad in zip(child.parents, sent):
            tail = box_of.get(id(parent))
            if tail is None or tail == head:  # hidden constant, or inside one box
                continue
            if not shared_arrows and (id(parent) in shared or id(child) in shared):
                if node_step(parent) != node_step(child):
                    _note_anchor(anchors, parent, child, tail, head, shared)
                    if id(parent) in grouped:
                        outputs.setdefault(tail, []).append(parent)
                    continue  # a fan between the steps and what they share
            highlighted = (id(parent), id(child)) in chain_edges
            if id(parent) not in grouped and id(child) not in grouped:
                grad_norm = norm(grad) if grad is not None else None
                arrows.append(
                    Arrow(tail, head, grad_norm, "", highlighted, _arrow_tooltip(parent, grad))
                )
                continue
            if id(parent) in grouped:
                outputs.setdefault(tail, []).append(parent)
            entry = merged.setdefault((tail, head, id(parent)), [parent, None, False, 0])
            if grad is not None:
                entry[1] = grad if entry[1] is None else entry[1] + grad
            entry[2] = entry[2] or highlighted
            entry[3] += 1
    for (tail, head, _), (parent, grad, highlighted, count) in merged.items():
        label = (parent.label or "") if id(parent) in grouped else ""
        grad_norm = norm(grad) if grad is not None else None
        tooltip = _arrow_tooltip(parent, grad, count)
        arrows.append(Arrow(tail, head, grad_norm, label, highlighted, tooltip))

    # 3. boxes, in creation order of their first node
    boxes: list[Box] = []
    done: set[str] = set()
    for node in nodes:
        key = box_of.get(id(node))
        if key is None or key in done:
            continue
        done.add(key)
        if id(node) in grouped:
            scope = collapse_key(node, detail)
            members = group_nodes[scope]
            box = group_box(key, scope, members, _unique(outputs.get(key, [])))
            box.highlight = any(id(member) in on_chain for member in members)
        else:
            box = single_box(node, key, root)
            box.highlight = id(node) in on_chain
            if id(node) in shared and not shared_arrows:  # say what the missing arrows did
                box.subtitle += " · " + shared[id(node)]
        box.order = rank[id(node)]
        if box.highlight and highlight == "cell_state" and box.kind != "group":
            box.cluster = lane_of(box.cluster)
        boxes.append(box)
    return GraphData(
        boxes=boxes,
        arrows=arrows,
        clusters=build_clusters(boxes),
        detail=detail,
        grads=grads,
        highlight=highlight,
        node_count=len(nodes),
        shared_arrows=shared_arrows,
        anchors=[(tail, head) for _, tail, head in anchors.values()],
        steps=sorted({node.time_step for node in nodes if node.time_step is not None}),
    )


SHARED_STEPS = 3  # a node outside the steps serving this many steps is "shared"


def node_step(node: Node) -> int | None:
    """The time step a node is drawn in (None outside every step)."""
    return None if time_index(node.scope) is None else node.time_step


def shared_nodes(nodes: list[Node], grouped: set[int]) -> dict[int, str]:
    """Nodes shared by many steps, each with a note saying which: {id: "t = 1..24"}.

    Parameters (whatever they touch), and nodes outside every step that are connected
    to SHARED_STEPS or more distinct steps (the input projection computed before the
    loop feeds all of them; the stack of outputs collects all of them).
    """
    steps_of: dict[int, set] = {}
    for child in nodes:
        for parent in child.parents:
            steps_of.setdefault(id(parent), set()).add(node_step(child))
            steps_of.setdefault(id(child), set()).add(node_step(parent))
    shared = {}
    for node in nodes:
        if id(node) in grouped or node_step(node) is not None:
            continue
        steps = sorted(t for t in steps_of.get(id(node), ()) if t is not None)
        if is_parameter(node) or len(steps) >= SHARED_STEPS:
            shared[id(node)] = f"t = {steps[0]}..{steps[-1]}" if steps else "shared"
    return shared


def _note_anchor(anchors: dict, parent, child, tail: str, head: str, shared: dict) -> None:
    """Remember the earliest step a shared box feeds and the latest it collects from."""
    if is_parameter(parent):
        return  # parameters stay on the left whatever they feed
    if id(parent) in shared:
        key, step, first = (tail, "feeds"), node_step(child), True
    else:
        key, step, first = (head, "collects"), node_step(parent), False
    known = anchors.get(key)
    if known is None or (step < known[0] if first else step > known[0]):
        anchors[key] = (step, tail, head)


def lane_of(cluster: tuple) -> tuple:
    """The cluster of a cell-state chain box: its layer, outside the time steps.

    Each c_t is made at the end of step t and read near the end of step t+1, so an arrow
    c_t -> c_{t+1} inside the step clusters would have to bend around them. Lifted out of
    the steps, the chain runs as one straight line along them (the LSTM "conveyor belt").
    """
    where = time_index(cluster, innermost=False)
    return cluster if where is None else cluster[:where]


def _unique(nodes: list[Node]) -> list[Node]:
    seen: set[int] = set()
    out = []
    for node in sorted(nodes, key=_creation_order):
        if id(node) not in seen:
            seen.add(id(node))
            out.append(node)
    return out


def _arrow_tooltip(parent: Node, grad, count: int = 1) -> str:
    name = parent.label or parent.op or "leaf"
    through = f" (sum over {count} edges)" if count > 1 else ""
    if grad is None:
        return f"{name}: no gradient flows back along this edge"
    return f"gradient sent back to {name}{through}: {summarize(grad)}"


def cluster_kind(part: str) -> tuple[str, str]:
    """(kind, label) of the cluster for one scope element."""
    match = TIME_SCOPE.match(part)
    if match:
        return "time", f"t = {match.group(1)}"
    if part in ("cell", "gates", "attention"):
        return part, part
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
