"""Captioning models (tinygrad_rnn/vision): the CNN encoder's grid, Show and Tell and Show,
Attend and Tell against their equations written out in numpy, gradients by finite
differences in float64, greedy and beam decoding, errors."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.data import SEQ2SEQ_SPECIALS, WordVocab
from tinygrad_rnn.errors import TinygradError
from tinygrad_rnn.gradcheck import gradcheck
from tinygrad_rnn.vision.captioning import (
    ShowAndTell,
    ShowAttendTell,
    caption_loss,
    encode_captions,
)
from tinygrad_rnn.vision.cnn import CNNEncoder

V, E, H = 7, 3, 4  # vocabulary, embedding, hidden sizes of the tiny models
BOS, EOS, PAD = 2, 3, 0


@pytest.fixture(autouse=True)
def float64_default():
    before = tg.get_default_dtype()
    tg.set_default_dtype(np.float64)
    yield
    tg.set_default_dtype(before)


def tiny_encoder(feature_size=5) -> CNNEncoder:
    return CNNEncoder(channels=(2, 3), image_size=8, feature_size=feature_size)


def tiny_model(kind: str):
    tg.manual_seed(0)
    if kind == "tell":
        return ShowAndTell(V, E, H, encoder=tiny_encoder())
    return ShowAttendTell(V, E, H, attention_size=3, encoder=tiny_encoder(None))


def images(batch: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((batch, 3, 8, 8))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_cell(cell, x, h, c):
    """PyTorch's LSTMCell in numpy (gate rows i, f, g, o)."""
    gates = x @ cell.weight_ih.data.T + cell.bias_ih.data + h @ cell.weight_hh.data.T
    gates = gates + cell.bias_hh.data
    i, f, g, o = np.split(gates, 4, axis=1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c_new), c_new


def linear(layer, x):
    return x @ layer.weight.data.T + layer.bias.data


# --------------------------------------------------------------------------------------
# Data: captions as arrays
# --------------------------------------------------------------------------------------
def test_encode_captions_shifts_by_one_word():
    captions = ["a red circle", "a small blue square left of a circle"]
    vocab = WordVocab.build([c.split() for c in captions], specials=SEQ2SEQ_SPECIALS)
    tgt_in, tgt_out = encode_captions(captions, vocab)
    assert tgt_in.shape == tgt_out.shape == (2, 9)  # the longest has 8 words, + <eos>
    first = [vocab.stoi[w] for w in captions[0].split()]
    assert list(tgt_in[0]) == [vocab.bos_index] + first + [vocab.pad_index] * 5
    assert list(tgt_out[0]) == first + [vocab.eos_index] + [vocab.pad_index] * 5
    assert vocab.decode(tgt_out[1], until_eos=True) == captions[1]


def test_caption_loss_ignores_padding():
    logits = tg.tensor(np.random.default_rng(1).standard_normal((1, 3, V)))
    targets = np.array([[4, 5, PAD]])
    log_p = logits.data - np.log(np.exp(logits.data).sum(axis=2, keepdims=True))
    expected = -(log_p[0, 0, 4] + log_p[0, 1, 5]) / 2
    assert caption_loss(logits, targets, PAD).item() == pytest.approx(expected)


