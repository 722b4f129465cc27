"""A step-through page of the backward pass: one self-contained HTML file.

    import viz
    loss = model_loss(...)                      # before or after loss.backward()
    viz.player(loss, "bptt.html")               # open it in any browser, offline
    viz.player(loss, "cells.html", detail="cells")   # one step per cell box

The page shows the unrolled graph (the same picture as `viz.render(loss, detail=...)`,
inlined as SVG) and steps through `backward_steps()` - with a slider, buttons, the keys
(← →, Home, End, space to play) or a click on a node:

- at detail "ops" (the default) one step is one node; at "cells" (or "steps") one step
  is one box of that picture, taken when all its nodes' gradients are done
  (player_boxes.py says how the node steps are grouped);
- the node (box) being processed is outlined in orange; nodes not reached yet are
  faded, and nodes that have received part of their gradient are dashed;
- every arrow along which a gradient has been sent takes its colour and thickness from
  the norm of that gradient (the log scale of the legend); the arrows sending at this
  step are animated;
- the panel: the gradient that has arrived (∂L/∂node: shape, norm, first values; for a
  box, the gradient of each of its outputs), the line of your code that made the node
  ("made at lesson.py:12, in lstm" and that line's text), the op's derivative (the
  one-line docstring of its class in ops.py: f and f'; for a box, its ops in backward
  order), what was sent to each parent, and ‖∂L/∂h_t‖ (‖∂L/∂c_t‖) of the states
  processed so far.

The view. On load the graph is fitted to the window: scaled as large as the graph area
allows, keeping its aspect, and the panel goes below the graph or beside it, whichever
leaves the drawing larger (P hides it: the graph gets the whole window). + and −
(or the mouse wheel, about the pointer) zoom, dragging pans, 0 fits again; zoomed in,
the view follows the node being processed. The page's help line lists these keys.

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

Read next: player_record.py (what one backward step becomes on the page), then
player_boxes.py (the steps grouped by box).
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from pathlib import Path

from tinygrad_rnn.graph import Node

from .backend import DEFAULT_TIMEOUT, render_source
from .dot import to_digraph
from .errors import VizError
from .extract import extract_nodes
from .player_boxes import box_pages
from .player_record import Recording, node_keys
from .render import write_atomic
from .walk import DEFAULT_MAX_NODES, DETAILS, assign_boxes, check_root, collect_nodes

SLOT = re.compile(r"__([A-Z]+)__")  # a slot of assets/player.html: __TITLE__, __SVG__ ...


def record_steps(root: Node, highlight: str | None, max_nodes: int, detail: str = "ops"):
    """Replay the backward pass on a clean slate: (Recording, graph data).

    One walk (`collect_nodes`) gives the nodes whose .grad is set aside and restored
    afterwards (see the module docstring), their keys, and the picture; one
    `backward_steps()` run gives each step's gradient and what it sent. The graph data is
    extracted while the replayed gradients are in place (the tooltips show them). At
    detail "ops" its arrows get the gradients the steps sent (colour, width, tooltip);
    at "cells" or "steps" extract sums them per arrow, and the steps are grouped into
    one page step per box (player_boxes.py).
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
        if detail == "ops":
            data = extract_nodes(root, nodes, "ops", False, highlight, max_nodes)
            label_arrows(data, recording.sent)
        else:
            data = extract_nodes(root, nodes, detail, True, highlight, max_nodes)
            recording = grouped(recording, data, assign_boxes(nodes, detail).box_of, keys)
    finally:
        for node, grad in saved:
            node.grad = grad
    return recording, data


def grouped(recording: Recording, data, box_of: dict, keys: dict) -> Recording:
    """The recording as the page shows it at "cells" or "steps": one record per box."""
    records, states, timing = box_pages(recording, data, box_of, keys)
    return Recording(records=records, states=states, timing=timing)


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


def node_timing(records: list, data) -> dict:
    """Box key -> {"step", "first"} at detail "ops": the step that processes the node,
    and the first step that sends it a gradient (None, None: it gets none)."""
    nodes = {box.key: {"step": None, "first": None} for box in data.boxes}
    for record in records:
        nodes.setdefault(record["key"], {"step": None, "first": None})
        nodes[record["key"]]["step"] = record["index"]
        for entry in record["sent"]:
            receiver = nodes.setdefault(entry["key"], {"step": None, "first": None})
            if receiver["first"] is None:
                receiver["first"] = record["index"]
    return nodes


def page_data(recording: Recording, data, title: str) -> dict:
    """Everything the page's script needs: steps, node and edge timing, states."""
    timing = recording.timing
    if timing is None:
        timing = node_timing(recording.records, data)
    return {
        "title": title,
        "detail": data.detail,
        "steps": recording.records,
        "nodes": timing,
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
    detail: str = "ops",
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Write a self-contained HTML page stepping through the backward pass of `root`.

    root       the loss (any node made by an op); backward may or may not have run -
               the player replays it and leaves every .grad as it was
    path       the .html file to write
    title      the page's heading (default: "Backward pass of <root's label>")
    detail     "ops": one step per node, every primitive drawn; "cells" (or "steps"):
               the picture of viz.render(detail=...), one step per box (player_boxes.py)
    highlight  None, "cell_state" or "hidden_state", as in viz.draw
    max_nodes  refuse bigger graphs (boxes at `detail`, as viz.render counts them)
    Returns the path written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise VizError(f"viz.player: writes an HTML page; give a path ending in .html, not {path}")
    if detail not in DETAILS:
        raise VizError(f"viz.player: detail must be one of {', '.join(DETAILS)}; got {detail!r}")
    check_root(root)
    if not root.requires_grad:
        raise VizError(f"viz.player: {root.describe()} does not require grad: no backward pass")
    recording, data = record_steps(root, highlight, max_nodes, detail)
    name = root.label or "the loss"
    heading = title if title is not None else f"Backward pass of {name}"
    graph = to_digraph(data)
    svg = render_source(graph.source, "svg", timeout=timeout).decode("utf-8")
    write_atomic(path, build_page(svg, page_data(recording, data, heading)).encode("utf-8"))
    return path
