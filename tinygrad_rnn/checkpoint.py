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
each .npy starts with a small header: shape and dtype. `CheckpointArchive`
(checkpoint_archive.py) reads only those headers first; the names, shapes and dtypes
are compared with what the model expects, and only then is each array's data read - so
a crafted file (a 400 MB entry that compresses to a few KB, an object array, a key the
model does not have) is refused before its data is touched. Every problem is a
CheckpointError (or a StateDictError listing the keys and shapes that do not fit) that
names the file.

Read next: checkpoint_archive.py (reading an archive), then nn/module.py (`state_dict` /
`load_state_dict`, which these functions call).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .checkpoint_archive import CheckpointArchive  # also imported from here (charlm)
from .checkpoint_objects import MAX_STRUCTURE_BYTES, STRUCTURE_KEY, decode, encode
from .errors import CheckpointError, StateDictError, TinygradError
from .files import atomic_write
from .graph import format_source, user_source
from .tensor import Tensor

FORMAT_VERSION = 1
META_PREFIX = "__tinygrad_rnn__."
FORMAT_KEY = META_PREFIX + "format_version"
CLASS_KEY = META_PREFIX + "class"
LIBRARY_KEY = META_PREFIX + "library_version"
SUFFIX = ".npz"
MAX_METADATA_BYTES = 4096  # the class name and version strings are a few dozen bytes

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
def save(obj, path: str | os.PathLike) -> Path:
    """Write a model's parameters, or a dict of arrays and numbers, to an .npz file;
    returns the path written.

    obj     a model (anything with .state_dict()): its state_dict() and metadata
            (`load(model, path)` reads it back);
            anything else - `model.state_dict()`, {"epoch": 3, "model": ..., "optimizer":
            optimizer.state_dict()} - is stored as in checkpoint_objects.py and comes
            back from `load(path)`, as with torch.save / torch.load.
    path    str or pathlib.Path; ".npz" is appended if missing (as `np.savez` does).
    The write is atomic: a failure (full disk, Ctrl-C) leaves any previous file at
    `path` as it was and removes the temporary file. Raises CheckpointError on failure,
    and for arrays that hold NaN or inf (nothing is written then).
    """
    try:
        if callable(getattr(obj, "state_dict", None)):  # a model
            return write_checkpoint(obj, path, "save")
        return write_object(obj, path)
    except CheckpointError as error:
        raise with_user_line(error) from error.__cause__


def write_object(obj, path: str | os.PathLike) -> Path:
    """`save` of a dict (or list) of arrays and numbers: the arrays and the JSON structure."""
    from . import __version__  # imported here: the package imports this module first

    refuse_folder(path, "save")
    target = checkpoint_path(path)
    text, arrays = encode(obj)
    for array in arrays.values():
        _refuse_non_finite(array, f"save: {target}: an array", "nothing was written")
    arrays[STRUCTURE_KEY] = np.array(text)  # a unicode array, not a pickle
    arrays[FORMAT_KEY] = np.array(FORMAT_VERSION)
    arrays[LIBRARY_KEY] = np.array(__version__)
    _write_atomically(target, arrays, "save")
    return target


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
def load(module, path=None, strict: bool = True, *, map_location=None, weights_only=None):
    """`load(path)`: what `save(obj, path)` wrote - a dict of arrays, Tensors and numbers
    (for a model's checkpoint, its state dict), as `torch.load(path)` gives; so
    `model.load_state_dict(tg.load(path))` works. map_location ("cpu" or None) and
    weights_only are accepted for PyTorch's sake: nothing here is ever unpickled.

    `load(module, path)`: copy the parameters saved in an .npz checkpoint into `module`;
    returns `module`.

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
    if path is None:  # load(path): PyTorch's torch.load
        _check_map_location(map_location)
        try:
            return read_object(module)
        except (CheckpointError, StateDictError) as error:
            raise with_user_line(error) from error.__cause__
    try:
        return read_checkpoint_into(module, path, strict)
    except (CheckpointError, StateDictError) as error:
        raise with_user_line(error) from error.__cause__


def _check_map_location(map_location) -> None:
    """torch.load's map_location: only the CPU exists here."""
    if map_location is not None and str(map_location).split(":")[0] != "cpu":
        raise CheckpointError(
            f"load: tinygrad_rnn computes with numpy on the CPU; map_location="
            f"{map_location!r} is not available (use 'cpu' or leave it out)"
        )


def read_object(path: str | os.PathLike):
    """`load(path)`: the saved object, or a model checkpoint's state dict."""
    source = existing_checkpoint(path, "load")
    with CheckpointArchive(source, "load") as archive:
        metadata = read_metadata(archive)
        check_format(metadata, archive)
        names = [name for name in archive.entries if not name.startswith(META_PREFIX)]
        arrays = read_entries(archive, names, noun="array")
        if STRUCTURE_KEY not in archive.entries:  # a model's checkpoint: its state dict
            return dict(arrays)
        text = str(archive.read(STRUCTURE_KEY, max_bytes=MAX_STRUCTURE_BYTES))
    return decode(text, arrays, str(source))


def read_checkpoint_into(module, path: str | os.PathLike, strict: bool = True):
    """`load` without the user's line in its errors."""
    source = existing_checkpoint(path, "load")
    expected = module.state_dict()
    with CheckpointArchive(source, "load") as archive:
        if STRUCTURE_KEY in archive.entries:  # written by save(model.state_dict(), path)
            archive.close()
            module.load_state_dict(read_object(source), strict=strict)
            return module
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