# --------------------------------------------------------------------------------------
# The CNN encoder
# --------------------------------------------------------------------------------------
def test_encoder_grid_and_regions():
    encoder = tiny_encoder()
    x = images()
    grid = encoder.features(x)
    assert grid.shape == (2, 3, 2, 2)  # 8x8 pooled twice
    regions = CNNEncoder.regions(grid)
    assert regions.shape == (2, 4, 3)
    for k in range(4):  # region k is row k // w, column k % w
        np.testing.assert_array_equal(regions.data[:, k], grid.data[:, :, k // 2, k % 2])
    assert encoder.pooled(x).shape == (2, 5)
    assert np.all(encoder(x).data >= 0)  # the pooled vector ends in a ReLU


def test_encoder_grid_is_relu_conv_pool_written_out():
    """conv1 -> relu -> 2x2 max -> conv2 -> relu -> 2x2 max, by explicit numpy loops."""
    encoder = tiny_encoder()
    x = images(1)[0]

    def conv(image, conv_layer):
        w, b = conv_layer.weight.data, conv_layer.bias.data
        padded = np.pad(image, ((0, 0), (1, 1), (1, 1)))
        size = image.shape[1]
        out = np.zeros((w.shape[0], size, size))
        for o in range(w.shape[0]):
            for i in range(size):
                for j in range(size):
                    out[o, i, j] = b[o] + np.sum(w[o] * padded[:, i : i + 3, j : j + 3])
        return np.maximum(out, 0)

    def pool(a):
        C, S, _ = a.shape
        return a.reshape(C, S // 2, 2, S // 2, 2).max(axis=(2, 4))

    layers = encoder.layers
    expected = pool(conv(pool(conv(x, layers.conv1)), layers.conv2))
    np.testing.assert_allclose(encoder.features(x[None]).data[0], expected, atol=1e-12)


# --------------------------------------------------------------------------------------
# The models against their equations
# --------------------------------------------------------------------------------------
def test_show_and_tell_first_two_steps_by_hand():
    model = tiny_model("tell")
    x = images()
    tgt_in = np.array([[BOS, 4], [BOS, 5]])
    logits = model(x, tgt_in).logits.data  # (2, 2, V)
    v = model.encoder.pooled(x).data
    h, c = np.tanh(linear(model.init_h, v)), linear(model.init_c, v)
    for t in range(2):
        embedded = model.embedding.weight.data[tgt_in[:, t]]
        h, c = lstm_cell(model.cell, embedded, h, c)
        np.testing.assert_allclose(logits[:, t], linear(model.out, h), atol=1e-12)


def test_show_attend_tell_first_two_steps_by_hand():
    model = tiny_model("attend")
    x = images()
    tgt_in = np.array([[BOS, 4], [BOS, 5]])
    out = model(x, tgt_in)
    grid = model.encoder.features(x).data  # (B, C, 2, 2)
    features = grid.reshape(2, 3, 4).transpose(0, 2, 1)  # (B, L, C), region k = (k // 2, k % 2)
    places = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]])  # (column, row) of the 2x2 grid
    a = np.concatenate([features, np.broadcast_to(places, (2, 4, 2))], axis=2)  # (B, L, C + 2)
    att = model.attention
    h, c = np.tanh(linear(model.init_h, a.mean(axis=1))), linear(model.init_c, a.mean(axis=1))
    for t in range(2):
        hidden = np.tanh((h @ att.W1.data.T)[:, None, :] + a @ att.W2.data.T)  # (B, L, A)
        e = hidden @ att.v.data  # (B, L)
        alpha = np.exp(e) / np.exp(e).sum(axis=1, keepdims=True)
        z = np.einsum("bl,blc->bc", alpha, a)
        np.testing.assert_allclose(out.attention.data[:, t], alpha, atol=1e-12)
        embedded = model.embedding.weight.data[tgt_in[:, t]]
        h, c = lstm_cell(model.cell, np.concatenate([embedded, z], axis=1), h, c)
        o = linear(model.out, np.concatenate([h, z], axis=1))
        np.testing.assert_allclose(out.logits.data[:, t], o, atol=1e-12)


@pytest.mark.parametrize("kind", ["tell", "attend"])
def test_gradients_match_finite_differences(kind):
    model = tiny_model(kind)
    x = images(seed=2)
    tgt_in = np.array([[BOS, 4, 5], [BOS, 6, PAD]])
    tgt_out = np.array([[4, 5, EOS], [6, EOS, PAD]])
    # the first convolution (every gradient reaches it through the whole model) and the
    # decoder's own weights; checking all ~400 numbers would take many seconds
    names = ["encoder.layers.conv1.weight", "embedding.weight", "cell.bias_ih", "out.bias"]
    names += ["init_c.bias"] + (["attention.W1", "attention.v"] if kind == "attend" else [])
    named = dict(model.named_parameters())
    parameters = [named[name] for name in names]

    def loss(*_):
        return model.loss(x, tgt_in, tgt_out, PAD)

    assert gradcheck(loss, parameters, atol=1e-6, rtol=1e-4)


# --------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["tell", "attend"])
def test_greedy_decoding_takes_the_argmax_of_the_teacher_forced_model(kind):
    """Feeding greedy's own words back with teacher forcing gives the same argmaxes, and
    its scores are the sums of those words' log-probabilities."""
    model = tiny_model(kind)
    x = images(3, seed=4)
    decoded = model.greedy_decode(x, max_len=5, bos=BOS, eos=EOS)
    L = decoded.tokens.shape[1]
    for b in range(3):
        n = int(decoded.lengths[b])
        words = decoded.tokens[b, :n]
        logits = model(x[b : b + 1], np.array([[BOS, *words[:-1]]])).logits.data[0]  # (n, V)
        np.testing.assert_array_equal(np.argmax(logits, axis=1), words)
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        assert decoded.scores[b] == pytest.approx(log_p[np.arange(n), words].sum())
        assert np.all(decoded.tokens[b, n:] == PAD) and n <= L
    if kind == "attend":
        assert decoded.attention.shape == (3, L, 4)
        first = decoded.attention[:, 0]
        np.testing.assert_allclose(first.sum(axis=1), 1.0)


@pytest.mark.parametrize("kind", ["tell", "attend"])
def test_beam_of_one_is_greedy_and_wider_beams_score_no_worse(kind):
    model = tiny_model(kind)
    x = images(3, seed=5)
    greedy = model.greedy_decode(x, max_len=4, bos=BOS, eos=EOS)
    beam1 = model.beam_search(x, beam_size=1, max_len=4, bos=BOS, eos=EOS)
    np.testing.assert_array_equal(beam1.tokens, greedy.tokens)
    np.testing.assert_allclose(beam1.scores, greedy.scores)
    wide = model.beam_search(x, beam_size=V, max_len=4, bos=BOS, eos=EOS)
    ended = greedy.tokens[np.arange(3), greedy.lengths - 1] == EOS
    assert np.all(wide.scores[ended] >= greedy.scores[ended] - 1e-12)
    if kind == "attend":
        assert wide.attention.shape[2] == 4


