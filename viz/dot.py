"""Step 2 of 3: plain graph data (extract.py) -> a `graphviz.Digraph` (DOT text).

    g = viz.draw(loss, detail="ops", grads=True, highlight="cell_state")
    print(g.source)             # the DOT text
    g                           # in Jupyter: the picture, inline

Pure string work: the colours, shapes and line widths of the picture live here, in the
tables at the top. Time flows left to right (rankdir=LR); each scope is a cluster; a long
unroll wraps into rows and the type sizes come from the theme (layout.py).

Gradient arrows. With grads on, each arrow's colour and width encode ‖g‖, the norm of the
gradient sent back along it (arrows.py explains which gradient), on a log scale from the
smallest to the largest non-zero norm in the picture: faint and thin = vanishing, dark and
thick = large. Exactly zero: a dotted hairline. NaN or inf: a red dashed arrow labelled
"nan"/"inf". The legend (a small cluster of sample arrows) shows the scale.

Read next: render.py (a Digraph -> an SVG/PNG/PDF file).
"""

from __future__ import annotations

import html
import math
import shutil

import graphviz

from .backend import render_source
from .extract import DEFAULT_MAX_NODES, Arrow, Box, GraphData, extract
from .layout import (
    CANVAS_RATIO,
    THEMES,
    Theme,
    choose_steps_per_row,
    crosses_rows,
    row_start_boxes,
    step_boundaries,
    step_order_edges,
    theme_named,
)

FONT = "Helvetica"

# fill, border colour per box role/kind
BOX_COLOURS = {
    "loss": ("#fcbba1", "#cb181d"),
    "h": ("#c7e9c0", "#31a354"),
    "c": ("#fdd0a2", "#e6550d"),
    "gate": ("#e8e3f3", "#756bb1"),
    "param": ("#ffe58f", "#b8860b"),
    "input": ("#deebf7", "#4292c6"),
    "op": ("#ffffff", "#969696"),
    "lstm": ("#fee6ce", "#a63603"),
    "gru": ("#e5f5e0", "#31a354"),
    "rnn": ("#e5f5e0", "#31a354"),
    "step": ("#f0f0f0", "#636363"),
    "attention": ("#e0f3f8", "#2c7fb8"),
}

CLUSTER_STYLES = {
    "module": {"style": "rounded", "color": "#636363", "fontsize": "15", "margin": "10"},
    "time": {
        "style": "rounded,filled",
        "fillcolor": "#f5f7fa",
        "color": "#a7b6c2",
        "fontsize": "16",
        "margin": "8",
    },
    "cell": {
        "style": "rounded,dashed",
        "color": "#9e9e9e",
        "fontcolor": "#757575",
        "fontsize": "11",
        "margin": "6",
    },
    "gates": {
        "style": "rounded,filled",
        "fillcolor": "#f2effa",
        "color": "#bcbddc",
        "fontcolor": "#54278f",
        "fontsize": "11",
        "margin": "6",
    },
    "attention": {
        "style": "rounded,filled",
        "fillcolor": "#eef7fb",
        "color": "#74a9cf",
        "fontcolor": "#045a8d",
        "fontsize": "11",
        "margin": "6",
    },
}

# the log-scale ramp of gradient arrows, faint (small ‖g‖) to dark (large ‖g‖)
GRAD_RAMP = ["#d9d9d9", "#a6bddb", "#3690c0", "#0570b0", "#023858"]
MIN_WIDTH, MAX_WIDTH = 0.6, 6.0
MAX_DECADES = 16.0  # norms more than 1e16 below the largest are drawn as the faintest
PLAIN_EDGE = "#525252"
PARAM_EDGE = "#c9a227"
NO_GRAD_EDGE = "#bdbdbd"
ZERO_EDGE = "#cccccc"
BAD_EDGE = "#e31a1c"
HIGHLIGHT = "#f16913"


