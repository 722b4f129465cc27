"""Finding a Graphviz renderer and running it: DOT text in, SVG/PNG/PDF bytes out.

Two renderers work:
- the system Graphviz `dot` (apt install graphviz, brew install graphviz), found on PATH;
  it writes every format, PDF included;
- `graphviz-pure`, a pure-Rust port of dot that the `graphviz-pure` wheel installs next to
  the Python interpreter (the venv's bin/ or Scripts/ folder), so `pip install` alone can
  render. It writes svg, png, jpeg and dot - not pdf.

The system `dot` wins when both are present.

Read next: render.py (a graph -> a file on disk, written atomically).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError

PURE_NAME = "graphviz-pure"
PURE_FORMATS = ("svg", "png", "jpeg", "dot")
DEFAULT_TIMEOUT = 300.0  # seconds; max_nodes keeps real pictures far below this


@dataclass
class Renderer:
    """An executable that turns DOT into pictures; kind "system" (dot) or "pure"."""

    path: str
    kind: str

    def supports(self, fmt: str) -> bool:
        return self.kind == "system" or fmt in PURE_FORMATS


def script_dirs() -> list[Path]:
    """Folders where pip puts console scripts for this interpreter (venv bin/ first)."""
    dirs = [Path(sys.executable).parent]
    scripts = sysconfig.get_path("scripts")
    if scripts and Path(scripts) not in dirs:
        dirs.append(Path(scripts))
    return dirs


def find_pure() -> str | None:
    """The `graphviz-pure` executable: next to the interpreter, else on PATH."""
    names = [PURE_NAME + ".exe", PURE_NAME] if os.name == "nt" else [PURE_NAME]
    for folder in script_dirs():
        for name in names:
            candidate = folder / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which(PURE_NAME)


def find_renderer() -> Renderer | None:
    """The system `dot` if on PATH, else the bundled `graphviz-pure`, else None."""
    system = shutil.which("dot")
    if system is not None:
        return Renderer(system, "system")
    pure = find_pure()
    if pure is not None:
        return Renderer(pure, "pure")
    return None


def no_renderer_message() -> str:
    return (
        "no Graphviz renderer found: neither the system `dot` (on PATH) nor the "
        f"`{PURE_NAME}` executable (next to {sys.executable} or on PATH). Fix: "
        f"`pip install {PURE_NAME}` (pure Rust, no system package needed), or install "
        "Graphviz (`apt install graphviz`, `brew install graphviz`)."
    )


def pdf_message() -> str:
    return (
        f"PDF needs the system Graphviz (`dot`), which is not installed; the bundled "
        f"`{PURE_NAME}` renderer writes {', '.join(PURE_FORMATS)}. Render to .svg or "
        ".png instead, or install Graphviz (`apt install graphviz`, `brew install graphviz`)."
    )


def render_source(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Run the renderer on DOT text; return the picture's bytes (fmt: svg, png, ...)."""
    renderer = find_renderer()
    if renderer is None:
        raise RenderError(no_renderer_message())
    if not renderer.supports(fmt):
        raise RenderError(pdf_message() if fmt == "pdf" else f"{PURE_NAME} cannot write {fmt}")
    try:
        finished = subprocess.run(
            [renderer.path, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{renderer.path} did not finish within {timeout:.0f} s; draw a coarser picture "
            "(detail='cells' or 'steps', fewer time steps)."
        ) from None
    except OSError as error:
        raise RenderError(f"could not run {renderer.path}: {error}") from None
    if finished.returncode != 0 or not finished.stdout:
        message = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = message[-1] if message else f"exit status {finished.returncode}"
        raise RenderError(f"{renderer.path} -T{fmt} failed: {reason}")
    return finished.stdout
