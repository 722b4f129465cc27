"""The styles of the arrows and the legend that explains them (dot.py draws with them).

    scale = GradScale([arrow.grad_norm for arrow in data.arrows])
    arrow_attrs(arrow, scale, from_param=False)    # {"color": "#3690c0", "penwidth": ...}
    legend(graph, data, scale)                       # the table in the top left corner

What each style means (the legend says the same in the picture):
- gradient arrows (grads on): colour and width encode ‖g‖ on a log scale from the
  smallest to the largest non-zero norm in the picture, spanning at least MIN_DECADES
  (norms of one size are not spread from faint to dark): light blue and thin =
  vanishing, dark blue and thick = large. Even the faintest is darker and wider than
  "not tracked" (grey, NO_GRAD_WIDTH = 0.8 px: no gradient flows, e.g. from an input),
  so a gradient never looks absent. Exactly zero: dotted grey; nan/inf: red dashed.
- the highlighted chain (c_0 -> c_T or h_0 -> h_T): orange (HIGHLIGHT) and CHAIN_WIDTH
  wide, a colour and width no other arrow has, also with gradients (its label then
  says the ‖g‖ it carries back).
- a dashed light box: a step's copy of a shared weight (shared.py).

Read next: render.py (a Digraph -> an SVG/PNG/PDF file).
"""

from __future__ import annotations

import math

import graphviz

from .data import Arrow, GraphData
from .layout import THEMES, Theme

# the log-scale ramp of gradient arrows, faint (small ‖g‖) to dark (large ‖g‖); its
# faintest blue is darker, and MIN_WIDTH wider, than NO_GRAD_EDGE at 0.8 px
GRAD_RAMP = ["#8cadd3", "#74a9cf", "#3690c0", "#0570b0", "#023858"]
MIN_WIDTH, MAX_WIDTH = 1.2, 5.0
MAX_DECADES = 16.0  # norms more than 1e16 below the largest are drawn as the faintest
MIN_DECADES = 1.0  # the scale spans at least this: 0.5 and 1.5 are not faint and dark
CHAIN_WIDTH = 6.5  # the highlighted chain: wider than any gradient arrow
NO_GRAD_WIDTH = 0.8
# how strongly dot keeps the chain's arrows short and straight (1 for other arrows): at
# 100 an RNN's h_0 -> h_T still zigzags through the steps, at 500 it is one line
CHAIN_WEIGHT = "500"
PLAIN_EDGE = "#525252"
PARAM_EDGE = "#c9a227"
NO_GRAD_EDGE = "#bdbdbd"
ZERO_EDGE = "#cccccc"
BAD_EDGE = "#e31a1c"
HIGHLIGHT = "#f16913"
COPY_FILL = "#fffbe6"  # a light version of the parameters' gold
COPY_BORDER = "#b8860b"  # the parameters' border colour


def dot_text(text: str) -> str:
    """Plain text for a DOT string attribute: newlines as the escape \\n (one DOT line per
    statement), backslashes doubled, and never read as an HTML label."""
    return graphviz.nohtml(text.replace("\\", "\\\\").replace("\n", "\\n"))


# --------------------------------------------------------------------------------------
# The gradient scale
# --------------------------------------------------------------------------------------
class GradScale:
    """Maps a gradient norm to a position 0..1 on a log scale, then to colour and width.

    hi: log10 of the largest finite non-zero norm in the picture; smallest: of the
    smallest (at most MAX_DECADES below hi); lo: where the faintest colour sits, at
    least MIN_DECADES below hi.
    """

    def __init__(self, norms: list[float]) -> None:
        good = [n for n in norms if n is not None and math.isfinite(n) and n > 0]
        self.has_zero = any(n == 0 for n in norms if n is not None)
        self.has_bad = any(n is not None and not math.isfinite(n) for n in norms)
        self.empty = not good
        self.hi = math.log10(max(good)) if good else 0.0
        self.smallest = max(math.log10(min(good)), self.hi - MAX_DECADES) if good else 0.0
        self.lo = min(self.smallest, self.hi - MIN_DECADES)

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
        if self.hi - self.smallest < 1e-12:
            return [10**self.hi]
        span = self.hi - self.smallest
        return [10 ** (self.smallest + span * i / (count - 1)) for i in range(count)]


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
        # (dot.py passes from_param only for pictures with time steps: in lesson 1's neuron
        # the weights rank like any box and stand beside what they feed)
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
        # weight: dot keeps heavy edges short and straight. The chain is orange and
        # CHAIN_WIDTH wide whatever it carries; with gradients its label says ‖g‖.
        attrs.update(weight=CHAIN_WEIGHT, fontcolor=HIGHLIGHT, color=HIGHLIGHT, style="solid")
        attrs.update(penwidth=str(CHAIN_WIDTH), fontsize=str(theme.text_pt))
        if scale is not None:
            attrs["label"] = chain_label(arrow)
    if arrow.grad_norm is not None and "tooltip" in attrs:
        attrs["tooltip"] = dot_text(f"‖g‖ = {arrow.grad_norm:.4g}\n{arrow.tooltip}")
    return attrs


