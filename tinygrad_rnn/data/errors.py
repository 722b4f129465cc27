"""The errors the data package raises: a missing file, a malformed line, an unknown token.

They extend the engine's error classes (tinygrad_rnn/errors.py), so `except TinygradError:`
catches them too, and each also inherits the matching built-in exception
(`DataNotFoundError` is a `FileNotFoundError`, `UnknownTokenError` a `KeyError`), so code that
catches the built-in keeps working. Messages name the file, the line number and how to fix it.

Read next: vocab.py.
"""

from ..errors import TinygradError


class DataError(TinygradError, ValueError):
    """Input data that cannot be used: bad fractions, out-of-range indices, empty corpora."""


class DataNotFoundError(DataError, FileNotFoundError):
    """A data file or folder that does not exist (the message says how to point at one)."""

    names_user_line = False  # a file's problem names the file, not a line


class DataFormatError(DataError):
    """A file that exists but cannot be read: empty, binary, or a malformed `file:line`."""

    names_user_line = False  # a file's problem names the file, not a line


class UnknownTokenError(DataError, KeyError):
    """A token that is not in a vocabulary that has no `<unk>` entry to fall back to."""

    def __str__(self) -> str:
        # KeyError.__str__ would print the message inside quotes; show it as written.
        return str(self.args[0]) if self.args else ""
