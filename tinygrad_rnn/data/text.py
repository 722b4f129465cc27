"""Language-model batching: one long encoded text -> (x, y) windows of shape (B, T).

A character- or word-level language model reads x_1..x_T and predicts y_t = x_{t+1} at
every step. Two ways to cut a corpus into training batches:

1. `bptt_batches` - **contiguous streams, for truncated BPTT with carry-over.**
   `batchify` cuts the text into B equal streams, one per batch row (the tail that does
   not fill a row is dropped). Window k takes the next T tokens of every stream, so row b
   of window k+1 starts exactly where row b of window k ended. The final hidden state of
   one window is therefore the right initial state of the next: carry it over, detached
   (`h = h.detach()`), and the model sees an unbroken text while backpropagation stops at
   the window edge (truncated BPTT; PyTorch's word_language_model does the same)::

       text  a b c d e f g h i j k l m n o p q r s t u v w x y     (25 tokens)
       batchify(text, B=3) -> streams (3, 8), the tail "y" is dropped
           b=0:  a b c d e f g h
           b=1:  i j k l m n o p
           b=2:  q r s t u v w x
       bptt_batches(text, B=3, T=3):
                     x               y
           window 1  a b c   ->   b c d        h_T of window 1 ...
                     i j k        j k l
                     q r s        r s t
           window 2  d e f   ->   e f g        ... is h_0 of window 2
                     l m n        m n o
                     t u v        u v w
           window 3  g       ->   h            (shorter: each stream has L-1 inputs)
                     o            p
                     w            x

   Concatenating row b of every x gives stream b without its last token; of every y,
   stream b without its first. Do not shuffle these windows: carry-over needs order.

2. `random_windows` - **independent random windows** (seeded), B random start positions
   per batch. No carry-over (start every window from h_0 = 0); each batch is an unbiased
   sample of the corpus, which often trains faster for a fixed number of steps.

`split_text` gives the train/validation split by position (first 90 % / last 10 %), and
`load_text` reads a corpus file with clear errors, plain or gzip-compressed: the packaged
Tiny Shakespeare is `load_text(default_data_path("tinyshakespeare.txt"))` (paths.py).

Read next: sentiment.py (labelled sentences, padding, mini-batches).
"""

import os
from collections.abc import Iterator

import numpy as np

from ..checks import check_flag, check_int, describe, is_number
from .checks import as_numpy, check_path, make_rng
from .errors import DataError
from .files import read_text


def load_text(path: str | os.PathLike) -> str:
    """The text of a corpus file (UTF-8, plain or gzip-compressed); clear errors for
    missing, empty or binary files."""
    check_path(path, "load_text")
    return read_text(path, what="corpus")


def split_text(text, val_fraction: float = 0.1):
    """Split a text (str or 1-D array) by position: (first 1-val_fraction, last val_fraction).

    The validation part is the *end* of the text, never shuffled in, so a language model
    is scored on text it has not seen (Tiny Shakespeare: the last 10 % of the plays).
    The boundary is round(len(text) * (1 - val_fraction)); both parts must be non-empty.
    """
    if not is_number(val_fraction) or not 0.0 < val_fraction < 1.0:
        raise DataError(
            f"split_text: val_fraction must be a number between 0 and 1 (exclusive), got "
            f"{describe(val_fraction)}"
        )
    if not isinstance(text, (str, np.ndarray, list, tuple)):
        raise DataError(
            f"split_text: text must be a str or a 1-D array of token indices, got {describe(text)}"
        )
    n = len(text)
    n_train = int(round(n * (1.0 - val_fraction)))
    if n_train == 0 or n_train == n:
        raise DataError(
            f"split_text: a text of {n} tokens is too short to split with "
            f"val_fraction={val_fraction} (one part would be empty)"
        )
    return text[:n_train], text[n_train:]


def batchify(data, batch_size: int) -> np.ndarray:
    """Cut a 1-D token array into `batch_size` contiguous streams: shape (B, L).

    L = len(data) // B; stream b is data[b*L : (b+1)*L]; the last len(data) - B*L tokens
    are dropped. (PyTorch's example returns the transpose, (L, B); we are batch-first.)
    """
    data = _check_token_array(data, "batchify")
    check_int(batch_size, "batch_size", "batchify", error=DataError, minimum=1)
    length = len(data) // batch_size
    if length < 2:
        raise DataError(
            f"batchify: {len(data)} tokens cannot make {batch_size} streams of at least 2 "
            f"tokens (an input and its target); use a smaller batch_size or more text"
            f""
        )
    return data[: batch_size * length].reshape(batch_size, length)  # (B, L)


