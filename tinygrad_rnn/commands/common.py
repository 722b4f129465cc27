"""What every command shares: the one-line error, argument types.

Read next: render.py (a whole command in one file).
"""

from __future__ import annotations

import argparse


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
