"""A step-through page of the backward pass: one self-contained HTML file.

    import viz
    loss = model_loss(...)                      # before or after loss.backward()
    viz.player(loss, "bptt.html")               # open it in any browser, offline

The page shows the unrolled graph (the same picture as `viz.render(loss, detail="ops")`,
inlined as SVG) and steps through `backward_steps()` one node at a time - with a slider,
buttons, the arrow keys (← →, Home, End, space to play) or a click on a node:

- the node being processed is outlined in orange; nodes not reached yet are faded, and
  nodes that have received part of their gradient are dashed;
- every arrow along which a gradient has been sent takes its colour and thickness from
  the norm of that gradient (the log scale of the legend); the arrows sending at this
  step are animated;
- beside the graph: the gradient that has arrived (∂L/∂node: shape, norm, first values),
  the op's derivative (the one-line docstring of its class in ops.py: f and f'), what
  was sent to each parent, and ‖∂L/∂h_t‖ (‖∂L/∂c_t‖) of the states processed so far.

What the player does to your graph: nothing you can see afterwards. It runs the backward
pass itself (`backward_steps()`, recording every step) on a clean slate - every node's
`.grad` is set aside first - and then puts every `.grad` back exactly as it was (the same
arrays). So it works before `loss.backward()` (your grads stay None) and after it (your
grads are unchanged, not doubled). It needs the graph: not after a lean
`backward(retain_graph=False)`.

Nothing on the page loads from the network: the SVG, the script, the styles and the step
data (JSON in a <script type="application/json"> element) are all inside the file. The
page itself is in viz/assets/ - player.html (the template, with __TITLE__, __STYLE__,
__SVG__, __DATA__ and __SCRIPT__ slots), player.css and player.js - shipped as package
data; `build_page` fills the slots in, escaping with the standard library.

Read next: nothing - this is the end of viz.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from tinygrad_rnn.context import time_step_of_scope
from tinygrad_rnn.graph import Node

from .arrows import arrow_tooltip
from .backend import DEFAULT_TIMEOUT, render_source
from .dot import to_digraph
from .errors import VizError
from .extract import extract_nodes
from .numbers import format_number, norm
from .render import write_atomic
from .walk import DEFAULT_MAX_NODES, check_root, collect_nodes

VALUES_SHOWN = 6  # first values of a gradient shown on the page
SLOT = re.compile(r"__([A-Z]+)__")  # a slot of assets/player.html: __TITLE__, __SVG__ ...


# --------------------------------------------------------------------------------------
# Recording the backward pass
# --------------------------------------------------------------------------------------
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
    states   the steps that processed a state h_t or c_t: {"step", "title"}
    """

    records: list = field(default_factory=list)
    sent: dict = field(default_factory=dict)
    states: list = field(default_factory=list)

    def add(self, step, keys: dict) -> None:
        """Note one BackwardStep (while its gradients are fresh: the engine may later
        add into a gradient array it owns)."""
        self.records.append(step_record(step, keys))
        node = step.node
        for position, parent in enumerate(node.parents):
            grad = step.parent_grads[position] if step.parent_grads else None
            edge = None
            if grad is not None and parent.requires_grad:
                edge = (norm(grad), arrow_tooltip(parent, grad))
            self.sent.setdefault((keys[id(parent)], keys[id(node)]), []).append(edge)
        role = node.role
        if role is not None and role.is_state and role.t is not None and step.grad is not None:
            self.states.append({"step": step.index, "title": node_title(node)})


def record_steps(root: Node, highlight: str | None, max_nodes: int):
    """Replay the backward pass on a clean slate: (Recording, graph data).

    One walk (`collect_nodes`) gives the nodes whose .grad is set aside and restored
    afterwards (see the module docstring), their keys, and the picture; one
    `backward_steps()` run gives each step's gradient and what it sent. The graph data is
    extracted while the replayed gradients are in place (the tooltips show them); its
    arrows get the gradients the steps sent (colour, width, tooltip).
    """
    nodes = collect_nodes(root)
    saved = [(node, node.grad) for node in nodes]
    keys = node_keys(nodes)
    recording = Recording()
    try:
        for node in nodes:
            node.grad = None
        for step in root.backward_steps():
            recording.add(step, keys)
        data = extract_nodes(root, nodes, "ops", False, highlight, max_nodes)
        label_arrows(data, recording.sent)
    finally:
        for node, grad in saved:
            node.grad = grad
    return recording, data


