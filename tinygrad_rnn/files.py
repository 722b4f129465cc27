"""Writing files so that nothing the user has is ever lost: the one atomic-write helper.

Every file tinygrad_rnn writes - checkpoints, vocabularies, word vectors, pictures, the
player page - goes through `atomic_write`:

    with atomic_write("runs/lm.npz") as file:     # a binary file object
        np.savez(file, **arrays)

1. The bytes go to a temporary file in the same folder (".lm.npz.1a2b3c4d.tmp").
2. On leaving the block the file is flushed and fsync'ed (the bytes are on disk) and
   renamed over the target with `os.replace`, which is atomic: a reader sees the old file
   or the new one, never half of one. A crash, a full disk or Ctrl-C in the middle leaves
   the old file as it was, and the temporary file is removed on any error.
3. A symlink is written *through*: the file it points to gets the new bytes and the link
   stays a link (a plain rename would replace the link itself with a file).
4. The mode of an existing file is kept (a private 0600 checkpoint stays 0600); a new
   file gets the usual mode, 0666 minus the umask, as `open(path, "w")` would give it.

Errors are OSError subclasses (FileNotFoundError, IsADirectoryError, PermissionError ...)
whose message names the file and says what to do, e.g. "folder 'runs' does not exist;
create it first". Callers put their own name in front (`save: ...`, `viz.render: ...`).

`check_writable(path)` answers "could I write here?" before a long job starts (it
creates and removes a probe file, so it leaves nothing behind); `fresh_path(path)` finds a
name that does not exist yet (fig.dot, else fig-1.dot, fig-2.dot ...), for files the user
did not name; `file_kind` says what a non-regular path is ("a named pipe (FIFO)").

This module is on the engine side: numpy-free, and viz may import it (never the reverse).

Read next: checkpoint.py (tg.save / tg.load, the main user of these functions).
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

MAX_FRESH_NAMES = 10_000  # fig-1.dot ... fig-9999.dot, then give up


# --------------------------------------------------------------------------------------
# What a path is
# --------------------------------------------------------------------------------------
def file_kind(mode: int) -> str:
    """A few words for the kind of file `mode` (an `os.stat` st_mode) describes."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def write_target(path: str | os.PathLike) -> Path:
    """The file a write to `path` really changes: the file a symlink points to (through
    a chain of links), else `path` itself."""
    path = Path(os.fspath(path))
    if path.is_symlink():
        return Path(os.path.realpath(path))
    return path


def folder_of(path: Path) -> Path:
    """The folder that holds `path` ("." for a bare file name)."""
    return path.parent if str(path.parent) else Path(".")