class VizDigraph(graphviz.Digraph):
    """A `graphviz.Digraph` that renders with the bundled `graphviz-pure` when the
    system Graphviz (`dot`) is not installed - so it also displays inline in Jupyter."""

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False,
             *, engine=None, encoding=None):  # fmt: skip
        if shutil.which("dot") is not None:
            return super().pipe(
                format, renderer, formatter, neato_no_op, quiet, engine=engine, encoding=encoding
            )
        data = render_source(self.source, format or self.format)
        return data.decode(encoding) if encoding else data


# --------------------------------------------------------------------------------------
# The gradient scale
# --------------------------------------------------------------------------------------
class GradScale:
    """Maps a gradient norm to a position 0..1 on a log scale, then to colour and width.

    lo, hi: log10 of the smallest and largest finite non-zero norms in the picture.
    """

    def __init__(self, norms: list[float]) -> None:
        good = [n for n in norms if n is not None and math.isfinite(n) and n > 0]
        self.has_zero = any(n == 0 for n in norms if n is not None)
        self.has_bad = any(n is not None and not math.isfinite(n) for n in norms)
        self.empty = not good
        self.hi = math.log10(max(good)) if good else 0.0
        self.lo = max(math.log10(min(good)), self.hi - MAX_DECADES) if good else 0.0

    def fraction(self, value: float) -> float:
        if self.hi - self.lo < 1e-12:
            return 1.0
        position = (math.log10(value) - self.lo) / (self.hi - self.lo)
        return min(1.0, max(0.0, position))

    def colour(self, value: float) -> str:
        return ramp_colour(self.fraction(value))

    def width(self, value: float) -> float:
        return MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * self.fraction(value)

    def ticks(self, count: int = 4) -> list[float]:
        """`count` norms evenly spaced (in log) from the smallest to the largest."""
        if self.empty:
            return []
        if self.hi - self.lo < 1e-12:
            return [10**self.hi]
        return [10 ** (self.lo + (self.hi - self.lo) * i / (count - 1)) for i in range(count)]


def ramp_colour(fraction: float) -> str:
    """Linear interpolation along GRAD_RAMP (fraction 0 = faint, 1 = dark)."""
    position = fraction * (len(GRAD_RAMP) - 1)
    low = min(int(position), len(GRAD_RAMP) - 2)
    mix = position - low
    a = _rgb(GRAD_RAMP[low])
    b = _rgb(GRAD_RAMP[low + 1])
    channels = [round(x + (y - x) * mix) for x, y in zip(a, b)]
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))


# --------------------------------------------------------------------------------------
# Boxes
# --------------------------------------------------------------------------------------
def dot_text(text: str) -> str:
    """Plain text for a DOT string attribute: newlines as the escape \\n (one DOT line per
    statement), backslashes doubled, and never read as an HTML label."""
    return graphviz.nohtml(text.replace("\\", "\\\\").replace("\n", "\\n"))


def box_label(box: Box, grads: bool, theme: Theme = THEMES["default"]) -> str:
    """An HTML-like label: the title in bold, then op/shape, then value/grad for scalars."""
    title = html.escape(box.title)
    small = theme.text_pt
    lines = [f'<font point-size="{theme.title_pt}"><b>{title}</b></font>']
    detail = box.subtitle
    if box.value and box.kind != "group":
        detail = " · ".join(part for part in (detail, f"= {box.value}") if part)
    if detail:
        lines.append(f'<font point-size="{small}" color="#525252">{html.escape(detail)}</font>')
    if grads and box.grad:
        grad = html.escape(box.grad)
        lines.append(f'<font point-size="{small}" color="#08519c">grad {grad}</font>')
    return "<" + "<br/>".join(lines) + ">"


