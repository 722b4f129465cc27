"""tinygrad_rnn.ngram: every smoothing against counts worked out by hand, normalisation
over random corpora, padding and "<unk>", perplexity, sampling and the errors.

The hand corpus is ["ab", "abb"], order 2, padded as  <s> a b </s>  and  <s> a b b </s>:
    vocab <s> </s> <unk> a b   so V = 4 (all but <s>)
    bigrams  c(<s>,a)=2  c(a,b)=2  c(b,b)=1  c(b,</s>)=2     c(<s>)=2  c(a)=2  c(b)=3
    unigrams c(a)=2  c(b)=3  c(</s>)=2                        N = 7, N1+(•) = 3
    continuation N1+(•a)=1 (<s>)  N1+(•b)=2 (a, b)  N1+(•</s>)=1 (b)   total 4, 3 types
"""

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.errors import ArgumentError
from tinygrad_rnn.ngram import (
    SMOOTHINGS,
    ContextTable,
    NGramLM,
    NotFittedError,
    UnseenContextError,
    good_turing_discounts,
)

CORPUS = ["ab", "abb"]


def fitted(smoothing, order=2, corpus=CORPUS, **keywords):
    return NGramLM(order, smoothing, **keywords).fit(corpus)


def test_vocab_and_V_of_the_hand_corpus():
    lm = fitted("laplace")
    assert lm.vocab == ("<s>", "</s>", "<unk>", "a", "b")
    assert lm.V == 4


def test_mle_is_count_over_context_count():
    lm = fitted("mle")
    assert lm.prob("a", ["<s>"]) == pytest.approx(1.0)  # c(<s>,a)/c(<s>) = 2/2
    assert lm.prob("b", "b") == pytest.approx(1 / 3)  # c(b,b)/c(b)
    assert lm.prob("</s>", "b") == pytest.approx(2 / 3)
    assert lm.prob("a", "b") == 0.0
    assert lm.logprob("a", "b") == -math.inf


def test_mle_unseen_context_is_the_sparsity_error():
    lm = fitted("mle")
    with pytest.raises(UnseenContextError, match=r"\('<unk>',\).*sparsity"):
        lm.prob("a", "z")  # z is unseen, so the context is <unk>, never seen
    with pytest.raises(ValueError):
        lm.prob("a", "</s>")


def test_laplace_and_lidstone():
    lm = fitted("laplace")
    assert lm.prob("b", "b") == pytest.approx(2 / 7)  # (1+1)/(3+4)
    assert lm.prob("a", "b") == pytest.approx(1 / 7)
    assert lm.prob("<unk>", "a") == pytest.approx(1 / 6)  # (0+1)/(2+4)
    assert lm.prob("a", "z") == pytest.approx(1 / 4)  # unseen context: 1/V
    lm = fitted("lidstone", gamma=0.5)
    assert lm.prob("b", "b") == pytest.approx(0.3)  # (1+.5)/(3+.5*4)
    lm = fitted("lidstone", gamma=0.1)
    assert lm.prob("</s>", "b") == pytest.approx(2.1 / 3.4)


def test_witten_bell_by_hand():
    lm = fitted("witten-bell")
    # unigram: (c(w) + 3 * 1/4) / (7 + 3)
    unigram = {"a": F(11, 40), "b": F(3, 8), "</s>": F(11, 40), "<unk>": F(3, 40)}
    for token, p in unigram.items():
        assert lm.prob(token, "z") == pytest.approx(float(p))  # context <unk> unseen
    assert lm.prob("b", "b") == pytest.approx(float((1 + 2 * F(3, 8)) / 5))  # 0.35
    assert lm.prob("a", "b") == pytest.approx(float(2 * F(11, 40) / 5))  # 0.11
    assert lm.prob("a", ["<s>"]) == pytest.approx(float((2 + 1 * F(11, 40)) / 3))


