"""word2vec: skip-gram and CBOW with negative sampling, from embedding lookups and dot products.

Lesson 10 (examples/10_word2vec.py) trains both models on Tiny Shakespeare and saves the
word vectors; lesson 6 (examples/06_sentiment.py --embeddings FILE) and lesson 14 start
their Embedding from them (`start_from_word_vectors`). Everything on the gradient path is
built from Tensor operators (gather, mul, sum, the binary cross-entropy of functional.py):
no hand-written backward.

Two tables of D-dimensional vectors, both (V, D) `nn.Embedding` weights:
    v_w   `in_embed`   the word vectors we keep (the "input" vectors)
    u_w   `out_embed`  the context ("output") vectors, used only for training

Skip-gram (Mikolov et al., 2013): the centre word c predicts each word o around it.
CBOW ("continuous bag of words"): the mean of the context vectors predicts the centre:

    skip-gram   s(c, o) = u_o · v_c
    CBOW        s(C, w) = u_w · h,   h = (1/|C|) Σ_{j in C} v_j

Negative sampling. A softmax over all V words for every pair is expensive; instead the
model learns to tell the true word o from K "noise" words n_1..n_K drawn from the unigram
distribution raised to 3/4, P_n(w) ∝ count(w)^0.75 (frequent words drawn a bit less):

    loss = -log σ(s_o) - Σ_k log σ(-s_{n_k})

That is the binary cross-entropy of the scores [s_o, s_n1, ..., s_nK] against the labels
[1, 0, ..., 0], summed over the K+1 columns (`negative_sampling_loss`), averaged over the
batch. Words used in similar contexts end up with similar v_w: nearest neighbours by
cosine similarity (`nearest_neighbours`).

Data preparation is plain numpy (no graph): `build_corpus` (words with at least
`min_count` occurrences, punctuation dropped), `keep_probabilities` / `subsample` (drop
very frequent words at random, as word2vec does), `skipgram_pairs`, `cbow_windows`,
`noise_distribution` and `sample_negatives`.

Vector files (`save_word_vectors` / `load_word_vectors`): a NumPy .npz archive with

    words    (N,)    unicode strings, one per row
    vectors  (N, D)  float32
    format   ()      the string "tinygrad_rnn.word_vectors"

read with `np.load(path, allow_pickle=False)`: `dict(np.load("vectors.npz"))` opens it
without tinygrad_rnn. Writing is atomic (tinygrad_rnn/files.py: temporary file + rename).

Read next: examples/10_word2vec.py (training both models), then examples/06_sentiment.py.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from . import functional as F
from .data.errors import DataError, DataFormatError, DataNotFoundError
from .data.vocab import PAD, WordVocab, tokenize_words
from .errors import ShapeError
from .files import atomic_write
from .nn.layers import Embedding
from .nn.module import Module
from .tensor import Tensor, default_rng, get_default_dtype

VECTORS_FORMAT = "tinygrad_rnn.word_vectors"
ARRAY_NAMES = ("words", "vectors")  # what a vector file must hold


# --------------------------------------------------------------------------------------
# The models
# --------------------------------------------------------------------------------------
def init_word2vec_tables(in_embed: Embedding, out_embed: Embedding) -> None:
    """word2vec's initialisation: v_w ~ uniform(-0.5/D, 0.5/D), u_w = 0.

    Small input vectors and zero output vectors make every score 0 at the start
    (σ(0) = 1/2 for every pair). Uses the generator that `tg.manual_seed` sets.
    """
    V, D = in_embed.weight.shape
    bound = 0.5 / D
    in_embed.weight.data[...] = default_rng().uniform(-bound, bound, size=(V, D))
    if in_embed.padding_idx is not None:
        in_embed.weight.data[in_embed.padding_idx] = 0.0
    out_embed.weight.data[...] = 0.0


def dot_scores(u: Tensor, h: Tensor) -> Tensor:
    """s_bk = u_bk · h_b for candidates u (B, K+1, D) and one vector h (B, D) per row."""
    B, D = h.shape
    return (u * h.reshape(B, 1, D)).sum(axis=2)  # (B, K+1, D) * (B, 1, D) -> (B, K+1)


def check_candidates(model: Module, rows: int, candidates) -> np.ndarray:
    candidates = np.asarray(candidates.data if isinstance(candidates, Tensor) else candidates)
    if candidates.ndim != 2 or candidates.shape[0] != rows:
        raise ShapeError(
            f"{type(model).__name__}: candidates must have shape (B, K+1) = ({rows}, K+1) "
            f"(the true word in column 0, then K noise words), got {candidates.shape}"
        )
    return candidates


class SkipGram(Module):
    """Skip-gram with negative sampling: scores s_bk = u_{candidates[b, k]} · v_{centres[b]}.

    forward(centres (B,), candidates (B, K+1)) -> scores (B, K+1)
      centres     int indices of the centre words c
      candidates  column 0 the true context word o, columns 1..K the noise words
    """

    def __init__(self, vocab_size: int, embedding_dim: int) -> None:
        super().__init__()
        self.in_embed = Embedding(vocab_size, embedding_dim)  # v_w
        self.out_embed = Embedding(vocab_size, embedding_dim)  # u_w
        init_word2vec_tables(self.in_embed, self.out_embed)

    def forward(self, centres, candidates) -> Tensor:
        centres = np.asarray(centres.data if isinstance(centres, Tensor) else centres)
        candidates = check_candidates(self, len(centres), candidates)
        v = self.in_embed(centres).named("v_c")  # (B, D)
        u = self.out_embed(candidates).named("u")  # (B, K+1, D)
        return dot_scores(u, v).named("scores")  # (B, K+1)

    def word_vectors(self) -> np.ndarray:
        """The vectors we keep: v_w, a copy of in_embed.weight (V, D)."""
        return self.in_embed.weight.data.copy()


class CBOW(Module):
    """CBOW with negative sampling: h_b = mean of the context vectors v_j, s_bk = u_k · h_b.

    forward(contexts (B, C), candidates (B, K+1)) -> scores (B, K+1)
      contexts    int indices of the words around each centre; `pad_index` marks an empty
                  slot (text edges, a shorter window) and is left out of the mean
      candidates  column 0 the true centre word, columns 1..K the noise words
    The pad row of v is zero and gets no gradient (Embedding's padding_idx), so the mean
    is Σ_j v_j / (number of real context words).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, pad_index: int = 0) -> None:
        super().__init__()
        self.pad_index = pad_index
        self.in_embed = Embedding(vocab_size, embedding_dim, padding_idx=pad_index)  # v_w
        self.out_embed = Embedding(vocab_size, embedding_dim)  # u_w
        init_word2vec_tables(self.in_embed, self.out_embed)

    def forward(self, contexts, candidates) -> Tensor:
        contexts = np.asarray(contexts.data if isinstance(contexts, Tensor) else contexts)
        if contexts.ndim != 2:
            raise ShapeError(
                f"CBOW: contexts must have shape (B, C) (C context slots per centre word), "
                f"got {contexts.shape}"
            )
        candidates = check_candidates(self, contexts.shape[0], candidates)
        counts = (contexts != self.pad_index).sum(axis=1, keepdims=True)  # (B, 1)
        counts = np.maximum(counts, 1).astype(get_default_dtype())  # an empty context: h = 0
        v = self.in_embed(contexts)  # (B, C, D), zero rows at pad slots
        h = (v.sum(axis=1) / counts).named("h")  # (B, D): mean of the real context vectors
        u = self.out_embed(candidates).named("u")  # (B, K+1, D)
        return dot_scores(u, h).named("scores")  # (B, K+1)

    def word_vectors(self) -> np.ndarray:
        """The vectors we keep: v_w, a copy of in_embed.weight (V, D)."""
        return self.in_embed.weight.data.copy()


