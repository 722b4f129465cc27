"""Lessons 1, 3, 4, 7, 8, 11 run end to end on tiny settings and print what they promise.

Each script runs in a subprocess (as a student runs it); the assertions read its output
and compare with numbers computed here: hand-derived gradients, finite differences,
parameter-count formulas, and the lessons' claims at a scale that holds in seconds.
Some functions are also imported from the scripts and checked directly.
"""

import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, load_script, run_example

import tinygrad_rnn as tg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def load_example(name: str):
    """Import an example script as a module (its main() does not run)."""
    return load_script(ROOT / "examples" / name)


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1))


def assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE, f"{path} is not a PNG"


def assert_svg(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and text.rstrip().endswith("</svg>"), f"{path} is not an SVG"


@pytest.fixture(autouse=True)
def float64_default():
    """Imported example functions build tensors: keep the default dtype as tests expect."""
    before = tg.get_default_dtype()
    yield
    tg.set_default_dtype(before)


# --------------------------------------------------------------------------------------
# Lesson 1: scalar autograd
# --------------------------------------------------------------------------------------
def test_scalar_autograd_prints_hand_derived_gradients_and_writes_pictures(tmp_path):
    out = run_example("01_scalar_autograd.py", "--steps", "2", "--out", str(tmp_path))
    # y = tanh(w1 x1 + w2 x2 + b) at x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432
    y = math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
    slope = 1 - y * y  # = 0.5
    expected = {"w1": slope * 2.0, "x1": slope * -3.0, "w2": slope * 0.0, "x2": slope * 1.0}
    expected["b"] = slope
    for name, value in expected.items():
        printed = number(rf"∂y/∂{name}\s*=\s*([-+0-9.]+)", out)
        assert printed == pytest.approx(value, abs=1e-6), name
    assert number(r"y  = ([0-9.]+)", out) == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    # the neuron's whole backward pass, one line per node (10 nodes), in order
    steps = re.findall(r"^  step (\d+): ", out, flags=re.MULTILINE)
    assert steps == [str(i) for i in range(10)]
    # the shared weight's gradient is the sum of its per-step contributions
    terms = [float(v) for v in re.findall(r"\(([-+0-9.]+) at t=\d\)", out)]
    total = number(r"=\s*([-+0-9.]+)\s+\(W\[0,1\]\.grad", out)
    grad = number(r"W\[0,1\]\.grad = ([-+0-9.]+)", out)
    assert len(terms) == 2 and terms[0] == 0.0  # t=1 multiplies h_0 = 0
    assert sum(terms) == pytest.approx(total, abs=2e-6) and total == pytest.approx(grad)
    for name in ("neuron", "scalar_rnn"):
        assert_svg(tmp_path / f"{name}.svg")
        assert_png(tmp_path / f"{name}.png")


def test_scalar_rnn_gradients_match_finite_differences():
    lesson = load_example("01_scalar_autograd.py")
    rng = np.random.default_rng(3)
    weights = lesson.make_rnn_weights(2, rng)
    xs = [0.5, -1.2, 0.3]
    loss, _ = lesson.run_rnn(xs, 0.5, weights)
    loss.backward()
    params = weights["U"] + [w for row in weights["W"] for w in row] + weights["b"]
    params += weights["V"] + [weights["c"]]
    eps = 1e-6
    for param in params:
        original = param.data
        param.data = original + eps
        plus = lesson.run_rnn(xs, 0.5, weights)[0].data
        param.data = original - eps
        minus = lesson.run_rnn(xs, 0.5, weights)[0].data
        param.data = original
        assert param.grad == pytest.approx((plus - minus) / (2 * eps), abs=1e-7), param.label


# --------------------------------------------------------------------------------------
# Lesson 3: BPTT by hand
# --------------------------------------------------------------------------------------
def test_bptt_by_hand_agrees_with_autodiff():
    out = run_example("03_bptt_by_hand.py", "--trials", "20", "--hidden", "4")
    hand = number(r"by hand ([0-9.]+)", out)
    auto = number(r"autodiff ([0-9.]+)", out)
    assert hand == pytest.approx(auto, abs=1e-10) and hand > 0
    assert number(r"∂J/∂h_t ([0-9.e+-]+),", out) < 1e-10
    assert number(r"∂J/∂θ ([0-9.e+-]+) ", out) < 1e-10
    assert number(r"max \|bptt - autodiff\| = ([0-9.e+-]+)", out) < 1e-10
    # one row per time step, from T = 10 ("hello worl") back to 1
    rows = re.findall(r"^\s+(\d+)\s+'.'→'.'", out, flags=re.MULTILINE)
    assert rows == [str(t) for t in range(10, 0, -1)]
    for name in "UWVbc":
        assert re.search(rf"^  {name}  \S+\s+[0-9.]+\s+[0-9.e+-]+$", out, flags=re.MULTILINE)


# --------------------------------------------------------------------------------------
# Lesson 4: vanishing and exploding gradients
# --------------------------------------------------------------------------------------
def test_vanishing_gradients_lesson(tmp_path):
    out = run_example(
        "04_vanishing_gradients.py",
        *("--steps", "30", "--train-steps", "80", "--out", str(tmp_path)),
    )
    ratio = {}
    for name in ("RNN", "LSTM, forget bias 3", "GRU, update bias 3", "RNN, W_hh = 2·Q"):
        line = re.search(rf"^{re.escape(name)}\s+(.*)$", out, flags=re.MULTILINE).group(1)
        ratio[name] = float(line.split()[-1])  # ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖
    assert ratio["RNN"] < 1e-6  # vanishes over 30 steps
    assert ratio["LSTM, forget bias 3"] > 1e-3 and ratio["GRU, update bias 3"] > 1e-3
    assert ratio["RNN, W_hh = 2·Q"] > 1.0  # explodes
    # clipping scales every term by the same s: the printed shares are "(both)" equal
    assert out.count("(both)") == 2
    # the exploding RNN blows up without clipping and keeps training with it
    assert re.search(r"without clipping .* NaN from step \d+", out)
    assert re.search(r"clipped to 1 .* final loss [0-9.]+", out)
    assert "conclusions (from the numbers above)" in out
    assert_png(tmp_path / "gradient_flow.png")
    assert_png(tmp_path / "clipping.png")


def test_per_step_contributions_sum_to_the_weight_gradient():
    lesson = load_example("04_vanishing_gradients.py")
    tg.set_default_dtype(np.float64)
    tg.manual_seed(0)
    rnn = tg.nn.RNN(3, 5)
    x = np.random.default_rng(0).normal(size=(6, 2, 3))
    loss = lesson.last_state_loss(rnn, x)
    terms = lesson.per_step_contributions(loss)
    assert terms.shape == (6, 5, 5)
    np.testing.assert_allclose(terms.sum(axis=0), rnn.weight_hh_l0.grad, atol=1e-12)
    np.testing.assert_allclose(terms[0], 0.0)  # h_0 = 0


# --------------------------------------------------------------------------------------
# Lesson 7: teacher forcing
# --------------------------------------------------------------------------------------
def test_teacher_forcing_gap(tmp_path):
    out = run_example(
        "07_teacher_forcing.py",
        *("--steps", "150", "--T", "12", "--val", "300", "--no-scheduled"),
        *("--out", str(tmp_path)),
    )
    forced = number(r"fed the truth but ([0-9.]+)%", out)
    truth = number(r"model scores ([0-9.]+)% when fed", out)
    assert truth > 85.0  # near the noisy sensor's ceiling, 92%
    assert forced < truth - 15.0  # the exposure-bias gap
    assert_png(tmp_path / "teacher_forcing.png")


def test_scheduled_sampling_forward_is_teacher_forcing_or_free_running_at_the_ends():
    lesson = load_example("07_teacher_forcing.py")
    settings = type("Args", (), {"K": 4, "T": 6, "noise": 0.1, "checkpoint": 0.3})()
    x, y, checkpoint = lesson.running_sum_task(5, settings, seed=1)
    assert x.shape == (6, 5, 8) and y.shape == (6, 5) and not checkpoint[0].any()
    # the target is the running sum of the true increments mod K; where the sensor is not
    # noisy, the shown increment is exactly y_t - y_{t-1}
    y_prev = np.vstack([np.zeros((1, 5), dtype=int), y[:-1]])
    shown = x[:, :, :4].argmax(-1)
    assert np.mean(shown == (y - y_prev) % 4) > 0.7
    assert np.all(x[:, :, 4:].argmax(-1)[checkpoint] == y_prev[checkpoint])
    tg.set_default_dtype(np.float64)
    tg.manual_seed(0)
    model = tg.nn.OutputToHiddenRNN(8, 7, 4)
    rng = np.random.default_rng(0)
    forced, _ = model(x, y, teacher_forcing=True)
    free, _ = model(x, teacher_forcing=False)
    mixed_forced = lesson.scheduled_sampling_forward(model, x, y, 0.0, rng)
    mixed_free = lesson.scheduled_sampling_forward(model, x, y, 1.0, rng)
    np.testing.assert_allclose(mixed_forced.numpy(), forced.numpy(), atol=1e-12)
    np.testing.assert_allclose(mixed_free.numpy(), free.numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------
# Lesson 8: bidirectional
# --------------------------------------------------------------------------------------
def test_bidirectional_beats_left_to_right(tmp_path):
    out = run_example(
        "08_bidirectional.py",
        *("--steps", "60", "--T", "8", "--val", "200", "--tasks", "next_symbol"),
        *("--out", str(tmp_path)),
    )
    bi = number(r"bidirectional ([0-9.]+)% vs", out)
    uni = number(r"vs left-to-right ([0-9.]+)%", out)
    ceiling = number(r"can beat ([0-9.]+)%", out)
    assert bi > 90.0 and uni <= ceiling + 2.0 and bi > uni + 50.0
    assert_png(tmp_path / "bidirectional.png")


def test_best_guess_from_the_past_is_the_majority_tag_per_position():
    lesson = load_example("08_bidirectional.py")
    tags = np.array([[0, 0, 1, 0], [1, 1, 1, 0], [2, 0, 1, 2]])  # (T=3, N=4)
    np.testing.assert_allclose(lesson.best_guess_from_the_past(tags, 3), [0.75, 0.75, 0.5])


# --------------------------------------------------------------------------------------
# Lesson 11: modelling guideline
# --------------------------------------------------------------------------------------
def test_modelling_guideline_table(tmp_path):
    H = 8
    out = run_example(
        "11_modelling_guideline.py",
        *("--epochs-short", "1", "--epochs-long", "1", "--train", "256", "--val", "100"),
        *("--short-T", "5", "--long-T", "12", "--hidden", str(H), "--out", str(tmp_path)),
    )
    rows = re.findall(r"^adding, T = (\d+) \((short|long)\)\s+(RNN|LSTM|GRU)\s+(.*)$", out, re.M)
    assert [(T, kind) for T, _, kind, _ in rows] == [
        (T, kind) for T in ("5", "12") for kind in ("RNN", "LSTM", "GRU")
    ]
    D = 2  # (value, marker)
    gates = {"RNN": 1, "LSTM": 4, "GRU": 3}
    for _, _, kind, rest in rows:
        mse, _, seconds, params, ops, verdict = rest.split()
        # G gate blocks of weight_ih (GH, D), weight_hh (GH, H), bias_ih, bias_hh (GH,)
        assert int(params) == gates[kind] * H * (D + H + 2)
        assert float(mse) >= 0 and float(seconds) >= 0 and int(ops) > 0
        assert verdict in ("solved", "partly", "fails")
    for claim in ("'LSTM/GRU for long dependencies'", "'a vanilla RNN fails on long ones'"):
        assert claim in out
    assert "'the GRU is cheaper'" in out
    assert_png(tmp_path / "guideline.png")
