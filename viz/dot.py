"""Step 2 of 3: plain graph data (extract.py) -> a `graphviz.Digraph` (DOT text).

    g = viz.draw(loss, detail="ops", grads=True, highlight="cell_state")
    print(g.source)             # the DOT text
    g                           # in Jupyter: the picture, inline

Pure string work: the colours, shapes and line widths of the picture live here, in the
tables at the top. Time flows left to right (rankdir=LR); each scope is a cluster; a long
unroll wraps into rows and the type sizes come from the theme (layout.py).

Gradient arrows. With grads on, each arrow's colour and width encode ‖g‖, the norm of the
gradient sent back along it (arrows.py explains which gradient), on a log scale from the
smallest to the largest non-zero norm in the picture (spanning at least MIN_DECADES, so
norms of one size are not spread from faint to dark): light blue and thin = vanishing,
dark blue and thick = large. Even the faintest is darker and wider than an arrow that
carries no gradient ("not tracked": grey, 0.8 px), so a gradient never looks absent.
Exactly zero: a dotted grey hairline. NaN or inf: a red dashed arrow labelled "nan"/"inf".

The highlighted chain (cell state c_0 -> c_T, or hidden state h_0 -> h_T) is orange and
CHAIN_WIDTH wide, a colour and width no other arrow has, with gradients too: then its
label gives the ‖g‖ it carries (one step per row: only its arrows from one row down to
the next, `label_between_rows_only`). A dashed box is a step's copy of a shared weight
(shared.py); a small grey "constant" box is a number or array mixed in without gradient.
The legend (a table of sample lines, top left or beside the loss: placement.py) says what
each style in the picture means.

Read next: styles.py (the arrows' colours and widths, the legend), then render.py (a
Digraph -> an SVG/PNG/PDF file).
"""

from __future__ import annotations

import html
import shutil

import graphviz

from .backend import find_renderer, render_source
from .boxes import has_lane, lanes_by_row
from .extract import DEFAULT_MAX_NODES, Box, GraphData, extract
from .layout import (
    CANVAS_RATIO,
    THEMES,
    RowOrder,
    Theme,
    arrange_rows,
    attach_order,
    best_rows,
    crosses_rows,
    picture_steps_per_row,
    row_start_boxes,
    step_boundaries,
    step_order_edges,
    theme_named,
)
from .placement import around_lines, placements
from .styles import (  # noqa: F401  (BAD_EDGE, ZERO_EDGE: the tests read them here)
    BAD_EDGE,
    COPY_FILL,
    HIGHLIGHT,
    ZERO_EDGE,
    GradScale,
    arrow_attrs,
    dot_text,
    legend,
)

FONT = "Helvetica"
LEGEND_PAD = "0.5,0.05"  # inches left/right, top/bottom: room for the legend at the right edge

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
    "lane": {  # the cell-state chain's own row (boxes.lane_of)
        "style": "rounded,filled",
        "fillcolor": "#fff5eb",
        "color": "#fdd0a2",
        "fontcolor": "#a63603",
        "fontsize": "11",
        "margin": "6",
    },
}


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
# Boxes
# --------------------------------------------------------------------------------------
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
    if box.kind == "constant":  # "constant = 4", "constant (4, 1)": says what it is
        what = f"= {box.value}" if box.value else box.subtitle
        text = html.escape(" ".join(part for part in ("constant", what) if part))
        attrs.update(style="rounded,filled", fillcolor="#f7f7f7", color="#d9d9d9")
        attrs.update(fontcolor="#737373", fontsize=str(theme.text_pt))
        attrs["label"] = f'<<font point-size="{theme.text_pt}">{text}</font>>'
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
    elif box.kind == "copy":  # a step's light copy of a shared weight (shared.py)
        attrs.update(shape="box", style="dashed,filled", fillcolor=COPY_FILL)
    if box.role == "loss":
        attrs.update(style="rounded,filled,bold", penwidth="2")
    if box.highlight and box.kind != "group":  # in coarse views the arrows show the chain
        attrs.update(color=HIGHLIGHT, penwidth="3")
    return attrs


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
    data: GraphData,
    title: str | None = None,
    theme="default",
    steps_per_row: int | None = None,
    search_rows: bool = True,
) -> VizDigraph:
    """The DOT picture of extracted graph data; time left to right, scopes as clusters,
    `steps_per_row` steps in each row (None: chosen from T, layout.choose_steps_per_row,
    then - if `search_rows` - a few row lengths around it laid out and the best kept,
    layout.best_rows), the rows checked to read top to bottom (layout.arrange_rows)."""
    theme = theme_named(theme)
    per_row = steps_per_row or picture_steps_per_row(data)

    def build(per_row: int, order: RowOrder, placement: str = "column") -> VizDigraph:
        return _digraph(data, title, theme, per_row, order, placement)

    def arrange(per_row: int, placement: str) -> VizDigraph:
        return arrange_rows(
            lambda k, order: build(k, order, placement), data, per_row, stacks_up, True
        )

    stacks_up = renderer_stacks_bottom_up()  # None: no renderer, nothing to check with
    if steps_per_row is None and search_rows and stacks_up is not None and len(data.steps) > 1:
        return best_rows(arrange, data, per_row, placements(data))
    return arrange_rows(build, data, per_row, bool(stacks_up), stacks_up is not None)


