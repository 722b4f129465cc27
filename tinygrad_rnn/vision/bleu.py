"""BLEU-4: how many of the n-grams of generated sentences also appear in the references
(Papineni, Roukos, Ward and Zhu 2002, "BLEU: a method for automatic evaluation of machine
translation"). Corpus-level, as in the paper: the counts are summed over all sentences
before dividing, so one short sentence cannot dominate.

    corpus_bleu([["a small red circle"]], ["a small red square"])    # 0.0 (no 4-gram right)
    corpus_bleu(references, hypotheses)                              # a number in [0, 1]

For a corpus of hypotheses C_1 .. C_m, each with one or more references:

    clipped count    Count_clip(g) = min(count of g in C_j, max over C_j's references of
                     the count of g in that reference)      (saying "a a a a" earns one "a")
    precision        p_n = Σ_j Σ_{n-grams g of C_j} Count_clip(g) / Σ_j (number of n-grams of C_j)
    lengths          c = Σ_j |C_j|;  r = Σ_j |the reference of C_j closest in length|
                     (a tie goes to the shorter reference)
    brevity penalty  BP = 1 if c > r, else exp(1 - r / c)
    BLEU-N           BP · exp(Σ_{n=1..N} (1/N) log p_n)      (N = 4: BLEU-4)

The geometric mean is 0 when any p_n is 0 (no smoothing, as in the paper and NLTK's
default); a corpus with no words at all scores 0. Sentences are strings (split on
spaces) or lists of tokens.

Read next: captioning.py, whose captions the lesson scores with it.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import NamedTuple

from ..errors import ArgumentError


class BleuScore(NamedTuple):
    """corpus_bleu's parts: bleu = brevity_penalty · exp(mean log precisions)."""

    bleu: float
    precisions: tuple[float, ...]  # p_1 .. p_N
    brevity_penalty: float
    hypothesis_length: int  # c
    reference_length: int  # r


def ngrams(tokens: list[str], n: int) -> Counter:
    """How often each n-gram (a tuple of n tokens) occurs in `tokens`."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def clipped_matches(hypothesis: list[str], references: list[list[str]], n: int) -> tuple[int, int]:
    """(Σ Count_clip over the hypothesis's n-grams, the number of its n-grams)."""
    counts = ngrams(hypothesis, n)
    most_in_a_reference: Counter = Counter()
    for reference in references:
        for gram, count in ngrams(reference, n).items():
            most_in_a_reference[gram] = max(most_in_a_reference[gram], count)
    matched = sum(min(count, most_in_a_reference[gram]) for gram, count in counts.items())
    return matched, sum(counts.values())


def closest_reference_length(hypothesis: list[str], references: list[list[str]]) -> int:
    """The length of the reference closest in length to the hypothesis (ties: shorter)."""
    lengths = sorted(len(reference) for reference in references)
    return min(lengths, key=lambda length: abs(length - len(hypothesis)))


def brevity_penalty(c: int, r: int) -> float:
    """BP = 1 if c > r else exp(1 - r/c); 0 for an empty corpus (c = 0)."""
    if c > r:
        return 1.0
    if c == 0:
        return 0.0
    return math.exp(1.0 - r / c)


def bleu_details(list_of_references, hypotheses, max_n: int = 4) -> BleuScore:
    """Corpus BLEU-`max_n` with its parts (see the module docstring).

    list_of_references: for each hypothesis, a list of its references (NLTK's layout);
    hypotheses: the generated sentences. Sentences are strings or lists of tokens.
    """
    references, candidates = check_corpus(list_of_references, hypotheses, max_n)
    matched = [0] * max_n
    total = [0] * max_n
    c = r = 0
    for refs, hypothesis in zip(references, candidates):
        for n in range(1, max_n + 1):
            hits, count = clipped_matches(hypothesis, refs, n)
            matched[n - 1] += hits
            total[n - 1] += count
        c += len(hypothesis)
        r += closest_reference_length(hypothesis, refs)
    precisions = tuple(hits / count if count else 0.0 for hits, count in zip(matched, total))
    bp = brevity_penalty(c, r)
    if min(precisions) == 0.0:
        return BleuScore(0.0, precisions, bp, c, r)
    log_mean = sum(math.log(p) for p in precisions) / max_n
    return BleuScore(bp * math.exp(log_mean), precisions, bp, c, r)


def corpus_bleu(list_of_references, hypotheses, max_n: int = 4) -> float:
    """Corpus BLEU-`max_n` (BLEU-4 by default), a number in [0, 1]."""
    return bleu_details(list_of_references, hypotheses, max_n).bleu


def as_tokens(sentence, where: str) -> list[str]:
    """A sentence as a list of tokens: a string is split on whitespace."""
    if isinstance(sentence, str):
        return sentence.split()
    if isinstance(sentence, (list, tuple)) and all(isinstance(t, str) for t in sentence):
        return list(sentence)
    raise ArgumentError(
        f"corpus_bleu: {where} must be a string or a list of string tokens, got "
        f"{type(sentence).__name__} {sentence!r:.60}"
    )


def check_corpus(list_of_references, hypotheses, max_n) -> tuple[list, list]:
    """The corpus as token lists, with one non-empty list of references per hypothesis."""
    if isinstance(max_n, bool) or not isinstance(max_n, int) or max_n < 1:
        raise ArgumentError(f"corpus_bleu: max_n must be an int >= 1, got {max_n!r}")
    if isinstance(hypotheses, str) or isinstance(list_of_references, str):
        raise ArgumentError(
            "corpus_bleu: pass a list of hypotheses and a list of reference lists, got a "
            "single string (wrap it: corpus_bleu([[reference]], [hypothesis]))"
        )
    hypotheses = list(hypotheses)
    list_of_references = list(list_of_references)
    if len(hypotheses) != len(list_of_references):
        raise ArgumentError(
            f"corpus_bleu: {len(hypotheses)} hypotheses but {len(list_of_references)} lists "
            "of references (one list per hypothesis)"
        )
    candidates = [as_tokens(h, f"hypothesis {j}") for j, h in enumerate(hypotheses)]
    references = []
    for j, refs in enumerate(list_of_references):
        if isinstance(refs, str) or not refs:
            raise ArgumentError(
                f"corpus_bleu: the references of hypothesis {j} must be a non-empty list of "
                f"sentences, got {refs!r:.60}"
            )
        references.append([as_tokens(ref, f"reference of hypothesis {j}") for ref in refs])
    return references, candidates
