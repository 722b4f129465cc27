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
from importlib import resources
from pathlib import Path

import numpy as np

from tinygrad_rnn.graph import Node

from .backend import DEFAULT_TIMEOUT, render_source
from .dot import to_digraph
from .errors import VizError
from .extract import (
    DEFAULT_MAX_NODES,
    STATE_LABEL,
    check_root,
    collect_nodes,
    extract,
    format_number,
    norm,
)
from .extract import _arrow_tooltip as arrow_tooltip
from .render import write_atomic

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
    modules = [part for part in node.scope if not part.startswith("t=")]
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


def record_steps(root: Node, highlight: str | None, max_nodes: int):
    """Replay the backward pass on a clean slate: (step records, graph data).

    Every node's .grad is set aside and restored afterwards (see the module docstring).
    The graph data is extracted while the replayed gradients are in place (the tooltips
    show them); its arrows get the gradients the steps sent (colour, width, tooltip).
    """
    nodes = collect_nodes(root)
    saved = [(node, node.grad) for node in nodes]
    keys = node_keys(nodes)
    records = []
    sent: dict[tuple, list] = {}
    try:
        for node in nodes:
            node.grad = None
        for step in root.backward_steps():
            records.append(step_record(step, keys))
            note_sent(step, keys, sent)
        data = extract(root, detail="ops", grads=False, highlight=highlight, max_nodes=max_nodes)
        label_arrows(data, sent)
    finally:
        for node, grad in saved:
            node.grad = grad
    return records, data


def note_sent(step, keys: dict, sent: dict) -> None:
    """Remember what one step sent along each edge: sent[(parent key, node key)] gets
    (parent, gradient or None), in the order of node.parents (an edge can repeat: a + a)."""
    node = step.node
    for position, parent in enumerate(node.parents):
        grad = step.parent_grads[position] if step.parent_grads else None
        if not parent.requires_grad:
            grad = None
        sent.setdefault((keys[id(parent)], keys[id(node)]), []).append((parent, grad))


def label_arrows(data, sent: dict) -> None:
    """Put the recorded gradients on the arrows, as extract(grads=True) would: at detail
    "ops" every arrow is one edge parent -> child, drawn in the order of child.parents.
    This replaces extract's second vector-Jacobian product per edge (sent_gradients)."""
    for arrow in data.arrows:
        queue = sent.get((arrow.tail, arrow.head))
        if not queue:  # an edge the backward pass did not take (no gradient needed)
            continue
        parent, grad = queue.pop(0)
        if grad is not None:
            arrow.grad_norm = norm(grad)
            arrow.tooltip = arrow_tooltip(parent, grad)
    data.grads = True


def state_rows(records: list) -> list[dict]:
    """The steps that processed a state h_t or c_t, for the "so far" table."""
    rows = []
    for record in records:
        match = STATE_LABEL.match(record["title"])
        if match and record["grad"] is not None:
            rows.append({"step": record["index"], "title": record["title"]})
    return rows


def page_data(records: list, data, title: str) -> dict:
    """Everything the page's script needs: steps, node and edge timing, states."""
    nodes = {box.key: {"step": None, "first": None} for box in data.boxes}
    for record in records:
        nodes.setdefault(record["key"], {"step": None, "first": None})
        nodes[record["key"]]["step"] = record["index"]
        for entry in record["sent"]:
            receiver = nodes.setdefault(entry["key"], {"step": None, "first": None})
            if receiver["first"] is None:
                receiver["first"] = record["index"]
    return {
        "title": title,
        "steps": records,
        "nodes": nodes,
        "states": state_rows(records),
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
    records, data = record_steps(root, highlight, max_nodes)
    name = root.label or "the loss"
    heading = title if title is not None else f"Backward pass of {name}"
    graph = to_digraph(data)
    svg = render_source(graph.source, "svg", timeout=timeout).decode("utf-8")
    write_atomic(path, build_page(svg, page_data(records, data, heading)).encode("utf-8"))
    return path
