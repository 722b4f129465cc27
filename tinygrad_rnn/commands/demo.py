"""`tinygrad-rnn demo` (what `make demo` runs): the "hello" character model, then pictures.

    tinygrad-rnn demo                 # a few seconds; pictures in ./demo-out/
    tinygrad-rnn demo --out slides/   # somewhere else

1. Lesson 2's textbook vanilla RNN, θ = {U, W, V, b, c}, written with raw Tensor ops,
   learns to read "hell" and predict the next character at every step: "ello".
   Vocabulary h, e, l, o as one-hot vectors; H = 3 hidden units, as in the lesson's picture.
2. The same task for lesson 2's LSTM (nn.LSTM + nn.Linear).
   For both: the loss per training step as a sparkline, and what the model predicts at
   every step, with the probabilities.
3. Pictures, written into --out:
   rnn_bptt.svg/.png         the unrolled RNN at detail="ops", arrows coloured by the
                             gradient of the first training step, h_0 -> h_4 outlined
   lstm_cell_state.svg/.png  the unrolled LSTM, the cell state c_0 -> c_4 highlighted
   gradient_flow.png         ‖∂L/∂h_t‖ over 50 steps for nn.RNN, nn.GRU and nn.LSTM
                             (needs matplotlib, the `plot` extra; skipped without it)

No data download, nothing to install beyond the package (graphviz-pure renders).

The models are lesson 2's own (examples/02_hello.py, `tinygrad-rnn lesson 2`): the demo
imports the lesson as a module (lesson.import_lesson) and uses its VOCAB, INPUTS,
TARGETS, init_params, rnn_scores, HelloLSTM and one_hot_rows, so the hello RNN is written
once. What differs is the training: the lesson writes plain gradient descent out by hand,
H = 8, a fixed 200 steps, no pictures; the demo is a quick showcase - Adam, the mean
cross-entropy, H = 3 so the graph fits on a slide, training until every prediction is
right, pictures.

Read next: examples/02_hello.py (lesson 2: the same task as a script to read and change).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import optim

from .common import CommandError, nonnegative_int, positive_int
from .lesson import import_lesson

GOOD_ENOUGH = 0.1  # stop once every prediction is right and J < 0.1 nats/char (p ≈ 0.9)
SPARKS = "▁▂▃▄▅▆▇█"


def add_command(subparsers) -> None:
    command = subparsers.add_parser(
        "demo",
        help='train the "hello" RNN and LSTM, then draw their unrolled graphs (a few seconds)',
        description=(
            'Train the lessons\' "hello" character model - a vanilla RNN, then an LSTM - '
            'until it predicts "ello" from "hell"; print the loss curve and the predictions '
            "at every step; write the unrolled BPTT graph of the RNN, the LSTM graph with "
            "its cell-state path, and the RNN/GRU/LSTM gradient-flow plot into --out."
        ),
    )
    command.add_argument("--out", default="demo-out", help="folder for the pictures (demo-out)")
    command.add_argument(
        "--hidden", type=positive_int, default=3, help="hidden units H of both models (3)"
    )
    command.add_argument(
        "--max-steps", type=positive_int, default=500, help="give up after this many steps (500)"
    )
    command.add_argument("--lr", type=float, default=0.05, help="Adam learning rate (0.05)")
    command.add_argument("--seed", type=nonnegative_int, default=0, help="random seed (0)")
    command.add_argument(
        "--flow-steps",
        type=positive_int,
        default=50,
        help="time steps T of the gradient-flow plot (50)",
    )
    command.set_defaults(run=run_demo)


# --------------------------------------------------------------------------------------
# The two models: lesson 2's, with what the demo asks of them
# --------------------------------------------------------------------------------------
class TextbookRNN:
    """Lesson 2's RNN (init_params, rnn_scores), one column vector per step:

    h_t = tanh(U x_t + W h_{t-1} + b)      U (H, 4), W (H, H), b (H,), h_0 = 0
    o_t = V h_t + c                         V (4, H), c (4,)
    """

    kind = "vanilla RNN"

    def __init__(self, lesson: ModuleType, hidden: int, seed: int) -> None:
        self.lesson = lesson  # examples/02_hello.py
        self.hidden = hidden
        self.params = lesson.init_params(hidden, np.random.default_rng(seed))

    def parameters(self) -> list:
        return list(self.params.values())

    def scores(self, inputs: str):
        """o_t for every step, stacked: (T, 4)."""
        return tg.stack(self.lesson.rnn_scores(self.params, inputs))  # (T, 4)

    def describe(self) -> str:
        count = sum(p.data.size for p in self.parameters())
        return (
            f"vanilla RNN, θ = {{U, W, V, b, c}}, H = {self.hidden} ({count} numbers):  "
            "h_t = tanh(U x_t + W h_{t-1} + b),  o_t = V h_t + c"
        )


class LessonLSTM:
    """Lesson 2's HelloLSTM, nn.LSTM(4, H) followed by nn.Linear(H, 4), made after
    tg.manual_seed(seed):

    c_t = f_t⊙c_{t-1} + i_t⊙g_t,   h_t = o_t⊙tanh(c_t)
    """

    kind = "LSTM"

    def __init__(self, lesson: ModuleType, hidden: int, seed: int) -> None:
        self.lesson = lesson  # examples/02_hello.py
        self.hidden = hidden
        tg.manual_seed(seed)
        self.model = lesson.HelloLSTM(hidden)

    def parameters(self) -> list:
        return list(self.model.parameters())

    def scores(self, inputs: str):
        """o_t for every step: (T, 4)."""
        return self.model(self.lesson.one_hot_rows(inputs))  # (T, 4)

    def describe(self) -> str:
        return (
            f"LSTM, nn.LSTM(4, {self.hidden}) -> nn.Linear({self.hidden}, 4) "
            f"({self.model.num_parameters()} numbers):  c_t = f_t⊙c_{{t-1}} + i_t⊙g_t,  "
            "h_t = o_t⊙tanh(c_t)"
        )


def hello_loss(model, scores):
    """J = -(1/T) Σ_t log softmax(o_t)[target_t], in nats per character."""
    vocab = model.lesson.VOCAB
    targets = np.array([vocab.index(char) for char in model.lesson.TARGETS])
    return F.cross_entropy(scores, targets).named("J")


def predictions(model) -> tuple[str, np.ndarray]:
    """The most likely next character at every step, and the probabilities (T, 4)."""
    with tg.no_grad():
        probabilities = F.softmax(model.scores(model.lesson.INPUTS), axis=-1).numpy()  # (T, 4)
    predicted = "".join(model.lesson.VOCAB[i] for i in probabilities.argmax(axis=-1))
    return predicted, probabilities


@dataclass
class Training:
    """What a training run measured: J per step, when it first predicted "ello"."""

    losses: list = field(default_factory=list)
    solved_at: int | None = None
    seconds: float = 0.0
    before: str = ""


def train_until_correct(model, lr: float, max_steps: int) -> Training:
    """Adam steps until every step's prediction is right and J < GOOD_ENOUGH."""
    task = model.lesson  # examples/02_hello.py: VOCAB, INPUTS, TARGETS
    optimizer = optim.Adam(model.parameters(), lr=lr)
    log = Training(before=predictions(model)[0])
    started = time.perf_counter()
    for step in range(1, max_steps + 1):
        scores = model.scores(task.INPUTS)
        loss = hello_loss(model, scores)
        log.losses.append(loss.item())
        predicted = "".join(task.VOCAB[i] for i in scores.numpy().argmax(axis=-1))
        if predicted == task.TARGETS and loss.item() < GOOD_ENOUGH:
            log.solved_at = step - 1  # the updates it took
            break
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        optimizer.step()
    log.seconds = time.perf_counter() - started
    return log