def label_arrows(data, sent: dict) -> None:
    """Put the recorded gradients on the arrows, as extract(grads=True) would: at detail
    "ops" every arrow is one edge parent -> child, drawn in the order of child.parents.
    No second vector-Jacobian product per edge (arrows.sent_gradients) is needed."""
    for arrow in data.arrows:
        queue = sent.get((arrow.tail, arrow.head))
        if not queue:  # an edge the backward pass did not take (no gradient needed)
            continue
        edge = queue.pop(0)
        if edge is not None:
            arrow.grad_norm, arrow.tooltip = edge
    data.grads = True


def page_data(recording: Recording, data, title: str) -> dict:
    """Everything the page's script needs: steps, node and edge timing, states."""
    nodes = {box.key: {"step": None, "first": None} for box in data.boxes}
    for record in recording.records:
        nodes.setdefault(record["key"], {"step": None, "first": None})
        nodes[record["key"]]["step"] = record["index"]
        for entry in record["sent"]:
            receiver = nodes.setdefault(entry["key"], {"step": None, "first": None})
            if receiver["first"] is None:
                receiver["first"] = record["index"]
    return {
        "title": title,
        "steps": recording.records,
        "nodes": nodes,
        "states": recording.states,
    }


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------
def inline_svg(svg: str) -> str:
    """The <svg> element alone, ready to sit inside HTML: no XML declaration, DOCTYPE or
    comments, no namespace URLs (HTML knows SVG), no fixed size (CSS scales it)."""
    start = svg.index("<svg")
    body = svg[start:]
    body = re.sub(r"<!--.*?-->", "", body, flags=re.DOTALL)
    head_end = body.index(">")
    head = body[:head_end]
    head = re.sub(r'\s(xmlns(:\w+)?)="[^"]*"', "", head)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return head + ' id="graph-svg" preserveAspectRatio="xMidYMid meet"' + body[head_end:]


def script_json(data: dict) -> str:
    """JSON that is safe inside a <script> element: every '<' is written \\u003c (the same
    string to JSON.parse), so no '</script>' or '<!--' in a label can end it early."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def read_asset(name: str) -> str:
    """One file of viz/assets/ (shipped in the wheel as package data)."""
    return resources.files("viz").joinpath("assets", name).read_text(encoding="utf-8")


def build_page(svg: str, data: dict) -> str:
    """The whole HTML file: assets/player.html with its __NAME__ slots filled in.

    One pass over the template, so a slot's text (the title, say) is never searched
    for further slots. The title is HTML-escaped; the data is JSON.
    """
    fills = {
        "TITLE": html.escape(data["title"], quote=False),
        "STYLE": read_asset("player.css"),
        "SVG": inline_svg(svg),
        "DATA": script_json(data),
        "SCRIPT": read_asset("player.js"),
    }

    def fill(match: re.Match) -> str:
        return fills[match.group(1)]

    return SLOT.sub(fill, read_asset("player.html"))


def player(
    root: Node,
    path,
    *,
    title: str | None = None,
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Write a self-contained HTML page stepping through the backward pass of `root`.

    root       the loss (any node made by an op); backward may or may not have run -
               the player replays it and leaves every .grad as it was
    path       the .html file to write
    title      the page's heading (default: "Backward pass of <root's label>")
    highlight  None, "cell_state" or "hidden_state", as in viz.draw
    max_nodes  refuse bigger graphs (every primitive is drawn: detail "ops")
    Returns the path written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise VizError(f"viz.player: writes an HTML page; give a path ending in .html, not {path}")
    check_root(root)
    if not root.requires_grad:
        raise VizError(f"viz.player: {root.describe()} does not require grad: no backward pass")
    recording, data = record_steps(root, highlight, max_nodes)
    name = root.label or "the loss"
    heading = title if title is not None else f"Backward pass of {name}"
    graph = to_digraph(data)
    svg = render_source(graph.source, "svg", timeout=timeout).decode("utf-8")
    write_atomic(path, build_page(svg, page_data(recording, data, heading)).encode("utf-8"))
    return path
