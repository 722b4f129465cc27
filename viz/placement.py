"""Where the boxes that are not a time step go: the parameters and the legend.

Two placements; layout.best_rows lays a small picture out with each and keeps the one
whose text is largest on a slide (graphviz decides the rest, so measuring beats guessing):

- "column" (the default, and the only one for big pictures): the parameters' arrows do
  not rank (a weight every step shares must not pull the steps out of order), so the
  parameters and the legend stack in the first column, above or below the layer.
- "around": a parameter that feeds ops outside the steps (nn.LSTM's input projection,
  done once; lesson 1's output layer) stands in the column of the first op it feeds;
  parameters drawn without arrows (shared_arrows=False) stand in one row of their own;
  the legend stands in the column of the last box (the loss), where pictures have room.

Read next: layout.py (the rows and best_rows, which chooses between these).
"""

from __future__ import annotations

from .data import GraphData

PLACEMENTS = ("column", "around")


def placements(data: GraphData) -> tuple[str, ...]:
    """The placements worth laying out: "around" only for pictures with time steps (in
    lesson 1's neuron the parameters rank normally and already read left to right)."""
    return PLACEMENTS if data.steps else PLACEMENTS[:1]


def beside_what_they_feed(data: GraphData) -> list[tuple[str, str]]:
    """(parameter, the first op outside the steps it feeds), for each such parameter."""
    step_of = {box.key: box.time_step for box in data.boxes}
    params = {box.key for box in data.boxes if box.kind == "param"}
    pairs: dict[str, str] = {}
    for arrow in data.arrows:
        if arrow.tail in params and step_of[arrow.head] is None:
            pairs.setdefault(arrow.tail, arrow.head)
    return list(pairs.items())


def loose_parameters(data: GraphData) -> list[str]:
    """The parameters drawn without any arrow (their arrows into the steps left out)."""
    touched = {arrow.tail for arrow in data.arrows} | {arrow.head for arrow in data.arrows}
    return [box.key for box in data.boxes if box.kind == "param" and box.key not in touched]


def last_box(data: GraphData) -> str | None:
    """The box the picture ends at: the latest-made box that feeds nothing (the loss)."""
    tails = {arrow.tail for arrow in data.arrows}
    sinks = [box for box in data.boxes if box.key not in tails and box.kind != "param"]
    return max(sinks, key=lambda box: box.order).key if sinks else None


def around_lines(data: GraphData, has_legend: bool) -> list[str]:
    """The DOT lines of placement "around": rank=same groups, and hidden edges chaining
    the loose parameters into a row (rankdir=LR: successive ranks sit side by side)."""
    lines = [f'\t{{rank=same; "{param}"; "{op}";}}\n' for param, op in beside_what_they_feed(data)]
    row = loose_parameters(data)
    hidden = 'color="transparent" arrowhead="none" penwidth="0"'
    lines += [f'\t"{tail}" -> "{head}" [{hidden}]\n' for tail, head in zip(row, row[1:])]
    end = last_box(data)
    if has_legend and end is not None:
        lines.append(f'\t{{rank=same; "{end}"; "legend";}}\n')
    return lines
