"""LM batching: streams, carry-over windows, random windows, text splits, corpus loading."""

import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.data import (
    CharVocab,
    DataError,
    DataFormatError,
    DataNotFoundError,
    batchify,
    bptt_batches,
    default_data_path,
    load_text,
    random_windows,
    read_bytes,
    read_text,
    split_text,
)

SETTINGS = settings(max_examples=40, deadline=None)
SHAKESPEARE = default_data_path("tinyshakespeare.txt")  # shipped in the package, gzipped


def letters(text: str) -> np.ndarray:
    return np.array([ord(ch) - ord("a") for ch in text], dtype=np.int64)


def as_text(array) -> str:
    return "".join(chr(int(k) + ord("a")) for k in np.ravel(array))


def test_docstring_picture():
    """The example drawn in text.py's docstring, checked letter by letter."""
    data = letters("abcdefghijklmnopqrstuvwxy")
    streams = batchify(data, 3)
    assert [as_text(row) for row in streams] == ["abcdefgh", "ijklmnop", "qrstuvwx"]
    windows = [
        ([as_text(r) for r in x], [as_text(r) for r in y]) for x, y in bptt_batches(data, 3, 3)
    ]
    assert windows == [
        (["abc", "ijk", "qrs"], ["bcd", "jkl", "rst"]),
        (["def", "lmn", "tuv"], ["efg", "mno", "uvw"]),
        (["g", "o", "w"], ["h", "p", "x"]),
    ]
    assert len(bptt_batches(data, 3, 3)) == 3
    assert len(bptt_batches(data, 3, 3, drop_last=True)) == 2


@SETTINGS
@given(st.integers(2, 120), st.integers(1, 6), st.integers(1, 9), st.booleans())
def test_carry_over_reproduces_each_stream(n, batch_size, seq_len, drop_last):
    data = np.arange(1000, 1000 + n)
    if n // batch_size < 2:
        with pytest.raises(DataError, match="batchify"):
            bptt_batches(data, batch_size, seq_len)
        return
    length = n // batch_size
    try:
        batches = bptt_batches(data, batch_size, seq_len, drop_last=drop_last)
    except DataError:
        assert drop_last and length - 1 < seq_len  # no full window fits
        return
    windows = list(batches)
    assert len(windows) == len(batches)
    for b in range(batch_size):
        stream = data[b * length : (b + 1) * length]
        xs = np.concatenate([x[b] for x, _ in windows])
        ys = np.concatenate([y[b] for _, y in windows])
        covered = len(xs)
        np.testing.assert_array_equal(xs, stream[:covered])
        np.testing.assert_array_equal(ys, stream[1 : covered + 1])
        if not drop_last:
            assert covered == length - 1  # every input of the stream is used
    for k, (x, y) in enumerate(windows):
        assert x.shape == y.shape and x.shape[0] == batch_size
        assert x.shape[1] == seq_len or (k == len(windows) - 1 and not drop_last)
        np.testing.assert_array_equal(x[:, 1:], y[:, :-1])  # y is x shifted by one
        if k > 0:
            np.testing.assert_array_equal(x[:, 0], windows[k - 1][1][:, -1])  # continues


def test_batches_are_reiterable_per_epoch():
    batches = bptt_batches(np.arange(50), 2, 4)
    first = [x.copy() for x, _ in batches]
    second = [x.copy() for x, _ in batches]
    assert len(first) == len(second) == 6
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert "BPTTBatches(6 windows" in repr(batches)


def test_batching_errors():
    with pytest.raises(DataError, match="encode it first"):
        batchify("hello", 2)
    with pytest.raises(DataError, match="1-D"):
        batchify(np.zeros((2, 3), dtype=np.int64), 2)
    with pytest.raises(DataError, match="integers"):
        batchify(np.zeros(10), 2)
    with pytest.raises(DataError, match="batch_size"):
        batchify(np.arange(10), 0)
    with pytest.raises(DataError, match="seq_len"):
        bptt_batches(np.arange(10), 2, 0)


@SETTINGS
@given(st.integers(2, 200), st.integers(1, 5), st.integers(1, 10), st.integers(0, 10**6))
def test_random_windows_are_slices_shifted_by_one(n, batch_size, seq_len, seed):
    data = np.arange(n) * 3
    if n <= seq_len:
        with pytest.raises(DataError, match="too few"):
            next(random_windows(data, batch_size, seq_len, seed=seed))
        return
    batches = list(random_windows(data, batch_size, seq_len, num_batches=3, seed=seed))
    assert len(batches) == 3
    for x, y in batches:
        assert x.shape == y.shape == (batch_size, seq_len)
        starts = x[:, 0] // 3
        for b in range(batch_size):
            s = starts[b]
            assert 0 <= s <= n - seq_len - 1
            np.testing.assert_array_equal(x[b], data[s : s + seq_len])
            np.testing.assert_array_equal(y[b], data[s + 1 : s + seq_len + 1])


