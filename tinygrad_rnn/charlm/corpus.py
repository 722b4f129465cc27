"""The text a char-LM run reads: vocabulary, train/validation split, and the batch of a step.

    corpus = prepare_corpus(text, config)     # vocabulary + 90/10 split by position
    x, y = batch_at(corpus.train, step, config)   # (B, T) each, y = x shifted by one

The batch of step s depends only on (seed, s), never on what ran before: a run resumed
from a checkpoint sees exactly the batches an uninterrupted run sees.

Read next: model.py (what reads these ids).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..data import CharVocab, random_windows, split_text
from ..data.errors import DataError
from .config import CharLMConfig


@dataclass
class Corpus:
    """A text ready for training: its vocabulary and the two id arrays (int64)."""

    vocab: CharVocab
    train: np.ndarray  # the first 90 % of the text, as ids
    val: np.ndarray  # the last 10 %
    fingerprint: int  # crc32 of the text, to notice a resume on different text


def text_fingerprint(text: str) -> int:
    """crc32 of the UTF-8 text: a cheap way to tell whether two runs read the same corpus."""
    return zlib.crc32(text.encode("utf-8"))


def prepare_corpus(text: str, config: CharLMConfig, vocab: CharVocab | None = None) -> Corpus:
    """Vocabulary (of the whole text unless given) and the split by position:
    train = the first (1 - val_fraction) of the characters, val = the rest.

    Raises DataError when the text is too short for windows of seq_len + 1 characters.
    """
    if vocab is None:
        vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)  # (N,) int64
    train_ids, val_ids = split_text(ids, config.val_fraction)
    shortest = config.seq_len + 1
    if len(train_ids) <= shortest or len(val_ids) < 2:
        raise DataError(
            f"the text has {len(ids)} characters: too short for windows of seq_len="
            f"{config.seq_len} (need more than {shortest} for training and 2 for "
            f"validation after a {1 - config.val_fraction:.0%}/{config.val_fraction:.0%} "
            f"split); use a longer text or a smaller seq_len"
        )
    return Corpus(vocab, train_ids, val_ids, text_fingerprint(text))


def batch_at(train_ids: np.ndarray, step: int, config: CharLMConfig):
    """The (x, y) batch of training step `step`: B random windows, y = x shifted by one.

    x, y  (B, T) int64;  x[b] = text[s_b : s_b + T],  y[b] = text[s_b + 1 : s_b + T + 1]
    The start positions s_b come from a generator seeded with (seed, step), so the batch
    of a step is the same whether or not the run was resumed.
    """
    rng = np.random.default_rng((config.seed, step))
    windows = random_windows(train_ids, config.batch_size, config.seq_len, num_batches=1, seed=rng)
    return next(windows)