def _digraph(data: GraphData, title, theme: Theme, per_row: int, order: RowOrder,
             placement: str = "column"):  # fmt: skip
    """to_digraph with `per_row` steps a row, the rows' order told as `order` says,
    the parameters and the legend placed as `placement` says (placement.py)."""
    stairs = per_row == 1 and has_lane(data)  # the chain steps down row by row (boxes.py)
    stacked = per_row == 1 and not stairs  # one step per row, the arrows down unranked
    data = lanes_by_row(data, per_row)  # the cell-state lane wraps with the steps (boxes.py)
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
    size = str(theme.text_pt)  # any text without a size of its own
    graph.attr("node", fontname=FONT, fontsize=size, shape="box", style="rounded,filled",
               margin="0.08,0.03")  # fmt: skip
    graph.attr("edge", fontname=FONT, fontsize=size, arrowsize="0.6")

    # the boxes, each inside its nested clusters
    _emit_boxes_and_clusters(graph, data, theme, per_row, order.later_first, stacked)

    scale = GradScale([arrow.grad_norm for arrow in data.arrows]) if data.grads else None
    _emit_arrows(graph, data, theme, per_row, scale, stairs, stacked)
    _keep_steps_in_order(graph, data, per_row, order.starts_up)
    drawn = legend(graph, data, None if scale is None or scale.empty else scale, theme)
    if placement == "around":
        graph.body.extend(around_lines(data, has_legend=drawn))
        graph.attr(pad=LEGEND_PAD)  # the legend's text may run past its box, at the right edge
    return graph


def _emit_arrows(graph: graphviz.Digraph, data: GraphData, theme: Theme, per_row: int,
                 scale: GradScale | None, stairs: bool, stacked: bool) -> None:  # fmt: skip
    """Every arrow, styled (styles.arrow_attrs); those from one row to the next do not
    rank, except the chain's step down when the steps stand one per row (`stairs`).

    One step per row without stairs (`stacked`: at detail cells, each row one box) the
    arrows down to the next row are short, unranked and side by side: Graphviz places
    their labels over each other and over the "t = k" labels. There only the chain's
    arrows keep theirs, as xlabels set beside each arrow after the layout (and the
    "t = k" labels go to the left); the boxes name what the other arrows carry."""
    params = {box.key for box in data.boxes if box.kind == "param" and data.steps}  # unranked
    between_rows = crosses_rows(data, per_row)
    for arrow in data.arrows:
        attrs = arrow_attrs(arrow, scale, arrow.tail in params, theme)
        crossing = (arrow.tail, arrow.head) in between_rows
        if stairs and arrow.highlight:
            label_between_rows_only(attrs, crossing)
        if crossing and stairs and arrow.highlight:
            attrs["weight"] = "1"  # ranked, a step down: mul and c_t keep their straight line
        elif crossing:
            attrs["constraint"] = "false"  # row k+1 starts at the left again
        if crossing and stacked and "label" in attrs:
            label = attrs.pop("label")  # the other arrows' boxes name what they carry
            if arrow.highlight:
                attrs["xlabel"] = label
        graph.edge(arrow.tail, arrow.head, **attrs)


