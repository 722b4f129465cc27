"""What every command shares: the one-line error, argument types, where the lessons are.

Read next: render.py (a whole command in one file).
"""

from __future__ import annotations

import argparse
import math
import os
from contextlib import contextmanager
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the tinygrad_rnn folder


class CommandError(Exception):
    """A mistake the user can fix; `tinygrad-rnn` prints it as one line and exits with 1."""


def parse(text: str, convert, what: str, prefix: str = ""):
    """`convert(text)`, or a one-line argparse error: "'many' is not a whole number"."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{prefix}{text!r} is not {what}") from None


def require(ok: bool, message: str) -> None:
    """A one-line argparse error unless `ok`."""
    if not ok:
        raise argparse.ArgumentTypeError(message)


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = parse(text, int, "a whole number")
    require(value >= 1, f"{text} must be at least 1")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: a whole number >= 0."""
    value = parse(text, int, "a whole number")
    require(value >= 0, f"{text} must be 0 or more")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = parse(text, float, "a number")
    require(math.isfinite(value) and value > 0, f"{text} must be a number > 0")
    return value


def fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    value = parse(text, float, "a number")
    require(0.0 < value < 1.0, f"{text} must be between 0 and 1")
    return value


def examples_folder() -> Path:
    """The folder holding the lessons (NN_name.py) and exercises/: where they are for
    this installation of tinygrad_rnn.

    - installed from the wheel: tinygrad_rnn/_examples/ inside the package (pyproject.toml
      maps that package onto examples/ when the wheel is built);
    - a checkout (`pip install -e .`, or tinygrad_rnn on the path): examples/ beside the
      tinygrad_rnn folder, the one copy kept in the repository.
    """
    for folder in (PACKAGE_DIR / "_examples", PACKAGE_DIR.parent / "examples"):
        if (folder / "exercises").is_dir():
            return folder
    raise CommandError(
        f"the lessons are not installed: neither {PACKAGE_DIR / '_examples'} nor "
        f"{PACKAGE_DIR.parent / 'examples'} exists; reinstall tinygrad-rnn"
    )


@contextmanager
def one_blas_thread():
    """Run the block with numpy's BLAS (OpenBLAS, MKL ...) on one thread.

    The lessons' matrices are small (32 x 128 @ 128 x 512): BLAS threads cost more than
    they save, and on a busy machine they make a training step several times slower.
    numpy is already loaded when a command runs, so setting OPENBLAS_NUM_THREADS=1 would
    come too late; threadpoolctl changes the limit at run time. A thread count the user
    set in the environment is respected.
    """
    if os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
