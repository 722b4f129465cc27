"""Text from a trained char-LM: softmax with a temperature, one character at a time.

    sample(run.model, run.vocab, 300, temperature=0.5, prime="ROMEO:", rng=rng)

Read next: checkpoint.py (how a run is saved).
"""

from __future__ import annotations

import math

import numpy as np

from ..data import Vocab
from ..graph import no_grad
from .model import CharLM


def next_char_probabilities(
    scores: np.ndarray, temperature: float, banned: tuple[int, ...] = ()
) -> np.ndarray:
    """p_i = exp(o_i / τ) / Σ_j exp(o_j / τ), in float64, with the `banned` ids at 0.

    τ < 1 sharpens the distribution (safer, more repetitive text), τ > 1 flattens it
    (more surprising, more mistakes); τ = 0 is the limit: all mass on the argmax.
    """
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)):
        raise ValueError(f"sample: temperature must be a number >= 0, got {temperature!r}")
    if temperature < 0:
        raise ValueError(f"sample: temperature must be >= 0, got {temperature}")
    scores = np.array(scores, dtype=np.float64)  # (V,)
    allowed = np.ones(scores.shape, dtype=bool)
    allowed[list(banned)] = False
    if temperature == 0:
        best = np.flatnonzero(allowed)[np.argmax(scores[allowed])]
        probabilities = np.zeros_like(scores)
        probabilities[best] = 1.0
        return probabilities
    z = np.where(allowed, scores / temperature, -np.inf)
    z = z - z.max()  # the largest becomes 0, so exp cannot overflow
    e = np.exp(z)
    return e / e.sum()


def sample(
    model: CharLM,
    vocab: Vocab,
    length: int,
    temperature: float = 1.0,
    prime: str = "\n",
    rng: np.random.Generator | int | None = None,
) -> str:
    """`length` new characters, each drawn from softmax(o_t / τ) given all before it.

    The model first reads `prime` (unknown characters read as <unk>), then feeds every
    character it draws back in, one at a time, carrying (h, c). Special tokens (<pad>,
    <unk>) are never drawn. `rng` (a Generator or a seed) makes the text reproducible.
    Returns the new characters only (without the prime).
    """
    if length < 0:
        raise ValueError(f"sample: length must be >= 0, got {length}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    banned = tuple(range(len(vocab.specials)))
    if len(banned) >= len(vocab):
        raise ValueError("sample: the vocabulary has no characters besides its special tokens")
    prime_ids = vocab.encode(prime if prime else "\n")
    drawn = []
    with no_grad():
        scores, state = model(prime_ids.reshape(1, -1))  # (1, P, V)
        for _ in range(length):
            p = next_char_probabilities(scores.data[0, -1], temperature, banned)  # (V,)
            index = int(rng.choice(len(p), p=p))
            drawn.append(index)
            scores, state = model(np.array([[index]]), state)  # (1, 1, V)
    return vocab.decode(drawn)