def test_random_windows_seeded():
    data = np.arange(1000)
    first = [x for x, _ in random_windows(data, 4, 8, num_batches=5, seed=3)]
    again = [x for x, _ in random_windows(data, 4, 8, num_batches=5, seed=3)]
    other = [x for x, _ in random_windows(data, 4, 8, num_batches=5, seed=4)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    endless = random_windows(data, 2, 3, seed=0)  # num_batches=None: as many as asked
    assert len([next(endless) for _ in range(100)]) == 100


def test_random_windows_cover_the_whole_range():
    data = np.arange(12)
    starts = set()
    for x, _ in random_windows(data, 8, 3, num_batches=50, seed=0):
        starts.update(x[:, 0].tolist())
    assert starts == set(range(9))  # s = 0 .. n - T - 1


def test_split_text_first_90_last_10():
    text = "abcdefghij" * 10
    train, val = split_text(text)
    assert (len(train), len(val)) == (90, 10)
    assert train + val == text
    train, val = split_text(np.arange(7), val_fraction=0.3)
    np.testing.assert_array_equal(train, np.arange(5))  # round(7 * 0.7) = 5
    np.testing.assert_array_equal(val, [5, 6])
    with pytest.raises(DataError, match="too short"):
        split_text("ab", val_fraction=0.1)
    with pytest.raises(DataError, match="val_fraction"):
        split_text("abc", val_fraction=1.0)


def test_load_text_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="corpus .*nope.txt' does not exist"):
        load_text(tmp_path / "nope.txt")
    with pytest.raises(DataNotFoundError, match="is a folder"):
        load_text(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="is empty"):
        load_text(empty)
    binary = tmp_path / "model.npz"
    binary.write_bytes(b"PK\x03\x04\x00\x00\xff\xfe")
    with pytest.raises(DataFormatError, match="looks binary"):
        load_text(binary)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café".encode("latin-1"))
    with pytest.raises(DataFormatError, match="not UTF-8"):
        load_text(latin)
    good = tmp_path / "good.txt"
    good.write_bytes("\ufeffFirst Citizen:\nBefore we proceed".encode())
    assert load_text(good) == "First Citizen:\nBefore we proceed"  # BOM dropped


def test_load_text_decompresses_gzip_whatever_the_name(tmp_path):
    text = "First Citizen:\nBefore we proceed any further, hear me speak.\n"
    for name in ("corpus.txt.gz", "corpus.txt"):  # recognised by its first bytes, not its name
        path = tmp_path / name
        path.write_bytes(gzip.compress(text.encode("utf-8")))
        assert load_text(path) == text
    empty = tmp_path / "empty.txt.gz"
    empty.write_bytes(gzip.compress(b" \n"))
    with pytest.raises(DataFormatError, match="is empty"):
        load_text(empty)
    binary = tmp_path / "binary.gz"
    binary.write_bytes(gzip.compress(bytes(range(256))))
    with pytest.raises(DataFormatError, match="looks binary"):
        load_text(binary)


def test_damaged_and_oversized_gzip_files_get_one_clear_error(tmp_path):
    packed = gzip.compress(b"To be, or not to be, that is the question.\n" * 100)
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataFormatError, match="cannot be decompressed.*damaged or cut off"):
        load_text(cut)
    flipped = bytearray(packed)
    flipped[-8] ^= 0xFF  # the CRC of the text, checked at the end
    wrong = tmp_path / "wrong.txt.gz"
    wrong.write_bytes(bytes(flipped))
    with pytest.raises(DataFormatError, match="cannot be decompressed"):
        load_text(wrong)
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"a" * 5000))  # 5 000 bytes of text in ~40 on disk
    assert len(read_bytes(bomb, max_bytes=5000)) == 5000
    with pytest.raises(DataFormatError, match="decompresses to more than"):
        read_text(bomb, max_bytes=4999)


def test_tiny_shakespeare_end_to_end():
    text = load_text(SHAKESPEARE)
    assert len(text) > 1_000_000 and text.startswith("First Citizen")
    vocab = CharVocab.from_text(text, specials=())
    assert len(vocab) == 65  # the well-known 65 characters
    assert vocab.itos[0] == " "  # the most frequent character
    data = vocab.encode(text)
    train, val = split_text(data, val_fraction=0.1)
    assert len(val) == len(data) - round(len(data) * 0.9)
    x, y = next(iter(bptt_batches(train, batch_size=32, seq_len=40)))
    assert x.shape == (32, 40)
    assert vocab.decode(x[0]) == text[:40] and vocab.decode(y[0]) == text[1:41]