def box_attrs(box: Box, grads: bool, theme: Theme = THEMES["default"]) -> dict[str, str]:
    """Graphviz attributes of one box: shape, colours, border."""
    attrs = {
        "label": box_label(box, grads, theme),
        "tooltip": dot_text(box.tooltip),
    }
    if box.kind == "constant":
        attrs.update(shape="plaintext", style="", fontcolor="#8c8c8c", fontsize=str(theme.text_pt))
        attrs["label"] = "<" + html.escape(box.value or box.subtitle or "const") + ">"
        return attrs
    key = box.role or box.kind
    if box.kind == "param":
        key = "param"
    elif box.kind == "input" and not box.role:
        key = "input"
    fill, border = BOX_COLOURS.get(key, BOX_COLOURS["op"])
    attrs.update(fillcolor=fill, color=border)
    if box.kind == "param":
        attrs.update(shape="box", style="filled,bold", peripheries="2")
    elif box.kind == "group":
        attrs.update(shape="box", style="rounded,filled,bold", margin="0.15,0.08")
    elif box.kind == "input":
        attrs.update(shape="box", style="rounded,filled")
    if box.role == "loss":
        attrs.update(style="rounded,filled,bold", penwidth="2")
    if box.highlight and box.kind != "group":  # in coarse views the arrows show the chain
        attrs.update(color=HIGHLIGHT, penwidth="3")
    return attrs


# --------------------------------------------------------------------------------------
# Arrows
# --------------------------------------------------------------------------------------
def arrow_attrs(
    arrow: Arrow, scale: GradScale | None, from_param: bool, theme: Theme = THEMES["default"]
) -> dict[str, str]:
    """Colour, width and style of one arrow (see the module docstring)."""
    with_tooltip = arrow.tooltip and theme.arrow_tooltips
    attrs = {"tooltip": dot_text(arrow.tooltip)} if with_tooltip else {}
    if arrow.label:
        attrs.update(label=arrow.label, fontsize=str(theme.text_pt), fontcolor="#525252")
    if from_param:
        attrs["constraint"] = "false"  # shared weights must not pull steps out of order
    value = arrow.grad_norm
    if scale is None:
        colour = PARAM_EDGE if from_param else PLAIN_EDGE
        attrs.update(color=colour, penwidth="1.0")
    elif value is None:
        attrs.update(color=NO_GRAD_EDGE, penwidth="0.8")
    elif not math.isfinite(value):
        word = "nan" if math.isnan(value) else "inf"
        attrs.update(color=BAD_EDGE, style="dashed", penwidth="3", label=word)
        attrs.update(fontcolor=BAD_EDGE, fontsize=str(theme.text_pt))
    elif value == 0:
        attrs.update(color=ZERO_EDGE, style="dotted", penwidth="0.8")
    else:
        attrs.update(color=scale.colour(value), penwidth=f"{scale.width(value):.2f}")
    if arrow.highlight:
        # weight: dot keeps heavy edges short and straight. Without gradients the chain
        # is a thick orange line; with them it keeps its gradient colour and width (that
        # is the point of the picture) and is marked by orange boxes and labels.
        attrs.update(weight="5", fontcolor=HIGHLIGHT)
        if scale is None:
            attrs.update(color=HIGHLIGHT, penwidth="5")
    if arrow.grad_norm is not None and "tooltip" in attrs:
        attrs["tooltip"] = dot_text(f"‖g‖ = {arrow.grad_norm:.4g}\n{arrow.tooltip}")
    return attrs


