"""Reading and writing the small text files the data package works with, with clear errors.

`read_text` is the one place that opens a user's data file: it says which file is missing,
empty or binary instead of showing a UnicodeDecodeError from deep inside a loader.
`write_text_atomic` writes a temporary file beside the target and renames it over the
target (`os.replace`), so a crash half-way never leaves a truncated vocabulary behind.

Read next: text.py (language-model batching) or sentiment.py (the labelled-sentence loader).
"""

import os
import tempfile
from pathlib import Path

from .errors import DataFormatError, DataNotFoundError


def read_text(path: str | os.PathLike, what: str = "file", allow_empty: bool = False) -> str:
    """The UTF-8 text of `path` (a byte-order mark is dropped), checked.

    Raises DataNotFoundError when the path does not exist or is a folder, and
    DataFormatError when the file is empty (unless `allow_empty`), holds NUL bytes or is
    not UTF-8 (a binary file). `what` names the file in the messages ("corpus", ...).
    """
    path = Path(path)
    if not path.exists():
        raise DataNotFoundError(f"{what} {str(path)!r} does not exist")
    if path.is_dir():
        raise DataNotFoundError(f"{what} {str(path)!r} is a folder, expected a text file")
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise DataFormatError(f"{what} {str(path)!r} looks binary (it holds NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataFormatError(
            f"{what} {str(path)!r} is not UTF-8 text (undecodable byte at offset "
            f"{error.start}); is it a binary file?"
        ) from None
    if not allow_empty and text.strip() == "":
        raise DataFormatError(f"{what} {str(path)!r} is empty")
    return text


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` through a temporary file + `os.replace`; returns path.

    Readers see either the old file or the complete new one, never half of it.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DataNotFoundError(
            f"cannot write {str(path)!r}: folder {str(folder)!r} does not exist"
        )
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
        raise
    return path