# --------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------
def sparkline(values: list[float], width: int = 40) -> str:
    """The values as one line of block characters, highest = █ (at most `width` wide)."""
    if not values:
        return ""
    picks = np.linspace(0, len(values) - 1, min(width, len(values))).round().astype(int)
    chosen = np.asarray(values, dtype=float)[picks]
    low, high = chosen.min(), chosen.max()
    span = high - low if high > low else 1.0
    levels = ((chosen - low) / span * (len(SPARKS) - 1)).round().astype(int)
    return "".join(SPARKS[level] for level in levels)


def loss_summary(losses: list[float]) -> str:
    """J at step 0, at a few steps in between, and at the end."""
    last = len(losses) - 1
    marks = sorted({0, last // 4, last // 2, 3 * last // 4, last})
    return " -> ".join(f"{losses[k]:.2f} (step {k})" for k in marks)


def print_training(model, log: Training) -> bool:
    """Print the curve and the per-step predictions; True when all four are right."""
    targets = model.lesson.TARGETS
    print(f"   before training it predicts {log.before!r}")
    print(f"   J (nats/char)  {sparkline(log.losses)}")
    print(f"   {loss_summary(log.losses)}")
    if log.solved_at is not None:
        print(f"   predicts {targets!r} after {log.solved_at} Adam steps ({log.seconds:.2f} s)")
    else:
        tried = len(log.losses)
        print(f"   did not reach J < {GOOD_ENOUGH} with {targets!r} within {tried} steps")
    return print_predictions(model)


def print_predictions(model) -> bool:
    """One row per step: what the model read, the next character, its guess and the
    probabilities; then the accuracy. True when all the guesses are right."""
    task = model.lesson  # examples/02_hello.py: VOCAB, INPUTS, TARGETS
    predicted, probabilities = predictions(model)
    header = "".join(f"  p({v})" for v in task.VOCAB)
    print(f"     t  reads  next  predicts {header}")
    for t, (char, target) in enumerate(zip(task.INPUTS, task.TARGETS), start=1):
        guess = predicted[t - 1]
        row = "".join(f"  {p:4.2f}" for p in probabilities[t - 1])
        mark = "ok" if guess == target else "x "
        print(f"     {t}  {char!r}    {target!r}   {guess!r} {mark}  {row}")
    correct = sum(p == t for p, t in zip(predicted, task.TARGETS))
    total = len(task.TARGETS)
    print(
        f"   next-character accuracy: {correct / total:.0%} ({correct}/{total}), "
        f"predicted {predicted!r} for {task.INPUTS!r}"
    )
    return predicted == task.TARGETS


# --------------------------------------------------------------------------------------
# Pictures
# --------------------------------------------------------------------------------------
def first_backward_picture(model, highlight: str, what: str, path_note: str):
    """viz.draw of the graph of training step 1, after its backward pass (the gradients
    the first update will use). Drawn before training: the picture is plain data then.
    Theme "slides" (viz/layout.py) at the finest detail level that fits a 1920×1080 slide
    (viz.render.draw_to_fit: the RNN at ops, the LSTM at cells)."""
    from viz.render import draw_to_fit

    task = model.lesson  # examples/02_hello.py: INPUTS, TARGETS
    loss = hello_loss(model, model.scores(task.INPUTS))
    loss.backward()
    title = (
        f"{what}, H = {model.hidden}: reading {task.INPUTS!r}, predicting {task.TARGETS!r}, "
        f"J = {loss.item():.2f} - the backward pass of training step 1: gradient norm "
        f"on every arrow, {path_note}"
    )
    picture = draw_to_fit(loss, grads=True, highlight=highlight, title=title, theme="slides")
    for p in model.parameters():
        p.zero_grad()
    return picture


def write_graph(picture, out: Path, stem: str, written: list, failed: list) -> None:
    import viz

    for suffix in (".svg", ".png"):
        path = out / (stem + suffix)
        try:
            written.append(viz.render(picture, path))
        except viz.VizError as error:
            failed.append(f"{path.name}: {error}")


def write_gradient_flow(args, out: Path, written: list, failed: list) -> None:
    """The RNN / GRU / LSTM comparison of `tinygrad-rnn vanishing`: numbers always, plot if
    possible."""
    from .vanishing import demo_flows

    flows = demo_flows(args.flow_steps, 32, args.seed, 1.0)
    T = args.flow_steps
    print(f"   gradient reaching t = 1 from L = Σ h_{T} (T = {T}, H = 32, untrained):")
    for name, flow in flows.items():
        first, last = flow.rows[0][1], flow.rows[-1][1]
        print(f"     {name:22s} ‖∂L/∂h_1‖ = {first:.1e}   ({first / last:.0e} of ‖∂L/∂h_{T}‖)")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("   skipped gradient_flow.png: matplotlib is not installed (pip install matplotlib)")
        return
    import viz

    title = f"Gradient reaching each time step (T = {T}, H = 32, L = Σ h_T)"
    try:
        written.append(viz.plot_gradient_flow(flows, out / "gradient_flow.png", title=title))
    except viz.VizError as error:
        failed.append(f"gradient_flow.png: {error}")


# --------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------
def output_folder(name: str) -> Path:
    """--out as a folder that exists and can be written in (created if missing), checked
    before the models train."""
    from tinygrad_rnn.files import check_writable

    out = Path(name)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {name} is a file; give a folder for the pictures")
    try:
        check_writable(out / "rnn_bptt.svg", make_folders=True)
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CommandError(f"--out {name}: cannot write pictures there ({reason})") from None
    return out


def run_demo(args: argparse.Namespace) -> int:
    check_arguments(args)
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")  # a terminal without ⊙ or █ gets '?'
    started = time.perf_counter()
    out = output_folder(args.out)
    hello = import_lesson("2")  # examples/02_hello.py: the task and both models
    print_task(hello, args.hidden)
    models = [
        (TextbookRNN(hello, args.hidden, args.seed), "hidden_state", "rnn_bptt"),
        (LessonLSTM(hello, args.hidden, args.seed), "cell_state", "lstm_cell_state"),
    ]
    learned, pictures = train_and_draw(models, args)

    print(f"\n3. Pictures, in {out}/")
    written: list = []
    failed: list = []
    for stem, picture in pictures.items():
        write_graph(picture, out, stem, written, failed)
    write_gradient_flow(args, out, written, failed)
    for path in written:
        print(f"   wrote {path}")
    for problem in failed:
        print(f"   could not write {problem}", file=sys.stderr)
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    if not all(learned):
        print(
            "tinygrad-rnn demo: a model did not learn 'ello'; try --max-steps 2000", file=sys.stderr
        )
        return 1
    return 1 if failed else 0


def check_arguments(args: argparse.Namespace) -> None:
    """The demo needs viz (and graphviz) and a learning rate > 0: a one-line error before
    anything trains."""
    try:
        import viz  # noqa: F401
    except ImportError as error:
        raise CommandError(
            f"demo needs the viz package and graphviz ({error}); pip install graphviz graphviz-pure"
        ) from None
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise CommandError(f"--lr {args.lr} must be a number > 0")


def print_task(hello: ModuleType, hidden: int) -> None:
    """What the models learn, from lesson 2's VOCAB, INPUTS and TARGETS."""
    inputs, targets = hello.INPUTS, hello.TARGETS
    print(f'The "hello" character model: read {inputs!r}, predict the next character at every')
    print(f"step ({targets!r}). Vocabulary {', '.join(hello.VOCAB)} as one-hot vectors;")
    print("J = mean over t of -log softmax(o_t)[next character], in nats per character.")
    print(f"A quick showcase of lesson 2's task: Adam, H = {hidden}, pictures. Lesson 2 itself")
    print("(tinygrad-rnn lesson 2, examples/02_hello.py) writes gradient descent out by hand.")


def train_and_draw(models: list, args: argparse.Namespace) -> tuple[list, dict]:
    """For each (model, highlight, file stem): draw training step 1, train, print what it
    learned. Returns [learned 'ello'?, ...] and {file stem: picture}."""
    learned = []
    pictures = {}
    for number, (model, highlight, stem) in enumerate(models, start=1):
        print(f"\n{number}. {model.describe()}")
        T = len(model.lesson.INPUTS)
        notes = {
            "hidden_state": f"hidden state h_0 -> h_{T} outlined",
            "cell_state": f"cell state c_0 -> c_{T} highlighted",
        }
        what = f"hello {model.kind}"
        pictures[stem] = first_backward_picture(model, highlight, what, notes[highlight])
        log = train_until_correct(model, args.lr, args.max_steps)
        learned.append(print_training(model, log))
    return learned, pictures
