"""tinygrad_rnn.charlm: the character LM of lesson 5 - model, training, evaluation, sampling,
checkpoints - against numpy formulas, finite differences and independent re-computations."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import charlm, data
from tinygrad_rnn.errors import CheckpointError

TEXT = (
    "the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat.\n" * 6
    + "when the dog ran, the cat ran too; when the cat sat, the dog sat.\n" * 4
)


def tiny_config(**changes) -> charlm.CharLMConfig:
    settings = dict(embedding_dim=5, hidden_size=6, batch_size=3, seq_len=7, lr=0.01, seed=3)
    settings.update(changes)
    return charlm.CharLMConfig(**settings)


def tiny_run(**changes) -> tuple[charlm.CharLMRun, charlm.Corpus]:
    config = tiny_config(**changes)
    corpus = charlm.prepare_corpus(TEXT, config)
    return charlm.new_run(corpus.vocab, config, corpus.fingerprint), corpus


def softmax_rows(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------
def test_model_shapes_names_and_dtype():
    run, corpus = tiny_run()
    V = len(corpus.vocab)
    x = np.zeros((4, 9), dtype=np.int64)
    scores, (h, c) = run.model(x)
    assert scores.shape == (4, 9, V)
    assert h.shape == (1, 4, 6) and c.shape == (1, 4, 6)
    assert scores.dtype == np.float32  # the config's default dtype
    assert list(run.model.state_dict()) == [
        "embedding.weight",
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",
        "lstm.bias_hh_l0",
        "fc.weight",
        "fc.bias",
    ]
    assert run.model.lstm.weight_ih_l0.shape == (4 * 6, 5)
    assert tg.get_default_dtype() == np.float64  # building the float32 model restored it


def test_carrying_the_state_equals_reading_the_whole_sequence():
    run, _ = tiny_run(dtype="float64")
    x = np.random.default_rng(0).integers(0, len(run.vocab), size=(2, 10))
    whole, (h_whole, c_whole) = run.model(x)
    first, state = run.model(x[:, :4])
    second, (h_end, c_end) = run.model(x[:, 4:], state)
    np.testing.assert_allclose(np.concatenate([first.data, second.data], axis=1), whole.data)
    np.testing.assert_allclose(h_end.data, h_whole.data)
    np.testing.assert_allclose(c_end.data, c_whole.data)


def test_loss_is_the_mean_negative_log_probability_of_the_next_character():
    run, corpus = tiny_run(dtype="float64")
    x, y = charlm.batch_at(corpus.train, 1, run.config)
    loss = charlm.lm_loss(run.model, x, y)
    probabilities = softmax_rows(run.model(x)[0].data)  # (B, T, V)
    picked = np.take_along_axis(probabilities, y[..., None], axis=-1)[..., 0]
    assert loss.item() == pytest.approx(-np.log(picked).mean(), rel=1e-12)


def test_gradcheck_of_a_tiny_model_in_float64():
    config = tiny_config(embedding_dim=3, hidden_size=4, dtype="float64")
    model = charlm.build_model(9, config)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 9, size=(2, 3))
    y = rng.integers(0, 9, size=(2, 3))
    params = list(model.parameters())
    assert all(p.dtype == np.float64 for p in params)

    def loss_of(*_params):
        return charlm.lm_loss(model, x, y)

    assert tg.gradcheck(loss_of, params)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------
def test_corpus_split_and_batches():
    config = tiny_config()
    corpus = charlm.prepare_corpus(TEXT, config)
    ids = corpus.vocab.encode(TEXT)
    n_train = round(len(TEXT) * 0.9)
    np.testing.assert_array_equal(corpus.train, ids[:n_train])
    np.testing.assert_array_equal(corpus.val, ids[n_train:])
    x, y = charlm.batch_at(corpus.train, 5, config)
    assert x.shape == y.shape == (3, 7)
    for row_x, row_y in zip(x, y):  # every row is a window of the text, y shifted by one
        text_x, text_y = corpus.vocab.decode(row_x), corpus.vocab.decode(row_y)
        start = corpus.vocab.decode(corpus.train).find(text_x + text_y[-1])
        assert start >= 0 and text_x[1:] == text_y[:-1]
    again = charlm.batch_at(corpus.train, 5, config)
    np.testing.assert_array_equal(x, again[0])  # a step's batch depends on (seed, step) only
    other = charlm.batch_at(corpus.train, 6, config)
    assert not np.array_equal(x, other[0])


def test_a_text_too_short_for_the_windows_is_a_clear_error():
    with pytest.raises(data.DataError, match="too short"):
        charlm.prepare_corpus("abcdef", tiny_config())


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="hidden_size"):
        charlm.CharLMConfig(hidden_size=0)
    with pytest.raises(ValueError, match="dtype"):
        charlm.CharLMConfig(dtype="float16")


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------
def test_evaluate_is_the_average_negative_log_probability_over_the_text():
    run, corpus = tiny_run(dtype="float64")
    ids = corpus.val[:61]
    scores, _ = run.model(ids[:-1].reshape(1, -1))  # the whole text in one window
    probabilities = softmax_rows(scores.data[0])  # (60, V)
    expected = -np.log(probabilities[np.arange(60), ids[1:]]).mean()
    # one stream read in windows of 7 with (h, c) carried over = one window of 60
    assert charlm.evaluate(run.model, ids, batch_size=1, seq_len=7) == pytest.approx(expected)
    # two streams: the average over both halves, each read from its own start
    halves = [ids[:30], ids[30:60]]
    nll = []
    for half in halves:
        s, _ = run.model(half[:-1].reshape(1, -1))
        p = softmax_rows(s.data[0])
        nll.extend(-np.log(p[np.arange(29), half[1:]]))
    assert charlm.evaluate(run.model, ids, batch_size=2, seq_len=4) == pytest.approx(np.mean(nll))


def test_training_lowers_the_validation_loss():
    run, corpus = tiny_run(hidden_size=16, embedding_dim=8, batch_size=8, lr=0.02)
    before = charlm.evaluate(run.model, corpus.val)
    losses = [loss for _, loss in charlm.train(run, corpus.train, until_step=60)]
    after = charlm.evaluate(run.model, corpus.val)
    assert run.step == 60 and len(losses) == 60
    assert after < before - 0.5, (before, after)


def test_a_batch_with_a_nan_gradient_gets_no_adam_step():
    """One NaN in a gradient would make every weight NaN through Adam: the step is
    skipped (clip_grad_norm_ warns and leaves the gradients), the next batches train."""
    run, corpus = tiny_run()
    x, y = charlm.batch_at(corpus.train, 1, run.config)
    before = [p.data.copy() for p in run.model.parameters()]
    embedding = run.model.embedding.weight
    embedding.data[x[0, 0]] = np.nan  # a NaN input row: its gradient is NaN as well
    with pytest.warns(RuntimeWarning, match="not finite"):
        loss, norm = charlm.train_step(run.model, run.optimizer, x, y, run.config.clip)
    assert np.isnan(loss) and not np.isfinite(norm)
    for parameter, old in zip(run.model.parameters(), before):
        if parameter is not embedding:
            np.testing.assert_array_equal(parameter.data, old)  # no step was taken
    embedding.data[x[0, 0]] = before[0][x[0, 0]]  # mend the row: training goes on
    losses = [loss for _, loss in charlm.train(run, corpus.train, until_step=5)]
    assert np.all(np.isfinite(losses))
    assert all(np.all(np.isfinite(p.data)) for p in run.model.parameters())


# --------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------
def test_next_char_probabilities_follow_the_temperature_formula():
    scores = np.array([1.0, 2.0, 0.5, -1.0, 3.0])
    for tau in (0.2, 0.5, 1.0, 2.0):
        expected = np.exp(scores / tau) / np.exp(scores / tau).sum()
        np.testing.assert_allclose(charlm.next_char_probabilities(scores, tau), expected)
    banned = charlm.next_char_probabilities(scores, 1.0, banned=(4,))
    assert banned[4] == 0.0
    np.testing.assert_allclose(banned[:4], np.exp(scores[:4]) / np.exp(scores[:4]).sum())
    greedy = charlm.next_char_probabilities(scores, 0.0, banned=(4,))
    np.testing.assert_array_equal(greedy, [0, 1, 0, 0, 0])
    huge = charlm.next_char_probabilities(scores * 1e4, 1e-6)  # no overflow, no nan
    np.testing.assert_array_equal(huge, [0, 0, 0, 0, 1])
    for bad in (-0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="temperature"):
            charlm.next_char_probabilities(scores, bad)


def greedy_reference(model, vocab, prime: str, length: int) -> str:
    """Argmax decoding that re-reads the whole text every step (no state carried)."""
    ids = list(vocab.encode(prime))
    specials = len(vocab.specials)
    for _ in range(length):
        scores, _ = model(np.array([ids]))
        last = scores.data[0, -1].astype(np.float64)
        ids.append(specials + int(np.argmax(last[specials:])))
    return vocab.decode(ids[len(prime) :])


def test_sampling_is_reproducible_and_tends_to_argmax_as_temperature_goes_to_zero():
    run, corpus = tiny_run(dtype="float64")
    list(charlm.train(run, corpus.train, until_step=30))
    one = charlm.sample(run.model, run.vocab, 40, temperature=1.0, prime="the ", rng=7)
    two = charlm.sample(run.model, run.vocab, 40, temperature=1.0, prime="the ", rng=7)
    other = charlm.sample(run.model, run.vocab, 40, temperature=1.0, prime="the ", rng=8)
    assert one == two and len(one) == 40
    assert one != other
    expected = greedy_reference(run.model, run.vocab, "the ", 25)
    for tau in (0.0, 1e-8):
        assert charlm.sample(run.model, run.vocab, 25, tau, prime="the ", rng=1) == expected


def test_sampling_never_draws_a_special_token():
    run, _ = tiny_run()
    run.model.fc.bias.data[:2] = 50.0  # <pad> and <unk> would win every draw
    text = charlm.sample(run.model, run.vocab, 30, temperature=1.0, rng=0)
    assert len(text) == 30 and "<" not in text


# --------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------
def assert_same_run(a: charlm.CharLMRun, b: charlm.CharLMRun) -> None:
    assert a.step == b.step
    for (name, x), (_, y) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    state_a, state_b = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert state_a["param_groups"] == state_b["param_groups"]
    for index, buffers in state_a["state"].items():
        for key, value in buffers.items():
            assert np.array_equal(value, state_b["state"][index][key]), (index, key)


def test_resume_from_a_checkpoint_continues_bit_for_bit(tmp_path):
    straight, corpus = tiny_run()
    list(charlm.train(straight, corpus.train, until_step=7))

    first, _ = tiny_run()
    list(charlm.train(first, corpus.train, until_step=3))
    path = charlm.save_checkpoint(first, tmp_path / "runs" / "lm")
    assert path == tmp_path / "runs" / "lm.npz"
    resumed = charlm.load_checkpoint(path)
    assert resumed.step == 3
    assert resumed.vocab == first.vocab
    assert resumed.config == first.config
    assert resumed.fingerprint == charlm.text_fingerprint(TEXT)
    list(charlm.train(resumed, corpus.train, until_step=7))
    assert_same_run(straight, resumed)


def test_checkpoint_is_plain_numbers_and_refuses_other_files(tmp_path):
    run, _ = tiny_run()
    path = charlm.save_checkpoint(run, tmp_path / "lm.npz")
    with np.load(path, allow_pickle=False) as archive:
        assert "model.lstm.weight_hh_l0" in archive.files
        assert bytes(archive["vocab"]).decode().startswith("{")
    tg.save(run.model, tmp_path / "model_only.npz")
    with pytest.raises(CheckpointError, match="CharLM"):
        charlm.load_checkpoint(tmp_path / "model_only.npz")
    with pytest.raises(CheckpointError, match="not found"):
        charlm.load_checkpoint(tmp_path / "missing.npz")


def test_stop_on_interrupt_defers_the_first_ctrl_c():
    import signal

    before = signal.getsignal(signal.SIGINT)
    with charlm.StopOnInterrupt() as interrupt:
        signal.raise_signal(signal.SIGINT)
        assert interrupt.requested
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before
