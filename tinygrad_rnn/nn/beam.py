"""Beam search on any step function: the decoding Seq2Seq.beam_search runs (seq2seq.py
gives it a step that runs the decoder one time step for every live beam).

The algorithm, in a few lines (scores are sums of log-probabilities, so they only fall):

    live = [(<bos>, score 0)]
    for t = 1 .. max_len:
        extend every live beam by every token: score + log p(token)     (k, V) candidates
        going down the candidates best first, one ending in <eos> is finished; the
        others become the new live beams, until there are beam_size of them
        stop once the best finished score >= the best live score (no live beam can
        win any more; with a length penalty: once beam_size have finished); at
        max_len the live beams join the finished ones
    return the finished hypothesis with the best score / length^length_penalty

Read next: seq2seq.py (DecoderBeamStep, the step function of a trained model).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .checks import check_int, check_number


class Hypothesis(NamedTuple):
    """One finished (or, at max_len, unfinished) beam."""

    tokens: list[int]  # the output tokens, <eos> last if it finished
    score: float  # Σ log p of those tokens
    state: tuple  # the step function's state after the last token (this beam's row)


def select_rows(state: tuple, rows: np.ndarray) -> tuple:
    """Every entry of a state tuple (Tensors or numpy arrays, beams on axis 0) at `rows`."""
    return tuple(entry[rows] for entry in state)


def rank(score: float, length: int, length_penalty: float) -> float:
    """The number beams are compared by: score / length^length_penalty (0: the raw sum)."""
    if length_penalty == 0.0:
        return score
    return score / (max(length, 1) ** length_penalty)


def beam_search(
    step: Callable,
    state: tuple,
    beam_size: int,
    max_len: int,
    bos: int,
    eos: int,
    length_penalty: float = 0.0,
) -> Hypothesis:
    """The most probable output under `step`, searched with `beam_size` beams.

    step(tokens (k,) int, state, t) -> (log_probs (k, V) numpy, new_state): the log
    probabilities of the next token for each of the k live beams. `state` is a tuple of
    arrays/Tensors with one row per beam (it starts with one row, for the <bos> beam);
    rows are reordered with the surviving beams.

    The steps are the module docstring's (ties between candidates go to the lower
    index). length = a hypothesis's number of tokens, <eos> included; length_penalty = 0
    (default) compares the raw sums, which favours short outputs when lengths differ.
    With length_penalty != 0 a longer beam can still overtake, so the search stops early
    only once beam_size hypotheses have finished (the usual heuristic; max_len bounds it
    either way).
    """
    beam_size = check_int("beam_search", "beam_size", beam_size, minimum=1)
    max_len = check_int("beam_search", "max_len (the most tokens to output)", max_len, minimum=1)
    bos = check_int("beam_search", "bos", bos)
    eos = check_int("beam_search", "eos", eos)
    length_penalty = check_number("beam_search", "length_penalty", length_penalty)
    live_tokens: list[list[int]] = [[]]
    live_scores = np.zeros(1)
    tokens = np.array([bos], dtype=np.int64)
    finished: list[Hypothesis] = []
    for t in range(1, max_len + 1):
        log_probs, state = step(tokens, state, t)
        log_probs = np.asarray(log_probs, dtype=np.float64)  # (k, V)
        candidates = live_scores[:, np.newaxis] + log_probs  # (k, V)
        parents, next_tokens, next_scores = extend_beams(
            candidates, live_tokens, state, beam_size, eos, finished
        )
        live_tokens = [live_tokens[p] + [y] for p, y in zip(parents, next_tokens)]
        live_scores = np.array(next_scores)
        state = select_rows(state, np.array(parents, dtype=np.int64))
        tokens = np.array(next_tokens, dtype=np.int64)
        if should_stop(finished, live_scores, beam_size, length_penalty) or not parents:
            break
    else:
        for k, (hyp_tokens, score) in enumerate(zip(live_tokens, live_scores)):
            finished.append(Hypothesis(hyp_tokens, float(score), select_rows(state, np.array([k]))))
    return best_hypothesis(finished, length_penalty)


def extend_beams(
    candidates: np.ndarray,
    live_tokens: list,
    state: tuple,
    beam_size: int,
    eos: int,
    finished: list,
) -> tuple[list[int], list[int], list[float]]:
    """One step of the search. Goes down the candidates (k, V) best first (ties to the
    lower index): one ending in <eos> is appended to `finished`; the others are the new
    live beams, until there are beam_size. Returns their parent beams, tokens, scores."""
    vocab_size = candidates.shape[1]
    order = np.argsort(-candidates, axis=None, kind="stable")  # best first
    parents, next_tokens, next_scores = [], [], []
    for flat in order:
        parent, token = divmod(int(flat), vocab_size)
        score = float(candidates[parent, token])
        if token == eos:
            row = np.array([parent])
            finished.append(
                Hypothesis(live_tokens[parent] + [token], score, select_rows(state, row))
            )
            continue
        parents.append(parent)
        next_tokens.append(token)
        next_scores.append(score)
        if len(parents) == beam_size:
            break
    return parents, next_tokens, next_scores


def should_stop(finished: list, live_scores: np.ndarray, beam_size: int, penalty: float) -> bool:
    """Raw scores: no live beam can beat the best finished one any more. With a length
    penalty: beam_size hypotheses have finished."""
    if not finished:
        return False
    if penalty != 0.0:
        return len(finished) >= beam_size
    best_finished = max(hypothesis.score for hypothesis in finished)
    return len(live_scores) == 0 or best_finished >= float(live_scores.max())


def best_hypothesis(finished: list, length_penalty: float) -> Hypothesis:
    """The hypothesis with the highest rank (the first one on a tie)."""
    best = finished[0]
    for hypothesis in finished[1:]:
        if rank(hypothesis.score, len(hypothesis.tokens), length_penalty) > rank(
            best.score, len(best.tokens), length_penalty
        ):
            best = hypothesis
    return best
