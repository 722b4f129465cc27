"""What every command shares: the one-line error, argument types.

Read next: render.py (a whole command in one file).
"""

from __future__ import annotations

import argparse
import os
from contextlib import contextmanager


class CommandError(Exception):
    """A mistake the user can fix; `tinygrad-rnn` prints it as one line and exits with 1."""


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1, with a one-line message otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


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
