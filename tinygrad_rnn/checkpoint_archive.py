"""Reading an .npz checkpoint safely: headers first, data on request (checkpoint.py's
reading side; charlm's checkpoints use it too).

An .npz is a zip archive of .npy files, and each .npy starts with a small header: shape
and dtype. `CheckpointArchive` opens the file (a regular file only: a FIFO or /dev/zero
would never end), reads only those headers, and reads an entry's data when asked - with
a size limit checked before a byte of it is read. A file that is not an .npz, a truncated
or corrupt one, an entry that is not a .npy array and an object array (unpickling it
could run code) are each a CheckpointError that names the file.

Read next: checkpoint.py (what tg.load compares these headers with).
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CheckpointError
from .files import file_kind

ZIP_MAGIC = b"PK"  # every zip archive (and so every .npz) starts with these bytes
NPY_SUFFIX = ".npy"  # np.savez stores the array "w" as the zip member "w.npy"
MAX_HEADER_BYTES = 10_000  # an .npy header is ~100 bytes; numpy's own limit is 10 000
MAX_ENTRIES = 100_000  # arrays in one archive: far above any model here


@dataclass
class EntryHeader:
    """What the .npy header of one archive entry says, before its data is read."""

    name: str  # the array's name ("fc.weight"): the zip member's name without ".npy"
    member: zipfile.ZipInfo
    shape: tuple
    dtype: np.dtype

    def describe(self) -> str:
        return f"{self.dtype} array of shape {self.shape}"


class CheckpointArchive:
    """An open .npz checkpoint whose headers have been read, but none of its data.

        with CheckpointArchive(path, "load") as archive:
            archive.entries["fc.weight"].shape      # from the header only
            weight = archive.read("fc.weight")      # now the data

    `caller` starts every error message ("load: ..."). Raises CheckpointError for a
    file that is not an .npz archive, a truncated or corrupt one, an entry that is not
    a .npy array, and an object array (unpickling it could run code).
    """

    def __init__(self, source: Path, caller: str = "load") -> None:
        self.source = source
        self.caller = caller
        self.file = open_checkpoint_file(source, caller)
        try:
            self.zip = self._open_zip()
            self.entries = self._read_headers()
        except BaseException:
            self.file.close()
            raise

    def __enter__(self) -> CheckpointArchive:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.file.close()

    def _corrupt(self, detail: str) -> CheckpointError:
        return CheckpointError(f"{self.caller}: {self.source} is truncated or corrupt ({detail})")

    def _open_zip(self) -> zipfile.ZipFile:
        start = self.file.read(6)
        self.file.seek(0)
        if start == b"":
            raise CheckpointError(
                f"{self.caller}: {self.source} is empty (0 bytes), not an .npz checkpoint; "
                f"point at a file written by tg.save(model, path)"
            )
        if start == b"\x93NUMPY":
            raise CheckpointError(
                f"{self.caller}: {self.source} holds a single array (.npy format), not an "
                f".npz archive of named arrays; save checkpoints with tg.save(model, path)"
            )
        if not start.startswith(ZIP_MAGIC):
            raise CheckpointError(
                f"{self.caller}: {self.source} is not an .npz checkpoint (it starts with "
                f"{start!r}, an .npz file starts with {ZIP_MAGIC!r}); was it written by "
                f"tg.save or np.savez?"
            )
        try:
            return zipfile.ZipFile(self.file)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise self._corrupt(f"{type(error).__name__}: {error}") from None

    def _read_headers(self) -> dict[str, EntryHeader]:
        members = self.zip.infolist()
        if len(members) > MAX_ENTRIES:
            raise CheckpointError(
                f"{self.caller}: {self.source} holds {len(members)} entries, more than the "
                f"{MAX_ENTRIES} a checkpoint may have"
            )
        entries = {}
        for member in members:
            header = self._read_header(member)
            if header.name in entries:
                raise self._corrupt(f"two entries are named {header.name!r}")
            entries[header.name] = header
        return entries

    def _read_header(self, member: zipfile.ZipInfo) -> EntryHeader:
        """Shape and dtype of one member, from its .npy header (a few hundred bytes)."""
        if not member.filename.endswith(NPY_SUFFIX):
            raise self._not_an_npz(member.filename)
        name = member.filename[: -len(NPY_SUFFIX)]
        try:
            with self.zip.open(member) as stream:
                shape, dtype = npy_header(stream)
        except ValueError as error:  # read_magic / the header parser: not an .npy
            raise self._not_an_npz(member.filename, f" ({error})") from None
        except Exception as error:  # BadZipFile, zlib.error, EOFError, NotImplementedError ...
            raise self._corrupt(f"entry {name!r}: {type(error).__name__}: {error}") from None
        if dtype.hasobject:
            raise CheckpointError(
                f"{self.caller}: entry {name!r} of {self.source} is an object array "
                f"(pickled Python objects); checkpoints hold only numbers, and unpickling "
                f"could run code, so it is not read"
            )
        return EntryHeader(name, member, shape, dtype)

    def _not_an_npz(self, member_name: str, detail: str = "") -> CheckpointError:
        return CheckpointError(
            f"{self.caller}: {self.source} is a zip archive but not an .npz checkpoint: its "
            f"member {member_name!r} is not a .npy array{detail}; save checkpoints with "
            f"tg.save(model, path)"
        )

    def read(self, name: str, max_bytes: int | None = None) -> np.ndarray:
        """The data of entry `name` (a KeyError if there is none).

        The header was read already, so the size is known before any data is read:
        with `max_bytes`, a bigger entry is refused unread.
        """
        header = self.entries[name]
        nbytes = entry_nbytes(header)
        if max_bytes is not None and nbytes > max_bytes:
            raise CheckpointError(
                f"{self.caller}: entry {name!r} of {self.source} is a {header.describe()} "
                f"({nbytes:,} bytes), far more than the {max_bytes:,} bytes it may have; "
                f"the file is not a checkpoint this code wrote"
            )
        try:
            with self.zip.open(header.member) as stream:
                array = np.lib.format.read_array(
                    stream, allow_pickle=False, max_header_size=MAX_HEADER_BYTES
                )
                trailing = stream.read(1)  # also makes zipfile check the CRC
        except Exception as error:  # bad CRC, EOFError, zlib.error, short data ...
            raise self._corrupt(f"entry {name!r}: {type(error).__name__}: {error}") from None
        if trailing:
            raise self._corrupt(f"entry {name!r} has bytes after its array data")
        return array


def open_checkpoint_file(source: Path, caller: str):
    """`source` opened for reading, after checking it is a regular file (opening a FIFO
    would wait forever for a writer; /dev/zero would never end)."""
    try:
        info = os.stat(source)
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(
                f"{caller}: {source} is {file_kind(info.st_mode)}, not a checkpoint file"
            )
        return open(source, "rb")
    except OSError as error:
        raise CheckpointError(f"{caller}: cannot open {source}: {error}") from error


def npy_header(stream) -> tuple[tuple, np.dtype]:
    """(shape, dtype) from the start of an .npy stream; ValueError if it is not one."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(
            stream, max_header_size=MAX_HEADER_BYTES
        )
    else:  # (2, 0) and (3, 0) have the same layout; read_magic refuses others
        shape, _, dtype = np.lib.format.read_array_header_2_0(
            stream, max_header_size=MAX_HEADER_BYTES
        )
    return tuple(shape), dtype


def entry_nbytes(header: EntryHeader) -> int:
    """How many bytes the entry's data takes, from its header."""
    count = 1
    for size in header.shape:
        count *= int(size)
    return count * header.dtype.itemsize
