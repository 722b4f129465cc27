"""Generated toy tasks: long dependencies (RNN vs LSTM/GRU) and tagging where the future matters.

Every generator takes a `seed` (same seed, same data) and returns numpy arrays.

Long-dependency tasks (the "modelling guideline" lesson: a vanilla RNN forgets what it saw
T steps ago, an LSTM/GRU keeps it in its cell state):

- `adding_problem(n, T)`: a sequence of (value, marker) pairs; exactly two markers are 1;
  the target is the sum of the two marked values (Hochreiter & Schmidhuber 1997).
- `first_symbol_recall(n, T, vocab)`: classify a sequence by its *first* symbol, read
  after T-1 distracting symbols. Chance accuracy is 1/vocab. Measured: a vanilla RNN
  still solves it at T = 40..60 (from h_0 = 0 the first symbol can be latched into a
  saturated unit), so it does not separate the models; the adding problem does (lesson 11).
- `copy_task(n, seq_len, delay, vocab)`: reproduce seq_len symbols after `delay` blanks.

Tagging tasks for bidirectional RNNs (a tag depends on what comes *after* a position, so a
left-to-right RNN can only guess, while the reverse direction sees it):

- `next_symbol_tagging(n, T, vocab)`: tag each position by the symbol that follows it.
- `appears_later_tagging(n, T, vocab, symbol)`: tag 1 where `symbol` occurs later on.

The seq2seq date-translation task lives in dates.py.

Read next: dates.py.
"""

import numpy as np

from ..checks import check_int
from .checks import check_ints, make_rng
from .errors import DataError


