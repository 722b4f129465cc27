"""Saving and loading a model's parameters: `tg.save(model, path)`, `tg.load(model, path)`.

    tg.save(model, "char_lm.npz")       # every parameter, by its state_dict name
    model = CharLM(...)                  # later: the same architecture ...
    tg.load(model, "char_lm.npz")        # ... gets the saved numbers back, bit for bit

A checkpoint is an ordinary NumPy `.npz` archive: one array per entry of
`model.state_dict()` (e.g. "weight_ih_l0", "fc.bias"), plus three small metadata arrays
whose names start with "__tinygrad_rnn__." (format version, the model's class name, the
library version). Everything is a number or a string array, so it is read with
`np.load(path, allow_pickle=False)`: opening a checkpoint can never run code. You can
inspect one without tinygrad_rnn: `dict(np.load("char_lm.npz"))`.

Saving is atomic: the archive is written to a temporary file in the same folder and
then renamed over the target (`os.replace`), so a crash or a full disk in the middle of
`save` leaves the previous checkpoint untouched.

Read next: nn/module.py (`state_dict` / `load_state_dict`, which these functions call).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np

from .errors import CheckpointError, StateDictError
from .tensor import Tensor

FORMAT_VERSION = 1
META_PREFIX = "__tinygrad_rnn__."
FORMAT_KEY = META_PREFIX + "format_version"
CLASS_KEY = META_PREFIX + "class"
LIBRARY_KEY = META_PREFIX + "library_version"
SUFFIX = ".npz"
_ZIP_MAGIC = b"PK"  # every zip archive (and so every .npz) starts with these bytes

# np.savez(file, *args, allow_pickle=..., **arrays): these names cannot be array names
_SAVEZ_ARGUMENTS = ("file", "args", "allow_pickle")


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
    `path` as it was and removes the temporary file. Raises CheckpointError on failure.
    """
    target = checkpoint_path(path)
    arrays = _arrays_to_save(module, target)
    _write_atomically(target, arrays)
    return target


def _arrays_to_save(module, target: Path) -> dict[str, np.ndarray]:
    """The state dict as plain numeric arrays, plus the metadata entries."""
    from . import __version__  # imported here: the package imports this module first

    arrays = {}
    for name, value in module.state_dict().items():
        array = value.data if isinstance(value, Tensor) else np.asarray(value)
        if name.startswith(META_PREFIX) or name in _SAVEZ_ARGUMENTS:
            raise CheckpointError(
                f"save: cannot store a state entry named {name!r} in {target} "
                f"(reserved for the file format); rename that parameter"
            )
        if array.dtype.kind not in "fiub":
            raise CheckpointError(
                f"save: state entry {name!r} has dtype {array.dtype}; a checkpoint holds "
                f"numeric arrays only (it is read with allow_pickle=False)"
            )
        arrays[name] = array
    arrays[FORMAT_KEY] = np.array(FORMAT_VERSION)
    arrays[CLASS_KEY] = np.array(type(module).__name__)  # a unicode array, not a pickle
    arrays[LIBRARY_KEY] = np.array(__version__)
    return arrays


