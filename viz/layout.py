"""Where the time steps go: one row left to right, or wrapped into rows; and the themes.

A long unroll drawn in one row is a strip: at T = 20 it is 7 times wider than high, and
on a 1920×1080 slide its text is a few pixels tall (slides.py measures this). So the
steps are wrapped like text: t = 1..k in row 1, k+1..2k in row 2, ... with k chosen from
T and the detail level so the picture comes out near 16:9 (`choose_steps_per_row`).

How it is told to Graphviz (rankdir=LR: a "rank" is a column):
- hidden edges keep the steps of a row in order, left to right (`step_order_edges`);
  none joins the last step of a row to the first of the next;
- the arrows from one row to the next (h_k -> step k+1) do not push ranks
  (constraint=false), so row 2 is free to start at the left again;
- the first box of each row's first step is put in the same column as step 1's
  (`row_start_boxes`, a `rank=same` group; `newrank=true` lets it reach into clusters).

Which k: a few row lengths around the estimate are laid out and measured, the one with
the largest text on a slide kept (`best_rows`; pictures of up to SEARCH_BOXES boxes -
bigger ones take the estimate, one layout), each also with the parameters and the legend
placed "around" the layer rather than in its first column (placement.py). A short ops
picture of the cell state (at most SHORT_STEPS steps) is one step per row or one row
(`row_candidates`): one step per row, the chain runs straight through each step and its
arrow c_t -> step t+1 is ranked, so it steps down and to the right into the next row.
Graphviz has no "this row above that one", so every wrapped picture is laid out and its
rows checked (`arrange_rows`), for each of a few ways of telling the rows' order
(`RowOrder`: which one graphviz-pure keeps changes from picture to picture).

Themes. "default" is the picture for a screen; "slides" has larger type, arrows without
tooltips (fewer pop-ups in a talk) and the same 16:9 canvas (`ratio`: Graphviz spreads
the drawing to 9:16 height:width, never shrinking the text).

Read next: dot.py (which uses these), slides.py (the check that a picture fits).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

from .boxes import has_lane, lanes_by_row
from .data import GraphData
from .slides import SLIDE_HEIGHT, SLIDE_WIDTH


@dataclass(frozen=True)
class Theme:
    """Type sizes (points) and choices for one look of the pictures."""

    name: str
    title_pt: int  # a box's first line (its name, in bold)
    text_pt: int  # every other text: a box's details, arrow labels, legend, cell/gate labels
    step_pt: int  # "t = 3" and module names over the clusters
    caption_pt: int  # the caption over the whole picture
    arrow_tooltips: bool  # hovering an arrow shows its gradient and where it was made
    nodesep: str = "0.18"  # inches between boxes in one column
    ranksep: str = "0.3"  # inches between columns


THEMES = {
    "default": Theme("default", title_pt=14, text_pt=12, step_pt=16, caption_pt=16,
                     arrow_tooltips=True, nodesep="0.12", ranksep="0.2"),
    "slides": Theme("slides", title_pt=18, text_pt=15, step_pt=20, caption_pt=20,
                    arrow_tooltips=False, nodesep="0.08", ranksep="0.15"),
}  # fmt: skip
CANVAS_RATIO = f"{SLIDE_HEIGHT / SLIDE_WIDTH:.4f}"  # dot's ratio is height / width: 16:9


def theme_named(name) -> Theme:
    """The Theme called `name` ("default" or "slides"); a Theme passes through."""
    if isinstance(name, Theme):
        return name
    if name not in THEMES:
        from .errors import VizError

        raise VizError(f"viz.draw: theme={name!r}; use one of {', '.join(map(repr, THEMES))}")
    return THEMES[name]


# --------------------------------------------------------------------------------------
# How many steps in a row
# --------------------------------------------------------------------------------------
# Rough size of one time step and of everything else (weights on the left, the loss on
# the right, the caption), in points, by detail level; measured on LSTM/RNN pictures.
STEP_SIZE = {"ops": (850.0, 280.0), "cells": (210.0, 110.0), "steps": (210.0, 110.0)}
FRAME_SIZE = {"ops": (600.0, 700.0), "cells": (830.0, 450.0), "steps": (830.0, 450.0)}


def choose_steps_per_row(steps: int, detail: str, layers: int = 1) -> int:
    """k: the number of steps per row that makes the picture largest on a 16:9 slide.

    With r rows of k = ceil(T / r) steps, the picture is about W = frame_w + k · step_w
    wide and H = frame_h + r · layers · step_h high; the slide scale min(1920 / W,
    1080 / H) is largest for the r picked here (tried r = 1..T: T is at most a few
    hundred)."""
    if steps <= 1:
        return 1
    step_w, step_h = STEP_SIZE.get(detail, STEP_SIZE["ops"])
    frame_w, frame_h = FRAME_SIZE.get(detail, FRAME_SIZE["ops"])
    best_k, best_scale = steps, 0.0
    for rows in range(1, steps + 1):
        k = math.ceil(steps / rows)
        if math.ceil(steps / k) != rows:
            continue  # the same k as a smaller r
        width = frame_w + k * step_w
        height = frame_h + rows * layers * step_h
        scale = min(SLIDE_WIDTH / width, SLIDE_HEIGHT / height)
        if scale > best_scale + 1e-12:
            best_k, best_scale = k, scale
    return best_k


def picture_steps_per_row(data: GraphData) -> int:
    """k for this picture: from T, the detail level and the number of layers (one
    sequence of time steps each)."""
    layers = max(1, len(time_sequences(data)))
    return choose_steps_per_row(max(data.steps, default=1), data.detail, layers)


def row_of(time_step: int | None, per_row: int) -> int | None:
    """The row (0, 1, ...) of time step t (1-based) when `per_row` steps share a row."""
    return None if time_step is None else (time_step - 1) // per_row


# --------------------------------------------------------------------------------------
# Keeping time steps in order, left to right
# --------------------------------------------------------------------------------------
def time_sequences(data: GraphData) -> list[tuple[tuple, list]]:
    """Sibling time clusters, per parent scope, in the order they were computed."""
    first_box: dict[tuple, int] = {}
    for box in data.boxes:
        for end in range(1, len(box.cluster) + 1):
            path = box.cluster[:end]
            first_box[path] = min(first_box.get(path, box.order), box.order)
    siblings: dict[tuple, list] = {}
    for cluster in data.clusters:
        if cluster.kind == "time":
            siblings.setdefault(cluster.path[:-1], []).append(cluster)
    sequences = []
    for parent, clusters in siblings.items():
        starts = sorted((first_box[cluster.path], index) for index, cluster in enumerate(clusters))
        sequences.append((parent, [clusters[index] for _, index in starts]))
    return sequences


def step_boundaries(data: GraphData, per_row: int) -> list[tuple[tuple, str]]:
    """(parent scope, name) of one invisible point between two consecutive steps of a row."""
    names = []
    for parent, clusters in time_sequences(data):
        for index, cluster in enumerate(clusters[1:], start=1):
            if index % per_row:
                names.append((parent, f"before_{cluster.key}"))
    return names


def step_members(data: GraphData) -> tuple[dict, dict]:
    """The boxes inside each time cluster, and the time clusters each box is inside."""
    time_paths = {cluster.path for cluster in data.clusters if cluster.kind == "time"}
    members: dict[tuple, set[str]] = {path: set() for path in time_paths}
    steps_of: dict[str, list[tuple]] = {}
    for box in data.boxes:
        prefixes = [box.cluster[:end] for end in range(1, len(box.cluster) + 1)]
        steps_of[box.key] = [path for path in prefixes if path in time_paths]
        for path in steps_of[box.key]:
            members[path].add(box.key)
    return members, steps_of


def step_order_edges(data: GraphData, per_row: int, starts_up: bool = False) -> list:
    """Hidden edges: every last box of step k -> a point -> every first box of step k+1,
    within a row; and from the start of each row to the start of the next (rows in order;
    from the start of the last row up to the first if `starts_up`, see RowOrder).

    dot ranks nodes by their longest path; without these edges the first ops of step k+1
    (those that only read inputs and weights) could sit beside step k, and the time
    clusters would be stacked diagonally instead of standing in one row. "First" boxes
    have no arrow from inside their step or have one from step k (an LSTM's addmm reads
    h_{t-1} and its own step's slice of x_proj); "last" boxes have no arrow to inside it.
    """
    members, steps_of = step_members(data)
    has_out: dict[tuple, set[str]] = {path: set() for path in members}
    has_in: dict[tuple, set[str]] = {path: set() for path in members}
    for arrow in data.arrows:
        for path in steps_of[arrow.tail]:
            if arrow.head in members[path]:
                has_out[path].add(arrow.tail)
                has_in[path].add(arrow.head)
    edges = []
    for _, clusters in time_sequences(data):
        for index, (before, after) in enumerate(zip(clusters, clusters[1:]), start=1):
            if index % per_row == 0:
                continue  # `after` starts a new row
            point = f"before_{after.key}"
            last = members[before.path] - has_out[before.path]
            first = members[after.path] - has_in[after.path]
            for arrow in data.arrows:
                if arrow.tail in members[before.path] and arrow.head in members[after.path]:
                    first.add(arrow.head)  # reads the previous step's state
            edges += [(key, point) for key in sorted(last, key=_box_number)]
            edges += [(point, key) for key in sorted(first, key=_box_number)]
    for firsts in row_start_boxes(data, per_row):
        # in one column, an edge a -> b puts a above b (the system dot): row 1 on top ...
        pairs = list(zip(firsts, firsts[1:]))
        edges += [(head, tail) for tail, head in pairs] if starts_up else pairs
    return edges


def row_start_boxes(data: GraphData, per_row: int) -> list[list[str]]:
    """Per time sequence, the earliest-made box of the first step of every row: one
    `rank=same` group each, so every row starts in the same column as row 1."""
    members, _ = step_members(data)
    order = {box.key: box.order for box in data.boxes}
    in_time = {box.key for box in data.boxes if box.time_step is not None}  # not c_0
    groups = []
    for _, clusters in time_sequences(data):
        starts = [members[clusters[index].path] for index in range(0, len(clusters), per_row)]
        firsts = [min(keys & in_time or keys, key=order.__getitem__) for keys in starts if keys]
        if len(firsts) > 1:
            groups.append(firsts)
    return groups


def crosses_rows(data: GraphData, per_row: int) -> set[tuple[str, str]]:
    """(tail, head) of the arrows from one row to another: drawn, but not ranked by."""
    step = {box.key: box.time_step for box in data.boxes}
    crossing = set()
    for arrow in data.arrows:
        tail_row = row_of(step.get(arrow.tail), per_row)
        head_row = row_of(step.get(arrow.head), per_row)
        if tail_row is not None and head_row is not None and tail_row != head_row:
            crossing.add((arrow.tail, arrow.head))
    return crossing


def _box_number(key: str) -> int:
    return int(key[1:])


def attach_order(data: GraphData, per_row: int, reverse_rows: bool) -> list:
    """data.clusters in the order to write them into the DOT text: as extracted, or with
    the time steps of later rows first (`reverse_rows`).

    Which rows Graphviz puts on top follows from the order it first meets them in and
    from its crossing minimisation; the system `dot` tends to stack that order top to
    bottom, graphviz-pure bottom to top. `arrange_rows` checks the result.
    """
    if not reverse_rows or per_row <= 0:
        return list(data.clusters)
    row_of_cluster = {}
    for _, clusters in time_sequences(data):
        for index, cluster in enumerate(clusters):
            row_of_cluster[cluster.path] = index // per_row
    rank = {path: -row for path, row in row_of_cluster.items()}  # later rows first
    return sorted(data.clusters, key=lambda cluster: rank.get(cluster.path, 0))


# --------------------------------------------------------------------------------------
# Checking that the rows read top to bottom
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RowOrder:
    """Two ways of telling Graphviz the order of the rows, neither of which it always
    keeps (graphviz-pure's crossing minimisation is chaotic): `arrange_rows` tries each.

    later_first  write the clusters of later rows into the DOT text first (attach_order)
    starts_up    the hidden edges between the rows' first boxes (one column) run from the
                 last row up to the first, not from the first down (step_order_edges)
    """

    later_first: bool
    starts_up: bool = False


def row_orders(guess: bool) -> list[RowOrder]:
    """The orders arrange_rows lays out, the likeliest first: the rows written in the
    order the renderer usually keeps (`guess`), then the other way; each with the hidden
    edges down, then up."""
    return [RowOrder(first, up) for up in (False, True) for first in (guess, not guess)]


def arrange_rows(build, data: GraphData, per_row: int, guess: bool, can_render: bool):
    """The picture `build(per_row, order)` whose rows read top to bottom.

    Graphviz gives no direct way to say "this cluster above that one", so the picture
    is laid out (backend.render_source, whose result render() then reuses) and the
    rows' top edges compared, for each RowOrder in turn (row_orders: measured, not
    guessed: a small change to a picture can flip which one works); if none reads top
    down, one row. Without a renderer (DOT text only), or if it fails, the guess is
    returned unchecked.
    """
    steps = max(data.steps, default=1)
    if per_row >= steps or not can_render:
        return build(per_row, RowOrder(guess))
    from .backend import render_source
    from .errors import RenderError

    drawn = lanes_by_row(data, per_row)  # the clusters as written (their keys)
    for order in row_orders(guess):
        graph = build(per_row, order)
        try:
            if rows_in_order(render_source(graph.source, "svg"), drawn, per_row):
                return graph
        except RenderError:
            return graph  # it cannot be laid out here: render() will say why
    return build(steps, RowOrder(guess))


def rows_in_order(svg: bytes, data: GraphData, per_row: int) -> bool:
    """True if, in every time sequence, the first step of each row is drawn below the
    first step of the row before (SVG y grows downwards)."""
    tops = cluster_tops(svg)
    for _, clusters in time_sequences(data):
        starts = [clusters[index].key for index in range(0, len(clusters), per_row)]
        ys = [tops.get(key) for key in starts]
        if None in ys or any(upper >= lower for upper, lower in zip(ys, ys[1:])):
            return False
    return True


def cluster_tops(svg: bytes) -> dict[str, float]:
    """cluster key -> the smallest y of its outline, read from Graphviz's SVG (each
    cluster is a <g class="cluster"> holding its <title> and a path or polygon)."""
    text = svg.decode("utf-8", "replace")
    tops = {}
    for match in re.finditer(r'<g id="[^"]*" class="cluster">\s*<title>([^<]*)</title>', text):
        outline = re.search(r'\s(?:d|points)="([^"]*)"', text[match.end() : match.end() + 4000])
        if outline:
            numbers = [
                float(n) for n in re.findall(r"[-+]?\d+\.?\d*(?:[eE][-+]?\d+)?", outline.group(1))
            ]
            if len(numbers) >= 2:
                tops[html.unescape(match.group(1))] = min(numbers[1::2])
    return tops


SEARCH_BOXES = 100  # bigger pictures take the estimate (one layout, not three or four)
SHORT_STEPS = 4  # an ops picture with a cell-state lane and at most this many steps ...


def row_candidates(data: GraphData, per_row: int) -> list[int]:
    """The steps per row best_rows lays out: k for the row counts r - 1 .. r + 2 around
    the estimate's r; just the estimate for pictures of more than SEARCH_BOXES boxes.
    A short ops picture with a cell-state lane (at most SHORT_STEPS steps) is one step
    per row or one row: wrapped otherwise, its lane would run from the end of a row
    back to the start of the next."""
    steps = max(data.steps, default=1)
    if steps <= SHORT_STEPS and has_lane(data):
        return sorted({1, steps})
    if len(data.boxes) > SEARCH_BOXES:
        return [per_row]  # a layout takes seconds: the estimate
    rows = math.ceil(steps / per_row)
    return sorted({math.ceil(steps / r) for r in range(max(1, rows - 1), min(steps, rows + 2) + 1)})


def best_rows(arrange, data: GraphData, per_row: int, placements=("column",)):
    """The picture `arrange(k, placement)` (rows checked) whose text is largest on a 16:9
    slide, for k around the estimate `per_row` (the row counts r - 1 .. r + 2 around its r
    rows) and each of `placements` (placement.py: where the parameters and the legend
    go), each laid out and measured (slides.measure_svg). The estimate is rough (a step
    of an LSTM's ops is ~3 times wider than high, of an RNN's ~5 times); the layouts are
    not. Pictures of more than SEARCH_BOXES boxes take the estimate and the first placement."""
    from .backend import render_source
    from .errors import RenderError
    from .slides import measure_svg

    searched = len(data.boxes) <= SEARCH_BOXES
    candidates = [(k, placement) for placement in (placements if searched else placements[:1])
                  for k in row_candidates(data, per_row)]  # fmt: skip
    if len(candidates) == 1:
        return arrange(*candidates[0])
    best, best_px = candidates[0], -1.0
    for candidate in candidates:
        graph = arrange(*candidate)
        try:
            fit = measure_svg(render_source(graph.source, "svg"))
        except RenderError:
            return graph  # render() will say why
        if fit.smallest_px > best_px:
            best, best_px = candidate, fit.smallest_px
    return arrange(*best)  # again: building may set data up for its k (boxes.lanes_by_row)
