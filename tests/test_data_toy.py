"""Generated toy tasks: targets follow their definitions; tagging depends on the future."""

import numpy as np
import pytest

from tinygrad_rnn.data import (
    DataError,
    adding_problem,
    appears_later_tagging,
    copy_task,
    first_symbol_recall,
    next_symbol_tagging,
)


def test_adding_problem_targets_are_the_marked_sums():
    inputs, targets = adding_problem(500, 30, seed=0)
    assert inputs.shape == (500, 30, 2) and targets.shape == (500,)
    values, markers = inputs[..., 0], inputs[..., 1]
    assert set(np.unique(markers).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(markers.sum(axis=1), 2.0)
    np.testing.assert_array_equal(markers[:, :15].sum(axis=1), 1.0)  # one in each half
    np.testing.assert_array_equal(markers[:, 15:].sum(axis=1), 1.0)
    assert values.min() >= 0.0 and values.max() < 1.0
    for i in range(500):
        marked = [values[i, t] for t in range(30) if markers[i, t] == 1.0]
        assert targets[i] == pytest.approx(marked[0] + marked[1], abs=1e-15)


def test_adding_problem_baseline_mse_is_one_sixth():
    _, targets = adding_problem(20_000, 10, seed=1)
    # target = u1 + u2 with u ~ U(0, 1): mean 1, variance 2/12, so predicting 1 scores 1/6
    assert np.mean((targets - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.01)


def test_tasks_are_seeded():
    for make in (
        lambda seed: adding_problem(20, 8, seed=seed),
        lambda seed: first_symbol_recall(20, 8, seed=seed),
        lambda seed: copy_task(20, seed=seed),
        lambda seed: next_symbol_tagging(20, 8, seed=seed),
        lambda seed: appears_later_tagging(20, 8, seed=seed),
    ):
        a, b, c = make(0), make(0), make(1)
        assert all(np.array_equal(x, y) for x, y in zip(a, b))
        assert not np.array_equal(a[0], c[0])


def test_first_symbol_recall():
    inputs, targets = first_symbol_recall(3000, 12, vocab=5, seed=0)
    assert inputs.shape == (3000, 12) and inputs.dtype == np.int64
    np.testing.assert_array_equal(targets, inputs[:, 0])
    assert inputs.min() == 0 and inputs.max() == 4
    counts = np.bincount(targets, minlength=5)
    assert counts.min() > 500  # about 600 each: chance accuracy is 1/vocab
    # the last symbol (what a forgetful RNN remembers best) says nothing about the target
    assert np.mean(inputs[:, -1] == targets) == pytest.approx(0.2, abs=0.03)


def test_copy_task_by_hand_layout():
    inputs, targets = copy_task(50, seq_len=3, delay=4, vocab=8, seed=0)
    assert inputs.shape == targets.shape == (50, 10)
    symbols = inputs[:, :3]
    assert symbols.min() >= 1 and symbols.max() <= 8
    np.testing.assert_array_equal(inputs[:, 3:6], 0)
    np.testing.assert_array_equal(inputs[:, 6], 9)  # the go marker
    np.testing.assert_array_equal(inputs[:, 7:], 0)
    np.testing.assert_array_equal(targets[:, :7], 0)
    np.testing.assert_array_equal(targets[:, 7:], symbols)


def test_next_symbol_tags_by_definition():
    inputs, tags = next_symbol_tagging(200, 9, vocab=6, seed=0)
    for i in range(200):
        for t in range(9):
            expected = inputs[i, t + 1] if t < 8 else 6
            assert tags[i, t] == expected


def test_next_symbol_tags_depend_on_the_future_only():
    """The best guess from the past and present (x_{t-1}, x_t) is at chance; x_{t+1} is exact."""
    vocab = 4
    inputs, tags = next_symbol_tagging(4000, 6, vocab=vocab, seed=2)
    past = inputs[:, :-1] * vocab + np.roll(inputs, 1, axis=1)[:, :-1]  # code of (x_t, x_{t-1})
    future = tags[:, :-1]
    best_correct = 0
    for code in np.unique(past):
        counts = np.bincount(future[past == code], minlength=vocab + 1)
        best_correct += counts.max()  # a classifier that knows the past can do no better
    causal_accuracy = best_correct / future.size
    assert causal_accuracy < 1 / vocab + 0.05
    np.testing.assert_array_equal(future, inputs[:, 1:])  # knowing x_{t+1}: 100 %


def test_appears_later_tags_by_definition():
    inputs, tags = appears_later_tagging(300, 7, vocab=4, symbol=2, seed=0)
    for i in range(300):
        for t in range(7):
            assert tags[i, t] == int(2 in inputs[i, t + 1 :].tolist())
    assert 0.2 < tags.mean() < 0.8  # both tags occur


def test_toy_errors():
    with pytest.raises(DataError, match="T must be >= 2"):
        adding_problem(4, 1)
    with pytest.raises(DataError, match="n .*must be >= 1"):
        first_symbol_recall(0, 5)
    with pytest.raises(DataError, match="vocab >= 2"):
        next_symbol_tagging(3, 5, vocab=1)
    with pytest.raises(DataError, match="symbol < vocab"):
        appears_later_tagging(3, 5, vocab=4, symbol=4)
    with pytest.raises(DataError, match="seq_len, delay, vocab"):
        copy_task(3, seq_len=0)
