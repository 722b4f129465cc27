"""Training and evaluation of a char-LM run: the loss, one Adam step, the loop, the score.

    run = new_run(corpus.vocab, config)        # model + optimizer, step 0
    for step, loss in train(run, corpus.train, until_step=1500):
        ...                                    # one Adam step per iteration
    evaluate(run.model, corpus.val)            # validation loss in nats per character

Each training window starts from h_0 = c_0 = 0. `evaluate` reads the held-out text as
`batch_size` contiguous streams, carrying (h, c) from one window to the next
(truncated-BPTT order, data.bptt_batches), so every character is predicted from all the
text before it in its stream.

Read next: sampling.py (text from a trained model), then checkpoint.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .. import functional as F
from ..data import CharVocab, bptt_batches
from ..graph import no_grad
from ..nn.utils import clip_grad_norm_
from ..optim import Adam
from ..tensor import Tensor
from .config import CharLMConfig
from .corpus import batch_at
from .model import CharLM, build_model, build_optimizer


@dataclass
class CharLMRun:
    """Everything a training run is, and what a checkpoint stores.

    step         optimizer steps taken so far (the next step to run is step + 1)
    fingerprint  crc32 of the text the run trains on (None if unknown)
    """

    model: CharLM
    optimizer: Adam
    vocab: CharVocab
    config: CharLMConfig
    step: int = 0
    fingerprint: int | None = None


def new_run(vocab: CharVocab, config: CharLMConfig, fingerprint: int | None = None) -> CharLMRun:
    """A fresh model (seeded) and its Adam optimizer, at step 0."""
    model = build_model(len(vocab), config)
    return CharLMRun(model, build_optimizer(model, config), vocab, config, 0, fingerprint)


def lm_loss(model: CharLM, x, y) -> Tensor:
    """Mean cross-entropy of the next-character predictions, in nats per character.

    x, y  (B, T) ids, y[b, t] the character after x[b, t].   J = -(1/BT) Σ log p(y | x)
    """
    scores, _ = model(x)  # (B, T, V)
    B, T, V = scores.shape
    return F.cross_entropy(scores.reshape(B * T, V), np.asarray(y).reshape(B * T))


def train_step(model: CharLM, optimizer: Adam, x, y, clip: float) -> tuple[float, float]:
    """One update: forward, backward, clip the gradient norm, Adam. Returns (J, ‖∇‖).

    `backward(retain_graph=False)` frees the graph as it goes (nothing here reads the
    intermediate gradients), which keeps a long run lean. A batch whose gradient holds
    NaN or inf gets no Adam step (clip_grad_norm_ warns): one such step would make every
    weight NaN for good.
    """
    optimizer.zero_grad()
    loss = lm_loss(model, x, y)
    loss.backward(retain_graph=False)
    norm = clip_grad_norm_(model.parameters(), clip).item()  # before clipping
    if math.isfinite(norm):
        optimizer.step()
    return loss.item(), norm


def train(run: CharLMRun, train_ids: np.ndarray, until_step: int) -> Iterator[tuple[int, float]]:
    """Train from step run.step + 1 up to `until_step`; yields (step, J) after each step.

    `run.step` is updated after every completed step, so stopping the loop at any yield
    (Ctrl-C, an early stop) leaves a run that `save_checkpoint` can store and resume.
    """
    for step in range(run.step + 1, until_step + 1):
        x, y = batch_at(train_ids, step, run.config)
        loss, _ = train_step(run.model, run.optimizer, x, y, run.config.clip)
        run.step = step
        yield step, loss


def evaluate(
    model: CharLM, ids: np.ndarray, batch_size: int = 32, seq_len: int = 100, max_chars=None
) -> float:
    """Average -log p(next character) over `ids`, in nats per character (no gradients).

    The text is cut into `batch_size` contiguous streams read in windows of `seq_len`,
    with (h, c) carried from each window to the next (see the module docstring). With
    `max_chars`, only the first max_chars characters are scored (a quick estimate).
    """
    ids = np.asarray(ids)
    if max_chars is not None:
        ids = ids[: max(int(max_chars), 2)]
    streams = max(1, min(batch_size, (len(ids) - 1) // max(seq_len, 1)))
    total = 0.0
    count = 0
    state = None
    with no_grad():
        for x, y in bptt_batches(ids, streams, seq_len):
            scores, state = model(x, state)  # (B, T', V)
            B, T, V = scores.shape
            loss = F.cross_entropy(scores.reshape(B * T, V), y.reshape(B * T), reduction="sum")
            total += float(loss.item())
            count += y.size
    return total / count
