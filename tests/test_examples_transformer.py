"""Lesson 15 (a Transformer against the LSTM) on tiny settings: what it prints and writes
is recomputed here - parameter counts from the layers' formulas, the validation losses by
training again for the printed number of steps, the graph sizes, the gradient table - and
the gradient-vs-distance function is checked against central finite differences."""

import re

import numpy as np
import pytest
from helpers import ROOT, load_script, run_script

import tinygrad_rnn as tg
from tinygrad_rnn import charlm, data
from tinygrad_rnn import functional as F
from tinygrad_rnn.charlm.transformer import CharTransformer
from tinygrad_rnn.graph import ancestors

LESSON = ROOT / "examples" / "15_transformer.py"
MAX_CHARS = 30000
E, H, D, HEADS, FF, LAYERS, T, B = 6, 8, 8, 2, 16, 1, 12, 4
FLAGS = (
    "--max-chars", MAX_CHARS, "--seconds", "0.6", "--evals", "2", "--val-chars", "600",
    "--seq-len", T, "--batch-size", B, "--d-model", D, "--heads", HEADS, "--layers", LAYERS,
    "--feedforward", FF, "--hidden", H, "--embedding", E, "--sample-length", "20",
    "--seed", "1",
)  # fmt: skip


def load_lesson():
    """examples/15_transformer.py as a module (its name starts with a digit)."""
    return load_script(LESSON)


@pytest.fixture(scope="module")
def lesson_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson15")
    stdout = run_script(LESSON, *FLAGS, "--out", str(out)).stdout
    return stdout, out


@pytest.fixture(autouse=True)
def float64_default():
    """The lesson's functions build models: keep the default dtype as the tests expect."""
    before = tg.get_default_dtype()
    yield
    tg.set_default_dtype(before)


def corpus_and_config():
    text = data.load_text(data.resolve_data_path("tinyshakespeare.txt"))[:MAX_CHARS]
    config = charlm.CharLMConfig(
        embedding_dim=E, hidden_size=H, batch_size=B, seq_len=T, lr=3e-3, seed=1
    )
    return charlm.prepare_corpus(text, config), config


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, flags=re.MULTILINE)
    assert match, f"{pattern!r} not found in:\n{text}"
    return float(match.group(1).replace(",", ""))


# --------------------------------------------------------------------------------------
# What the run prints, recomputed
# --------------------------------------------------------------------------------------
def test_the_parameter_counts_are_the_layers_formulas(lesson_run):
    stdout, _ = lesson_run
    corpus, _ = corpus_and_config()
    V = len(corpus.vocab)
    lstm = V * E + 4 * H * (E + H) + 2 * 4 * H + H * V + V  # embedding, LSTM, fc
    block = (3 * D * D + 3 * D) + (D * D + D) + (D * FF + FF) + (FF * D + D) + 4 * D
    transformer = V * D + T * D + LAYERS * block + 2 * D + D * V + V
    assert number(r"^LSTM: .*: ([\d,]+) parameters", stdout) == lstm
    assert number(r"^Transformer: .*: ([\d,]+) parameters", stdout) == transformer
    ratio = number(r"the Transformer has ([\d.]+) times the LSTM's parameters", stdout)
    assert ratio == pytest.approx(transformer / lstm, abs=0.006)


