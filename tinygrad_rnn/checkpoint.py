"""Saving and loading a model's parameters: `tg.save(model, path)`, `tg.load(model, path)`.

    tg.save(model, "char_lm.npz")       # every parameter, by its state_dict name
    model = CharLM(...)                  # later: the same architecture ...
    tg.load(model, "char_lm.npz")        # ... gets the saved numbers back, bit for bit

A checkpoint is an ordinary NumPy `.npz` archive: one array per entry of
`model.state_dict()` (e.g. "weight_ih_l0", "fc.bias"), plus three small metadata arrays
whose names start with "__tinygrad_rnn__." (format version, the model's class name, the
library version). Everything is a number or a string array, so it is read with
`allow_pickle=False`: opening a checkpoint can never run code. You can inspect one
without tinygrad_rnn: `dict(np.load("char_lm.npz"))`.

Saving is atomic (tinygrad_rnn/files.py): the archive is written to a temporary file in
the same folder and then renamed over the target, so a crash or a full disk in the middle
of `save` leaves the previous checkpoint untouched; a symlink is written through and an
existing file keeps its mode. Weights holding NaN or inf are refused (a diverged run),
so a checkpoint that saves can always be loaded.

Loading reads nothing it has not checked. An .npz is a zip archive of .npy files, and
each .npy starts with a small header: shape and dtype. `CheckpointArchive` reads only
those headers first; the names, shapes and dtypes are compared with what the model
expects, and only then is each array's data read - so a crafted file (a 400 MB entry
that compresses to a few KB, an object array, a key the model does not have) is refused
before its data is touched. Every problem is a CheckpointError (or a StateDictError
listing the keys and shapes that do not fit) that names the file.

Read next: nn/module.py (`state_dict` / `load_state_dict`, which these functions call).
"""

from __future__ import annotations

import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CheckpointError, StateDictError, TinygradError
from .files import atomic_write, file_kind
from .graph import format_source, user_source
from .tensor import Tensor

FORMAT_VERSION = 1
META_PREFIX = "__tinygrad_rnn__."
FORMAT_KEY = META_PREFIX + "format_version"
CLASS_KEY = META_PREFIX + "class"
LIBRARY_KEY = META_PREFIX + "library_version"
SUFFIX = ".npz"
_ZIP_MAGIC = b"PK"  # every zip archive (and so every .npz) starts with these bytes
_NPY_SUFFIX = ".npy"  # np.savez stores the array "w" as the zip member "w.npy"

MAX_HEADER_BYTES = 10_000  # an .npy header is ~100 bytes; numpy's own limit is 10 000
MAX_METADATA_BYTES = 4096  # the class name and version strings are a few dozen bytes
MAX_ENTRIES = 100_000  # arrays in one archive: far above any model here

# np.savez(file, *args, allow_pickle=..., **arrays): these names cannot be array names
_SAVEZ_ARGUMENTS = ("file", "args", "allow_pickle")

# dtype kind the model has -> dtype kinds a checkpoint may hold for it
# (f float, i signed int, u unsigned int, b bool); ints load exactly into floats
_COMPATIBLE_KINDS = {"f": "fiu", "i": "iu", "u": "iu", "b": "b"}


def checkpoint_path(path: str | os.PathLike) -> Path:
    """`path` as a Path, with ".npz" appended unless it already ends in ".npz".

    The rule `np.savez` uses: save(model, "runs/lm") writes "runs/lm.npz";
    save(model, "runs/lm.npz") writes exactly that file.
    """
    path = Path(os.fspath(path))
    if path.name.endswith(SUFFIX):
        return path
    return path.with_name(path.name + SUFFIX)