def negative_sampling_loss(scores: Tensor) -> Tensor:
    """Mean over the batch of -log σ(s_b0) - Σ_{k>=1} log σ(-s_bk); scores (B, K+1).

    Column 0 holds the true pair (label 1), columns 1..K the noise words (label 0), so it
    is binary cross-entropy with logits, summed over the K+1 columns.
    """
    labels = np.zeros(scores.shape, dtype=scores.dtype)  # (B, K+1)
    labels[:, 0] = 1.0
    losses = F.binary_cross_entropy_with_logits(scores, labels, reduction="none")  # (B, K+1)
    return losses.sum(axis=1).mean().named("negative_sampling_loss")


# --------------------------------------------------------------------------------------
# Data: corpus, subsampling, training pairs, noise words
# --------------------------------------------------------------------------------------
def corpus_words(text: str) -> list[str]:
    """The words of `text` (tokenize_words, lowercased), punctuation marks left out."""
    return [token for token in tokenize_words(text) if token[:1].isalnum()]


def build_corpus(text: str, min_count: int = 5) -> tuple[WordVocab, np.ndarray, np.ndarray]:
    """(vocab, ids, counts) of a text for word2vec.

    vocab: a WordVocab with `<pad>` at index 0 (CBOW's empty slot), then the words seen
    at least `min_count` times, most frequent first. ids (N,) int64: the text as indices,
    rare words *removed* (not mapped to <unk>), as word2vec does, so a window spans
    the words that are left. counts (V,) int64: how often each index occurs (0 for <pad>).
    """
    words = corpus_words(text)
    if not words:
        raise DataError("word2vec: the text holds no words (only punctuation or spaces)")
    vocab = WordVocab.build([words], min_freq=min_count, specials=(PAD,))
    if len(vocab) < 3:
        raise DataError(
            f"word2vec: only {len(vocab) - 1} word(s) occur at least min_count={min_count} "
            f"times; use a longer text or a smaller min_count"
        )
    ids = np.array([vocab.stoi[w] for w in words if w in vocab.stoi], dtype=np.int64)
    counts = np.bincount(ids, minlength=len(vocab)).astype(np.int64)  # (V,)
    return vocab, ids, counts