def test_kneser_ney_by_hand():
    lm = fitted("kneser-ney")
    d = F(3, 4)
    # the unigram level uses continuation counts: (max(N1+(•w) - D, 0) + D*3/4) / 4
    base = d * 3 / 4 * F(1, 4)
    unigram = {"a": F(1, 4) / 4 + base, "b": F(5, 4) / 4 + base, "<unk>": base}
    unigram["</s>"] = unigram["a"]
    assert sum(unigram.values()) == 1
    for token, p in unigram.items():
        assert lm.prob(token, "z") == pytest.approx(float(p))
    p_bb = (1 - d) / 3 + d * 2 / 3 * unigram["b"]  # 1/12 + 29/128
    assert lm.prob("b", "b") == pytest.approx(float(p_bb))
    assert lm.prob("a", "b") == pytest.approx(float(d * 2 / 3 * unigram["a"]))
    lm = fitted("kneser-ney", discount=0.5)
    assert lm.prob("<unk>", "a") == pytest.approx(0.5 * 1 / 2 * (0.5 * 3 / 4 / 4))


def test_stupid_backoff_scores_by_hand():
    lm = fitted("stupid-backoff")
    assert lm.prob("b", "b") == pytest.approx(1 / 3)
    assert lm.prob("a", "b") == pytest.approx(0.4 * 2 / 7)  # alpha * c(a)/N
    assert lm.prob("<unk>", "b") == 0.0
    assert lm.prob("a", ["<s>"]) == pytest.approx(1.0)
    lm = fitted("stupid-backoff", order=3, alpha=0.5)
    assert lm.prob("a", "ba") == pytest.approx(0.5 * 0.5 * 2 / 7)  # (b,a) and (a) unseen
    scores = sum(lm.prob(t, "b") for t in lm.vocab)
    assert scores != pytest.approx(1.0)  # scores, not probabilities


def test_good_turing_discounts_from_counts_of_counts():
    # n_1 = 4, n_2 = 2, n_3 = 1, n_6 = 0, so R = 0 and d_r = r*/r = (r+1) n_{r+1} / (r n_r)
    counts = {("a",): 1, ("b",): 1, ("c",): 1, ("d",): 1, ("e",): 2, ("f",): 2, ("g",): 3}
    from collections import Counter

    d = good_turing_discounts(ContextTable(Counter(counts)))
    assert d[1] == pytest.approx(1.0)  # 2*2/4 = 1
    assert d[2] == pytest.approx(0.75)  # 3*1/(2*2)
    assert d[3] == 1.0  # n_4 = 0: unusable, left undiscounted
    counts[("h",)] = 6  # n_6 = 1: R = 6/4 >= 1, unusable
    assert set(good_turing_discounts(ContextTable(Counter(counts))).values()) == {1.0}


def test_katz_discounted_unigram_by_hand():
    # counts a b c d </s>: 1, e f: 2, g: 3 -> n1=5 n2=2 n3=1; d1 = 2*2/5, d2 = 3/4
    lm = NGramLM(1, "katz").fit(["abcdeeffggg"])
    assert lm.V == 9
    assert lm.prob("a") == pytest.approx(0.8 / 12)
    assert lm.prob("e") == pytest.approx(0.75 * 2 / 12)
    assert lm.prob("g") == pytest.approx(3 / 12)
    # alpha = (1 - 10/12) / (1 - 8/9) = 1.5 for the one unseen token
    assert lm.prob("<unk>") == pytest.approx(1.5 / 9)


def test_katz_reserve_fallback_by_hand():
    # every GT discount of the hand corpus is unusable, so nothing is discounted and each
    # context keeps 1/(c(h)+1) for its unseen tokens
    lm = fitted("katz")
    assert lm.prob("b", "z") == pytest.approx(3 / 8)
    assert lm.prob("<unk>", "z") == pytest.approx(1 / 8)  # alpha = (1/8)/(1/4) times 1/4
    assert lm.prob("b", "b") == pytest.approx(1 / 4)
    assert lm.prob("</s>", "b") == pytest.approx(2 / 4)
    assert lm.prob("a", "b") == pytest.approx(2 / 3 * 2 / 8)  # alpha(b) = (1/4)/(3/8)
    assert lm.prob("<unk>", "b") == pytest.approx(2 / 3 * 1 / 8)


