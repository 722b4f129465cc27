"""Step 3 of 3: a graph -> a picture on disk (svg, png, pdf or dot, from the extension).

    viz.render(loss, "bptt.svg", detail="cells", grads=True, highlight="cell_state")

The picture is written to a temporary file in the same folder and then moved into place
(`os.replace`), so a reader never sees a half-written image. When no renderer can write
the format (no Graphviz at all, or PDF without the system Graphviz), the DOT text is
still written next to it (`bptt.dot`) and the error says how to fix it.

Read next: flow.py (the gradient norm per time step, as a table and a plot).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import graphviz

from .backend import DEFAULT_TIMEOUT, render_source
from .dot import draw
from .errors import RenderError, VizError

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
    """Write `data` to a temporary file beside `path`, then rename it into place."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise RenderError(f"viz.render: folder {str(folder)!r} does not exist; create it first")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _write_error(path, error) from error
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, _file_mode())
        os.replace(temporary, path)
    except BaseException as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise _write_error(path, error) from error
        raise


def _write_error(path: Path, error: OSError) -> RenderError:
    """Name the picture (not the temporary file) and say that nothing was lost."""
    reason = error.strerror or str(error)
    return RenderError(
        f"viz.render: could not write {str(path)!r}: {reason}; any previous file there is unchanged"
    )


def _file_mode() -> int:
    """rw for everyone the umask allows (mkstemp makes private 0600 files)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def render(root, path, *, timeout: float = DEFAULT_TIMEOUT, **draw_options) -> Path:
    """Draw `root` (a node, or a Digraph from `viz.draw`) and write it to `path`.

    The format comes from the extension: .svg, .png, .pdf (system Graphviz only), .dot,
    .jpg. `draw_options` are those of `viz.draw` (detail, grads, highlight, max_nodes,
    title). Returns the path written.
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
        dot_path = path.with_suffix(".dot")
        write_atomic(dot_path, source.encode("utf-8"))
        raise RenderError(
            f"{caller}: cannot write {str(path)!r}: {error} The graph was written as DOT "
            f"to {str(dot_path)!r} (render it later with `dot -T{fmt} {dot_path} -o {path}`)."
        ) from None
    write_atomic(path, picture)
    return path
