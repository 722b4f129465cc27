"""Finding a Graphviz renderer and running it: DOT text in, SVG/PNG/PDF bytes out.

Two renderers work:
- the system Graphviz `dot` (apt install graphviz, brew install graphviz), found on PATH;
  it writes every format, PDF included;
- `graphviz-pure`, a pure-Rust port of dot that the `graphviz-pure` wheel installs as a
  console script, so `pip install` alone can render. It writes svg, png, jpeg and dot -
  not pdf. pip puts it in the venv's bin/ (Scripts/ on Windows), in Python's own scripts
  folder, or - after `pip install --user` - in the user scheme's (~/.local/bin), which is
  often not on PATH: all of these are searched, and last the file list pip recorded for
  the graphviz-pure package (wherever it went, e.g. with --prefix or --target).

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
    """Folders where pip puts console scripts for this interpreter: beside the interpreter
    (a venv's bin/), the install scheme's scripts folder, the user scheme's (`pip install
    --user`: ~/.local/bin on Linux, often not on PATH), and the folder pip recorded for
    the graphviz-pure program when it installed it (wherever that was)."""
    dirs = [Path(sys.executable).parent]
    for scripts in (sysconfig.get_path("scripts"), user_scripts_dir(), recorded_pure_dir()):
        if scripts and Path(scripts) not in dirs:
            dirs.append(Path(scripts))
    return dirs


def user_scripts_dir() -> str | None:
    """Where `pip install --user` puts console scripts, or None if Python has no user
    scheme here (sysconfig's "posix_user", "nt_user", "osx_framework_user")."""
    try:
        return sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user"))
    except (KeyError, ValueError):
        return None


def recorded_pure_dir() -> str | None:
    """The folder of the graphviz-pure program as pip recorded it (the package's RECORD
    file), or None if the graphviz-pure package is not installed."""
    from importlib import metadata

    try:
        files = metadata.distribution(PURE_NAME).files or []
    except metadata.PackageNotFoundError:
        return None
    for file in files:
        if file.name in (PURE_NAME, PURE_NAME + ".exe"):
            return str(Path(file.locate()).resolve().parent)
    return None


def find_pure() -> str | None:
    """The `graphviz-pure` executable: in one of script_dirs(), else on PATH."""
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
    looked = ", ".join(str(folder) for folder in script_dirs())
    return (
        "no Graphviz renderer found: neither the system `dot` (on PATH) nor the "
        f"`{PURE_NAME}` program (looked in {looked} and on PATH). Fix: "
        f"`pip install {PURE_NAME}` (pure Rust, no system package needed), or install "
        "Graphviz (`apt install graphviz`, `brew install graphviz`)."
    )


def pdf_message() -> str:
    return (
        f"PDF needs the system Graphviz (`dot`), which is not installed; the bundled "
        f"`{PURE_NAME}` renderer writes {', '.join(PURE_FORMATS)}. Render to .svg or "
        ".png instead, or install Graphviz (`apt install graphviz`, `brew install graphviz`)."
    )


RECENT: dict = {}  # (renderer, fmt, DOT text) -> picture, the last few (layout.arrange_rows
RECENT_SIZE = 8  # lays a picture out to check it; viz.render then writes the same one)


def render_source(source: str, fmt: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Run the renderer on DOT text; return the picture's bytes (fmt: svg, png, ...).
    The last RECENT_SIZE pictures are remembered, so the same text is laid out once."""
    renderer = find_renderer()
    key = (renderer.path if renderer else None, fmt, source)
    if key not in RECENT:
        picture = run_renderer(renderer, source, fmt, timeout)
        while len(RECENT) >= RECENT_SIZE:
            RECENT.pop(next(iter(RECENT)))  # the oldest
        RECENT[key] = picture
    return RECENT[key]


def run_renderer(renderer: Renderer | None, source: str, fmt: str, timeout: float) -> bytes:
    """One run of the renderer on DOT text (render_source, without the memory)."""
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
