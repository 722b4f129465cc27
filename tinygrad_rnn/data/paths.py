"""Finding the shared data files (Tiny Shakespeare, the labelled sentences).

The data lives beside the project checkout, not inside it::

    /work/shared/data/tinyshakespeare.txt
    /work/shared/data/sentiment_labelled_sentences/
    /work/main/            <- the checkout (holds tinygrad_rnn/)

`default_data_path(name)` looks for `name` in these folders, first match wins:

1. `$TINYGRAD_RNN_DATA` (a folder), when the variable is set;
2. `<checkout>/../shared/data`, where `<checkout>` is the folder holding tinygrad_rnn/;
3. `./../shared/data` relative to the current directory (for an installed package).

It returns the Path, or None. Examples call `resolve_data_path(name, args.data)`: the
user's `--data PATH` when given, else the default, else a DataNotFoundError that says to
pass `--data PATH`.

Read next: __init__.py (everything the data package offers, in one list).
"""

import os
from pathlib import Path

from .errors import DataNotFoundError

DATA_ENV_VAR = "TINYGRAD_RNN_DATA"


def checkout_dir() -> Path:
    """The folder that holds the tinygrad_rnn package (the project checkout)."""
    return Path(__file__).resolve().parent.parent.parent


def data_search_dirs() -> list[Path]:
    """The folders `default_data_path` searches, in order (see the module docstring)."""
    folders = []
    override = os.environ.get(DATA_ENV_VAR)
    if override:
        folders.append(Path(override).expanduser())
    folders.append(checkout_dir().parent / "shared" / "data")
    folders.append(Path.cwd().parent / "shared" / "data")
    unique = []
    for folder in folders:
        if folder not in unique:
            unique.append(folder)
    return unique


def default_data_path(name: str) -> Path | None:
    """The path of the shared data file or folder `name`, or None when it is not found."""
    for folder in data_search_dirs():
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None


def resolve_data_path(name: str, path: str | os.PathLike | None = None) -> Path:
    """The user's `path` if given (it must exist), else `default_data_path(name)`.

    Raises DataNotFoundError with a message telling the user to pass `--data PATH` (or
    set $TINYGRAD_RNN_DATA) when nothing is found.
    """
    if path is not None:
        path = Path(path).expanduser()
        if not path.exists():
            raise DataNotFoundError(f"--data {str(path)!r} does not exist")
        return path
    found = default_data_path(name)
    if found is None:
        looked = ", ".join(str(folder) for folder in data_search_dirs())
        raise DataNotFoundError(
            f"could not find the data {name!r} (looked in: {looked}); pass --data PATH to "
            f"use your own file, or set {DATA_ENV_VAR} to the folder that holds {name!r}"
        )
    return found