def _write_atomically(target: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the archive to a temporary file beside `target`, then rename it over target.

    `os.replace` is atomic on POSIX and Windows: readers see the old file or the new
    one, never half of one. The temporary name starts with "." so it stays out of the way.
    """
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(temporary, "xb") as file:
            np.savez(file, **arrays)  # a file object: numpy adds no suffix
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the rename
        os.replace(temporary, target)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if isinstance(error, Exception):
            raise CheckpointError(
                f"save: could not write the checkpoint {target}: {error}. "
                f"Any previous file at that path is unchanged."
            ) from error
        raise  # KeyboardInterrupt and friends: cleaned up, then passed on


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
    different model class, or one written by a newer format version; StateDictError
    (one message listing every missing/unexpected key and wrong shape) when the
    arrays do not fit the module. A plain .npz without metadata (e.g. exported from
    PyTorch as `np.savez(path, **state)`) is accepted: only its arrays are checked.
    """
    source = _existing_checkpoint(path)
    arrays = _read_arrays(source)
    metadata = {name: array for name, array in arrays.items() if name.startswith(META_PREFIX)}
    state = {name: array for name, array in arrays.items() if not name.startswith(META_PREFIX)}
    _check_metadata(metadata, module, source)
    try:
        module.load_state_dict(state, strict=strict)
    except StateDictError as error:
        raise StateDictError(
            f"load: the checkpoint {source} does not fit the model: {error}"
        ) from None
    return module


def _existing_checkpoint(path: str | os.PathLike) -> Path:
    """The file to read: `path` itself, or `path` + ".npz" (numpy's save rule)."""
    given = Path(os.fspath(path))
    candidates = [given]
    if not given.name.endswith(SUFFIX):
        candidates.append(checkpoint_path(given))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    for candidate in candidates:
        if candidate.is_dir():
            raise CheckpointError(f"load: {candidate} is a directory, not a checkpoint file")
    tried = " or ".join(str(c) for c in candidates)
    raise CheckpointError(f"load: no checkpoint file at {tried} (file not found)")


def _read_arrays(source: Path) -> dict[str, np.ndarray]:
    """Every array in the archive, read eagerly, with allow_pickle=False.

    The file is opened here rather than by np.load, so it is closed even when the
    archive turns out to be broken (np.load leaves it open in that case).
    """
    try:
        with open(source, "rb") as file:
            return _read_open_archive(file, source)
    except OSError as error:
        raise CheckpointError(f"load: cannot open {source}: {error}") from error


def _read_open_archive(file, source: Path) -> dict[str, np.ndarray]:
    start = file.read(6)
    file.seek(0)
    if start == b"\x93NUMPY":
        raise CheckpointError(
            f"load: {source} holds a single array (.npy format), not an .npz archive of "
            f"named arrays; save checkpoints with tg.save(model, path)"
        )
    if not start.startswith(_ZIP_MAGIC):
        raise CheckpointError(
            f"load: {source} is not an .npz checkpoint (it starts with {start!r}, an .npz "
            f"file starts with {_ZIP_MAGIC!r}); was it written by tg.save or np.savez?"
        )
    try:
        with np.load(file, allow_pickle=False) as archive:
            return {name: _read_member(archive, name, source) for name in archive.files}
    except CheckpointError:
        raise
    except Exception as error:  # BadZipFile, bad CRC, EOFError, zlib.error ...
        raise CheckpointError(
            f"load: {source} is truncated or corrupt ({type(error).__name__}: {error})"
        ) from error


def _read_member(archive, name: str, source: Path) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as error:
        if "allow_pickle" not in str(error):
            raise
        raise CheckpointError(
            f"load: entry {name!r} of {source} is an object array (pickled Python "
            f"objects); checkpoints hold only numbers, and unpickling could run code, so "
            f"it is not read"
        ) from error


def _check_metadata(metadata: dict[str, np.ndarray], module, source: Path) -> None:
    """Refuse a checkpoint from a newer format or of another model class."""
    if FORMAT_KEY in metadata:
        version = metadata[FORMAT_KEY]
        if version.dtype.kind not in "iu" or version.shape != ():
            raise CheckpointError(f"load: {source} has a corrupt format version entry")
        if int(version) > FORMAT_VERSION:
            raise CheckpointError(
                f"load: {source} uses checkpoint format {int(version)}, but this "
                f"tinygrad_rnn reads formats up to {FORMAT_VERSION}; upgrade tinygrad_rnn"
            )
    if CLASS_KEY in metadata:
        saved_class = str(metadata[CLASS_KEY])
        own_class = type(module).__name__
        if saved_class != own_class:
            raise CheckpointError(
                f"load: {source} is a checkpoint of a {saved_class}, but the model you are "
                f"loading it into is a {own_class}; create a {saved_class} with the same "
                f"sizes and load into that"
            )
