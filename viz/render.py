"""Step 3 of 3: a graph -> a picture on disk (svg, png, pdf or dot, from the extension).

    viz.render(loss, "bptt.svg", detail="cells", grads=True, highlight="cell_state")

The picture is written to a temporary file in the same folder and then moved into place
(tinygrad_rnn/files.py), so a reader never sees a half-written image. When no renderer can
write the format (no Graphviz at all, or PDF without the system Graphviz), the DOT text is
still written next to it, under a name that does not exist yet (`bptt.dot`, else
`bptt-1.dot` ...: never over a file of yours), and the error says which file and how to
fix it.

`slide_warning` says when a picture does not fit a 1920×1080 slide (slides.py) and which
coarser detail level does; `tinygrad-rnn render` prints it. `draw_to_fit` draws at the
finest detail level that fits (the demo's pictures).

Read next: flow.py (the gradient norm per time step, as a table and a plot).
"""

from __future__ import annotations

from pathlib import Path

import graphviz

from tinygrad_rnn.files import fresh_path, write_bytes_atomic

from .backend import DEFAULT_TIMEOUT, render_source
from .dot import draw
from .errors import RenderError, VizError
from .slides import SlideFit, measure_svg

FORMATS = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "gv": "dot"}
FORMATS.update(jpg="jpeg", jpeg="jpeg")


def format_of(path: Path) -> str:
    """The output format named by the file extension."""
    extension = path.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        known = ", ".join("." + name for name in FORMATS)
        raise VizError(f"viz.render: cannot tell the format of {str(path)!r}; use one of {known}")
    return FORMATS[extension]


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once (tinygrad_rnn.files.atomic_write: a temporary
    file beside it, then a rename; a symlink is written through, the file's mode kept)."""
    try:
        write_bytes_atomic(path, data)
    except OSError as error:
        raise RenderError(f"viz.render: {error}") from None


def render(root, path, *, timeout: float = DEFAULT_TIMEOUT, **draw_options) -> Path:
    """Draw `root` (a node, or a Digraph from `viz.draw`) and write it to `path`.

    The format comes from the extension: .svg, .png, .pdf (system Graphviz only), .dot,
    .jpg. `draw_options` are those of `viz.draw` (detail, grads, highlight, max_nodes,
    title, theme, steps_per_row). Returns the path written.
    """
    path = Path(path)
    format_of(path)  # refuse an unknown extension before drawing anything
    if isinstance(root, graphviz.Digraph):
        if draw_options:
            raise VizError(
                f"viz.render: got a ready Digraph and drawing options "
                f"{sorted(draw_options)}; pass the loss instead to draw it with options"
            )
        graph = root
    else:
        graph = draw(root, **draw_options)
    return write_picture(graph.source, path, "viz.render", timeout=timeout)


def write_picture(source: str, path: Path, caller: str, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Render DOT `source` to `path` (format from the extension), atomically.

    If no renderer can make the format, the DOT text is written next to `path` (.dot)
    and a RenderError says how to fix it, so the picture can still be made later.
    """
    fmt = format_of(path)
    if fmt == "dot":
        write_atomic(path, source.encode("utf-8"))
        return path
    try:
        picture = render_source(source, fmt, timeout=timeout)
    except RenderError as error:
        dot_path = write_dot_fallback(source, path)
        raise RenderError(
            f"{caller}: cannot write {str(path)!r}: {error} The graph was written as DOT "
            f"to {str(dot_path)!r} (render it later with `dot -T{fmt} {dot_path} -o {path}`)."
        ) from None
    write_atomic(path, picture)
    return path


def write_dot_fallback(source: str, path: Path) -> Path:
    """Write the DOT text beside `path` under a name that does not exist yet (bptt.dot,
    else bptt-1.dot ...): the user named `path`, not the .dot file, so it must never
    replace one of theirs. Returns the name written."""
    dot_path = fresh_path(path.with_suffix(".dot"))
    write_atomic(dot_path, source.encode("utf-8"))
    return dot_path


# --------------------------------------------------------------------------------------
# Does it fit on a slide?
# --------------------------------------------------------------------------------------
COARSER = {"ops": ("cells", "steps"), "cells": ("steps",), "steps": ()}


def measure_picture(source: str, timeout: float = DEFAULT_TIMEOUT) -> SlideFit:
    """The slide fit (slides.py) of DOT `source`, rendered as SVG in memory."""
    return measure_svg(render_source(source, "svg", timeout=timeout))


def draw_to_fit(root, **draw_options) -> graphviz.Digraph:
    """viz.draw at the finest detail level whose picture fits a 1920×1080 slide (ops,
    else cells, else steps: each drawn and measured); the coarsest if none fits. The
    demo draws its pictures so: its RNN at ops, its LSTM (4 steps of 20 ops) at cells."""
    for detail in ("ops", *COARSER["ops"]):
        graph = draw(root, detail=detail, **draw_options)
        try:
            if measure_picture(graph.source).fits:
                return graph
        except RenderError:
            return graph  # it cannot be measured here: render() will say why
    return graph


def slide_warning(root, fit: SlideFit, detail: str, **draw_options) -> str | None:
    """None if `fit` fits a 1920×1080 slide, else a sentence with the measured numbers and
    the first coarser detail level whose picture of `root` fits (drawn and measured)."""
    if fit.fits:
        return None
    problem = "text under 12 px" if fit.aspect_ok else "not between 4:3 and 21:9"
    message = f"at detail={detail} the picture is {fit.describe()}: {problem}"
    for coarser in COARSER.get(detail, ()):
        # the estimated rows, one layout (`tinygrad-rnn render --detail coarser` searches
        # a few row lengths around it, so its picture is at least as legible)
        graph = draw(root, **{**draw_options, "detail": coarser, "search_rows": False})
        if measure_picture(graph.source).fits:
            return f"{message}; detail={coarser} fits"
    return f"{message}; no coarser detail level fits either: draw fewer time steps"