def test_beam_search_finds_the_best_caption_by_brute_force():
    """With beam_size = V and max_len 2 no candidate is ever dropped: beam search returns
    the most probable of all captions it could end with (those ending in <eos>, and the
    unfinished two-word ones that join at max_len), found here by trying them all."""
    model = tiny_model("attend")
    x = images(1, seed=6)
    best = model.beam_search(x, beam_size=V, max_len=2, bos=BOS, eos=EOS)
    words = [w for w in range(V) if w != EOS]
    candidates = [[EOS]] + [[w, u] for w in words for u in range(V)]

    def score(caption):
        logits = model(x, np.array([[BOS, *caption[:-1]]])).logits.data[0]
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        return log_p[np.arange(len(caption)), caption].sum()

    top = max(candidates, key=score)
    assert list(best.tokens[0, : best.lengths[0]]) == top
    assert best.scores[0] == pytest.approx(score(top))


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
def test_errors_name_the_layer_and_the_shapes():
    model = tiny_model("attend")
    with pytest.raises(TinygradError, match=r"images must have shape \(B, 3, 8, 8\)"):
        model(np.zeros((2, 3, 16, 16)), np.array([[BOS], [BOS]]))
    with pytest.raises(TinygradError, match="tokens outside 0..6"):
        model(images(), np.array([[BOS, 9], [BOS, 4]]))
    with pytest.raises(TinygradError, match="3 rows but there are 2 images"):
        model(images(), np.full((3, 2), BOS))
    with pytest.raises(TinygradError, match="eos=7 is not a token"):
        model.greedy_decode(images(), 3, bos=BOS, eos=V)
    with pytest.raises(TinygradError, match="multiple of 8"):
        CNNEncoder(image_size=12)
    with pytest.raises(TinygradError, match="no pooled vector"):
        tiny_encoder(None).pooled(images())
    with pytest.raises(TinygradError, match="needs an encoder with a pooled vector"):
        ShowAndTell(V, encoder=tiny_encoder(None))


# --------------------------------------------------------------------------------------
# Lesson 13 on tiny settings
# --------------------------------------------------------------------------------------
TINY_LESSON = ["--steps", "3", "--train", "60", "--test", "8", "--beam-pictures", "3"]
TINY_LESSON += ["--examples", "2", "--hidden", "8", "--embedding", "4", "--batch-size", "8"]


def test_lesson_scores_are_those_of_its_captions():
    """The lesson's exact-caption rate and BLEU-4 recomputed from the captions it decoded
    (exact: counted here; BLEU-4 of a perfect and of a hopeless corpus known)."""
    lesson = load_lesson()
    args = lesson.parse_args(TINY_LESSON + ["--out", "unused"])
    train_world, test_world, vocab = lesson.make_worlds(args)
    assert len(train_world) == 60 and len(test_world) == 8
    assert not np.array_equal(train_world.images[:8], test_world.images)  # new scenes
    tell, attend = lesson.build_models(vocab, args)
    lesson.train(attend, train_world, vocab, args, "attend")
    result = lesson.evaluate(attend, test_world, vocab, args, "attend")
    captions = result["captions"]
    exact = sum(c == t for c, t in zip(captions, test_world.captions)) / len(captions)
    assert result["greedy"][0] == pytest.approx(exact)
    max_len = max(len(caption.split()) for caption in test_world.captions) + 3
    decoded = attend.greedy_decode(test_world.images, max_len, vocab.bos_index, vocab.eos_index)
    assert captions == [vocab.decode(tokens, until_eos=True) for tokens in decoded.tokens]
    truth = test_world.captions
    picks = lesson.pick_examples(test_world, 4)
    several = [i for i, caption in enumerate(truth) if len(caption.split()) > 4]
    assert picks == sorted(set(picks)) and len(picks) == 4
    assert sum(i in several for i in picks) >= min(2, len(several))
    assert lesson.scores(truth, truth) == (1.0, pytest.approx(1.0))
    assert lesson.scores(["<unk>"] * len(truth), truth) == (0.0, 0.0)


def test_lesson_runs_and_draws(tmp_path):
    from helpers import run_example

    out = run_example("13_image_captioning.py", *TINY_LESSON, "--out", str(tmp_path))
    assert "Show, Attend and Tell" in out and "beam 3: exact" in out
    picture = tmp_path / "captions.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def load_lesson():
    """examples/13_image_captioning.py as a module (its main() does not run)."""
    from helpers import EXAMPLES, load_script

    return load_script(EXAMPLES / "13_image_captioning.py")
