"""The data that ships in the package: found by default, identical to the originals,
described truthfully by both READMEs; --data for your own files; no machine's paths."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from tinygrad_rnn import data
from tinygrad_rnn.data import (
    DATASETS_DIR,
    PACKAGED_DATASETS,
    DataNotFoundError,
    default_data_path,
    resolve_data_path,
)
from tinygrad_rnn.data.manifest import format_table, manifest, readme_figures

PACKAGE_DIR = Path(data.__file__).resolve().parent


def test_the_defaults_are_the_files_inside_the_package():
    shakespeare = default_data_path("tinyshakespeare.txt")
    sentences = default_data_path("sentiment_labelled_sentences")
    assert shakespeare == PACKAGE_DIR / "datasets" / "tinyshakespeare.txt.gz"
    assert sentences == PACKAGE_DIR / "datasets" / "sentiment_labelled_sentences"
    assert sentences.is_dir() and DATASETS_DIR == PACKAGE_DIR / "datasets"
    assert resolve_data_path("tinyshakespeare.txt") == shakespeare
    for name in PACKAGED_DATASETS:
        assert default_data_path(name) is not None


def test_no_environment_variable_moves_the_default(tmp_path, monkeypatch):
    """The old environment override is gone: the packaged copy is always the default."""
    (tmp_path / "tinyshakespeare.txt").write_text("To be", encoding="utf-8")
    monkeypatch.setenv("TINYGRAD_RNN_DATA", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert default_data_path("tinyshakespeare.txt").parent == DATASETS_DIR


def test_an_unknown_name_gives_none_and_a_helpful_error():
    assert default_data_path("no_such_corpus_3141.txt") is None
    with pytest.raises(DataNotFoundError, match="pass --data PATH") as info:
        resolve_data_path("no_such_corpus_3141.txt")
    message = str(info.value)
    assert "no dataset called 'no_such_corpus_3141.txt'" in message
    assert "tinyshakespeare.txt" in message and "sentiment_labelled_sentences" in message
    assert isinstance(info.value, FileNotFoundError)


def test_a_missing_packaged_file_says_the_install_is_incomplete(tmp_path, monkeypatch):
    monkeypatch.setattr("tinygrad_rnn.data.paths.DATASETS_DIR", tmp_path)
    with pytest.raises(DataNotFoundError, match="missing from .*reinstall tinygrad-rnn"):
        resolve_data_path("tinyshakespeare.txt")


def test_user_path_wins_and_must_exist(tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("x", encoding="utf-8")
    assert resolve_data_path("tinyshakespeare.txt", mine) == mine
    assert resolve_data_path("tinyshakespeare.txt", str(mine)) == mine
    with pytest.raises(DataNotFoundError, match="--data .*absent.txt' does not exist"):
        resolve_data_path("tinyshakespeare.txt", tmp_path / "absent.txt")
    with pytest.raises(DataNotFoundError, match="--data is empty"):
        resolve_data_path("tinyshakespeare.txt", "")


def dataset_readme_table() -> str:
    """The table of files in tinygrad_rnn/data/datasets/README.md, as written there."""
    text = (DATASETS_DIR / "README.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return "\n".join(rows)


def test_packaged_files_are_the_originals_byte_for_byte():
    """Sizes, line counts and sha256 of every file's text (after decompression) are the
    ones recorded from the original copies in datasets/README.md."""
    records = manifest()
    names = [record.name for record in records]
    assert names == [
        "sentiment_labelled_sentences/amazon_cells_labelled.txt",
        "sentiment_labelled_sentences/imdb_labelled.txt",
        "sentiment_labelled_sentences/readme.txt",
        "sentiment_labelled_sentences/yelp_labelled.txt",
        "tinyshakespeare.txt.gz",
    ]
    assert dataset_readme_table() == format_table(records)


def test_the_dataset_readme_names_sources_and_licences():
    text = (DATASETS_DIR / "README.md").read_text(encoding="utf-8")
    text = " ".join(text.split())  # a name may be wrapped across two lines
    for needed in (
        "Karpathy",
        "char-rnn",
        "public domain",
        "Kotzias",
        "From Group to Individual Labels using Deep Features",
        "KDD 2015",
        "UCI Machine Learning Repository",
        "CC BY 4.0",
    ):
        assert needed in text, needed


def readme_data_section() -> str:
    """The '## Data' section of the project README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Data\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Data' section"
    return match.group(1)


def test_readme_data_section_states_the_measured_figures():
    """Every figure `python -m tinygrad_rnn.data.manifest` prints appears in the README."""
    section = readme_data_section()
    for name, figure in readme_figures().items():
        assert figure in section, f"README Data section lacks {name} = {figure!r}"
    for needed in ("tinygrad_rnn/data/datasets/", "--data", "sentence<TAB>label"):
        assert needed in section, needed


def test_the_manifest_command_prints_the_table():
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn.data.manifest"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert format_table(manifest()) in result.stdout
    assert "Tiny Shakespeare: characters: 1 115 394" in result.stdout


# Paths of one machine that must never reach the repository (split so this file does not
# match itself): the development machine's folder, the data folder that lay beside its
# checkout (as text, and as the code that built it), and home folders.
MACHINE_PATHS = [
    "/" + "work/",
    "shared" + "/data",
    '"shared"' + ' / "data"',
    "/" + "home/",
    "/" + "Users/",
]


def tracked_text_files() -> list[Path]:
    """The repository's tracked files that people read: code, docs, Makefile, CI, config."""
    listing = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    suffixes = {".py", ".md", ".toml", ".cfg", ".txt", ".ipynb", ".yml", ".yaml", ".sh"}
    files = []
    for name in listing:
        path = ROOT / name
        if name and path.is_file() and (path.suffix in suffixes or name in ("Makefile", ".ci/run")):
            files.append(path)
    return files


def test_no_path_of_a_particular_machine_in_the_repository():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    hits = []
    for path in tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for needle in MACHINE_PATHS:
                if needle in line:
                    hits.append(f"{path.relative_to(ROOT)}:{number}: {needle}")
    assert not hits, "\n".join(hits)