def adding_problem(n: int, T: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: inputs (N, T, 2) float64, targets (N,) float64.

    inputs[i, t] = (value, marker): values are uniform in [0, 1); the marker is 1 at
    exactly two positions - one in the first half (t < T // 2), one in the second half
    (t >= T // 2) - and 0 elsewhere. targets[i] = sum of the two marked values.
    Always predicting 1.0 gives a mean squared error of about 1/6 (0.167); a model that
    solves the task gets far below it.

        inputs[0, :, 0] = [0.64, 0.27, 0.04, 0.02, 0.81, 0.91]
        inputs[0, :, 1] = [0,    1,    0,    0,    1,    0   ]   ->  target 0.27 + 0.81
    """
    _check_count(n, "adding_problem")
    check_int(T, "T", "adding_problem", error=DataError)
    if T < 2:
        raise DataError(f"adding_problem: T must be >= 2 (two marked positions), got {T}")
    rng = make_rng(seed, "adding_problem")
    values = rng.random((n, T))  # (N, T)
    first = rng.integers(0, T // 2, size=n)  # (N,)
    second = rng.integers(T // 2, T, size=n)  # (N,)
    markers = np.zeros((n, T))  # (N, T)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    inputs = np.stack([values, markers], axis=-1)  # (N, T, 2)
    targets = values[rows, first] + values[rows, second]  # (N,)
    return inputs, targets


def first_symbol_recall(
    n: int, T: int, vocab: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Remember the first symbol: inputs (N, T) int64 in 0..vocab-1, targets (N,) int64.

    Every symbol is uniform over the `vocab` symbols and targets[i] = inputs[i, 0]. The
    model reads the whole sequence and answers at the end, so it must carry the first
    symbol through T-1 distractors (drawn from the same symbols). Chance: 1/vocab.

        inputs[0] = [5, 2, 7, 7, 0, 3, 1, 4]   ->  target 5
    """
    _check_count(n, "first_symbol_recall")
    check_ints("first_symbol_recall", T=T, vocab=vocab)
    if T < 1 or vocab < 2:
        raise DataError(
            f"first_symbol_recall: need T >= 1 and vocab >= 2, got T={T}, vocab={vocab}"
        )
    rng = make_rng(seed, "first_symbol_recall")
    inputs = rng.integers(0, vocab, size=(n, T)).astype(np.int64)  # (N, T)
    targets = inputs[:, 0].copy()  # (N,)
    return inputs, targets


def copy_task(
    n: int, seq_len: int = 10, delay: int = 20, vocab: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory task: inputs and targets (N, 2*seq_len + delay) int64.

    Tokens: 0 = blank, 1..vocab = symbols, vocab+1 = the "go" marker (vocab+2 in all).
    Input: seq_len random symbols, delay-1 blanks, the go marker, seq_len blanks.
    Target: seq_len + delay blanks, then the seq_len symbols (Arjovsky et al. 2016)::

        seq_len=3, delay=4, vocab=8 (go = 9):
        input   3 8 1 0 0 0 9 0 0 0
        target  0 0 0 0 0 0 0 3 8 1
    """
    _check_count(n, "copy_task")
    check_ints("copy_task", seq_len=seq_len, delay=delay, vocab=vocab)
    if seq_len < 1 or delay < 1 or vocab < 1:
        raise DataError(
            f"copy_task: need seq_len, delay, vocab >= 1, got {seq_len}, {delay}, {vocab}"
        )
    rng = make_rng(seed, "copy_task")
    total = 2 * seq_len + delay
    symbols = rng.integers(1, vocab + 1, size=(n, seq_len))  # (N, S)
    inputs = np.zeros((n, total), dtype=np.int64)  # (N, 2S + delay)
    targets = np.zeros((n, total), dtype=np.int64)
    inputs[:, :seq_len] = symbols
    inputs[:, seq_len + delay - 1] = vocab + 1
    targets[:, seq_len + delay :] = symbols
    return inputs, targets


def next_symbol_tagging(
    n: int, T: int, vocab: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Tag each position by the symbol that follows it: inputs, tags (N, T) int64.

    inputs are uniform in 0..vocab-1; tags[i, t] = inputs[i, t+1] for t < T-1 and
    tags[i, T-1] = vocab (an "end" tag), so there are vocab+1 tags. The tag at t is
    independent of everything up to t: a left-to-right RNN scores chance (~1/vocab),
    a bidirectional one can reach 100 %.

        inputs[0] = [3, 0, 6, 6, 1]   ->  tags[0] = [0, 6, 6, 1, 8]   (vocab=8)
    """
    _check_count(n, "next_symbol_tagging")
    check_ints("next_symbol_tagging", T=T, vocab=vocab)
    if T < 1 or vocab < 2:
        raise DataError(
            f"next_symbol_tagging: need T >= 1 and vocab >= 2, got T={T}, vocab={vocab}"
        )
    rng = make_rng(seed, "next_symbol_tagging")
    inputs = rng.integers(0, vocab, size=(n, T)).astype(np.int64)  # (N, T)
    tags = np.full((n, T), vocab, dtype=np.int64)  # (N, T)
    tags[:, :-1] = inputs[:, 1:]
    return inputs, tags


def appears_later_tagging(
    n: int, T: int, vocab: int = 8, symbol: int = 0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Tag 1 where `symbol` occurs somewhere after the position: inputs, tags (N, T) int64.

    inputs are uniform in 0..vocab-1; tags[i, t] = 1 if symbol in inputs[i, t+1:], else 0
    (the last position is always 0). A left-to-right RNN can only guess from t (later
    positions are more often 0); the reverse direction has seen the answer.

        inputs[0] = [2, 0, 5, 0, 3, 1]   ->  tags[0] = [1, 1, 1, 0, 0, 0]   (symbol=0)
    """
    _check_count(n, "appears_later_tagging")
    check_ints("appears_later_tagging", T=T, vocab=vocab, symbol=symbol)
    if T < 1 or vocab < 2 or not 0 <= symbol < vocab:
        raise DataError(
            f"appears_later_tagging: need T >= 1, vocab >= 2, 0 <= symbol < vocab; got "
            f"T={T}, vocab={vocab}, symbol={symbol}"
        )
    rng = make_rng(seed, "appears_later_tagging")
    inputs = rng.integers(0, vocab, size=(n, T)).astype(np.int64)  # (N, T)
    is_symbol = (inputs == symbol).astype(np.int64)  # (N, T)
    # at_or_after[i, t] = how often symbol occurs in inputs[i, t:] (a reversed cumsum)
    at_or_after = np.cumsum(is_symbol[:, ::-1], axis=1)[:, ::-1]  # (N, T)
    tags = np.zeros((n, T), dtype=np.int64)
    tags[:, :-1] = (at_or_after[:, 1:] > 0).astype(np.int64)
    return inputs, tags


def _check_count(n: int, where: str) -> None:
    check_int(n, "n", where, error=DataError)
    if n < 1:
        raise DataError(f"{where}: n (the number of examples) must be >= 1, got {n}")
