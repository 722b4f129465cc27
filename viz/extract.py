"""Step 1 of 3: walk a computation graph into plain data - boxes, arrows and clusters.

    data = extract(loss, detail="ops", grads=True, highlight="cell_state")
    data.boxes      # one Box per drawn node (an engine node, or a collapsed cell/step)
    data.arrows     # one Arrow per drawn edge, parent -> child (the forward direction)
    data.clusters   # the nested scopes the boxes sit in: modules, "t = k", cell, gates

Nothing here knows about Graphviz: dot.py turns this data into DOT, render.py into files.
`extract` puts together small files with one job each:

    data.py      Box, Arrow, Cluster, GraphData: the plain data
    numbers.py   values and gradients as text (4 digits, norms)
    walk.py      the nodes (graph.ancestors) and which box each goes to, by detail level
    boxes.py     the box of a node or a collapsed cell/step; the clusters
    arrows.py    the arrows and the gradient each carries: ∂L/∂child · ∂child/∂parent
    chains.py    the highlighted chain c_0 -> c_1 -> ... (or h_0 -> h_1 -> ...)
    shared.py    what many steps share: its left-out arrows and their anchors, or
                 its copy in each step

What a node is - a state h_t / c_t, a gate, its time step - comes from `node.role`
(tinygrad_rnn/roles.py) and `context.time_step_of_scope`; viz never parses a label.

The highlight. `highlight="cell_state"` marks, for every c_t, the shortest path back to
c_{t-1}; at detail "ops" the chain's boxes, c_0 included, are lifted out of the step
clusters into one lane cluster of their layer ("cell state"), so the chain is one
straight line along the steps (`boxes.lane_of`; when the steps wrap into rows, the
lane wraps with them: `boxes.lanes_by_row`; one step per row, the chain stays in each
step and steps down to the next row: `boxes.steps_hold_the_chain`). "hidden_state"
marks h_{t-1} -> h_t for every t, in place (the whole RNN cell is on that chain). c_0
and h_0, made outside the layers, join the chain's cluster (`boxes.join_chain_start`),
so the chain starts on its line. dot.py draws the chain's arrows in an orange and a
width no other arrow has, with or without gradients, and weighs them heavily, so dot
keeps them short and straight.

Shared weights. In a picture of more than 3 steps whose shared arrows are drawn
(detail "ops"), each step gets its own dashed copy of each parameter (and of each node
outside the loop that feeds every step, like W_hhᵀ) and its arrows leave from that copy
(`shared.copy_shared`; shared_copies=False draws one box with a fan of long arrows).

Gates. `data.gate_rows` lists each step's parallel gates in one order, PyTorch's
i, f, g, o (GRU: r, z, then n): dot.py stacks them top to bottom in that order in
every step.

Constants. An unlabelled leaf that needs no gradient (a number or array mixed in) is
drawn at detail "ops" as a small grey box "constant = 4" or "constant (4, 1)".

After a lean `backward(retain_graph=False)` the graph keeps no intermediate gradients,
so there is nothing to draw on the arrows: viz says so. Every walk is iterative, so a
100 000-node graph is fine.

Read next: data.py, then each file in the order above; then dot.py (data -> Digraph).
"""

from __future__ import annotations

from tinygrad_rnn.graph import Node

from .arrows import arrow_tooltip, make_arrows, sent_gradients
from .boxes import (
    build_clusters,
    cell_kind,
    gate_rows,
    join_chain_start,
    lane_of,
    make_boxes,
    node_role,
    single_box,
)
from .calls import calls_as_steps
from .chains import CHAIN_SEARCH_DEPTH, HIGHLIGHTS, chain_for, state_chain
from .data import Arrow, Box, Cluster, GraphData
from .errors import VizError
from .numbers import format_number, norm, shape_text, summarize
from .shared import COPY_AFTER_STEPS, SHARED_STEPS, copy_shared, shared_nodes
from .walk import (
    DEFAULT_MAX_NODES,
    DETAILS,
    GROUPED_SCOPES,
    assign_boxes,
    check_root,
    check_size,
    collapse_key,
    collect_nodes,
    count_boxes,
    is_parameter,
    node_step,
    time_index,
)

