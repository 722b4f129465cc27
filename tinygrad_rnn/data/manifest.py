"""The record of the packaged datasets: every file's size, line count and sha256.

    python -m tinygrad_rnn.data.manifest

prints two things, both computed from the files in tinygrad_rnn/data/datasets/:

1. the table of files that datasets/README.md shows - the size in the package, the size
   and line count of the text after decompression, and the sha256 of that text. The
   sha256 values were recorded when the files were packaged, from the original copies, so
   a copy that was damaged or edited since fails tests/test_data_paths.py;
2. the figures the project README's "Data" section states (characters, lines, sentences,
   sizes), which the same test finds there.

Nothing here runs when a lesson loads its data; it is the project's bookkeeping, kept in
the package so that an installed copy can be checked too.

Read next: sentiment.py or text.py (the loaders that read these files).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .files import read_bytes
from .paths import DATASETS_DIR, default_data_path
from .sentiment import load_labelled_sentences
from .text import load_text

README_NAME = "README.md"  # the note in datasets/ that describes the files, not data itself


@dataclass(frozen=True)
class DataFile:
    """One packaged file, as the table in datasets/README.md describes it."""

    name: str  # path inside datasets/, with "/" separators
    stored_bytes: int  # size in the package (compressed, for a .gz file)
    text_bytes: int  # size of the text after decompression
    lines: int  # newline characters in the text
    sha256: str  # of the text after decompression


def packaged_files() -> list[Path]:
    """Every data file under datasets/ in name order (its README.md left out)."""
    files = []
    for path in sorted(DATASETS_DIR.rglob("*")):
        if path.is_file() and path.relative_to(DATASETS_DIR).as_posix() != README_NAME:
            files.append(path)
    return files


def describe_file(path: Path) -> DataFile:
    """Size, decompressed size, line count and sha256 of one packaged file."""
    text = read_bytes(path, what="packaged data file")
    return DataFile(
        name=path.relative_to(DATASETS_DIR).as_posix(),
        stored_bytes=path.stat().st_size,
        text_bytes=len(text),
        lines=text.count(b"\n"),
        sha256=hashlib.sha256(text).hexdigest(),
    )


def manifest() -> list[DataFile]:
    """describe_file for every packaged file, in name order."""
    records = []
    for path in packaged_files():
        records.append(describe_file(path))
    return records


def format_table(records: list[DataFile]) -> str:
    """The markdown table of datasets/README.md, one row per file."""
    lines = [
        "| file | bytes in the package | bytes of text | lines | sha256 of the text |",
        "|---|---:|---:|---:|---|",
    ]
    for record in records:
        lines.append(
            f"| `{record.name}` | {spaced(record.stored_bytes)} | {spaced(record.text_bytes)} "
            f"| {spaced(record.lines)} | `{record.sha256}` |"
        )
    return "\n".join(lines)


def readme_figures() -> dict[str, str]:
    """The figures the project README's Data section states, formatted as it writes them."""
    shakespeare_path = default_data_path("tinyshakespeare.txt")
    shakespeare = load_text(shakespeare_path)
    sentences, labels = load_labelled_sentences(default_data_path("sentiment_labelled_sentences"))
    sentence_bytes = 0
    for record in manifest():
        if record.name.startswith("sentiment_labelled_sentences/"):
            sentence_bytes += record.stored_bytes
    return {
        "Tiny Shakespeare: characters": spaced(len(shakespeare)),
        "Tiny Shakespeare: lines": spaced(shakespeare.count("\n")),
        "Tiny Shakespeare: distinct characters": spaced(len(set(shakespeare))),
        "Tiny Shakespeare: size of the text": megabytes(len(shakespeare.encode("utf-8"))),
        "Tiny Shakespeare: size in the package": kilobytes(shakespeare_path.stat().st_size),
        "sentences": spaced(len(sentences)),
        "positive sentences": spaced(int(labels.sum())),
        "sentences: size in the package": kilobytes(sentence_bytes),
    }


def spaced(number: int) -> str:
    """1115394 -> '1 115 394' (a space between thousands, as the READMEs write numbers)."""
    return f"{number:,}".replace(",", " ")


def kilobytes(size: int) -> str:
    """433884 -> '434 kB' (1 kB = 1000 bytes)."""
    return f"{size / 1000:.0f} kB"


def megabytes(size: int) -> str:
    """1115394 -> '1.1 MB' (1 MB = 10^6 bytes)."""
    return f"{size / 1e6:.1f} MB"


def main() -> None:
    """Print the file table and the README's figures."""
    print(f"files in {DATASETS_DIR}:\n")
    print(format_table(manifest()))
    print("\nfigures in the README's Data section:\n")
    for name, value in readme_figures().items():
        print(f"  {name}: {value}")


if __name__ == "__main__":
    main()
