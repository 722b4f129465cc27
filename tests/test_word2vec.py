"""tinygrad_rnn.word2vec: the models against numpy formulas and finite differences, the data
preparation against brute-force loops, and the vector files."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import word2vec as w2v
from tinygrad_rnn.data import DataFormatError, DataNotFoundError


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def reference_loss(scores):
    """mean_b [ -log σ(s_b0) - Σ_k log σ(-s_bk) ], written out in numpy."""
    return np.mean(-log_sigmoid(scores[:, 0]) - log_sigmoid(-scores[:, 1:]).sum(axis=1))


def tiny_skipgram(seed=0, V=7, D=3):
    tg.manual_seed(seed)
    model = w2v.SkipGram(V, D)
    rng = np.random.default_rng(seed)
    # word2vec starts u at zero; random values make every gradient non-trivial
    model.in_embed.weight.data[...] = rng.standard_normal((V, D))
    model.out_embed.weight.data[...] = rng.standard_normal((V, D))
    return model


def tiny_cbow(seed=0, V=7, D=3):
    tg.manual_seed(seed)
    model = w2v.CBOW(V, D, pad_index=0)
    rng = np.random.default_rng(seed)
    model.in_embed.weight.data[1:] = rng.standard_normal((V - 1, D))
    model.out_embed.weight.data[...] = rng.standard_normal((V, D))
    return model


# --- the models --------------------------------------------------------------------------
def test_initialisation_is_word2vecs():
    tg.manual_seed(3)
    model = w2v.CBOW(50, 8)
    v = model.in_embed.weight.data
    assert np.all(np.abs(v) <= 0.5 / 8)
    assert np.all(v[0] == 0.0)  # the pad row
    assert v[1:].std() > 0.01
    assert np.all(model.out_embed.weight.data == 0.0)


def test_skipgram_scores_are_dot_products():
    model = tiny_skipgram()
    centres = np.array([1, 4, 4, 6])
    candidates = np.array([[2, 3, 5], [1, 1, 0], [4, 6, 2], [6, 6, 6]])
    scores = model(centres, candidates).numpy()
    v = model.in_embed.weight.data
    u = model.out_embed.weight.data
    expected = np.array([[u[k] @ v[c] for k in row] for c, row in zip(centres, candidates)])
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_cbow_scores_use_the_mean_of_the_real_context_words():
    model = tiny_cbow()
    contexts = np.array([[1, 2, 0, 3], [0, 0, 5, 0], [0, 0, 0, 0]])  # 0 is <pad>
    candidates = np.array([[4, 1], [2, 6], [3, 3]])
    scores = model(contexts, candidates).numpy()
    v = model.in_embed.weight.data
    u = model.out_embed.weight.data
    means = [(v[1] + v[2] + v[3]) / 3, v[5], np.zeros(3)]  # an empty context gives h = 0
    expected = np.array([[u[k] @ h for k in row] for h, row in zip(means, candidates)])
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_negative_sampling_loss_matches_the_formula():
    scores = np.random.default_rng(1).normal(scale=4.0, size=(5, 4))
    loss = w2v.negative_sampling_loss(tg.tensor(scores))
    np.testing.assert_allclose(loss.item(), reference_loss(scores), rtol=1e-12)


def test_negative_sampling_loss_is_finite_for_huge_scores():
    scores = np.array([[300.0, -300.0], [-300.0, 300.0]])
    loss = w2v.negative_sampling_loss(tg.tensor(scores))
    np.testing.assert_allclose(loss.item(), (0.0 + 600.0) / 2, rtol=1e-12)


def test_skipgram_gradient_of_v_is_the_hand_derived_one():
    """∂L/∂v_c = (1/B) [(σ(s_0) - 1) u_o + Σ_k σ(s_k) u_nk], summed over the rows using c."""
    model = tiny_skipgram(seed=2)
    centres = np.array([1, 3, 1])
    candidates = np.array([[2, 5, 6], [4, 1, 1], [0, 2, 3]])
    loss = w2v.negative_sampling_loss(model(centres, candidates))
    loss.backward()
    v = model.in_embed.weight.data
    u = model.out_embed.weight.data
    expected = np.zeros_like(v)
    for c, row in zip(centres, candidates):
        s = u[row] @ v[c]  # (K+1,)
        coefficient = 1.0 / (1.0 + np.exp(-s))
        coefficient[0] -= 1.0
        expected[c] += coefficient @ u[row] / len(centres)
    np.testing.assert_allclose(model.in_embed.weight.grad, expected, rtol=1e-10, atol=1e-12)


def test_skipgram_loss_gradcheck():
    model = tiny_skipgram(seed=4)
    centres = np.array([1, 3, 1, 6])  # a repeated centre: its gradient rows must add up
    candidates = np.array([[2, 5, 5], [4, 1, 1], [0, 2, 3], [6, 6, 1]])
    weights = [model.in_embed.weight, model.out_embed.weight]

    def loss(v, u):
        return w2v.negative_sampling_loss(model(centres, candidates))

    assert tg.gradcheck(loss, weights)


def test_cbow_loss_gradcheck():
    model = tiny_cbow(seed=5)
    contexts = np.array([[1, 2, 3, 2], [6, 4, 5, 6], [3, 3, 1, 1]])  # repeated words
    candidates = np.array([[4, 1, 2], [2, 6, 6], [3, 5, 1]])
    weights = [model.in_embed.weight, model.out_embed.weight]

    def loss(v, u):
        return w2v.negative_sampling_loss(model(contexts, candidates))

    assert tg.gradcheck(loss, weights)


def test_cbow_pad_slots_take_no_part():
    """Padded slots change neither the scores nor the gradients of the real words, and the
    pad row (kept at zero by padding_idx) receives no gradient."""
    model = tiny_cbow(seed=6)
    candidates = np.array([[4, 1, 2], [2, 6, 6]])
    padded = np.array([[1, 0, 2, 0], [0, 0, 5, 0]])
    compact = np.array([[1, 2], [5, 5]])  # the same real words ([5, 5] has mean v_5)
    w2v.negative_sampling_loss(model(padded, candidates)).backward()
    grad_padded = model.in_embed.weight.grad.copy()
    model.zero_grad()
    w2v.negative_sampling_loss(model(compact, candidates)).backward()
    assert np.all(grad_padded[0] == 0.0)
    np.testing.assert_allclose(grad_padded[1:], model.in_embed.weight.grad[1:], rtol=1e-12)


def test_wrong_candidate_shape_is_a_clear_error():
    model = tiny_skipgram()
    with pytest.raises(tg.ShapeError, match=r"candidates must have shape \(B, K\+1\)"):
        model(np.array([1, 2]), np.array([3, 4, 5]))


def test_training_separates_true_pairs_from_noise():
    """A few Adam steps on a fixed batch: the loss falls well below its start 6 log 2."""
    tg.manual_seed(0)
    model = w2v.SkipGram(6, 4)
    centres = np.array([1, 2, 3, 4])
    candidates = np.array([[2, 3, 4, 5, 5, 5], [1, 4, 5, 3, 3, 3]] * 2)
    optimizer = tg.optim.Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(100):
        loss = w2v.negative_sampling_loss(model(centres, candidates))
        first = loss.item() if first is None else first
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        optimizer.step()
    assert first == pytest.approx(6 * np.log(2))
    assert loss.item() < 0.5


# --- data preparation --------------------------------------------------------------------
def test_build_corpus_drops_punctuation_and_rare_words():
    text = "The cat, the dog! The cat sat. A bird?"
    vocab, ids, counts = w2v.build_corpus(text, min_count=2)
    assert vocab.itos == ["<pad>", "the", "cat"]
    assert vocab.decode(ids) == "the cat the the cat"
    assert counts.tolist() == [0, 3, 2]


def test_build_corpus_rejects_a_text_without_enough_words():
    with pytest.raises(tg.data.DataError, match="min_count"):
        w2v.build_corpus("one two three", min_count=2)


def test_keep_probabilities_follow_word2vecs_rule():
    counts = np.array([0, 970, 20, 10])
    keep = w2v.keep_probabilities(counts, threshold=0.01)
    f = 970 / 1000
    assert keep[1] == pytest.approx(np.sqrt(0.01 / f) + 0.01 / f)
    assert keep[2] == 1.0 and keep[3] == 1.0  # rare words are always kept
    assert keep[0] == 0.0


def test_subsample_keeps_about_the_expected_fraction():
    ids = np.repeat(np.array([1, 2]), 20000)
    keep = np.array([0.0, 0.25, 1.0])
    kept = w2v.subsample(ids, keep, np.random.default_rng(0))
    assert np.sum(kept == 2) == 20000
    assert abs(np.sum(kept == 1) / 20000 - 0.25) < 0.02


@settings(max_examples=30, deadline=None)
@given(
    ids=st.lists(st.integers(1, 9), min_size=1, max_size=25),
    window=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_skipgram_pairs_match_a_brute_force_loop(ids, window, seed):
    ids = np.array(ids)
    centres, contexts = w2v.skipgram_pairs(ids, window, np.random.default_rng(seed))
    sizes = w2v.window_sizes(len(ids), window, np.random.default_rng(seed))
    expected = []
    for t in range(len(ids)):
        for j in range(len(ids)):
            if j != t and abs(j - t) <= sizes[t]:
                expected.append((ids[t], ids[j]))
    assert sorted(zip(centres.tolist(), contexts.tolist())) == sorted(
        (int(a), int(b)) for a, b in expected
    )


@settings(max_examples=30, deadline=None)
@given(
    ids=st.lists(st.integers(1, 9), min_size=1, max_size=20),
    window=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_cbow_windows_match_a_brute_force_loop(ids, window, seed):
    ids = np.array(ids)
    contexts, centres = w2v.cbow_windows(ids, window, np.random.default_rng(seed), pad_index=0)
    sizes = w2v.window_sizes(len(ids), window, np.random.default_rng(seed))
    assert contexts.shape == (len(ids), 2 * window)
    assert centres.tolist() == ids.tolist()
    for t in range(len(ids)):
        offsets = list(range(-window, 0)) + list(range(1, window + 1))
        for column, offset in enumerate(offsets):
            j = t + offset
            inside = 0 <= j < len(ids) and abs(offset) <= sizes[t]
            assert contexts[t, column] == (ids[j] if inside else 0)


def test_noise_distribution_and_sampling():
    counts = np.array([0, 1000, 100, 10])
    distribution = w2v.noise_distribution(counts)
    expected = counts**0.75 / np.sum(counts**0.75)
    np.testing.assert_allclose(distribution, expected)
    samples = w2v.sample_negatives(distribution, (200, 250), np.random.default_rng(0))
    assert samples.shape == (200, 250) and samples.dtype == np.int64
    assert not np.any(samples == 0)  # zero-probability words are never drawn
    frequencies = np.bincount(samples.ravel(), minlength=4) / samples.size
    np.testing.assert_allclose(frequencies, expected, atol=0.01)


# --- using the vectors -------------------------------------------------------------------
def test_nearest_neighbours_by_cosine():
    words = ["a", "b", "c", "d"]
    vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    neighbours = w2v.nearest_neighbours(vectors, words, "a", k=3)
    assert [word for word, _ in neighbours] == ["b", "c", "d"]
    np.testing.assert_allclose([s for _, s in neighbours], [10 / np.sqrt(101), 0.0, -1.0])
    with pytest.raises(KeyError, match="'zebra'"):
        w2v.nearest_neighbours(vectors, words, "zebra")


def test_vector_file_round_trip_reads_without_pickle(tmp_path):
    words = ["the", "king", "don't", "ça"]
    vectors = np.arange(12, dtype=np.float64).reshape(4, 3) / 7
    path = w2v.save_word_vectors(tmp_path / "vectors.npz", words, vectors)
    assert path == tmp_path / "vectors.npz"
    assert [p.name for p in tmp_path.iterdir()] == ["vectors.npz"]  # no temporary left
    with np.load(path, allow_pickle=False) as archive:
        assert archive["words"].tolist() == words
        assert archive["vectors"].dtype == np.float32
        assert str(archive["format"]) == w2v.VECTORS_FORMAT
    loaded_words, loaded = w2v.load_word_vectors(path)
    assert loaded_words == words
    np.testing.assert_allclose(loaded, vectors.astype(np.float32))


def test_loading_bad_vector_files_gives_clear_errors(tmp_path):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        w2v.load_word_vectors(tmp_path / "missing.npz")
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(DataFormatError, match="is not an .npz archive"):
        w2v.load_word_vectors(text)
    truncated = tmp_path / "truncated.npz"
    w2v.save_word_vectors(truncated, ["a"], np.ones((1, 2)))
    truncated.write_bytes(truncated.read_bytes()[:40])
    with pytest.raises(DataFormatError, match="not a readable .npz"):
        w2v.load_word_vectors(truncated)
    other = tmp_path / "other.npz"
    np.savez(other, weight=np.zeros((2, 2)))
    with pytest.raises(DataFormatError, match="expected 'words' and 'vectors'"):
        w2v.load_word_vectors(other)
    mismatched = tmp_path / "mismatched.npz"
    np.savez(mismatched, words=np.array(["a", "b"]), vectors=np.zeros((3, 2)))
    with pytest.raises(DataFormatError, match=r"shape \(2, D\)"):
        w2v.load_word_vectors(mismatched)


def test_saving_checks_shapes_and_duplicates(tmp_path):
    with pytest.raises(tg.ShapeError):
        w2v.save_word_vectors(tmp_path / "v.npz", ["a", "b"], np.zeros((3, 2)))
    with pytest.raises(tg.data.DataError, match="distinct"):
        w2v.save_word_vectors(tmp_path / "v.npz", ["a", "a"], np.zeros((2, 2)))


def test_vectors_for_tokens():
    found, rows = w2v.vectors_for_tokens(
        ["good", "zebra", "bad"], ["bad", "good"], np.array([[1.0, 2.0], [3.0, 4.0]])
    )
    assert found.tolist() == [True, False, True]
    np.testing.assert_array_equal(rows, [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]])