@settings(max_examples=60, deadline=None)
@given(
    corpus=st.lists(st.text(alphabet="abc", max_size=7), max_size=4),
    order=st.integers(1, 4),
    context=st.text(alphabet="abcd", max_size=4),
    min_count=st.integers(1, 2),
)
def test_every_smoothing_sums_to_one_over_the_V_predictable_tokens(
    corpus, order, context, min_count
):
    for smoothing in SMOOTHINGS:
        if smoothing == "stupid-backoff":
            continue
        lm = NGramLM(order, smoothing, min_count=min_count).fit(corpus)
        try:
            p = lm.distribution(context)
        except UnseenContextError:
            assert smoothing == "mle"
            continue
        assert p[0] == 0.0  # "<s>" is never predicted
        assert (p >= 0).all()
        assert p.sum() == pytest.approx(1.0, abs=1e-9), (smoothing, lm.vocab)


def every_prob(lm, tokens):
    """{(context, token): prob, or the error's class} over every context of order-1
    tokens drawn from `tokens` (every seen context and many unseen ones)."""
    contexts = [()]
    for _ in range(lm.order - 1):
        contexts = [context + (t,) for context in contexts for t in tokens]
    table = {}
    for context in contexts:
        for token in tokens:
            try:
                table[context, token] = lm.prob(token, list(context))
            except UnseenContextError as error:
                table[context, token] = type(error)
    return table


@settings(max_examples=25, deadline=None)
@given(
    corpus=st.lists(st.text(alphabet="abc", max_size=8), max_size=4),
    order=st.integers(1, 4),
    lower=st.integers(1, 4),
    min_count=st.integers(1, 2),
)
def test_truncated_equals_fitting_the_lower_order_from_scratch(corpus, order, lower, min_count):
    lower = min(lower, order)
    tokens = ["<s>", "</s>", "<unk>", "a", "b", "c", "z"]
    for smoothing in SMOOTHINGS:
        top = NGramLM(order, smoothing, min_count=min_count).fit(corpus)
        truncated = top.truncated(lower)
        scratch = NGramLM(lower, smoothing, min_count=min_count).fit(corpus)
        assert (truncated.order, truncated.vocab) == (lower, scratch.vocab)
        assert every_prob(truncated, tokens) == every_prob(scratch, tokens), smoothing  # exact


def test_truncated_shares_the_tables_and_checks_its_order():
    top = NGramLM(3, "kneser-ney", discount=0.5).fit(["abcab", "bca"])
    lower = top.truncated(2)
    assert lower.tables[2] is top.tables[2] and lower.continuation[1] is top.continuation[1]
    assert set(lower.tables) == {1, 2} and set(lower.continuation) == {1}
    assert (lower.discount, top.order) == (0.5, 3)  # keywords kept, the model untouched
    assert lower.prob("c", "ab") == NGramLM(2, "kneser-ney", discount=0.5).fit(
        ["abcab", "bca"]
    ).prob("c", "b")
    for bad in (0, 4, 2.0, True):
        with pytest.raises(ArgumentError, match="truncated: order must be an int in 1..3"):
            top.truncated(bad)
    with pytest.raises(NotFittedError, match="fit"):
        NGramLM(3).truncated(2)


def test_padding_short_contexts_and_the_end_token():
    lm = fitted("mle", order=3, corpus=["ab"])
    assert set(lm.tables[3].followers) == {("<s>", "<s>"), ("<s>", "a"), ("a", "b")}
    assert lm.prob("a", "") == 1.0
    assert lm.prob("b", "a") == lm.prob("b", ["<s>", "a"]) == 1.0
    assert lm.prob("</s>", "xab") == 1.0  # only the last order-1 tokens count
    assert lm.tables[1].totals[()] == 3  # a, b and </s> are predicted; <s> never