def legend(graph: graphviz.Digraph, scale: GradScale, theme: Theme = THEMES["default"]) -> None:
    """One box (an HTML table) with a sample line per row: its colour and thickness are
    those of an arrow carrying that norm; largest on top; zero and nan rows if present."""
    size = theme.text_pt
    rows = [_legend_row(_swatch(scale.colour(v), scale.width(v)), f"‖g‖ = {v:.2g}", size)
            for v in reversed(scale.ticks())]  # fmt: skip
    if scale.has_zero:
        zero = f'<font color="{ZERO_EDGE}">· · · · ·</font>'
        rows.append(_legend_row(zero, "exactly 0", size))
    if scale.has_bad:
        bad = f'<font color="{BAD_EDGE}"><b>- - - -</b></font>'
        rows.append(_legend_row(bad, "nan / inf", size))
    rows.append(_legend_row(_swatch(NO_GRAD_EDGE, 0.8), "not tracked", size))
    title = (
        f'<tr><td colspan="2"><font point-size="{size}">'
        "gradient on each arrow (log scale)</font></td></tr>"
    )
    table = (
        '<table border="1" color="#bdbdbd" cellborder="0" cellspacing="2" cellpadding="2" '
        f'style="rounded">{title}{"".join(rows)}</table>'
    )
    graph.node("legend", label=f"<{table}>", shape="plaintext", style="", margin="0")


def _swatch(colour: str, width: float) -> str:
    """A horizontal bar `width` points thick: a one-cell table inside a table cell."""
    height = max(1, round(width))
    return (
        '<table border="0" cellpadding="0" cellspacing="0"><tr>'
        f'<td width="44" height="{height}" fixedsize="true" bgcolor="{colour}"></td>'
        "</tr></table>"
    )


def _legend_row(sample: str, text: str, size: int) -> str:
    text = f'<font point-size="{size}">{text}</font>'
    return f'<tr><td>{sample}</td><td align="left">{text}</td></tr>'


# --------------------------------------------------------------------------------------
# The whole picture
# --------------------------------------------------------------------------------------
def graph_title(data: GraphData) -> str:
    steps = f", T = {max(data.steps)}" if data.steps else ""
    grads = ", gradients" if data.grads else ""
    hl = f", {data.highlight.replace('_', ' ')} highlighted" if data.highlight else ""
    shared = "" if data.shared_arrows else ", arrows to shared nodes (gold: parameters) omitted"
    return f"{data.node_count} nodes, detail = {data.detail}{steps}{grads}{hl}{shared}"


def to_digraph(
    data: GraphData, title: str | None = None, theme="default", steps_per_row: int | None = None
) -> VizDigraph:
    """The DOT picture of extracted graph data; time left to right, scopes as clusters,
    `steps_per_row` steps in each row (None: chosen from T, layout.choose_steps_per_row)."""
    theme = theme_named(theme)
    per_row = steps_per_row or picture_steps_per_row(data)
    graph = VizDigraph(name="tinygrad_rnn")
    graph.attr(
        rankdir="LR",
        fontname=FONT,
        label=dot_text(title if title is not None else graph_title(data)),
        labelloc="t",
        fontsize=str(theme.caption_pt),
        fontcolor="#525252",
        nodesep=theme.nodesep,
        ranksep=theme.ranksep,
        bgcolor="white",
        tooltip=" ",
        # no second crossing-minimisation pass over the clusters: it hardly changes these
        # pictures, and graphviz-pure spends minutes on it for 100 time-step clusters
        remincross="false",
        ratio=CANVAS_RATIO,  # a 16:9 canvas: the drawing is spread, never shrunk
        newrank="true",  # rank=same groups reach into clusters (the rows)
    )
    graph.attr("node", fontname=FONT, shape="box", style="rounded,filled", margin="0.08,0.03")
    graph.attr("edge", fontname=FONT, arrowsize="0.6")

    # the boxes, each inside its nested clusters
    _emit_boxes_and_clusters(graph, data, theme, per_row)

    # the arrows
    params = {box.key for box in data.boxes if box.kind == "param"}
    norms = [arrow.grad_norm for arrow in data.arrows]
    scale = GradScale(norms) if data.grads else None
    between_rows = crosses_rows(data, per_row)
    for arrow in data.arrows:
        attrs = arrow_attrs(arrow, scale, arrow.tail in params, theme)
        if (arrow.tail, arrow.head) in between_rows:
            attrs["constraint"] = "false"  # row k+1 starts at the left again
        graph.edge(arrow.tail, arrow.head, **attrs)
    for firsts in row_start_boxes(data, per_row):
        graph.body.append("\t{rank=same; " + " ".join(f'"{key}";' for key in firsts) + "}\n")
    for tail, head in step_order_edges(data, per_row) + data.anchors:
        # transparent rather than style=invis: graphviz-pure drops invisible edges
        # before ranking, and then they would not keep the steps in order
        graph.edge(tail, head, color="transparent", arrowhead="none", penwidth="0")
    if scale is not None and not scale.empty:
        legend(graph, scale, theme)
    return graph