def chain_label(arrow: Arrow) -> str:
    """The text on a chain arrow with gradients: what it carries back, "‖g‖ = 0.12"
    (after the box name it leaves, at coarse detail: "c_2  ‖g‖ = 0.12")."""
    value = arrow.grad_norm
    carried = "no gradient" if value is None else f"‖g‖ = {value:.2g}"
    return f"{arrow.label}  {carried}" if arrow.label else carried


def legend_rows(data: GraphData, scale: GradScale | None, size: int) -> list[str]:
    """The legend's rows: the gradient scale (largest on top), zero and nan if drawn, the
    untracked style, then the chain and the shared copies if the picture has them."""
    rows = []
    if scale is not None and not scale.empty:
        rows += [_legend_row(_swatch(scale.colour(v), scale.width(v)), f"‖g‖ = {v:.2g}", size)
                 for v in reversed(scale.ticks())]  # fmt: skip
    if scale is not None and scale.has_zero:
        zero = f'<font color="{ZERO_EDGE}">· · · · ·</font>'
        rows.append(_legend_row(zero, "gradient exactly 0", size))
    if scale is not None and scale.has_bad:
        bad = f'<font color="{BAD_EDGE}"><b>- - - -</b></font>'
        rows.append(_legend_row(bad, "nan / inf", size))
    if scale is not None:
        rows.append(_legend_row(_swatch(NO_GRAD_EDGE, NO_GRAD_WIDTH), "not tracked", size))
    if data.highlight:
        words = {"cell_state": "cell state c_0 → c_T", "hidden_state": "hidden state h_0 → h_T"}
        rows.append(_legend_row(_swatch(HIGHLIGHT, CHAIN_WIDTH), words[data.highlight], size))
    if any(box.kind == "copy" for box in data.boxes):
        rows.append(_legend_row(_copy_sample(size), "a step's copy of a shared weight", size))
    return rows


def legend(graph: graphviz.Digraph, data: GraphData, scale: GradScale | None,
           theme: Theme = THEMES["default"]) -> bool:  # fmt: skip
    """One box (an HTML table) with a sample line per row (legend_rows): the gradient
    scale, each sample line as thick and dark as an arrow carrying that norm; the
    untracked style; the highlighted chain and the shared copies, if drawn. False if
    there is nothing to explain (no box drawn)."""
    size = theme.text_pt
    rows = legend_rows(data, scale, size)
    if not rows:
        return False
    heading = "gradient on each arrow (log scale)" if scale is not None else "what the lines mean"
    title = f'<tr><td colspan="2"><font point-size="{size}">{heading}</font></td></tr>'
    table = (
        '<table border="1" color="#bdbdbd" cellborder="0" cellspacing="2" cellpadding="2" '
        f'style="rounded">{title}{"".join(rows)}</table>'
    )
    graph.node("legend", label=f"<{table}>", shape="plaintext", style="", margin="0")
    return True


def _swatch(colour: str, width: float) -> str:
    """A horizontal bar `width` points thick: a one-cell table inside a table cell."""
    height = max(1, round(width))
    return (
        '<table border="0" cellpadding="0" cellspacing="0"><tr>'
        f'<td width="44" height="{height}" fixedsize="true" bgcolor="{colour}"></td>'
        "</tr></table>"
    )


def _copy_sample(size: int) -> str:
    """A small dashed box "W", drawn as the shared copies are."""
    border = COPY_BORDER
    return (
        f'<table border="1" style="dashed" color="{border}" bgcolor="{COPY_FILL}" '
        f'cellborder="0" cellpadding="1"><tr><td><font point-size="{size}">W</font></td></tr>'
        "</table>"
    )


def _legend_row(sample: str, text: str, size: int) -> str:
    text = f'<font point-size="{size}">{text}</font>'
    return f'<tr><td>{sample}</td><td align="left">{text}</td></tr>'
