"""The `tinygrad-rnn` command (also `python -m tinygrad_rnn`).

    tinygrad-rnn render lstm --steps 4 --grads --highlight cell_state -o lstm.svg
    tinygrad-rnn lesson 5 --steps 50          # a lesson from examples/, with its own flags
    tinygrad-rnn exercises init my-exercises  # the exercise stubs, for `tinygrad-rnn check`
    tinygrad-rnn vanishing -o flow.png        # ‖∂L/∂h_t‖ over t: RNN vs GRU vs LSTM
    tinygrad-rnn --help

Each subcommand is one module in tinygrad_rnn/commands/ with an `add_command(subparsers)`
function; `COMMANDS` lists them in the order `--help` shows. To add a command, write its
module and add it to `COMMANDS`. A mistake (bad flag, missing file, a graph that cannot
be drawn, not enough memory) prints one line on stderr and exits non-zero - no traceback
(set TINYGRAD_RNN_TRACEBACK=1 to see one). Ctrl-C prints one line too (train-charlm first
saves its checkpoint), and output cut short by a closed pipe (`tinygrad-rnn sample | head`)
ends the command quietly, as Unix tools do.

This is the outermost face of the project: the commands are the only part of
tinygrad_rnn that uses `viz` (imported when a command needs it, so the engine never
depends on it).

Read next: commands/render.py.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from .commands import charlm, check, demo, exercises, lesson, render, vanishing
from .commands.common import CommandError, one_blas_thread

COMMANDS = [demo, lesson, render, vanishing, charlm, check, exercises]
TRACEBACK_VARIABLE = "TINYGRAD_RNN_TRACEBACK"  # set it to 1 to see a failing command's traceback
LOCATION = re.compile(r" — at [^:]+:\d+")  # what one_line drops (see there)
BROKEN_PIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for `... | head`


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (`tinygrad-rnn render: error: ...`)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tinygrad-rnn",
        description="tinygrad_rnn: recurrent networks, visibly unrolled.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_command(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 1 error, 2 usage error, 130 Ctrl-C,
    141 when the reader of the output went away, as in `tinygrad-rnn sample | head`)."""
    try:
        try:
            status = run_command(argv)
        except SystemExit as stop:  # argparse, after --help or a usage error
            status = stop.code
        sys.stdout.flush()  # a closed pipe shows up here, while we can still catch it
        return status
    except BrokenPipeError:
        return quiet_broken_pipe()
    except KeyboardInterrupt:
        return report("interrupted", 130)


def run_command(argv: list[str] | None) -> int:
    """Parse the arguments and run the command; a mistake becomes one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    from tinygrad_rnn.errors import TinygradError

    try:
        with one_blas_thread():
            return args.run(args)
    except (BrokenPipeError, KeyboardInterrupt):
        raise  # handled in main: quiet, and one line
    except Exception as error:
        if os.environ.get(TRACEBACK_VARIABLE):
            raise
        if isinstance(error, MemoryError):
            reason = f"out of memory ({error}); try smaller sizes (--hidden, --steps, --batch ...)"
        elif isinstance(error, (CommandError, TinygradError, OSError, ValueError, TypeError)):
            reason = str(error)
        else:  # a bug in tinygrad-rnn: still one line, the traceback on request
            reason = (
                f"internal error {type(error).__name__}: {error} (please report it; set "
                f"{TRACEBACK_VARIABLE}=1 to see the traceback)"
            )
        return report(f"error: {one_line(reason)}", 1)


def report(message: str, status: int) -> int:
    """Print `tinygrad-rnn: MESSAGE` on stderr (if stderr still has a reader); return status."""
    try:
        print(f"tinygrad-rnn: {message}", file=sys.stderr)
    except BrokenPipeError:
        return quiet_broken_pipe()
    return status


def quiet_broken_pipe() -> int:
    """The reader of our output has gone (`| head` got its lines): stop without a word,
    as Unix tools do. Standard output is pointed at /dev/null, so that Python's final
    flush at exit does not fail a second time. Returns 141 (128 + SIGPIPE), the status a
    shell shows for a program stopped by a closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test's)
        pass
    return BROKEN_PIPE_STATUS


def one_line(message: str) -> str:
    """A message that spans lines (e.g. a list of state-dict problems) joined into one,
    without the " — at file.py:LINE" that errors add for a script's author: on the
    command line that would be a frame of runpy or of the launcher, not a line to fix."""
    joined = " ".join(line.strip() for line in message.splitlines() if line.strip())
    return LOCATION.sub("", joined)


if __name__ == "__main__":
    sys.exit(main())
