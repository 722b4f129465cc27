"""How much gradient reaches each time step: ‖∂L/∂h_t‖ (and ‖∂L/∂c_t‖) for t = 1..T.

    flow = viz.gradient_flow(loss)          # after loss.backward()
    print(flow)                              # an aligned table
    flow.rows                                # [(t, ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ or None), ...]
    viz.plot_gradient_flow({"RNN": f1, "LSTM": f2, "GRU": f3}, "flow.png")

It reads the `.grad` every node keeps after backward; nothing is recomputed. The nodes
are found by their roles (roles.py: kind "state", name "h" or "c", time step t >= 1),
which recurrent layers give h_t and c_t, and a label written by hand in the same
convention (`h.named(f"h_{t}")`) gives too. For a scalar graph whose units are labelled
h_t[0], h_t[1], ... the norm is taken over all units of step t.

Several layers. A multi-layer (or bidirectional) network has one h_t per layer and
direction; their scopes differ before the time step: ("lstm", "l0", "t=3"),
("lstm", "l1", "t=3"), ("lstm", "l0_reverse", "t=3"). gradient_flow reports ONE of them:
the top layer (the largest `role.layer`), forward direction (a network written by hand,
whose states carry no layer: the layer computed last). Pick another with `scope=`: a scope name
("l0_reverse", "encoder") keeps the nodes whose scope contains it; a tuple
(("encoder", "l0")) keeps those whose scope starts with it.

Read next: cli.py in tinygrad_rnn (the `tinygrad-rnn render` command).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from tinygrad_rnn.graph import Node

from .errors import VizError
from .numbers import norm
from .render import write_atomic
from .walk import check_root, collect_nodes, time_index


@dataclass
class GradientFlow:
    """Per-time-step gradient norms of one recurrent layer.

    rows   list of (t, ‖∂L/∂h_t‖, ‖∂L/∂c_t‖ or None), t = 1..T
    scope  the scope the nodes were taken from, e.g. ("lstm", "l1")
    """

    rows: list[tuple[int, float, float | None]]
    scope: tuple

    @property
    def steps(self) -> list[int]:
        return [row[0] for row in self.rows]

    @property
    def h_norms(self) -> list[float]:
        return [row[1] for row in self.rows]

    @property
    def c_norms(self) -> list[float | None]:
        return [row[2] for row in self.rows]

    @property
    def has_cell_state(self) -> bool:
        return any(value is not None for value in self.c_norms)

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        where = " / ".join(self.scope) if self.scope else "(no scope)"
        header = ["t", "‖∂L/∂h_t‖"] + (["‖∂L/∂c_t‖"] if self.has_cell_state else [])
        table = [header]
        for t, h_norm, c_norm in self.rows:
            line = [str(t), f"{h_norm:.4e}"]
            if self.has_cell_state:
                line.append("-" if c_norm is None else f"{c_norm:.4e}")
            table.append(line)
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        lines = [f"gradient flow in {where}, T = {len(self.rows)}"]
        for line in table:
            lines.append("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"GradientFlow(scope={self.scope!r}, T={len(self.rows)})"


def _layer_of(node: Node) -> tuple:
    """The scope prefix before the (outermost) time step: which layer a state belongs to."""
    where = time_index(node.scope, innermost=False)
    return node.scope if where is None else node.scope[:where]


def _matches(node: Node, scope) -> bool:
    if scope is None:
        return True
    if isinstance(scope, str):
        return scope in node.scope
    return node.scope[: len(scope)] == tuple(scope)


def _top_layer(layers: dict[tuple, list[Node]]) -> tuple:
    """The largest layer, forward before reverse (`role.layer`, `role.reverse`); among
    layers without a layer number (written by hand), the one computed last."""

    def rank(layer: tuple) -> tuple:
        role = layers[layer][0].role
        number = -1 if role.layer is None else role.layer
        forward = 0 if role.layer is None else int(not role.reverse)
        newest = max(node.id for node in layers[layer])
        return (number, forward, newest)

    return max(layers, key=rank)


def _is_step_state(node: Node) -> bool:
    """A state h_t or c_t with t >= 1 (not h_0, not h' of a cell called outside time)."""
    role = node.role
    return role is not None and role.is_state and role.t is not None and role.t >= 1


def gradient_flow(loss: Node, scope=None) -> GradientFlow:
    """The table of ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ (LSTM) for t = 1..T, after `loss.backward()`.

    scope: None (the top layer, see the module docstring), a scope name, or a tuple prefix.
    """
    check_root(loss)
    if loss.grad is None:
        raise VizError(
            f"viz.gradient_flow: {loss.describe()} has no gradient: call loss.backward() "
            "first (with the default retain_graph=True, which keeps the gradients of h_t)."
        )
    layers: dict[tuple, list[Node]] = {}
    for node in collect_nodes(loss):
        if _is_step_state(node) and _matches(node, scope):
            layers.setdefault(_layer_of(node), []).append(node)
    if not layers:
        where = "" if scope is None else f" inside scope {scope!r}"
        raise VizError(
            f"viz.gradient_flow: no nodes labelled h_1 ... h_T{where} in the graph of "
            f"{loss.describe()}; recurrent layers label their hidden states h_t (label "
            "your own with h.named(f'h_{t}'))."
        )
    layer = _top_layer(layers)
    squares: dict[tuple[str, int], float] = {}
    for node in layers[layer]:
        key = (node.role.name, node.role.t)  # ("h", 3): the units h_3[0], h_3[1] add up
        size = 0.0 if node.grad is None else norm(node.grad)
        squares[key] = squares.get(key, 0.0) + size * size
    steps = sorted({t for letter, t in squares if letter == "h"})
    rows = []
    for t in steps:
        c_square = squares.get(("c", t))
        c_norm = None if c_square is None else math.sqrt(c_square)
        rows.append((t, math.sqrt(squares[("h", t)]), c_norm))
    return GradientFlow(rows, layer)


def plot_gradient_flow(
    flows: dict,
    path,
    title: str = "Gradient reaching each time step",
    cell_state: bool = True,
) -> Path:
    """Plot ‖∂L/∂h_t‖ against t (log y) for several models, to .png / .svg / .pdf.

    flows: {name: GradientFlow or a loss node after backward}, e.g. {"RNN": ..., "LSTM":
    ...}. With cell_state=True an LSTM's ‖∂L/∂c_t‖ is drawn too, dashed. Needs
    matplotlib (the `plot` extra). Returns the path written.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise VizError(
            "viz.plot_gradient_flow needs matplotlib: pip install matplotlib "
            "(or pip install 'tinygrad-rnn[plot]')"
        ) from None
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        raise VizError(f"viz.plot_gradient_flow: use a .png, .svg or .pdf path, not {str(path)!r}")
    if not flows:
        raise VizError("viz.plot_gradient_flow: got no flows to plot")
    tables = {name: _as_flow(name, value) for name, value in flows.items()}

    figure = Figure(figsize=(7.0, 4.0), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    colours = ["#d62728", "#2ca02c", "#1f77b4", "#ff7f0e", "#9467bd", "#8c564b"]
    for index, (name, table) in enumerate(tables.items()):
        colour = colours[index % len(colours)]
        axes.plot(table.steps, _positive(table.h_norms), "o-", color=colour, markersize=3,
                  label=f"{name}  ‖∂L/∂h_t‖")  # fmt: skip
        if cell_state and table.has_cell_state:
            axes.plot(table.steps, _positive(table.c_norms), "--", color=colour,
                      label=f"{name}  ‖∂L/∂c_t‖")  # fmt: skip
    axes.set_yscale("log")
    axes.set_xlabel("time step t")
    axes.set_ylabel("gradient norm (log scale)")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(frameon=False, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    write_atomic(path, buffer.getvalue())
    return path


def _as_flow(name: str, value) -> GradientFlow:
    if isinstance(value, GradientFlow):
        return value
    if isinstance(value, Node):
        return gradient_flow(value)
    raise VizError(
        f"viz.plot_gradient_flow: {name!r} is a {type(value).__name__}; give a "
        "GradientFlow (viz.gradient_flow(loss)) or the loss itself"
    )


def _positive(values: list) -> list[float]:
    """Zeros and None become nan: a log axis cannot show them (the line breaks there)."""
    return [v if v is not None and v > 0 else math.nan for v in values]
