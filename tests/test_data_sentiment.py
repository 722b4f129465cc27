"""The sentence<TAB>label loader (the packaged files and every error case), padding, batches."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from tinygrad_rnn.data import (
    DataError,
    DataFormatError,
    DataNotFoundError,
    WordVocab,
    bag_of_words,
    default_data_path,
    iterate_minibatches,
    lengths_to_mask,
    load_labelled_sentences,
    pad_sequences,
)

SENTIMENT = default_data_path("sentiment_labelled_sentences")  # shipped in the package


def test_real_folder_has_3000_balanced_sentences():
    sentences, labels = load_labelled_sentences(SENTIMENT)
    assert len(sentences) == 3000 and labels.shape == (3000,)
    assert labels.dtype == np.int64
    assert set(labels.tolist()) == {0, 1}
    assert abs(labels.mean() - 0.5) < 0.05  # the readme: 500 positive, 500 negative per site
    assert all(sentence == sentence.strip() and sentence for sentence in sentences)
    assert not any("\t" in sentence for sentence in sentences)


def test_real_file_trailing_spaces_before_the_tab():
    path = Path(SENTIMENT) / "imdb_labelled.txt"
    sentences, labels = load_labelled_sentences(path)
    assert len(sentences) == 1000
    assert sentences[0] == (
        "A very, very, very slow-moving, aimless movie about a distressed, drifting young man."
    )
    assert labels[0] == 0
    assert int(labels.sum()) == 500


def test_each_real_file_has_1000_sentences_half_of_them_positive():
    """What datasets/README.md says: 1 000 sentences per site, 500 positive and 500 negative."""
    names = [path.name for path in sorted(Path(SENTIMENT).glob("*_labelled.txt"))]
    assert names == ["amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"]
    for name in names:
        sentences, labels = load_labelled_sentences(Path(SENTIMENT) / name)
        assert len(sentences) == 1000 and int(labels.sum()) == 500, name


def test_real_data_feeds_vocab_padding_and_bag_of_words():
    sentences, labels = load_labelled_sentences(SENTIMENT)
    vocab = WordVocab.from_text(sentences, min_freq=2)
    encoded = [vocab.encode(sentence) for sentence in sentences]
    padded, lengths = pad_sequences(encoded)
    assert padded.shape == (3000, lengths.max())
    counts = bag_of_words(padded, len(vocab), ignore_index=vocab.pad_index)
    np.testing.assert_array_equal(counts.sum(axis=1), lengths)


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_tmp_file_format_details(tmp_path):
    content = (
        "Great phone!  \t1\n"
        "\n"
        "Tabs\tinside the sentence\t0\r\n"  # the label follows the last TAB; CRLF ok
        "  spaces around   \t 1 \n"
    )
    sentences, labels = load_labelled_sentences(write(tmp_path, "a.txt", content))
    assert sentences == ["Great phone!", "Tabs\tinside the sentence", "spaces around"]
    np.testing.assert_array_equal(labels, [1, 0, 1])


def test_folder_reads_files_in_name_order_and_skips_readme(tmp_path):
    write(tmp_path, "b_labelled.txt", "second file\t0\n")
    write(tmp_path, "a_labelled.txt", "first file\t1\n")
    write(tmp_path, "readme.txt", "Format:\nsentence \t score \n")
    write(tmp_path, "notes.md", "not data")
    sentences, labels = load_labelled_sentences(tmp_path)
    assert sentences == ["first file", "second file"]
    np.testing.assert_array_equal(labels, [1, 0])


def test_gzip_compressed_files_and_folders_are_read_like_plain_ones(tmp_path):
    """A .txt.gz file is decompressed on the fly, alone or in a folder beside .txt files."""
    (tmp_path / "b_labelled.txt.gz").write_bytes(gzip.compress(b"squeezed review  \t1\n"))
    write(tmp_path, "a_labelled.txt", "plain review\t0\n")
    sentences, labels = load_labelled_sentences(tmp_path / "b_labelled.txt.gz")
    assert sentences == ["squeezed review"] and labels.tolist() == [1]
    sentences, labels = load_labelled_sentences(tmp_path)
    assert sentences == ["plain review", "squeezed review"]
    np.testing.assert_array_equal(labels, [0, 1])


def test_missing_paths(tmp_path):
    with pytest.raises(DataNotFoundError, match="nope.txt' does not exist") as info:
        load_labelled_sentences(tmp_path / "nope.txt")
    assert isinstance(info.value, FileNotFoundError)
    write(tmp_path, "readme.txt", "only docs")
    with pytest.raises(DataNotFoundError, match="holds no files matching"):
        load_labelled_sentences(tmp_path)


def test_empty_and_binary_files(tmp_path):
    with pytest.raises(DataFormatError, match="empty.txt' is empty"):
        load_labelled_sentences(write(tmp_path, "empty.txt", ""))
    with pytest.raises(DataFormatError, match="is empty"):
        load_labelled_sentences(write(tmp_path, "blank.txt", "\n  \n"))
    binary = tmp_path / "data.bin"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(DataFormatError, match="looks binary"):
        load_labelled_sentences(binary)


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("no tab here 1", "expected 'sentence<TAB>label', found no TAB"),
        ("good words\tpositive", "label after the TAB must be an integer.*'positive'"),
        ("good words\t", "label after the TAB must be an integer"),
        ("   \t1", "sentence before the TAB is empty"),
    ],
)
def test_malformed_line_names_file_and_line(tmp_path, bad_line, message):
    path = write(tmp_path, "bad.txt", f"fine\t1\n\nalso fine\t0\n{bad_line}\nlast\t1\n")
    with pytest.raises(DataFormatError, match=message) as info:
        load_labelled_sentences(path)
    assert f"{path}:4:" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_pad_sequences_by_hand():
    padded, lengths = pad_sequences([[5, 3, 8], [7], np.array([2, 9])])
    np.testing.assert_array_equal(padded, [[5, 3, 8], [7, 0, 0], [2, 9, 0]])
    np.testing.assert_array_equal(lengths, [3, 1, 2])
    assert padded.dtype == np.int64 and lengths.dtype == np.int64


def test_pad_sequences_options():
    padded, lengths = pad_sequences([[5, 3, 8], [7]], pad_value=-1, batch_first=False)
    np.testing.assert_array_equal(padded, [[5, 7], [3, -1], [8, -1]])  # (T, B)
    padded, lengths = pad_sequences([[5, 3, 8], [7]], max_len=2)
    np.testing.assert_array_equal(padded, [[5, 3], [7, 0]])
    np.testing.assert_array_equal(lengths, [2, 1])
    padded, lengths = pad_sequences([[5], []], max_len=4)
    np.testing.assert_array_equal(padded, [[5, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(lengths, [1, 0])
    padded, lengths = pad_sequences([[], []])
    assert padded.shape == (2, 0)


def test_pad_sequences_errors():
    with pytest.raises(DataError, match="no sequences"):
        pad_sequences([])
    with pytest.raises(DataError, match="sequence 1 must be a 1-D array of integer"):
        pad_sequences([[1], [[2, 3]]])
    with pytest.raises(DataError, match="dtype float64"):
        pad_sequences([[1.5]])
    with pytest.raises(DataError, match="max_len"):
        pad_sequences([[1]], max_len=-1)


def test_lengths_to_mask_by_hand():
    mask = lengths_to_mask([3, 1, 2])
    expected = [[True, True, True], [True, False, False], [True, True, False]]
    np.testing.assert_array_equal(mask, expected)
    assert lengths_to_mask([1, 0], max_len=3).tolist() == [[True, False, False]] + [[False] * 3]


def test_minibatches_cover_everything_once_and_are_seeded():
    inputs = np.arange(10) * 10
    labels = np.arange(10)
    batches = list(iterate_minibatches(inputs, labels, batch_size=4, seed=1))
    assert [len(x) for x, _ in batches] == [4, 4, 2]
    seen = np.concatenate([y for _, y in batches])
    assert sorted(seen.tolist()) == list(range(10))
    for x, y in batches:
        np.testing.assert_array_equal(x, y * 10)  # inputs and labels stay aligned
    again = list(iterate_minibatches(inputs, labels, batch_size=4, seed=1))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(batches, again))
    other = np.concatenate([y for _, y in iterate_minibatches(inputs, labels, 4, seed=2)])
    assert not np.array_equal(seen, other)
    assert not np.array_equal(seen, np.arange(10))  # actually shuffled


def test_minibatches_options():
    inputs = [np.array([k] * (k + 1)) for k in range(5)]  # a list of variable-length rows
    labels = np.arange(5)
    ordered = list(iterate_minibatches(inputs, labels, batch_size=2, shuffle=False))
    assert [y.tolist() for _, y in ordered] == [[0, 1], [2, 3], [4]]
    assert isinstance(ordered[0][0], list) and ordered[0][0][1].tolist() == [1, 1]
    dropped = list(iterate_minibatches(inputs, labels, batch_size=2, drop_last=True))
    assert len(dropped) == 2
    with pytest.raises(DataError, match="5 items but labels has 4"):
        list(iterate_minibatches(inputs, labels[:4]))
    with pytest.raises(DataError, match="batch_size"):
        list(iterate_minibatches(inputs, labels, batch_size=0))
