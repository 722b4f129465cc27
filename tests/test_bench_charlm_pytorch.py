"""benchmarks/bench_charlm_pytorch.py compares like with like: with the engine's weights
copied in, each PyTorch version of lesson 5's model (fused nn.LSTM, a loop of nn.LSTMCell,
the gates by hand) gives the engine's loss on the first batch, and two training steps
(backward, clipping, Adam) leave the same weights. Needs torch; skipped without it,
except the check that the benchmark itself refuses to run without torch."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the benchmarks package

from benchmarks import bench_charlm_pytorch as bench  # noqa: E402
from tinygrad_rnn import charlm  # noqa: E402


@pytest.fixture(scope="module")
def lesson():
    """Lesson 5's defaults, its corpus and the batches of steps 1 and 2."""
    config = charlm.CharLMConfig()
    corpus = bench.lesson_corpus(config)
    return config, corpus, bench.lesson_batches(corpus.train, config, 2)


def weights_of(model) -> dict:
    """{name: float32 array} of a torch model, LSTMCell names as nn.LSTM spells them."""
    names = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    out = {}
    for name, value in model.state_dict().items():
        layer, _, leaf = name.rpartition(".")
        key = f"{layer}.{leaf}_l0" if leaf in names else name
        out[key] = value.detach().numpy()
    return out


@pytest.mark.parametrize("lstm", bench.TORCH_LSTMS)
def test_the_first_batch_has_the_engines_loss(lesson, lstm):
    torch = pytest.importorskip("torch")
    config, corpus, batches = lesson
    run = charlm.new_run(corpus.vocab, config)
    x, y = batches[0]
    engine = charlm.lm_loss(run.model, x, y).item()
    model = bench.torch_model(run.model, lstm)
    theirs = bench.torch_loss(model, lstm, torch.from_numpy(x), torch.from_numpy(y)).item()
    assert theirs == pytest.approx(engine, rel=1e-5)
    assert engine == pytest.approx(math.log(len(corpus.vocab)), abs=0.1)  # untrained: ≈ ln V


@pytest.mark.parametrize(
    "clip", [5.0, 0.05]
)  # lesson 5's (not reached at first), and one that bites
@pytest.mark.parametrize("lstm", bench.TORCH_LSTMS)
def test_two_training_steps_leave_the_same_weights(lesson, lstm, clip):
    torch = pytest.importorskip("torch")
    config, corpus, batches = lesson
    run = charlm.new_run(corpus.vocab, config)
    model = bench.torch_model(run.model, lstm)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    for (x, y), (tx, ty) in zip(batches, bench.as_torch_batches(batches)):
        theirs = bench.torch_step(model, lstm, optimizer, tx, ty, clip)
        ours = charlm.train_step(run.model, run.optimizer, x, y, clip)
        np.testing.assert_allclose(theirs, ours, rtol=1e-5)  # (loss, norm before clipping)
    after = weights_of(model)
    for name, array in run.model.state_dict().items():
        np.testing.assert_allclose(after[name], array, atol=2e-5, err_msg=name)


def test_the_engines_two_modes_take_the_same_step(lesson):
    """`engine, default mode` (keeps every .grad) computes what charlm.train_step does."""
    config, corpus, batches = lesson
    lean, default = charlm.new_run(corpus.vocab, config), charlm.new_run(corpus.vocab, config)
    for x, y in batches:
        assert bench.engine_step_default(default, x, y) == charlm.train_step(
            lean.model, lean.optimizer, x, y, config.clip
        )
    for name, array in lean.model.state_dict().items():
        np.testing.assert_array_equal(default.model.state_dict()[name], array, err_msg=name)


def test_without_torch_the_benchmark_exits_with_status_2(monkeypatch, capsys):
    find_spec = bench.importlib.util.find_spec
    monkeypatch.setattr(
        bench.importlib.util, "find_spec", lambda name: None if name == "torch" else find_spec(name)
    )
    monkeypatch.setattr("sys.argv", ["bench_charlm_pytorch"])
    with pytest.raises(SystemExit) as stopped:
        bench.main()
    assert stopped.value.code == 2
    assert "needs PyTorch" in capsys.readouterr().err
