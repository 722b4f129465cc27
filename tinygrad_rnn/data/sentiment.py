"""Loading `sentence<TAB>label` files, such as the 3 000 labelled review sentences.

    from tinygrad_rnn import data

    folder = data.default_data_path("sentiment_labelled_sentences")   # shipped in the package
    sentences, labels = data.load_labelled_sentences(folder)
    len(sentences), labels[:3]      # 3000, array([0, 0, 0])
    sentences, labels = data.load_labelled_sentences("my_reviews.txt")  # your own file

File format: one example per line, the sentence, a TAB, an integer label::

    A very, very, very slow-moving, aimless movie about a distressed, drifting young man.  \t0

The sentence is everything before the *last* TAB, with surrounding whitespace stripped
(the Kotzias et al. files put two spaces before the TAB); the label is the integer after
it. Blank lines are skipped. A folder is read file by file in name order (files matching
`pattern`, `*.txt` by default, or its gzip-compressed form `*.txt.gz`, except README
files); a gzip-compressed file is decompressed on the fly (files.read_text). Errors say
which file and line is wrong: a missing file, an empty file, a binary file, a line
without a TAB or with a label that is not an integer.

Read next: sequences.py (padding sentences of different lengths into one batch).
"""

import os
import re
from pathlib import Path

import numpy as np

from ..checks import describe
from .checks import check_path
from .errors import DataError, DataFormatError, DataNotFoundError
from .files import read_text

# A label is a plain decimal integer: "0", "1", "-1", "+2". (Python's int() would also
# take "1_0" as 10 and Arabic-Indic digits, which no label file means.)
LABEL_PATTERN = re.compile(r"[+-]?[0-9]+")


def load_labelled_sentences(
    path: str | os.PathLike, pattern: str = "*.txt"
) -> tuple[list[str], np.ndarray]:
    """Read one `sentence<TAB>label` file or a folder of them.

    Returns (sentences, labels): a list of N strings and an int64 array of shape (N,),
    in file order (files in name order for a folder).
    """
    check_path(path, "load_labelled_sentences")
    if not isinstance(pattern, str) or pattern == "":
        raise DataError(
            f"load_labelled_sentences: pattern must be a glob such as '*.txt', got "
            f"{describe(pattern)}"
        )
    path = Path(path)
    if not path.exists():
        raise DataNotFoundError(
            f"labelled-sentence data {str(path)!r} does not exist; pass the path of a "
            f"'sentence<TAB>label' file or a folder of them"
        )
    files = labelled_files(path, pattern) if path.is_dir() else [path]
    sentences: list[str] = []
    labels: list[int] = []
    for file in files:
        file_sentences, file_labels = read_labelled_file(file)
        sentences.extend(file_sentences)
        labels.extend(file_labels)
    return sentences, np.array(labels, dtype=np.int64)


def labelled_files(folder: Path, pattern: str = "*.txt") -> list[Path]:
    """The data files of a folder: names matching `pattern` or `pattern + ".gz"`, sorted,
    README files left out."""
    matches = set(folder.glob(pattern)) | set(folder.glob(pattern + ".gz"))
    files = sorted(
        file for file in matches if file.is_file() and not file.name.lower().startswith("readme")
    )
    if not files:
        raise DataNotFoundError(
            f"folder {str(folder)!r} holds no files matching {pattern!r} or "
            f"{pattern + '.gz'!r} (README files are skipped); pass a 'sentence<TAB>label' "
            f"file or a folder of them"
        )
    return files


def read_labelled_file(path: str | os.PathLike) -> tuple[list[str], list[int]]:
    """Parse one `sentence<TAB>label` file into (sentences, labels) lists."""
    text = read_text(path, what="labelled-sentence file")
    sentences: list[str] = []
    labels: list[int] = []
    # split on "\n" only: str.splitlines would also break at rare Unicode separators
    for line_number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip() == "":
            continue
        sentence, label = parse_labelled_line(line, f"{path}:{line_number}")
        sentences.append(sentence)
        labels.append(label)
    return sentences, labels


def parse_labelled_line(line: str, where: str) -> tuple[str, int]:
    """('sentence', label) from 'sentence<TAB>label'; `where` is the file:line for errors."""
    sentence, tab, label_text = line.rpartition("\t")
    shown = line if len(line) <= 60 else line[:57] + "..."
    if not tab:
        raise DataFormatError(f"{where}: expected 'sentence<TAB>label', found no TAB in {shown!r}")
    sentence = sentence.strip()
    if sentence == "":
        raise DataFormatError(f"{where}: the sentence before the TAB is empty in {shown!r}")
    label_text = label_text.strip()
    if not LABEL_PATTERN.fullmatch(label_text):
        raise DataFormatError(
            f"{where}: the label after the TAB must be an integer such as 0 or 1, got "
            f"{label_text!r}"
        )
    return sentence, int(label_text)