# --------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------
def save(module, path: str | os.PathLike) -> Path:
    """Write `module.state_dict()` and metadata to an .npz file; returns the path written.

    path    str or pathlib.Path; ".npz" is appended if missing (as `np.savez` does).
    The write is atomic: a failure (full disk, Ctrl-C) leaves any previous file at
    `path` as it was and removes the temporary file. Raises CheckpointError on failure,
    and for weights that hold NaN or inf (nothing is written then).
    """
    try:
        return write_checkpoint(module, path, "save")
    except CheckpointError as error:
        raise with_user_line(error) from error.__cause__


def write_checkpoint(module, path: str | os.PathLike, caller: str) -> Path:
    """`save` without the user's line in its errors (for callers that add their own)."""
    refuse_folder(path, caller)
    target = checkpoint_path(path)
    arrays = _arrays_to_save(module, target, caller)
    _write_atomically(target, arrays, caller)
    return target


def with_user_line(error: TinygradError) -> TinygradError:
    """The same error with " — at file.py:LINE" of the user's code that called us."""
    return type(error)(f"{error} — at {format_source(user_source())}")


def refuse_folder(path: str | os.PathLike, caller: str) -> None:
    """CheckpointError if `path` is an existing folder (numpy would write "folder.npz"
    beside it, which is not what someone who named the folder meant)."""
    if Path(os.fspath(path)).is_dir():
        raise CheckpointError(
            f"{caller}: {os.fspath(path)!r} is a folder; give a file name inside it, e.g. "
            f"{os.path.join(os.fspath(path), 'model.npz')!r}"
        )


def _arrays_to_save(module, target: Path, caller: str) -> dict[str, np.ndarray]:
    """The state dict as plain numeric arrays, plus the metadata entries."""
    from . import __version__  # imported here: the package imports this module first

    arrays = {}
    for name, value in module.state_dict().items():
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if name.startswith(META_PREFIX) or name in _SAVEZ_ARGUMENTS:
            raise CheckpointError(
                f"{caller}: cannot store a state entry named {name!r} in {target} "
                f"(reserved for the file format); rename that parameter"
            )
        if array.dtype.kind not in "fiub":
            raise CheckpointError(
                f"{caller}: state entry {name!r} has dtype {array.dtype}; a checkpoint holds "
                f"numeric arrays only (it is read with allow_pickle=False)"
            )
        what = f"{caller}: {target}: parameter {name!r}"
        _refuse_non_finite(array, what, "nothing was written")
        arrays[name] = array
    arrays[FORMAT_KEY] = np.array(FORMAT_VERSION)
    arrays[CLASS_KEY] = np.array(type(module).__name__)  # a unicode array, not a pickle
    arrays[LIBRARY_KEY] = np.array(__version__)
    return arrays


def _refuse_non_finite(array: np.ndarray, what: str, outcome: str) -> None:
    """CheckpointError if a float array holds NaN or inf; `what` names the array."""
    if array.dtype.kind != "f":
        return
    bad = array.size - int(np.count_nonzero(np.isfinite(array)))
    if bad:
        raise CheckpointError(
            f"{what} holds NaN or inf ({bad} of {array.size} values): the run that made it "
            f"had diverged, so {outcome}. Train again with a smaller learning rate or "
            f"gradient clipping, or use an earlier checkpoint"
        )


def _write_atomically(target: Path, arrays: dict[str, np.ndarray], caller: str) -> None:
    """Write the archive through `files.atomic_write` (temporary file + rename)."""
    try:
        with atomic_write(target) as file:
            np.savez(file, **arrays)  # a file object: numpy adds no suffix
    except OSError as error:
        raise CheckpointError(f"{caller}: {error}") from error
    except Exception as error:
        raise CheckpointError(
            f"{caller}: could not write the checkpoint {target}: {error}. "
            f"Any previous file at that path is unchanged."
        ) from error


