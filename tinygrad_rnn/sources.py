"""Which line of *your* code made a node: the stack-frame walk behind `node.source`.

Every node records the `file.py:LINE` of the user code that created it, and error
messages name that line. Python knows it as a chain of stack frames: the engine's own
frames (tensor.py, ops.py, nn/ ...) on top, your script's below. This module walks down
that chain to the first frame that is not the engine's.

    user_source()          (filename, line) of the first frame outside the engine
    node_source(n)         the same frame, for Node._setup (once per node, so cheap)
    format_source(...)     "char_lm.py:41"

graph.py uses this module (and re-exports user_source, format_source, is_engine_file).
Read next: graph.py.
"""

from __future__ import annotations

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# Code inside the package folder that uses the engine the way a user's script does: the
# commands of `tinygrad-rnn` (they build the models `tinygrad-rnn render` draws) and, when
# installed from the wheel, the lessons (tinygrad_rnn/_examples). node.source and error
# messages name their lines, not a line of the engine or of the `tinygrad-rnn` launcher.
_USER_CODE_DIRS = (
    os.path.join(_PACKAGE_DIR, "commands", ""),
    os.path.join(_PACKAGE_DIR, "_examples", ""),
)


def is_engine_file(filename: str) -> bool:
    """True for a file of the engine itself: in the package folder, but not among the
    package's own users of the engine (_USER_CODE_DIRS: the commands, the lessons)."""
    return filename.startswith(_PACKAGE_DIR) and not filename.startswith(_USER_CODE_DIRS)


def user_source() -> tuple[str, int] | None:
    """(filename, line) of the innermost stack frame outside the engine (is_engine_file)."""
    frame = _user_frame(sys._getframe(1))  # 1: start at our caller, not at this function
    if frame is None:
        return None
    return (frame.f_code.co_filename, frame.f_lineno)


def _user_frame(frame):
    """The first frame, from `frame` outwards, whose code is not the engine's."""
    while frame is not None and is_engine_file(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def node_source(engine_callers: int):
    """The frame of the user's code that is creating a node right now, or None.

    `engine_callers`: how many frames right above `Node._setup` are always the engine's
    own: 1 for a Tensor (`apply`, or a constructor, called `_setup`), 2 for a Value made
    by an operator (`Value.__add__` called `_apply`, which called `_setup`). The walk
    starts below those, at `sys._getframe(2 + engine_callers)`: frame 0 is this
    function, frame 1 is `_setup`. Skipping them is only about speed: every frame looked
    at becomes a Python object, which costs about as much as the rest of a scalar node's
    bookkeeping.

    Called for every node, so it is cheap on purpose: the node keeps the frame's code
    object and bytecode offset, and the line number (`frame.f_lineno` costs about half a
    microsecond) is only worked out, by `line_number`, when someone reads `node.source`.
    """
    frame = sys._getframe(2 + engine_callers)
    while frame is not None:
        filename = frame.f_code.co_filename
        engine = _engine_files.get(filename)
        if engine is None:  # a file seen for the first time: is it the engine's?
            engine = _engine_files[filename] = is_engine_file(filename)
        if not engine:
            return frame
        frame = frame.f_back
    return None


# file name -> is_engine_file(it): worked out once per file, not for every node (a str
# keeps its hash, so the lookup is cheap; a code object's hash is computed every time)
_engine_files: dict = {}


def line_number(code, offset: int) -> int | None:
    """The source line of the bytecode instruction at `offset` in `code`."""
    for start, end, line in code.co_lines():
        if start <= offset < end:
            return line
    return None


def format_source(source: tuple[str, int] | None) -> str:
    """'file.py:LINE' for a (filename, line) pair, '<unknown>' for None."""
    if source is None:
        return "<unknown>"
    return f"{os.path.basename(source[0])}:{source[1]}"