class BPTTBatches:
    """Contiguous (x, y) windows of shape (B, T) for truncated BPTT; iterate once per epoch.

    Row b of window k+1 continues row b of window k (see the picture in the module
    docstring), so the hidden state can be carried over between windows. The last
    window is shorter when (L - 1) is not a multiple of T, unless `drop_last=True`.
    `len()` is the number of windows per epoch; `streams` is the (B, L) array.
    """

    def __init__(self, data, batch_size: int, seq_len: int, drop_last: bool = False):
        check_int(seq_len, "seq_len", "bptt_batches", error=DataError, minimum=1)
        check_flag(drop_last, "drop_last", "bptt_batches", error=DataError)
        self.streams = batchify(data, batch_size)  # (B, L)
        self.seq_len = seq_len
        self.drop_last = drop_last
        self.starts = self._window_starts()
        if len(self.starts) == 0:
            raise DataError(
                f"bptt_batches: streams of {self.streams.shape[1]} tokens hold no full window "
                f"of seq_len={seq_len} (drop_last=True); use a shorter seq_len or more text"
                f""
            )

    def _window_starts(self) -> list[int]:
        n_inputs = self.streams.shape[1] - 1  # the last token of a stream is only a target
        starts = list(range(0, n_inputs, self.seq_len))
        if self.drop_last and starts and starts[-1] + self.seq_len > n_inputs:
            starts.pop()
        return starts

    def __len__(self) -> int:
        return len(self.starts)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n_inputs = self.streams.shape[1] - 1
        for start in self.starts:
            stop = min(start + self.seq_len, n_inputs)
            x = self.streams[:, start:stop]  # (B, T)
            y = self.streams[:, start + 1 : stop + 1]  # (B, T), x shifted left by one
            yield x, y

    def __repr__(self) -> str:
        batch, length = self.streams.shape
        return f"BPTTBatches({len(self)} windows of (B={batch}, T<={self.seq_len}), L={length})"


def bptt_batches(data, batch_size: int, seq_len: int, drop_last: bool = False) -> BPTTBatches:
    """Contiguous (x, y) windows of shape (B, T) with hidden-state carry-over; see BPTTBatches."""
    return BPTTBatches(data, batch_size, seq_len, drop_last=drop_last)


def random_windows(
    data,
    batch_size: int,
    seq_len: int,
    num_batches: int | None = None,
    seed: int | np.random.Generator = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Random (x, y) windows of shape (B, T): x = data[s : s+T], y = data[s+1 : s+T+1].

    Each of the B start positions s is drawn uniformly from 0..len(data)-T-1. Yields
    `num_batches` batches, or forever when it is None (stop with zip/islice). Seeded:
    the same seed gives the same windows; pass a np.random.Generator to continue a stream.
    """
    data = _check_token_array(data, "random_windows")
    check_int(batch_size, "batch_size", "random_windows", error=DataError)
    check_int(seq_len, "seq_len", "random_windows", error=DataError)
    if batch_size < 1 or seq_len < 1:
        raise DataError(
            f"random_windows: batch_size and seq_len must be >= 1, got {batch_size}, {seq_len}"
        )
    if num_batches is not None:
        check_int(num_batches, "num_batches", "random_windows", error=DataError, minimum=0)
    n_starts = len(data) - seq_len  # valid s: 0 .. len(data) - seq_len - 1
    if n_starts < 1:
        raise DataError(
            f"random_windows: {len(data)} tokens are too few for seq_len={seq_len} "
            f"(need at least seq_len + 1)"
        )
    rng = make_rng(seed, "random_windows")
    offsets = np.arange(seq_len)  # (T,)
    produced = 0
    while num_batches is None or produced < num_batches:
        starts = rng.integers(0, n_starts, size=batch_size)  # (B,)
        positions = starts[:, None] + offsets[None, :]  # (B, T)
        yield data[positions], data[positions + 1]
        produced += 1


def _check_token_array(data, where: str) -> np.ndarray:
    """`data` as a 1-D numpy array of token indices (ints >= 0)."""
    if isinstance(data, str):
        raise DataError(f"{where}: got a str; encode it first, e.g. vocab.encode(text)")
    array = as_numpy(data)  # a list, an array or an int Tensor
    if array.ndim != 1:
        raise DataError(f"{where}: expected a 1-D array of token indices, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise DataError(f"{where}: token indices must be integers, got dtype {array.dtype}")
    if array.size and array.min() < 0:
        raise DataError(
            f"{where}: token indices must be >= 0, got {int(array.min())}; an embedding "
            f"would read a negative index as a row counted from the end"
        )
    return array