def test_the_validation_losses_are_those_of_training_for_the_printed_steps(lesson_run):
    """Training is seeded and its batches depend only on (seed, step): training again
    for the printed number of steps must give the printed validation loss."""
    stdout, _ = lesson_run
    lesson = load_lesson()
    corpus, _ = corpus_and_config()
    runs = lesson.build_runs(corpus, lesson_args(lesson))
    for name, run in runs.items():
        steps = int(number(rf"^{name}: validation [\d.]+ nats/char \(all of it\) after (\d+)",
                           stdout))  # fmt: skip
        for _ in charlm.train(run, corpus.train, steps):
            pass
        printed = number(rf"^{name}: validation ([\d.]+) nats/char", stdout)
        expected = charlm.evaluate(run.model, corpus.val, B, T // 2)
        assert printed == pytest.approx(expected, abs=2e-4), name


def lesson_args(lesson):
    """The lesson's arguments for FLAGS, as its own parser reads them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.argv", ["15_transformer.py", *map(str, FLAGS)])
        return lesson.parse_args()


def test_steps_per_second_and_the_graph_sizes_are_recomputed(lesson_run):
    stdout, _ = lesson_run
    lesson = load_lesson()
    corpus, config = corpus_and_config()
    runs = lesson.build_runs(corpus, lesson_args(lesson))
    speed = {}
    for name, run in runs.items():
        line = re.search(rf"^{name}: (\d+) steps in ([\d.]+) CPU s = ([\d.]+) steps/s; one step's "
                         rf"graph: ([\d,]+) ops at T = {T // 2}, ([\d,]+) at T = {T}",
                         stdout, flags=re.MULTILINE)  # fmt: skip
        assert line, stdout
        steps, seconds, rate, half, full = (float(g.replace(",", "")) for g in line.groups())
        assert rate == pytest.approx(steps / seconds, rel=0.03)
        speed[name] = rate
        for t, printed in ((T // 2, half), (T, full)):
            x, y = charlm.batch_at(corpus.train, 1, config)
            loss = charlm.lm_loss(run.model, x[:, :t], y[:, :t])
            ops = [node for node in ancestors(loss) if node.op is not None]
            assert printed == len(ops), (name, t)
        if name == "Transformer":
            assert half == full  # no loop over time
        else:
            assert full > 1.5 * half  # one cell per character
    fast, slow = sorted(speed, key=speed.get, reverse=True)
    said = re.search(r"On this CPU the (\w+) ran ([\d.]+) times", stdout)
    assert said.group(1) == fast
    assert float(said.group(2)) == pytest.approx(speed[fast] / speed[slow], rel=0.03)


def test_the_gradient_table_is_recomputed_for_the_untrained_models(lesson_run):
    stdout, _ = lesson_run
    lesson = load_lesson()
    corpus, config = corpus_and_config()
    models = lesson.untrained_models(corpus, lesson_args(lesson))
    x, y = charlm.batch_at(corpus.val, 0, config)
    table = re.findall(r"^ +(\d+) +((?:[\d.e+-]+ +){4}[\d.e+-]+)$", stdout, re.MULTILINE)
    rows = {int(d): cells.split() for d, cells in table}
    assert sorted(rows) == [d for d in lesson.DISTANCES if d < T]
    for column, name in enumerate(models):
        norms = lesson.input_gradient_norms(models[name], x, y)
        for d, cells in rows.items():
            assert float(cells[column]) == pytest.approx(norms[T - 1 - d], rel=2e-3), (name, d)
        ratio = norms[0] / norms[-2]
        said = re.search(rf"^- {name}: ([\d.e+-]+), [\d.]+ per step - it ([\w ]+) with",
                         stdout, flags=re.MULTILINE)  # fmt: skip
        assert float(said.group(1)) == pytest.approx(ratio, rel=2e-2)
        verdict = "vanishes" if ratio < 1e-3 else "decays" if ratio < 0.2 else "does not decay"
        assert said.group(2) == verdict


def test_the_pictures_and_the_samples_are_written(lesson_run):
    stdout, out = lesson_run
    for name in ("validation_curves.png", "gradient_distance.png", "attention_block0.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    for detail in ("cells", "ops"):
        svg = (out / f"block_{detail}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    assert "self_attention" in (out / "block_ops.svg").read_text(encoding="utf-8")
    samples = (out / "samples.txt").read_text(encoding="utf-8")
    headers = re.findall(r"^--- (\w+) after (\d+) steps, τ = 0.5 ---$", samples, re.MULTILINE)
    assert [name for name, _ in headers] == ["LSTM", "Transformer"]
    for name, steps in headers:
        assert re.search(rf"^{name}: validation .* after {steps} steps", stdout, re.MULTILINE)


# --------------------------------------------------------------------------------------
# ‖∂ℓ_T/∂x_t‖ against finite differences
# --------------------------------------------------------------------------------------
def last_position_losses(lesson, model, e: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(B,): -log p(y_T | x_1..x_T) of each window, from the embeddings e (B, T, E)."""
    with tg.no_grad():
        scores = lesson.scores_from_embeddings(model, tg.tensor(e)).numpy()[:, -1]  # (B, V)
    top = scores.max(axis=-1)
    log_z = np.log(np.exp(scores - top[:, None]).sum(axis=-1)) + top
    return log_z - scores[np.arange(len(y)), y[:, -1]]


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "Transformer"])
def test_input_gradient_norms_match_central_differences(kind):
    lesson = load_lesson()
    tg.manual_seed(4)
    V, steps, width = 5, 4, 3
    models = {
        "RNN": lambda: lesson.CharRNN(V, width, 4),
        "LSTM": lambda: charlm.CharLM(V, width, 4),
        "Transformer": lambda: CharTransformer(V, width + 1, 2, 1, 6, block_size=steps),
    }
    model = models[kind]().double()
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, V, size=(2, steps)), rng.integers(0, V, size=(2, steps))
    with tg.no_grad():
        e = model.embedding(x).numpy()  # (B, T, E)
    grads = np.zeros_like(e)
    h = 1e-6
    for index in np.ndindex(*e.shape):
        up, down = e.copy(), e.copy()
        up[index] += h
        down[index] -= h
        b = index[0]  # window b's loss depends on window b's embeddings only
        grads[index] = (last_position_losses(lesson, model, up, y)[b]
                        - last_position_losses(lesson, model, down, y)[b]) / (2 * h)  # fmt: skip
    expected = np.linalg.norm(grads, axis=-1).mean(axis=0)  # (T,)
    got = lesson.input_gradient_norms(model, x, y)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-10)


def test_the_windows_do_not_interact():
    """One backward of the summed loss gives each window its own gradient: the
    gradient of window 0 alone equals its share of the batch's."""
    lesson = load_lesson()
    tg.manual_seed(2)
    model = CharTransformer(5, 4, 2, 1, 6, block_size=4).double()
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, size=(3, 4)), rng.integers(0, 5, size=(3, 4))
    e = tg.tensor(model.embedding(x).numpy(), requires_grad=True)
    loss = F.cross_entropy(lesson.scores_from_embeddings(model, e)[:, -1], y[:, -1],
                           reduction="sum")  # fmt: skip
    loss.backward()
    alone = lesson.input_gradient_norms(model, x[:1], y[:1])
    np.testing.assert_allclose(alone, np.linalg.norm(np.asarray(e.grad)[0], axis=-1),
                               rtol=1e-10)  # fmt: skip
