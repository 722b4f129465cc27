"""Attention heatmaps: which source token each output token looked at, as a picture.

    decoded = model.greedy_decode(src, src_lengths, max_len=11, bos=bos, eos=eos)
    viz.attention_heatmap(decoded.attention[0], "23 november 2026", "2026-11-23<eos>",
                          "alignment.svg")

One row per output token, one column per source token, one cell per weight α_t,i:
white for 0, dark blue for 1 (the scale is fixed, so pictures can be compared). The
picture is a Graphviz HTML-like table - plain DOT text - rendered by the same backend as
every other viz picture (system `dot`, else the bundled `graphviz-pure`), so it needs no
system package and no matplotlib. The format comes from the extension: .svg, .png,
.jpg, or .dot for the DOT text itself.

Read next: nothing - this file only needs backend.py and render.py's atomic write.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinygrad_rnn.tensor import Tensor

from .backend import DEFAULT_TIMEOUT
from .errors import VizError
from .render import format_of, write_picture

# White -> dark blue, the light and dark ends of ColorBrewer's "Blues".
LOW_RGB = (247, 251, 255)
HIGH_RGB = (8, 48, 107)
CELL_SIZE = 22  # points per cell side: readable on a slide for ~40 source characters
FONT = "Helvetica"
SPACE_SYMBOL = "\u00b7"  # · shows a space character (every font has it; ␣ is often missing)


def weight_colour(weight: float) -> str:
    """'#rrggbb' between LOW_RGB (weight 0) and HIGH_RGB (weight 1), linear in the weight."""
    w = min(max(float(weight), 0.0), 1.0)
    channels = [round(low + (high - low) * w) for low, high in zip(LOW_RGB, HIGH_RGB)]
    return "#{:02x}{:02x}{:02x}".format(*channels)


def token_text(token: str) -> str:
    """A token as table text: a space becomes ␣, and <, >, & are escaped for HTML labels."""
    if token == " ":
        token = SPACE_SYMBOL
    elif token == "":
        token = "\u2205"  # ∅ for an empty token
    return html.escape(token, quote=True)


def as_tokens(tokens) -> list[str]:
    """A string (one token per character) or a sequence of tokens, as a list of str."""
    if isinstance(tokens, str):
        return list(tokens)
    return [str(token) for token in tokens]


def check_alignment(weights, src_tokens: list[str], tgt_tokens: list[str]) -> np.ndarray:
    """weights as a float (T_out, S) array cut to the tokens' lengths.

    Decoders return padded arrays ((L, S_max) with zeros after the end), so rows and
    columns beyond len(tgt_tokens) and len(src_tokens) are dropped; fewer is an error.
    """
    if isinstance(weights, Tensor):
        weights = weights.data
    array = np.asarray(weights, dtype=np.float64)
    if array.ndim != 2:
        raise VizError(
            f"viz.attention_heatmap: weights must be a 2-D (output tokens, source tokens) "
            f"array (or (num_heads, T_out, S) for the heads of one attention), got shape "
            f"{array.shape}; for a batch pass weights[i]"
        )
    rows, columns = len(tgt_tokens), len(src_tokens)
    if array.shape[0] < rows or array.shape[1] < columns:
        raise VizError(
            f"viz.attention_heatmap: weights of shape {array.shape} cannot hold "
            f"{rows} output tokens x {columns} source tokens; pass the tokens the weights "
            f"belong to (rows: output tokens, columns: source tokens)"
        )
    if rows == 0 or columns == 0:
        raise VizError("viz.attention_heatmap: need at least one source and one output token")
    array = array[:rows, :columns]
    if not np.all(np.isfinite(array)):
        raise VizError("viz.attention_heatmap: weights contain NaN or inf")
    return array


def table_label(weights: np.ndarray, src_tokens: list[str], tgt_tokens: list[str], title) -> str:
    """The HTML-like label of one heatmap: a header row of source tokens, then one row
    per output token with its coloured cells."""
    columns = len(src_tokens)
    lines = ['<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0">']
    if title:
        lines.append(
            f'<TR><TD COLSPAN="{columns + 1}" ALIGN="LEFT"><B>{html.escape(title)}</B></TD></TR>'
        )
    header = ['<TD WIDTH="40"></TD>']
    for token in src_tokens:
        header.append(f'<TD WIDTH="{CELL_SIZE}" HEIGHT="{CELL_SIZE}">{token_text(token)}</TD>')
    lines.append("<TR>" + "".join(header) + "</TR>")
    for row, token in enumerate(tgt_tokens):
        cells = [f'<TD ALIGN="RIGHT">{token_text(token)} </TD>']
        for column in range(columns):
            colour = weight_colour(weights[row, column])
            cells.append(
                f'<TD BGCOLOR="{colour}" WIDTH="{CELL_SIZE}" HEIGHT="{CELL_SIZE}" FIXEDSIZE="TRUE">'
                "</TD>"
            )
        lines.append("<TR>" + "".join(cells) + "</TR>")
    lines.append("</TABLE>>")
    return "\n".join(lines)


def legend_label() -> str:
    """A colour bar from 0 to 1 under the heatmaps."""
    steps = [0.0, 0.25, 0.5, 0.75, 1.0]
    cells = ['<TD ALIGN="RIGHT">attention weight  0 </TD>']
    for value in steps:
        cells.append(
            f'<TD BGCOLOR="{weight_colour(value)}" WIDTH="{CELL_SIZE}" HEIGHT="{CELL_SIZE // 2}" '
            'FIXEDSIZE="TRUE"></TD>'
        )
    cells.append("<TD> 1</TD>")
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0"><TR>'
        + "".join(cells)
        + "</TR></TABLE>>"
    )


def is_several(weights) -> bool:
    """True for a list of matrices or a 3-D array/Tensor (several heatmaps in one picture)."""
    if isinstance(weights, (list, tuple)):
        return len(weights) > 0 and np.ndim(weights[0]) == 2
    return np.ndim(weights.data if isinstance(weights, Tensor) else weights) == 3


def is_one_sequence(tokens) -> bool:
    """A string, or a list of strings: the tokens of one heatmap (not one list per map)."""
    return isinstance(tokens, str) or all(isinstance(token, str) for token in tokens)


def heads_of(weights, src_tokens, tgt_tokens, titles):
    """Per-head weights (num_heads, L, S) - nn.MultiheadAttention(...,
    average_attn_weights=False)'s weights[i] - as one heatmap per head, every head with
    the same tokens, titled "head 1" ... "head h" unless titles are given."""
    array = weights.data if isinstance(weights, Tensor) else np.asarray(weights)
    count = array.shape[0]
    if titles is None:
        titles = [f"head {k}" for k in range(1, count + 1)]
    return list(array), [src_tokens] * count, [tgt_tokens] * count, titles


def heatmaps_of(weights, src_tokens, tgt_tokens, titles) -> tuple:
    """(weight matrices, source token lists, output token lists, titles, heads?): one
    entry per heatmap, whichever way they were passed (see `heatmap_source`)."""
    heads = (
        not isinstance(weights, (list, tuple))
        and is_several(weights)
        and is_one_sequence(src_tokens)
        and is_one_sequence(tgt_tokens)
    )
    if heads:
        weights, src_tokens, tgt_tokens, titles = heads_of(weights, src_tokens, tgt_tokens, titles)
    elif not is_several(weights):
        weights, src_tokens, tgt_tokens = [weights], [src_tokens], [tgt_tokens]
    if not len(weights) == len(src_tokens) == len(tgt_tokens):
        raise VizError(
            f"viz.attention_heatmap: got {len(weights)} weight matrices, {len(src_tokens)} "
            f"source and {len(tgt_tokens)} output token sequences; pass one of each per heatmap"
        )
    if titles is not None and len(titles) != len(weights):
        raise VizError(f"viz.attention_heatmap: {len(titles)} titles for {len(weights)} heatmaps")
    return weights, src_tokens, tgt_tokens, titles, heads


def heatmap_source(
    weights,
    src_tokens,
    tgt_tokens,
    titles: Sequence[str] | None = None,
    dpi: int = 72,
) -> str:
    """The DOT text of one or several heatmaps with a legend: several stacked top to
    bottom, the heads of one attention side by side.

    weights     one (T_out, S) array, a list of them, or a (num_heads, T_out, S) array of
                the heads of one attention (with tokens given once, for every head)
    src_tokens  the S source tokens (a string = one token per character), or a list of such
    tgt_tokens  the T_out output tokens, or a list of such
    titles      optional caption per heatmap
    dpi         pixels per inch of a PNG/JPEG (72: one pixel per point; 144 for slides)
    """
    weights, src_tokens, tgt_tokens, titles, heads = heatmaps_of(
        weights, src_tokens, tgt_tokens, titles
    )
    lines = [
        "digraph attention {",
        f'  graph [bgcolor="white" margin="0.15" nodesep="0.1" ranksep="0.25" dpi="{dpi}"];',
        f'  node [shape="plaintext" fontname="{FONT}" fontsize="14" margin="0"];',
        '  edge [style="invis"];',
    ]
    names = []
    for index, (matrix, src, tgt) in enumerate(zip(weights, src_tokens, tgt_tokens)):
        src, tgt = as_tokens(src), as_tokens(tgt)
        matrix = check_alignment(matrix, src, tgt)
        title = titles[index] if titles is not None else None
        name = f"heatmap{index}"
        lines.append(f"  {name} [label={table_label(matrix, src, tgt, title)}];")
        names.append(name)
    lines.append(f"  legend [label={legend_label()}];")
    lines.extend(arrangement(names, heads))
    lines.append("}")
    return "\n".join(lines) + "\n"


def arrangement(names: list[str], side_by_side: bool) -> list[str]:
    """Invisible edges that place the heatmaps one below the other, or side by side in
    one row (the heads), with the legend underneath."""
    if not side_by_side:
        return ["  " + " -> ".join([*names, "legend"]) + ";"]
    return ["  { rank=same; " + "; ".join(names) + "; }", f"  {names[0]} -> legend;"]


def attention_heatmap(
    weights,
    src_tokens,
    tgt_tokens,
    path,
    *,
    titles: Sequence[str] | None = None,
    dpi: int = 144,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Render an attention alignment (rows: output tokens, columns: source tokens) to `path`.

    weights     (T_out, S) array or Tensor of α_t,i (e.g. `Decoded.attention[i]` or
                `Seq2SeqOutput.attention[i]`); rows/columns beyond the tokens (padding)
                are dropped. A list of matrices draws several heatmaps in one picture,
                one below the other; a (num_heads, T_out, S) array or Tensor (the
                weights of nn.MultiheadAttention(..., average_attn_weights=False) for
                one example) draws one heatmap per head, side by side, with the tokens
                given once.
    src_tokens  the source tokens: a string (one per character) or a list of strings
    tgt_tokens  the output tokens, likewise ("2026-11-23" or [..., "<eos>"])
    path        .svg, .png, .jpg or .dot; written atomically. Returns the path.
    titles      optional caption per heatmap
    dpi         resolution of .png/.jpg (144: sharp on a slide); .svg is always 72 (vector)

    If no renderer can write the format, the DOT text is written next to `path` (.dot)
    and a RenderError says how to fix it - as `viz.render` does.
    """
    path = Path(path)
    fmt = format_of(path)
    raster_dpi = dpi if fmt in ("png", "jpeg") else 72
    source = heatmap_source(weights, src_tokens, tgt_tokens, titles, dpi=raster_dpi)
    return write_picture(source, path, "viz.attention_heatmap", timeout=timeout)
