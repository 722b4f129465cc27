"""The plain data extract.py makes and dot.py draws: boxes, arrows, clusters.

    data = viz.extract(loss)
    data.boxes[0]     # Box(key="n0", kind="param", title="W", ...)
    data.arrows[0]    # Arrow(tail="n0", head="n5", grad_norm=0.31, ...)

Plain dataclasses, nothing else: no graph, no Graphviz, easy to print and to test.

Read next: numbers.py (how values and gradients become the text on the boxes).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Box:
    """One drawn node: an engine node, or a cell/step collapsed into one box.

    key       stable DOT id: "n7" = the 7th node of the graph by creation order,
              "g7" = the box whose first member is node 7
    kind      "op", "param", "input" (labelled leaf without grad), "constant", "group",
              "copy" (a step's light copy of a box all steps share, see shared.py)
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
    home: tuple = ()  # a cell-state lane box's own cluster, in its step (boxes.lane_of)


@dataclass
class Arrow:
    """One drawn edge, tail -> head in the forward direction (parent -> child).

    grad_norm  ‖g‖ of the gradient sent back along it (see extract.py's docstring);
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
    # the parallel gates of each "gates" cluster, top to bottom: i, f, g, o (PyTorch's
    # order; GRU: r, z - n is computed from r, so it comes later)
    gate_rows: list = field(default_factory=list)
    shared_copies: bool = False  # shared boxes copied into each step (shared.py)
