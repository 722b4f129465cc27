"""Lessons 6 (sentiment) and 10 (word2vec) run end to end on tiny settings; lesson 10's
vectors feed lesson 6's Embedding."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, run_script

SENTIMENT = ROOT / "examples" / "06_sentiment.py"
WORD2VEC = ROOT / "examples" / "10_word2vec.py"


def accuracies(stdout: str) -> dict[str, float]:
    """{"LSTM": 0.8, ...} from the last line, 'held-out accuracy: LSTM 0.800, GRU ...'."""
    line = stdout.strip().splitlines()[-1]
    assert line.startswith("held-out accuracy: "), line
    pairs = re.findall(r"(LSTM|GRU|BOW) ([0-9.]+)", line)
    return {name: float(value) for name, value in pairs}


def write_reviews(path: Path, count: int = 60) -> Path:
    """A trivially separable 'sentence<TAB>label' file: 'good' or 'bad' decides."""
    subjects = ["the movie", "this phone", "the food", "our waiter", "the plot"]
    lines = []
    for n in range(count):
        subject = subjects[n % len(subjects)]
        if n % 2 == 0:
            lines.append(f"{subject} was good  \t1")
        else:
            lines.append(f"{subject} was bad  \t0")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_sentiment_tiny_run_on_the_real_sentences(tmp_path):  # the packaged sentences
    out = run_script(
        SENTIMENT, "--epochs", "1", "--limit", "300", "--bow-epochs", "2", "--examples", "3",
        "--out", str(tmp_path), "--predict", "what a great phone",
    ).stdout  # fmt: skip
    assert "300 sentences from" in out and "240 for training, 60 held out" in out
    scores = accuracies(out)
    assert set(scores) == {"LSTM", "GRU", "BOW"}
    assert all(0.0 <= value <= 1.0 for value in scores.values())
    # the confusion table counts every held-out sentence once, and agrees with the accuracy
    table = re.findall(r"true (?:negative|positive)\s+(\d+)\s+(\d+)", out)
    counts = np.array(table, dtype=int)
    assert counts.shape == (2, 2) and counts.sum() == 60
    assert counts.trace() / 60 == pytest.approx(scores["LSTM"], abs=1e-3)
    assert re.search(r"^\s+[01]\.\d\d  what a great phone$", out, re.MULTILINE)
    assert (tmp_path / "sentiment_lstm.npz").exists() and (tmp_path / "vocab.json").exists()


def test_sentiment_on_your_own_file_learns_an_easy_rule(tmp_path):
    reviews = write_reviews(tmp_path / "reviews.txt")
    out = run_script(
        SENTIMENT, "--data", str(reviews), "--models", "bow,lstm", "--epochs", "12",
        "--embedding", "8", "--hidden", "8", "--bow-lr", "0.1", "--examples", "0",
        "--out", str(tmp_path),
    ).stdout  # fmt: skip
    assert "60 sentences from" in out and "48 for training, 12 held out" in out
    scores = accuracies(out)
    assert scores["BOW"] == 1.0  # one word decides: the logistic regression finds it
    assert 0.0 <= scores["LSTM"] <= 1.0


def test_sentiment_reads_word_vectors_and_counts_the_words_found(tmp_path):
    from tinygrad_rnn.word2vec import save_word_vectors

    reviews = write_reviews(tmp_path / "reviews.txt")
    vectors = save_word_vectors(
        tmp_path / "vectors.npz", ["good", "zebra", "bad", "movie"], np.ones((4, 8))
    )
    out = run_script(
        SENTIMENT, "--data", str(reviews), "--models", "lstm", "--epochs", "1",
        "--embedding", "8", "--hidden", "4", "--examples", "0", "--min-freq", "1",
        "--embeddings", str(vectors), "--out", str(tmp_path),
    ).stdout  # fmt: skip
    # training vocabulary: the, movie, this, phone, food, our, waiter, plot, was, good, bad
    assert "vocabulary: 11 words (each seen 1+ times in the training part)" in out
    assert "found 3 of 11 vocabulary words" in out  # the same count


def test_sentiment_rejects_vectors_of_the_wrong_size(tmp_path):
    from tinygrad_rnn.word2vec import save_word_vectors

    reviews = write_reviews(tmp_path / "reviews.txt")
    vectors = save_word_vectors(tmp_path / "v.npz", ["good"], np.ones((1, 5)))
    result = run_script(
        SENTIMENT, "--data", str(reviews), "--models", "lstm", "--embedding", "8",
        "--embeddings", str(vectors), "--out", str(tmp_path), check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "5-dimensional vectors but --embedding is 8; pass --embedding 5" in result.stderr
    assert "Traceback" not in result.stderr


def test_word2vec_vectors_feed_the_sentiment_lesson(tmp_path):
    text = tmp_path / "corpus.txt"
    sentences = ["the movie was good.", "this phone was bad!", "the food was good, our waiter bad"]
    text.write_text(" ".join(sentences * 40))
    out = run_script(
        WORD2VEC, "--data", str(text), "--steps", "6", "--min-count", "1", "--dim", "8",
        "--batch-size", "64", "--cbow-batch-size", "32", "--words", "good", "zebra",
        "--out", str(tmp_path / "w2v"),
    ).stdout  # fmt: skip
    assert "skipgram: loss" in out and "cbow: loss" in out
    assert re.search(r"^\s+good: \S+ -?[01]\.\d\d,", out, re.MULTILINE)
    assert "zebra: (not in the vocabulary)" in out
    for name in ("skipgram", "cbow"):
        with np.load(tmp_path / "w2v" / f"{name}_vectors.npz", allow_pickle=False) as archive:
            words = archive["words"].tolist()
            vectors = archive["vectors"]
        expected = {"the", "movie", "was", "good", "this", "phone", "bad", "food", "our", "waiter"}
        assert set(words) == expected and len(words) == len(expected)
        assert vectors.shape == (10, 8) and vectors.dtype == np.float32
        assert np.all(np.isfinite(vectors)) and vectors.std() > 0

    reviews = write_reviews(tmp_path / "reviews.txt")
    out = run_script(
        SENTIMENT, "--data", str(reviews), "--models", "gru", "--epochs", "1",
        "--embedding", "8", "--hidden", "4", "--examples", "0", "--min-freq", "1",
        "--embeddings", str(tmp_path / "w2v" / "skipgram_vectors.npz"), "--out", str(tmp_path),
    ).stdout  # fmt: skip
    # of the 11 training words, all but "plot" are in the word2vec corpus
    assert "found 10 of 11 vocabulary words" in out
    assert 0.0 <= accuracies(out)["GRU"] <= 1.0


def test_word2vec_tiny_run_on_tiny_shakespeare(tmp_path):  # the packaged Tiny Shakespeare
    out = run_script(
        WORD2VEC, "--steps", "10", "--limit", "40000", "--min-count", "3",
        "--out", str(tmp_path),
    ).stdout  # fmt: skip
    assert "tinyshakespeare.txt.gz:" in out  # the path of the packaged, compressed copy
    assert re.search(r"^\s+love: \S+ -?[01]\.\d\d,", out, re.MULTILINE)
    assert "nearest neighbours by cosine similarity, cbow:" in out
    assert re.search(r"^\s+pronouns\s+-?[01]\.\d\d\s+-?[01]\.\d\d$", out, re.MULTILINE)
    assert re.search(r"^skipgram: \d of \d word groups closer than random pairs", out, re.M)
    assert "(noisy at this scale: " in out  # the caveat is printed, not only in the docstring
    assert (tmp_path / "skipgram_vectors.npz").exists()
    assert (tmp_path / "cbow_vectors.npz").exists()
    if importlib.util.find_spec("matplotlib") is not None:
        assert f"picture: {tmp_path / 'word2vec_groups.png'}" in out
        assert (tmp_path / "word2vec_groups.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