# --------------------------------------------------------------------------------------
# Reading an archive: headers first, data on request
# --------------------------------------------------------------------------------------
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
        self.file = _open_checkpoint_file(source, caller)
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
        if not start.startswith(_ZIP_MAGIC):
            raise CheckpointError(
                f"{self.caller}: {self.source} is not an .npz checkpoint (it starts with "
                f"{start!r}, an .npz file starts with {_ZIP_MAGIC!r}); was it written by "
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
        if not member.filename.endswith(_NPY_SUFFIX):
            raise self._not_an_npz(member.filename)
        name = member.filename[: -len(_NPY_SUFFIX)]
        try:
            with self.zip.open(member) as stream:
                shape, dtype = _npy_header(stream)
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
        nbytes = _nbytes(header)
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


def _open_checkpoint_file(source: Path, caller: str):
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


def _npy_header(stream) -> tuple[tuple, np.dtype]:
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


def _nbytes(header: EntryHeader) -> int:
    """How many bytes the entry's data takes, from its header."""
    count = 1
    for size in header.shape:
        count *= int(size)
    return count * header.dtype.itemsize


# --------------------------------------------------------------------------------------
# Comparing an archive with what a model expects
# --------------------------------------------------------------------------------------
def entry_problems(
    archive: CheckpointArchive, expected: dict[str, np.ndarray], strict: bool = True
) -> list[str]:
    """Every way the archive's headers do not fit `expected` ({name: array of the right
    shape and dtype}), one sentence each; metadata entries are left out. Reads no data.

    Missing and unexpected keys count only when `strict`; wrong shapes and dtypes always.
    """
    names = [name for name in archive.entries if not name.startswith(META_PREFIX)]
    problems = []
    if strict:
        problems += [f"missing key {name!r}" for name in expected if name not in names]
    for name in names:
        header = archive.entries[name]
        if name not in expected:
            if strict:
                problems.append(f"unexpected key {name!r}")
            continue
        want = np.asarray(expected[name])
        if header.shape != want.shape:
            problems.append(
                f"shape mismatch for {name!r}: the model has {want.shape}, the checkpoint "
                f"has {header.shape}"
            )
        elif header.dtype.kind not in _COMPATIBLE_KINDS.get(want.dtype.kind, want.dtype.kind):
            problems.append(
                f"dtype mismatch for {name!r}: the model has {want.dtype}, the checkpoint "
                f"has {header.dtype}"
            )
    return problems


def read_entries(
    archive: CheckpointArchive, names, noun: str = "parameter"
) -> dict[str, np.ndarray]:
    """The data of the entries `names` whose headers have been checked, each refused if it
    holds NaN or inf (the message names the entry, called a `noun`)."""
    arrays = {}
    for name in names:
        array = archive.read(name)
        what = f"{archive.caller}: {archive.source}: {noun} {name!r}"
        _refuse_non_finite(array, what, "it is not loaded")
        arrays[name] = array
    return arrays


def read_metadata(archive: CheckpointArchive) -> dict[str, object]:
    """The metadata entries present: {FORMAT_KEY: int, CLASS_KEY: str, LIBRARY_KEY: str}.

    Each must be a scalar of the right kind and at most MAX_METADATA_BYTES.
    """
    kinds = {FORMAT_KEY: "iu", CLASS_KEY: "U", LIBRARY_KEY: "U"}
    metadata = {}
    for name, kind in kinds.items():
        header = archive.entries.get(name)
        if header is None:
            continue
        if header.shape != () or header.dtype.kind not in kind:
            raise CheckpointError(
                f"{archive.caller}: {archive.source} has a corrupt metadata entry {name!r} "
                f"(a {header.describe()})"
            )
        value = archive.read(name, max_bytes=MAX_METADATA_BYTES)
        metadata[name] = int(value) if kind == "iu" else str(value)
    return metadata


def check_format(metadata: dict[str, object], archive: CheckpointArchive) -> None:
    """Refuse a checkpoint written by a newer format than this code reads."""
    version = metadata.get(FORMAT_KEY)
    if version is not None and version > FORMAT_VERSION:
        raise CheckpointError(
            f"{archive.caller}: {archive.source} uses checkpoint format {version}, but this "
            f"tinygrad_rnn reads formats up to {FORMAT_VERSION}; upgrade tinygrad_rnn"
        )


# --------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------
def load(module, path: str | os.PathLike, strict: bool = True):
    """Copy the parameters saved in an .npz checkpoint into `module`; returns `module`.

    path    str or pathlib.Path. If it does not exist and does not end in ".npz",
            path + ".npz" is tried (so save(m, "lm") pairs with load(m, "lm")).
    strict  as in `load_state_dict`: missing or unexpected keys are errors (shape
            mismatches always are).

    Raises CheckpointError (naming the file) for a missing file, a directory, a file
    that is not an .npz archive, a truncated or corrupt one, a checkpoint of a
    different model class, one written by a newer format version, an object array,
    and weights that hold NaN or inf; StateDictError (one message listing every
    missing/unexpected key, wrong shape and wrong dtype) when the arrays do not fit the
    module - found from the headers, before any data is read. A plain .npz without
    metadata (e.g. exported from PyTorch as `np.savez(path, **state)`) is accepted:
    only its arrays are checked. The module is unchanged unless loading succeeds.
    """
    try:
        return read_checkpoint_into(module, path, strict)
    except (CheckpointError, StateDictError) as error:
        raise with_user_line(error) from error.__cause__


def read_checkpoint_into(module, path: str | os.PathLike, strict: bool = True):
    """`load` without the user's line in its errors."""
    source = existing_checkpoint(path, "load")
    expected = module.state_dict()
    with CheckpointArchive(source, "load") as archive:
        metadata = read_metadata(archive)
        check_format(metadata, archive)
        _check_class(metadata, module, source)
        problems = entry_problems(archive, expected, strict)
        if problems:
            raise _does_not_fit(module, source, problems)
        state = read_entries(archive, [name for name in expected if name in archive.entries])
    try:
        module.load_state_dict(state, strict=strict)
    except StateDictError as error:
        raise StateDictError(
            f"load: the checkpoint {source} does not fit the model: {error}"
        ) from None
    return module


def _does_not_fit(module, source: Path, problems: list[str]) -> StateDictError:
    """One error listing every key, shape and dtype that does not fit."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return StateDictError(
        f"load: the checkpoint {source} does not fit the model ({type(module).__name__}): "
        f"{len(problems)} problem(s):\n{lines}\nCompare the keys with "
        f"model.state_dict().keys(); pass strict=False to ignore missing and unexpected keys."
    )


def existing_checkpoint(path: str | os.PathLike, caller: str = "load") -> Path:
    """The file to read: `path` itself if it exists, else `path` + ".npz" (numpy's save
    rule: save(m, "lm") writes "lm.npz"). A folder or a missing file is a CheckpointError;
    other kinds of file (a FIFO, a device) are refused, unread, by CheckpointArchive."""
    given = Path(os.fspath(path))
    candidates = [given]
    if not given.name.endswith(SUFFIX):
        candidates.append(checkpoint_path(given))
    for candidate in candidates:
        if candidate.is_dir():
            raise CheckpointError(f"{caller}: {candidate} is a directory, not a checkpoint file")
        if candidate.exists():
            return candidate
    tried = " or ".join(str(c) for c in candidates)
    raise CheckpointError(f"{caller}: no checkpoint file at {tried} (file not found)")


def _check_class(metadata: dict[str, object], module, source: Path) -> None:
    """Refuse a checkpoint of another model class."""
    saved_class = metadata.get(CLASS_KEY)
    own_class = type(module).__name__
    if saved_class is not None and saved_class != own_class:
        raise CheckpointError(
            f"load: {source} is a checkpoint of a {saved_class}, but the model you are "
            f"loading it into is a {own_class}; create a {saved_class} with the same "
            f"sizes and load into that"
        )