def keep_probabilities(counts: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Probability of keeping each occurrence of word w, word2vec's subsampling rule:

        f(w) = count(w) / total,   keep(w) = min(1, sqrt(t / f(w)) + t / f(w))

    With t = 1e-3, "the" (3 % of Tiny Shakespeare) is kept 21 % of the time and words
    rarer than about 0.26 % are always kept. Shape (V,), 0 where the count is 0.
    """
    counts = np.asarray(counts, dtype=np.float64)
    frequency = counts / counts.sum()
    ratio = np.divide(threshold, frequency, out=np.zeros_like(frequency), where=counts > 0)
    return np.minimum(1.0, np.sqrt(ratio) + ratio)


def subsample(ids: np.ndarray, keep: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """ids with each occurrence kept with probability keep[id] (drawn once per call)."""
    return ids[rng.random(len(ids)) < keep[ids]]


def window_sizes(n: int, window: int, rng: np.random.Generator) -> np.ndarray:
    """word2vec's dynamic window: one size b_t ~ uniform{1..window} per position (n,).
    Nearer words are used more often (offset d is used with probability (W - d + 1)/W)."""
    return rng.integers(1, window + 1, size=n)


def skipgram_pairs(
    ids: np.ndarray, window: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs (ids[t], ids[t±d]) with 1 <= d <= b_t (dynamic window).

    Returns (centres, contexts), two int64 arrays of the same length, in text order
    (shuffle them before training).
    """
    n = len(ids)
    sizes = window_sizes(n, window, rng)  # (n,)
    positions = np.arange(n)
    centres, contexts = [], []
    for d in range(1, window + 1):
        for sign in (-1, 1):
            other = positions + sign * d
            ok = (sizes >= d) & (other >= 0) & (other < n)
            centres.append(ids[ok])
            contexts.append(ids[other[ok]])
    return np.concatenate(centres), np.concatenate(contexts)


def cbow_windows(
    ids: np.ndarray, window: int, rng: np.random.Generator, pad_index: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The context of every position: (contexts (n, 2W), centres (n,)).

    contexts[t] = ids[t-W .. t-1, t+1 .. t+W], with `pad_index` where the offset is
    beyond the dynamic window b_t or outside the text.
    """
    n = len(ids)
    sizes = window_sizes(n, window, rng)  # (n,)
    positions = np.arange(n)
    contexts = np.full((n, 2 * window), pad_index, dtype=np.int64)  # (n, 2W)
    offsets = [-d for d in range(window, 0, -1)] + list(range(1, window + 1))
    for column, offset in enumerate(offsets):
        other = positions + offset
        ok = (sizes >= abs(offset)) & (other >= 0) & (other < n)
        contexts[ok, column] = ids[other[ok]]
    return contexts, ids.copy()


def noise_distribution(counts: np.ndarray, power: float = 0.75) -> np.ndarray:
    """P_n(w) ∝ count(w)^power, shape (V,), summing to 1 (0 for unseen words and <pad>)."""
    weights = np.asarray(counts, dtype=np.float64) ** power
    return weights / weights.sum()


def sample_negatives(
    distribution: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Noise word indices of the given shape, drawn from `distribution` (V,).

    Inverse-CDF sampling: a uniform number u picks the first w with CDF(w) > u. (A noise
    word may equal the true word now and then; word2vec does not avoid it either.)
    """
    cdf = np.cumsum(distribution)
    cdf /= cdf[-1]
    picks = np.searchsorted(cdf, rng.random(shape), side="right")
    return np.minimum(picks, len(distribution) - 1).astype(np.int64)


# --------------------------------------------------------------------------------------
# Using the vectors: neighbours, files, initialising another model's Embedding
# --------------------------------------------------------------------------------------
def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row divided by its length (rows of zeros stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def nearest_neighbours(
    vectors: np.ndarray, words: list[str], query: str, k: int = 5
) -> list[tuple[str, float]]:
    """The k words with the highest cosine similarity cos(v_q, v_w) = v_q·v_w / (|v_q||v_w|)
    to `query` (itself left out), best first, as (word, similarity) pairs."""
    index = {word: row for row, word in enumerate(words)}
    if query not in index:
        raise KeyError(f"nearest_neighbours: {query!r} is not among the {len(words)} words")
    unit = unit_rows(np.asarray(vectors, dtype=np.float64))
    similarity = unit @ unit[index[query]]  # (N,)
    similarity[index[query]] = -np.inf
    best = np.argsort(-similarity, kind="stable")[:k]
    return [(words[row], float(similarity[row])) for row in best]


def save_word_vectors(path: str | os.PathLike, words, vectors) -> Path:
    """Write words (N,) and vectors (N, D) to an .npz file atomically; returns the path.

    The file holds `words` (unicode), `vectors` (float32) and `format`; see the module
    docstring. The name is used as given (no ".npz" is appended).
    """
    path = Path(path)
    words = np.array([str(word) for word in words])  # (N,) unicode, loads without pickle
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ShapeError(
            f"save_word_vectors: vectors must have shape (N, D) with N = {len(words)} words, "
            f"got {vectors.shape}"
        )
    if len(set(words.tolist())) != len(words):
        raise DataError("save_word_vectors: the words must be distinct")
    try:
        with atomic_write(path) as file:  # a file handle: np.savez adds no ".npz"
            np.savez(file, words=words, vectors=vectors, format=np.array(VECTORS_FORMAT))
    except FileNotFoundError as error:
        raise DataNotFoundError(f"save_word_vectors: {error}") from None
    except OSError as error:
        raise DataFormatError(f"save_word_vectors: {error}") from None
    return path


def load_word_vectors(path: str | os.PathLike) -> tuple[list[str], np.ndarray]:
    """(words, vectors (N, D) float32) from a file written by `save_word_vectors`.

    Read with allow_pickle=False. Raises DataNotFoundError for a missing file and
    DataFormatError for anything that is not a word-vector archive.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"word-vector file {str(path)!r} does not exist")
    with open(path, "rb") as file:
        if file.read(2) != b"PK":  # every zip archive, so every .npz, starts with "PK"
            raise DataFormatError(
                f"word-vector file {str(path)!r} is not an .npz archive (write it with "
                f"save_word_vectors, e.g. by examples/10_word2vec.py)"
            )
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files if name in ARRAY_NAMES}
            names = sorted(archive.files)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataFormatError(
            f"word-vector file {str(path)!r} is not a readable .npz archive: {error}"
        ) from None
    if len(arrays) != len(ARRAY_NAMES):
        raise DataFormatError(
            f"word-vector file {str(path)!r} has arrays {names}; expected 'words' and "
            f"'vectors' (write it with save_word_vectors)"
        )
    words = arrays["words"]
    vectors = arrays["vectors"]
    if words.ndim != 1 or words.dtype.kind != "U":
        raise DataFormatError(f"{str(path)!r}: 'words' must be a 1-D array of strings")
    if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.dtype.kind != "f":
        raise DataFormatError(
            f"{str(path)!r}: 'vectors' must be a float array of shape ({len(words)}, D), "
            f"got {vectors.dtype} {vectors.shape}"
        )
    return words.tolist(), vectors.astype(np.float32)


def vectors_for_tokens(tokens: list[str], words: list[str], vectors: np.ndarray):
    """Rows of `vectors` for each token: (found (N,) bool, rows (N, D)), zeros where a
    token is not among `words`. Used to start an Embedding from saved word vectors."""
    index = {word: row for row, word in enumerate(words)}
    found = np.array([token in index for token in tokens], dtype=bool)
    rows = np.zeros((len(tokens), vectors.shape[1]), dtype=vectors.dtype)
    for n, token in enumerate(tokens):
        if found[n]:
            rows[n] = vectors[index[token]]
    return found, rows


def start_from_word_vectors(embedding: Embedding, vocab: WordVocab, path) -> np.ndarray:
    """Copy the saved vectors (word2vec .npz) of the words they cover into `embedding`.

    Rows are rescaled so their standard deviation is 1, like the N(0, 1) rows the other
    words keep. Returns found (V - specials,) bool: which vocabulary words had a vector.
    Raises ShapeError when the file's vector size differs from embedding_dim.
    """
    words, vectors = load_word_vectors(Path(path))
    weight = embedding.weight.data  # (V, E)
    if vectors.shape[1] != weight.shape[1]:
        raise ShapeError(
            f"start_from_word_vectors: {path} holds {vectors.shape[1]}-dimensional vectors "
            f"but the Embedding has embedding_dim={weight.shape[1]}"
        )
    specials = len(vocab.specials)
    found, rows = vectors_for_tokens(vocab.itos[specials:], words, vectors)
    scale = 1.0 / max(float(vectors.std()), 1e-12)
    weight[specials:][found] = rows[found] * scale
    return found


__all__ = [
    "start_from_word_vectors",
    "CBOW",
    "SkipGram",
    "VECTORS_FORMAT",
    "build_corpus",
    "cbow_windows",
    "corpus_words",
    "keep_probabilities",
    "load_word_vectors",
    "nearest_neighbours",
    "negative_sampling_loss",
    "noise_distribution",
    "sample_negatives",
    "save_word_vectors",
    "skipgram_pairs",
    "subsample",
    "unit_rows",
    "vectors_for_tokens",
]