def picture_steps_per_row(data: GraphData) -> int:
    """k for this picture: from T, the detail level and the number of layers."""
    layers = len({box.cluster[: len(box.cluster) - 1] for box in data.boxes if box.time_step})
    return choose_steps_per_row(max(data.steps, default=1), data.detail, max(1, layers))


def _emit_boxes_and_clusters(graph: graphviz.Digraph, data: GraphData, theme: Theme,
                             per_row: int) -> None:  # fmt: skip
    """Write every box into its cluster, and the clusters nested into each other.

    graphviz copies a subgraph's text when it is added to its parent, so clusters are
    filled first and then attached deepest first (no recursion); siblings keep their order.
    """
    bodies: dict[tuple, graphviz.Digraph] = {(): graph}
    for cluster in data.clusters:
        sub = graphviz.Digraph(name=cluster.key)
        label = html.escape(cluster.label)
        if cluster.kind in ("time", "module"):
            label = f"<<b>{label}</b>>"
        style = dict(CLUSTER_STYLES[cluster.kind])
        big = cluster.kind in ("time", "module")
        style["fontsize"] = str(theme.step_pt if big else theme.text_pt)
        sub.attr(label=label, fontname=FONT, **style)
        bodies[cluster.path] = sub
    for box in data.boxes:
        bodies[box.cluster].node(box.key, **box_attrs(box, data.grads, theme))
    for parent, name in step_boundaries(data, per_row):
        bodies[parent].node(name, label="", shape="point", width="0", style="invis")
    deepest_first = sorted(data.clusters, key=_depth, reverse=True)  # stable sort
    for cluster in deepest_first:
        bodies[cluster.path[:-1]].subgraph(bodies[cluster.path])


def _depth(cluster) -> int:
    return len(cluster.path)


def draw(
    root,
    detail: str = "ops",
    grads: bool | None = None,
    highlight: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    shared_arrows: bool | None = None,
    title: str | None = None,
    theme: str = "default",
    steps_per_row: int | None = None,
) -> VizDigraph:
    """The unrolled graph behind `root` (e.g. the loss) as a `graphviz.Digraph`.

    detail     "ops" (every primitive), "cells" (one box per cell per time step),
               "steps" (one box per time step)
    grads      colour and thicken each arrow by the gradient norm flowing back along it
               (log scale, with a legend); None (default): on if backward has run
    highlight  None, "cell_state" (the LSTM chain c_0 -> c_1 -> ... -> c_T as one bold
               line) or "hidden_state" (h_0 -> ... -> h_T)
    max_nodes  refuse, with advice, to draw more boxes than this
    shared_arrows  arrows between the steps and the nodes they share (parameters, the
               input projection, the stack of outputs); None: at detail "ops" only
    title      the caption on top (default: node count, detail, T)
    theme      "default", or "slides": larger type, no arrow tooltips (layout.py)
    steps_per_row  wrap the unroll: t = 1..k in row 1, k+1..2k in row 2, ...; None:
               k chosen from T so the picture is near 16:9 (layout.choose_steps_per_row)

    In Jupyter the result displays inline; `viz.render` writes it to a file.
    """
    data = extract(
        root,
        detail=detail,
        grads=grads,
        highlight=highlight,
        max_nodes=max_nodes,
        shared_arrows=shared_arrows,
    )
    return to_digraph(data, title=title, theme=theme, steps_per_row=steps_per_row)
