"""Reading and writing the small text files the data package works with, with clear errors.

`read_text` is the one place that opens a data file (the packaged datasets and a user's
`--data` file alike): it says which file is missing, empty, binary, too big or not a file
at all (a folder, /dev/zero, a named pipe) instead of showing a UnicodeDecodeError from
deep inside a loader - or reading until memory runs out. At most `MAX_TEXT_BYTES` (200 MB,
~180 times Tiny Shakespeare) are read.

A gzip-compressed file (`corpus.txt.gz`; the package ships Tiny Shakespeare that way) is
decompressed on the fly: `read_bytes` recognises gzip by its first two bytes, 1f 8b, which
no UTF-8 text can start with, so the file name does not matter. The 200 MB limit applies
to the decompressed text too.
`write_text_atomic` writes through tinygrad_rnn/files.py (temporary file + rename), so a
crash half-way never leaves a truncated vocabulary behind.

Read next: text.py (language-model batching) or sentiment.py (the labelled-sentence loader).
"""

import gzip
import io
import os
import stat
import zlib
from pathlib import Path

from ..files import atomic_write, file_kind
from .errors import DataFormatError, DataNotFoundError

MAX_TEXT_BYTES = 200 * 2**20  # 200 MB: generous for a text corpus, far below a laptop's RAM
GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip file


def read_text(
    path: str | os.PathLike,
    what: str = "file",
    allow_empty: bool = False,
    max_bytes: int | None = None,
) -> str:
    """The UTF-8 text of `path` (a byte-order mark is dropped), checked.

    A gzip-compressed file is decompressed first (see read_bytes). Raises
    DataNotFoundError when the path does not exist or is a folder, and DataFormatError
    when it is not a regular file (a device such as /dev/zero, a named pipe), is bigger
    than `max_bytes` (default MAX_TEXT_BYTES), is a damaged gzip file, is empty (unless
    `allow_empty`), holds NUL bytes or is not UTF-8 (a binary file). `what` names the
    file in the messages ("corpus", ...).
    """
    path = Path(path)
    raw = read_bytes(path, what, max_bytes)
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


def read_bytes(path: str | os.PathLike, what: str = "file", max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file `path`, decompressed when it is gzip-compressed.

    At most `max_bytes` (default MAX_TEXT_BYTES) are read, before and after
    decompression. Raises the errors read_text describes (except the text checks).
    """
    path = Path(path)
    limit = MAX_TEXT_BYTES if max_bytes is None else max_bytes
    raw = _read_bytes_limited(path, what, limit)
    if raw.startswith(GZIP_MAGIC):
        raw = _gunzip_limited(raw, path, what, limit)
    return raw


def _read_bytes_limited(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of the regular file `path`, at most `max_bytes` of them (else an error).

    The kind of file is checked before it is opened: opening a named pipe would wait for
    a writer, and a device like /dev/zero never ends. The read itself stops after
    max_bytes + 1 bytes, so a file that grows meanwhile cannot exhaust memory either.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataNotFoundError(f"{what} {str(path)!r} does not exist") from None
    except OSError as error:
        raise DataNotFoundError(f"cannot read {what} {str(path)!r}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataNotFoundError(f"{what} {str(path)!r} is a folder, expected a text file")
    if not stat.S_ISREG(info.st_mode):
        raise DataFormatError(
            f"{what} {str(path)!r} is {file_kind(info.st_mode)}, not a regular file; save "
            f"the text to a file and pass that"
        )
    if info.st_size > max_bytes:
        raise _too_big(path, what, info.st_size, max_bytes)
    try:
        with open(path, "rb") as file:
            raw = file.read(max_bytes + 1)
    except OSError as error:
        raise DataFormatError(f"cannot read {what} {str(path)!r}: {error.strerror}") from None
    if len(raw) > max_bytes:
        raise _too_big(path, what, len(raw), max_bytes)
    return raw


def _gunzip_limited(compressed: bytes, path: Path, what: str, max_bytes: int) -> bytes:
    """The decompressed bytes of gzip data, at most `max_bytes` of them (else an error).

    The read stops after max_bytes + 1 bytes, so a small file that decompresses to
    gigabytes (a "zip bomb") cannot exhaust memory. A damaged or cut-off file is a
    DataFormatError: gzip checks a CRC over the whole text when it reaches the end.
    """
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed), mode="rb") as file:
            raw = file.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise DataFormatError(
            f"{what} {str(path)!r} starts like a gzip file but cannot be decompressed "
            f"({error}); is it damaged or cut off?"
        ) from None
    if len(raw) > max_bytes:
        raise _too_big(path, what, len(raw), max_bytes, decompressed=True)
    return raw


def _too_big(
    path: Path, what: str, size: int, max_bytes: int, decompressed: bool = False
) -> DataFormatError:
    megabytes = 2**20
    if decompressed:
        return DataFormatError(
            f"{what} {str(path)!r} decompresses to more than {size / megabytes:,.0f} MB, "
            f"more than the {max_bytes / megabytes:,.0f} MB a text file may have here; use "
            f"a part of it (e.g. `zcat {path} | head -c 100M > part.txt`)"
        )
    return DataFormatError(
        f"{what} {str(path)!r} is {size / megabytes:,.0f} MB, more than the "
        f"{max_bytes / megabytes:,.0f} MB a text file may have here; use a part of it "
        f"(e.g. `head -c 100M {path} > part.txt`)"
    )


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write `text` (UTF-8) to `path` all at once (tinygrad_rnn.files.atomic_write);
    returns path.

    Readers see either the old file or the complete new one, never half of it. Raises
    DataNotFoundError when the folder does not exist, DataFormatError for other
    problems (a folder in the way, no permission, a full disk).
    """
    path = Path(path)
    try:
        with atomic_write(path) as file:
            file.write(text.encode("utf-8"))
    except FileNotFoundError as error:
        raise DataNotFoundError(f"cannot write {str(path)!r}: {error}") from None
    except OSError as error:
        raise DataFormatError(str(error)) from None
    return path
