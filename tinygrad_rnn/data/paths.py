"""Where the data comes from: the datasets shipped inside the package, or your own file.

The package carries two datasets as package data, in a folder beside this module::

    tinygrad_rnn/data/datasets/
        tinyshakespeare.txt.gz           Tiny Shakespeare, gzip-compressed
        sentiment_labelled_sentences/    3 000 'sentence<TAB>label' lines in 3 files
        README.md                        sources, licences, sizes and sha256 of every file

Because the folder sits beside the code, it is found the same way in a checkout, after
`pip install .` and from the wheel: no environment variable, no download, nothing outside
the package. The readers (files.read_text, text.load_text, load_labelled_sentences)
decompress a .gz file on the fly, so callers never see the compression.

`default_data_path(name)` is the packaged file or folder called `name`, or None; a
compressed copy counts ("tinyshakespeare.txt" finds tinyshakespeare.txt.gz). Lessons and
the CLI call `resolve_data_path(name, args.data)`: the user's `--data PATH` when given (a
plain or gzip-compressed file, or a folder), else the packaged dataset.

Read next: files.py (reading a file, compressed or not, with clear errors), then
manifest.py (the record of the packaged files that a test checks them against).
"""

import os
from pathlib import Path

from .errors import DataNotFoundError

# the folder of package data; pyproject.toml's [tool.setuptools.package-data] ships it
DATASETS_DIR = Path(__file__).resolve().parent / "datasets"

# the names lessons ask for, and what each one is (shown when a name is not found)
PACKAGED_DATASETS = {
    "tinyshakespeare.txt": "Tiny Shakespeare, for lessons 5 and 10 and train-charlm",
    "sentiment_labelled_sentences": "the labelled review sentences, for lesson 6",
}


def default_data_path(name: str) -> Path | None:
    """The packaged file or folder `name` (or its gzip-compressed `name.gz`), or None."""
    plain = DATASETS_DIR / name
    compressed = DATASETS_DIR / (name + ".gz")
    for candidate in (plain, compressed):
        if candidate.exists():
            return candidate
    return None


def resolve_data_path(name: str, path: str | os.PathLike | None = None) -> Path:
    """The user's `path` if given (it must exist), else the packaged dataset `name`.

    Raises DataNotFoundError when `path` is empty or does not exist, and when the package
    holds no dataset `name` (the message lists the ones it ships and says to pass
    `--data PATH`).
    """
    if path is not None:
        return _user_path(path)
    found = default_data_path(name)
    if found is None:
        raise DataNotFoundError(_not_packaged_message(name))
    return found


def _user_path(path: str | os.PathLike) -> Path:
    """The user's `--data` path, checked: not empty, and it exists."""
    if str(path).strip() == "":
        raise DataNotFoundError("--data is empty; pass the path of a file or folder")
    path = Path(path).expanduser()
    if not path.exists():
        raise DataNotFoundError(f"--data {str(path)!r} does not exist")
    return path


def _not_packaged_message(name: str) -> str:
    """Why `name` was not found, what the package ships, and what to do instead."""
    shipped = "; ".join(f"{known} ({about})" for known, about in PACKAGED_DATASETS.items())
    if name in PACKAGED_DATASETS:
        problem = (
            f"the packaged dataset {name!r} is missing from {DATASETS_DIR} (an incomplete "
            f"install? reinstall tinygrad-rnn)"
        )
    else:
        problem = f"the package ships no dataset called {name!r} (it ships: {shipped})"
    return f"{problem}; pass --data PATH to use your own file"
