"""The hello model exists once: `tinygrad-rnn demo` draws lesson 2's own models, loaded by
commands/lesson.import_lesson; and optim is a package on PyTorch's paths whose messages
still say "optim.SGD"."""

import sys

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import optim
from tinygrad_rnn.commands import demo
from tinygrad_rnn.commands import lesson as lesson_command

LOUD_LESSON = '''"""Lesson 1 - loud: its main prints."""
ANSWER = 42

if __name__ == "__main__":
    print("the lesson ran")
'''

BROKEN_LESSON = '''"""Lesson 2 - broken: importing it fails."""
raise RuntimeError("a lesson that does not import")
'''


@pytest.fixture
def fake_lessons(tmp_path, monkeypatch):
    folder = tmp_path / "examples"
    (folder / "exercises").mkdir(parents=True)
    (folder / "01_loud.py").write_text(LOUD_LESSON)
    (folder / "02_broken.py").write_text(BROKEN_LESSON)
    monkeypatch.setattr(lesson_command, "examples_folder", lambda: folder)
    yield folder
    for name in ("lesson_01_loud", "lesson_02_broken"):
        sys.modules.pop(name, None)


def test_import_lesson_gives_the_module_without_running_its_main(fake_lessons, capsys):
    module = lesson_command.import_lesson("1")
    assert module.ANSWER == 42
    assert capsys.readouterr().out == ""  # the `if __name__ == "__main__"` block did not run
    assert lesson_command.import_lesson("loud") is module  # imported once
    assert sys.modules["lesson_01_loud"] is module


def test_a_lesson_that_fails_to_import_leaves_nothing_behind(fake_lessons):
    with pytest.raises(RuntimeError, match="does not import"):
        lesson_command.import_lesson("2")
    assert "lesson_02_broken" not in sys.modules
    with pytest.raises(RuntimeError, match="does not import"):  # and fails again, not half-made
        lesson_command.import_lesson("2")


def hello_scores_by_hand(params: dict, inputs: str, vocab) -> np.ndarray:
    """Lesson 2's equations in numpy: h_t = tanh(U x_t + W h_{t-1} + b), o_t = V h_t + c."""
    U, W, V, b, c = (params[name].numpy() for name in "UWVbc")
    h = np.zeros(W.shape[0])
    scores = []
    for char in inputs:
        x = np.eye(len(vocab))[vocab.index(char)]
        h = np.tanh(U @ x + W @ h + b)
        scores.append(V @ h + c)
    return np.stack(scores)  # (T, 4)


def test_the_demo_rnn_is_lesson_2s():
    hello = lesson_command.import_lesson("2")
    model = demo.TextbookRNN(hello, hidden=3, seed=0)
    scores = model.scores(hello.INPUTS)  # (T, 4)
    assert scores.shape == (4, 4)
    expected = hello_scores_by_hand(model.params, hello.INPUTS, hello.VOCAB)
    np.testing.assert_allclose(scores.numpy(), expected, rtol=1e-12, atol=1e-12)
    # the same initial weights as lesson 2's init_params with the same seed
    lesson_params = hello.init_params(3, np.random.default_rng(0))
    for name, p in model.params.items():
        np.testing.assert_array_equal(p.numpy(), lesson_params[name].numpy())
    # the demo's loss is the mean of what lesson 2 sums
    mean = demo.hello_loss(model, scores).item()
    summed = hello.summed_loss(hello.rnn_scores(model.params, hello.INPUTS), hello.TARGETS)
    assert mean == pytest.approx(summed.item() / 4, rel=1e-12)


def test_the_demo_lstm_is_lesson_2s():
    hello = lesson_command.import_lesson("2")
    model = demo.LessonLSTM(hello, hidden=3, seed=5)
    assert type(model.model) is hello.HelloLSTM
    tg.manual_seed(5)
    same = hello.HelloLSTM(3)
    x = hello.one_hot_rows(hello.INPUTS)
    np.testing.assert_array_equal(model.scores(hello.INPUTS).numpy(), same(x).numpy())
    assert model.model.num_parameters() == 4 * 3 * (4 + 3 + 2) + 3 * 4 + 4  # LSTM + Linear


def test_optim_lives_on_pytorchs_paths():
    assert optim.Optimizer.__module__ == "tinygrad_rnn.optim.optimizer"
    assert optim.SGD.__module__ == "tinygrad_rnn.optim.sgd"
    assert optim.RMSprop.__module__ == "tinygrad_rnn.optim.rmsprop"
    assert optim.Adam.__module__ == "tinygrad_rnn.optim.adam"
    from tinygrad_rnn.optim.adam import Adam

    assert Adam is optim.Adam


def test_messages_name_optim_classes_and_a_users_own_class_plainly():
    p = tg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"^optim\.SGD: invalid learning rate: -1"):
        optim.SGD([p], lr=-1)

    class MySGD(optim.SGD):
        pass

    with pytest.raises(ValueError, match=r"^MySGD: invalid learning rate: -1"):
        MySGD([p], lr=-1)