def test_rare_and_unseen_tokens_become_unk():
    lm = NGramLM(2, "laplace", min_count=2).fit(["aab"])
    assert lm.vocab == ("<s>", "</s>", "<unk>", "a")
    assert lm.tables[2].count(("a",), "<unk>") == 1  # b was seen once < min_count
    assert lm.prob("b", "a") == lm.prob("<unk>", "a") == lm.prob("zz", "a")
    assert lm.prob("a", "q") == lm.prob("a", "<unk>")
    assert lm.prob("<s>", "a") == 0.0


def test_words_as_tokens():
    lm = NGramLM(2, "mle").fit([["I", "studied", "1", "times"], ["I", "studied", "2", "times"]])
    assert lm.prob("1", ["I", "studied"]) == pytest.approx(0.5)
    assert lm.prob("7", ["studied"]) == 0.0  # "7" is <unk>: never seen
    assert lm.perplexity([["I", "studied", "7", "times"]]) == math.inf


@pytest.mark.parametrize("smoothing", ["mle", "laplace", "witten-bell", "kneser-ney", "katz"])
def test_perplexity_of_a_uniform_model_is_V(smoothing):
    # every predictable token (a, b, <unk>, </s>) once: the unigram model is uniform 1/4
    lm = NGramLM(1, smoothing).fit([["a", "b", "<unk>"]])
    assert lm.V == 4
    assert lm.perplexity(["ab", "ba", "zzz"]) == pytest.approx(4.0)


def test_perplexity_is_exp_of_the_mean_negative_logprob():
    lm = fitted("laplace")
    # "ab": P(a|<s>) = 3/6, P(b|a) = 3/6, P(</s>|b) = 3/7
    expected = math.exp(-(math.log(3 / 6) * 2 + math.log(3 / 7)) / 3)
    assert lm.perplexity(["ab"]) == pytest.approx(expected)


def test_unigram_samples_match_the_probabilities():
    lm = NGramLM(1, "laplace").fit(["aaaabbc", "a"])
    n = 20_000
    samples = lm.sample(n, rng=np.random.default_rng(0))
    for token in lm.vocab:
        p = lm.prob(token)
        share = samples.count(token) / n
        assert abs(share - p) < 5 * math.sqrt(p * (1 - p) / n) + 1e-12, token


def test_sampling_restarts_after_the_end_token_and_is_seeded():
    lm = fitted("mle", corpus=["ab"])
    assert lm.sample(7, rng=3) == ["a", "b", "</s>", "a", "b", "</s>", "a"]
    lm = fitted("kneser-ney", order=3, corpus=["abcab", "bca"])
    assert lm.sample(30, rng=1) == lm.sample(30, rng=1)
    assert lm.sample(0) == []


def test_errors_are_clear():
    with pytest.raises(ArgumentError, match="mle, laplace, lidstone, witten-bell"):
        NGramLM(2, "good-turing")
    with pytest.raises(ArgumentError, match="order must be an int >= 1"):
        NGramLM(0, "laplace")
    with pytest.raises(ArgumentError, match="order"):
        NGramLM(2.0, "laplace")
    with pytest.raises(NotFittedError, match="fit"):
        NGramLM(2, "laplace").prob("a", "b")
    with pytest.raises(ArgumentError, match="gamma=0.1 is used only by smoothing='lidstone'"):
        NGramLM(2, "kneser-ney", gamma=0.1)
    with pytest.raises(ArgumentError, match="discount must be a number in"):
        NGramLM(2, "kneser-ney", discount=1.5)
    with pytest.raises(ArgumentError, match="min_count"):
        NGramLM(2, "laplace", min_count=0)
    with pytest.raises(TypeError):
        NGramLM(2, "laplace", gama=0.1)
    with pytest.raises(ArgumentError, match="n must be"):
        fitted("laplace").sample(-1)
