"""What every lesson script in examples/ shares: its arguments, its output folder, its
pictures and its measured results - the same whether it runs as a script, through
`tinygrad-rnn lesson N`, or as a Jupyter notebook.

    args = lesson_kit.parse_args(parser)            # sys.argv, or the notebook's settings
    out = lesson_kit.output_dir(args.out)           # created if missing
    lesson_kit.show_picture(path)                   # inline in a notebook, else nothing
    lesson_kit.report("validation loss", 1.757, unit="nats/char")   # for `make lessons`

Settings outside a script's command line:
- In a notebook there is no command line (sys.argv holds the kernel's own arguments),
  so `parse_args` reads the flags from $TINYGRAD_RNN_LESSON_ARGS ("--steps 50"), or uses
  the defaults when it is not set.
- `report` appends one JSON line per figure to the file named by $TINYGRAD_RNN_RESULTS,
  when set: `make lessons` collects those lines into docs/results.md.

The notebooks themselves are made from the lesson scripts by tinygrad_rnn/notebooks.py
(`make notebooks`).

Read next: the lessons themselves, starting with examples/01_scalar_autograd.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

ARGS_VARIABLE = "TINYGRAD_RNN_LESSON_ARGS"
RESULTS_VARIABLE = "TINYGRAD_RNN_RESULTS"


def in_notebook() -> bool:
    """True when running inside a Jupyter kernel (IPython with a kernel attached)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython() if hasattr(shell, "get_ipython") else None
    return ipython is not None and hasattr(ipython, "kernel")


shown_as: str | None = None  # "tinygrad-rnn lesson 5" while that command runs the lesson


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None = None):
    """The lesson's arguments: `argv` if given, else the command line. A notebook has no
    command line (sys.argv holds the kernel's own arguments): there the flags come from
    $TINYGRAD_RNN_LESSON_ARGS, or are the defaults when it is not set. Run by
    `tinygrad-rnn lesson N`, the usage line names that command, not the script."""
    if shown_as is not None:
        parser.prog = shown_as
    if argv is None and in_notebook():
        argv = shlex.split(os.environ.get(ARGS_VARIABLE, ""))
    return parser.parse_args(argv)


def output_dir(path: str | os.PathLike) -> Path:
    """The lesson's output folder (pictures, checkpoints), created if missing."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def show_picture(path: str | os.PathLike) -> None:
    """Show a picture the lesson wrote (.png or .svg) inline when in a notebook."""
    if not in_notebook():
        return
    from IPython.display import SVG, Image, display

    path = Path(path)
    display(SVG(filename=str(path)) if path.suffix == ".svg" else Image(filename=str(path)))


def report(name: str, value, unit: str = "", **details) -> None:
    """Record one measured figure of the lesson (`make lessons` writes them into
    docs/results.md). Does nothing unless $TINYGRAD_RNN_RESULTS names a file."""
    target = os.environ.get(RESULTS_VARIABLE)
    if not target:
        return
    record = {"name": name, "value": value, "unit": unit, **details}
    with open(target, "a", encoding="utf-8") as file:
        file.write(json.dumps(record, default=plain_number) + "\n")


def plain_number(value):
    """json.dumps' fallback: a numpy number (np.int64, np.float32 ...) as a Python one."""
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    raise TypeError(f"report: {type(value).__name__} is not a number or a string")
