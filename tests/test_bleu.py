"""Corpus BLEU (tinygrad_rnn/vision/bleu.py) against values worked out by hand."""

import math

import pytest

from tinygrad_rnn.errors import ArgumentError
from tinygrad_rnn.vision.bleu import bleu_details, brevity_penalty, corpus_bleu, ngrams


def test_ngrams_counts_repeats():
    assert ngrams("a b a b".split(), 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert ngrams(["a"], 2) == {}


def test_a_perfect_match_scores_one():
    caption = "a small red circle left of a large blue square"
    assert corpus_bleu([[caption]], [caption]) == pytest.approx(1.0)


def test_trigram_bleu_by_hand():
    """'the cat sat on the mat' against 'the cat is on the mat':
    p1 = 5/6 (the x2, cat, on, mat), p2 = 3/5 (the cat, on the, the mat),
    p3 = 1/4 (on the mat), equal lengths so BP = 1: (5/6 · 3/5 · 1/4)^(1/3) = 0.125^(1/3)."""
    score = bleu_details([["the cat is on the mat"]], ["the cat sat on the mat"], max_n=3)
    assert score.precisions == pytest.approx((5 / 6, 3 / 5, 1 / 4))
    assert score.brevity_penalty == 1.0
    assert score.bleu == pytest.approx(0.5)
    # no 4-gram matches: BLEU-4 is 0 (no smoothing)
    assert corpus_bleu([["the cat is on the mat"]], ["the cat sat on the mat"]) == 0.0


def test_clipping_papineni_example():
    """The paper's example: 'the' x7 earns at most 2 (the most in one reference): 2/7.
    c = 7, closest reference length 7, so BP = exp(1 - 7/7) = 1."""
    refs = ["the cat is on the mat", "there is a cat on the mat"]
    score = bleu_details([refs], ["the the the the the the the"], max_n=1)
    assert score.precisions == pytest.approx((2 / 7,))
    assert (score.hypothesis_length, score.reference_length) == (7, 7)
    assert score.bleu == pytest.approx(2 / 7)


def test_brevity_penalty_of_a_short_caption():
    """Every n-gram of 'a small red circle' is in the reference, but it has 4 words
    against 10: BLEU-4 = exp(1 - 10/4) · 1."""
    reference = "a small red circle left of a large blue square"
    score = bleu_details([[reference]], ["a small red circle"])
    assert score.precisions == (1.0, 1.0, 1.0, 1.0)
    assert score.bleu == pytest.approx(math.exp(-1.5))


def test_counts_are_summed_over_the_corpus_before_dividing():
    """Two sentences: p1 = (4+4)/(4+5), p2 = (3+3)/(3+4), p3 = (2+2)/(2+3),
    p4 = (1+1)/(1+2); c = r = 9."""
    score = bleu_details([["a b c d"], ["a b c d f"]], ["a b c d", "a b c d e"])
    assert score.precisions == pytest.approx((8 / 9, 6 / 7, 4 / 5, 2 / 3))
    assert score.bleu == pytest.approx((8 / 9 * 6 / 7 * 4 / 5 * 2 / 3) ** 0.25)
    averaged = (corpus_bleu([["a b c d"]], ["a b c d"]) + 0.0) / 2
    assert score.bleu != pytest.approx(averaged)


def test_the_closest_reference_length_ties_go_to_the_shorter():
    """Hypothesis of 5 words, references of 4 and 6: r = 4, so c > r and BP = 1."""
    score = bleu_details([["a b c d", "a b c d e f"]], ["a b c d e"], max_n=1)
    assert score.reference_length == 4
    assert score.brevity_penalty == 1.0
    assert brevity_penalty(4, 6) == pytest.approx(math.exp(1 - 6 / 4))
    assert brevity_penalty(0, 3) == 0.0


def test_nltk_documented_example():
    """NLTK's corpus_bleu docstring (Papineni's sentences) prints 0.5920... (truncated)."""
    hyp1 = (
        "It is a guide to action which ensures that the military always obeys the commands "
        "of the party"
    )
    ref1a = (
        "It is a guide to action that ensures that the military will forever heed Party commands"
    )
    ref1b = (
        "It is the guiding principle which guarantees the military forces always being under "
        "the command of the Party"
    )
    ref1c = "It is the practical guide for the army always to heed the directions of the party"
    hyp2 = "he read the book because he was interested in world history"
    ref2a = "he was interested in world history because he read the book"
    score = corpus_bleu([[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2])
    assert 0.5920 <= score < 0.5921


def test_tokens_may_be_lists():
    assert corpus_bleu([[["a", "b"]]], [["a", "b"]], max_n=2) == pytest.approx(1.0)


def test_errors_name_the_problem():
    with pytest.raises(ArgumentError, match="2 hypotheses but 1"):
        corpus_bleu([["a b"]], ["a b", "c d"])
    with pytest.raises(ArgumentError, match="non-empty list"):
        corpus_bleu([[]], ["a b"])
    with pytest.raises(ArgumentError, match="single string"):
        corpus_bleu(["a b"], "a b")
    with pytest.raises(ArgumentError, match="max_n"):
        corpus_bleu([["a b"]], ["a b"], max_n=0)
    with pytest.raises(ArgumentError, match="hypothesis 0"):
        corpus_bleu([["a b"]], [3])
