"""Lesson 12 (n-grams against the RNNs) on tiny settings: what it prints and writes is
recomputed here from tinygrad_rnn.ngram and tinygrad_rnn.charlm, not trusted."""

import math
import re

import numpy as np
import pytest
from helpers import ROOT, load_script, run_script

from tinygrad_rnn import charlm, data
from tinygrad_rnn.ngram import NGramLM

LESSON = ROOT / "examples" / "12_ngram_lm.py"
MAX_CHARS = 40000
FLAGS = (
    "--max-chars", str(MAX_CHARS), "--orders", "3", "--smoothings", "laplace", "kneser-ney",
    "--steps", "2", "--models", "LSTM", "GRU", "--sample-length", "30", "--seed", "1",
)  # fmt: skip


def load_lesson():
    """examples/12_ngram_lm.py as a module (its name starts with a digit)."""
    return load_script(LESSON)


@pytest.fixture(scope="module")
def lesson_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson12")
    stdout = run_script(LESSON, *FLAGS, "--out", str(out)).stdout
    return stdout, out


def tiny_text() -> str:
    return data.load_text(data.resolve_data_path("tinyshakespeare.txt"))[:MAX_CHARS]


def test_the_printed_char_table_is_the_models_perplexity(lesson_run):
    stdout, _ = lesson_run
    corpus = charlm.prepare_corpus(tiny_text(), charlm.CharLMConfig())  # lesson 5's split
    train, val = corpus.vocab.decode(corpus.train), corpus.vocab.decode(corpus.val)
    rows = re.findall(r"^\s+([123]) +([0-9.]+) +([0-9.]+)$", stdout, flags=re.MULTILINE)
    assert [row[0] for row in rows] == ["1", "2", "3"], stdout
    for n, laplace, kneser_ney in rows:
        for smoothing, printed in (("laplace", laplace), ("kneser-ney", kneser_ney)):
            lm = NGramLM(int(n), smoothing).fit([train])
            assert float(printed) == pytest.approx(math.log(lm.perplexity([val])), abs=6e-5)


def test_the_rnn_rows_are_charlm_evaluate_of_the_same_training(lesson_run):
    stdout, _ = lesson_run
    config = charlm.CharLMConfig(seed=1)
    corpus = charlm.prepare_corpus(tiny_text(), config)
    run = charlm.new_run(corpus.vocab, config)
    for _ in charlm.train(run, corpus.train, 2):
        pass
    expected = charlm.evaluate(run.model, corpus.val, config.batch_size)
    printed = re.search(r"^LSTM +([0-9.]+) +\(LSTM", stdout, flags=re.MULTILINE).group(1)
    assert float(printed) == pytest.approx(expected, abs=6e-5)
    assert re.search(r"^ GRU +[0-9.]+ +\(GRU", stdout, flags=re.MULTILINE)
    assert "RNN, same validation" not in stdout  # --models LSTM GRU: no RNN row


def test_the_sparsity_table_shows_inf_for_mle_and_finite_values_for_smoothings(lesson_run):
    stdout, _ = lesson_run
    rows = dict(re.findall(r"^(mle|laplace|lidstone|witten-bell|kneser-ney|katz) .* (\S+)$",
                           stdout, flags=re.MULTILINE))  # fmt: skip
    assert rows["mle"] == "inf"
    lines = [data.tokenize_words(line) for line in tiny_text().splitlines()]
    lines = [line for line in lines if line]
    words = data.tokenize_words(load_lesson().SENTENCE)
    for smoothing in ("laplace", "lidstone", "witten-bell", "kneser-ney", "katz"):
        expected = NGramLM(3, smoothing).fit(lines).perplexity([words])
        assert math.isfinite(float(rows[smoothing]))
        assert float(rows[smoothing]) == pytest.approx(expected, abs=0.051)
    assert re.search(r"^stupid-backoff .* no \(scores\)$", stdout, flags=re.MULTILINE)


def test_the_plot_and_the_samples_are_written(lesson_run):
    _, out = lesson_run
    assert (out / "ngram_orders.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    samples = (out / "samples.txt").read_text(encoding="utf-8")
    headers = re.findall(r"^--- (.*) ---$", samples, flags=re.MULTILINE)
    assert len(headers) == 2
    assert "the best n-gram" in headers[0] and "LSTM after 2 steps" in headers[1]


def test_nats_per_char_is_the_log_of_the_perplexity():
    lesson = load_lesson()
    text = "to be or not to be, that is the question"
    for smoothing in ("laplace", "witten-bell", "kneser-ney", "katz"):
        lm = NGramLM(3, smoothing).fit([text[:25]])
        expected = math.log(lm.perplexity([text[25:]]))
        assert lesson.nats_per_char(lm, text[25:], "test") == pytest.approx(expected, rel=1e-9)
    mle = NGramLM(2, "mle").fit(["abab"])
    assert lesson.nats_per_char(mle, "abba", "test") == math.inf  # unseen "bb": 0


def test_ngram_samples_follow_p_to_the_power_one_over_tau():
    """A unigram model (the context never matters): P(a) = 2/3 ... P(c) = 1/12 draws at
    τ = 0.5 with frequencies ∝ P², "</s>" and "<unk>" never."""
    lesson = load_lesson()
    lm = NGramLM(1, "mle").fit(["aaaaaaaabbbc"])  # c(a)=8 c(b)=3 c(c)=1 c(</s>)=1, N = 13
    p = np.array([8, 3, 1]) / 13
    expected = p**2 / (p**2).sum()
    drawn = lesson.sample_ngram(lm, 6000, 0.5, "", np.random.default_rng(0))
    assert set(drawn) <= set("abc")
    frequencies = np.array([drawn.count(ch) for ch in "abc"]) / len(drawn)
    assert np.allclose(frequencies, expected, atol=0.02)  # ~4 standard errors
    assert lesson.sample_ngram(lm, 50, 0.01, "", np.random.default_rng(0)) == "a" * 50