def label_between_rows_only(attrs: dict, between_rows: bool) -> None:
    """One step per row: only the chain's arrows from one row down to the next keep
    their gradient label; those within a step (mul -> c_t, c_0 -> mul) have none.

    Graphviz gives a labelled arrow a column of its own as wide as its text: six
    "‖g‖ = 0.39" along the chain widened the README's LSTM by a tenth (10.9 -> 12.0 px
    on a slide). What the cell state carries from step t back to step t - 1 is on the
    arrow between their rows; the arrows inside a step are short, level and thick."""
    if not between_rows:
        attrs.pop("label", None)


def _keep_steps_in_order(graph: graphviz.Digraph, data: GraphData, per_row: int,
                         starts_up: bool = False) -> None:  # fmt: skip
    """Each row's first boxes in one rank, and hidden edges that keep the steps in order
    and shared boxes before/after the steps they feed/collect from (data.anchors)."""
    for firsts in row_start_boxes(data, per_row):
        graph.body.append("\t{rank=same; " + " ".join(f'"{key}";' for key in firsts) + "}\n")
    for tail, head in step_order_edges(data, per_row, starts_up) + data.anchors:
        # transparent rather than style=invis: graphviz-pure drops invisible edges
        # before ranking, and then they would not keep the steps in order
        graph.edge(tail, head, color="transparent", arrowhead="none", penwidth="0")


def _emit_boxes_and_clusters(graph: graphviz.Digraph, data: GraphData, theme: Theme,
                             per_row: int, reverse_rows: bool,
                             labels_left: bool = False) -> None:  # fmt: skip
    """Write every box into its cluster, and the clusters nested into each other; the
    "t = k" labels at the top left if `labels_left`, else in the middle.

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
        if labels_left and cluster.kind == "time":
            style["labeljust"] = "l"
        sub.attr(label=label, fontname=FONT, **style)
        bodies[cluster.path] = sub
    for box in data.boxes:
        bodies[box.cluster].node(box.key, **box_attrs(box, data.grads, theme))
    cluster_of = {box.key: box.cluster for box in data.boxes}
    bottom_up = renderer_stacks_bottom_up()
    for row in data.gate_rows:
        stack_gates(bodies[cluster_of[row[0]]], row, bottom_up)
    for parent, name in step_boundaries(data, per_row):
        bodies[parent].node(name, label="", shape="point", width="0", style="invis")
    in_order = attach_order(data, per_row, reverse_rows)
    deepest_first = sorted(in_order, key=_depth, reverse=True)  # stable sort
    for cluster in deepest_first:
        bodies[cluster.path[:-1]].subgraph(bodies[cluster.path])


def stack_gates(body: graphviz.Digraph, row: list[str], bottom_up: bool) -> None:
    """Gates i, f, g, o of one step in one column, i on top, the same in every step:
    one rank, and hidden edges between them in that rank. The system dot puts the tail
    of such an edge above its head (rankdir=LR), graphviz-pure below it (bottom_up):
    the edges run i -> f -> g -> o, or o -> g -> f -> i."""
    body.body.append("\t{rank=same; " + " ".join(f'"{key}";' for key in row) + "}\n")
    ordered = row[::-1] if bottom_up else row
    for tail, head in zip(ordered, ordered[1:]):
        body.edge(tail, head, color="transparent", arrowhead="none", penwidth="0")


def renderer_stacks_bottom_up() -> bool | None:
    """True when the picture will be made by graphviz-pure (layout.attach_order), None
    when there is no renderer at all."""
    renderer = find_renderer()
    return None if renderer is None else renderer.kind == "pure"


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
    shared_copies: bool | None = None,
    search_rows: bool = True,
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
    shared_copies  where the shared arrows are drawn, each step gets a dashed copy of
               every weight it reads and its arrows leave from there (shared.py); None:
               in pictures of more than 3 steps
    search_rows  with steps_per_row=None: lay out a few row lengths around the estimate
               and keep the one with the largest text on a slide (small pictures only,
               layout.best_rows); False: the estimate, laid out once

    In Jupyter the result displays inline; `viz.render` writes it to a file.
    """
    data = extract(
        root,
        detail=detail,
        grads=grads,
        highlight=highlight,
        max_nodes=max_nodes,
        shared_arrows=shared_arrows,
        shared_copies=shared_copies,
    )
    return to_digraph(data, title, theme, steps_per_row, search_rows)