# --------------------------------------------------------------------------------------
# Checks before writing
# --------------------------------------------------------------------------------------
def _check_target(target: Path, shown: str) -> None:
    """An existing target must be a regular file we may change (not a folder, a pipe,
    a device, or a read-only file)."""
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return  # a new file (or a folder that is not one: _check_folder says so)
    except OSError as error:
        raise type(error)(f"cannot use {shown!r}: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        example = os.path.join(shown, "NAME")
        raise IsADirectoryError(
            f"{shown!r} is a folder; give a file name inside it, e.g. {example!r}"
        )
    if not stat.S_ISREG(info.st_mode):
        raise OSError(
            f"{shown!r} is {file_kind(info.st_mode)}, not a regular file; write to a file"
        )
    if not os.access(target, os.W_OK):
        raise PermissionError(
            f"{shown!r} is read-only (no write permission); make it writable "
            f"(chmod u+w) or write to another file"
        )


def _check_folder(folder: Path) -> None:
    """The folder must exist and be a folder."""
    if not folder.exists():
        raise FileNotFoundError(f"folder {str(folder)!r} does not exist; create it first")
    if not folder.is_dir():
        raise NotADirectoryError(f"{str(folder)!r} is a file, not a folder")


def _nearest_existing_folder(folder: Path) -> Path:
    """`folder`, or the closest of its parents that exists (what `mkdir -p` would start from)."""
    absolute = Path(os.path.abspath(folder))
    while not absolute.exists() and absolute != absolute.parent:
        absolute = absolute.parent
    return absolute


def check_writable(path: str | os.PathLike, *, make_folders: bool = False) -> Path:
    """Raise an OSError that says why, unless a file can be written at `path`; returns the
    file a write will change (see `write_target`).

    Run it before a long job (training) whose result would be lost if the final write
    failed. With `make_folders`, missing folders are fine as long as they can be created
    (the job creates them with `mkdir -p` when it saves). The check creates a probe file
    in the folder and removes it at once, so it leaves nothing behind.
    """
    shown = os.fspath(path)
    target = write_target(path)
    _check_target(target, shown)
    folder = folder_of(target)
    if make_folders and not folder.exists():
        folder = _nearest_existing_folder(folder)
    _check_folder(folder)
    descriptor, temporary = _create_temporary(folder, target.name)
    os.close(descriptor)
    os.unlink(temporary)
    return target


def fresh_path(path: str | os.PathLike) -> Path:
    """`path` if nothing exists there, else the first free "stem-N.suffix" (N = 1, 2 ...).

    For files the user did not name (a fallback, a by-product): they never replace one.
    """
    path = Path(os.fspath(path))
    if not os.path.lexists(path):
        return path
    for number in range(1, MAX_FRESH_NAMES):
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(f"{str(path)!r} and {MAX_FRESH_NAMES} numbered variants all exist")


# --------------------------------------------------------------------------------------
# The atomic write
# --------------------------------------------------------------------------------------
def _create_temporary(folder: Path, name: str) -> tuple[int, str]:
    """A new, empty temporary file in `folder`: (file descriptor, path).

    O_EXCL: it is a file nobody else has. Mode 0o666: the kernel takes the umask off, so
    a new file gets the same mode as `open(path, "w")` would give it.
    """
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        return os.open(temporary, flags, 0o666), temporary
    except OSError as error:
        raise type(error)(
            f"cannot create a file in folder {str(folder)!r} ({error.strerror or error})"
        ) from None


def _keep_mode(target: Path, temporary: str) -> None:
    """Give the temporary file the mode of the file it is about to replace, if any."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temporary, mode)


def _remove(temporary: str) -> None:
    """Delete the temporary file if it is still there (cleanup must not raise)."""
    try:
        os.unlink(temporary)
    except OSError:
        pass


@contextmanager
def atomic_write(path: str | os.PathLike, *, overwrite: bool = True) -> Iterator[BinaryIO]:
    """Write a file all at once: yields a binary file; on a clean exit the bytes replace
    `path` in one step (see the module docstring). On any error the temporary file is
    removed, any previous file at `path` is unchanged, and the error goes on (an OSError
    reworded to name `path`). `overwrite=False` refuses to replace an existing file.

        with atomic_write(path) as file:
            file.write(data)
    """
    shown = os.fspath(path)
    target = write_target(path)
    _check_target(target, shown)
    if not overwrite and os.path.lexists(target):
        raise FileExistsError(f"{shown!r} already exists; it was not changed")
    folder = folder_of(target)
    _check_folder(folder)
    try:
        descriptor, temporary = _create_temporary(folder, target.name)
    except OSError as error:
        raise type(error)(f"cannot write {shown!r}: {error}") from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the rename
        _keep_mode(target, temporary)
        os.replace(temporary, target)
    except BaseException as error:
        _remove(temporary)
        if isinstance(error, OSError):
            raise _reworded(error, shown) from error
        raise  # KeyboardInterrupt, or the caller's own error: cleaned up, passed on


def _reworded(error: OSError, shown: str) -> OSError:
    """The same kind of OSError, saying which file and that nothing was lost."""
    reason = error.strerror or str(error)
    message = f"could not write {shown!r}: {reason}; any previous file there is unchanged"
    try:
        return type(error)(message)
    except TypeError:  # an OSError subclass with another signature
        return OSError(message)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """`atomic_write` of ready bytes; returns `path` as a Path."""
    with atomic_write(path) as file:
        file.write(data)
    return Path(os.fspath(path))


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """`atomic_write` of text as UTF-8; returns `path` as a Path."""
    return write_bytes_atomic(path, text.encode("utf-8"))