__all__ = [  # the names other code imports from viz.extract
    "CHAIN_SEARCH_DEPTH",
    "COPY_AFTER_STEPS",
    "DEFAULT_MAX_NODES",
    "DETAILS",
    "GROUPED_SCOPES",
    "HIGHLIGHTS",
    "SHARED_STEPS",
    "Arrow",
    "Box",
    "Cluster",
    "GraphData",
    "arrow_tooltip",
    "build_clusters",
    "cell_kind",
    "chain_for",
    "check_root",
    "check_size",
    "collapse_key",
    "collect_nodes",
    "copy_shared",
    "count_boxes",
    "extract",
    "extract_nodes",
    "format_number",
    "gate_rows",
    "is_parameter",
    "lane_of",
    "node_role",
    "node_step",
    "norm",
    "sent_gradients",
    "shape_text",
    "shared_nodes",
    "single_box",
    "state_chain",
    "summarize",
    "time_index",
]


def check_options(detail: str, highlight: str | None, max_nodes: int) -> None:
    """A VizError for a detail, highlight or max_nodes extract does not know."""
    if detail not in DETAILS:
        raise VizError(f"viz: detail must be one of {', '.join(DETAILS)}; got {detail!r}")
    if highlight not in HIGHLIGHTS:
        names = ", ".join(repr(h) for h in HIGHLIGHTS)
        raise VizError(f"viz: highlight must be one of {names}; got {highlight!r}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise VizError(f"viz: max_nodes must be a positive integer; got {max_nodes!r}")


def resolve_grads(grads: bool | None, root: Node) -> bool:
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
    shared_copies: bool | None = None,
) -> GraphData:
    """Walk the graph behind `root` into boxes, arrows and clusters (see module doc).

    shared_arrows: draw the arrows between the steps and what they share - parameters,
    and nodes outside the steps that feed or collect SHARED_STEPS or more of them (the
    input projection x W_ihᵀ of all steps, W_hhᵀ, the stack of outputs). None: only at
    detail="ops"; in a long coarse picture those fans would hide everything else. The
    shared boxes are drawn either way, their subtitle saying which steps they serve.

    shared_copies: where those arrows are drawn, give each step its own copy of what
    the steps share, with the step's arrows leaving from it. None: in pictures of more
    than COPY_AFTER_STEPS (3) steps.
    """
    check_options(detail, highlight, max_nodes)
    check_root(root)
    nodes = collect_nodes(root)
    return extract_nodes(
        root, nodes, detail, grads, highlight, max_nodes, shared_arrows, shared_copies
    )


def extract_nodes(
    root: Node,
    nodes: list[Node],
    detail: str = "ops",
    grads: bool | None = None,
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    shared_arrows: bool | None = None,
    shared_copies: bool | None = False,
) -> GraphData:
    """`extract` for the nodes `collect_nodes(root)` already found (the player walks the
    graph once, for its backward steps and its picture alike; it draws no copies, so
    every arrow leaves the box of its engine node)."""
    check_options(detail, highlight, max_nodes)
    if shared_arrows is None:
        shared_arrows = detail == "ops"
    grads = resolve_grads(grads, root)
    check_size(nodes, detail, max_nodes)
    chain_edges, on_chain = chain_for(nodes, highlight)
    layout = assign_boxes(nodes, detail)
    shared = shared_nodes(nodes, layout.grouped)
    drawn = make_arrows(nodes, layout, shared, chain_edges, grads, shared_arrows)
    notes = {} if shared_arrows else shared
    lane = highlight == "cell_state" and detail == "ops"
    boxes = make_boxes(nodes, layout, root, detail, drawn.outputs, on_chain, notes, lane)
    join_chain_start(boxes, drawn.arrows)
    steps = sorted({node.time_step for node in nodes if node.time_step is not None})
    if not steps:  # a module called in a Python loop: its calls drawn as steps (calls.py)
        steps = calls_as_steps(boxes, drawn.arrows)
    if shared_copies is None:
        shared_copies = len(steps) > COPY_AFTER_STEPS
    shared_copies = bool(shared_copies and shared_arrows)
    if shared_copies:
        boxes = copy_shared(boxes, drawn.arrows)
    return GraphData(
        boxes=boxes,
        arrows=drawn.arrows,
        clusters=build_clusters(boxes),
        detail=detail,
        grads=grads,
        highlight=highlight,
        node_count=len(nodes),
        shared_arrows=shared_arrows,
        anchors=[(tail, head) for _, tail, head in drawn.anchors.values()],
        steps=steps,
        gate_rows=gate_rows(nodes, layout),
        shared_copies=shared_copies,
    )
