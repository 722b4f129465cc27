# %% [markdown]
"""Lesson 8 - bidirectional RNNs: when the answer at position t depends on what comes after t.

A tagger reads a sequence of symbols and outputs one tag per position:

    x_1 ... x_T  ->  Embedding  ->  RNN (one or two directions)  ->  Linear  ->  tag_t

A left-to-right RNN's state at t has seen x_1 ... x_t only. A bidirectional RNN runs a
second RNN from t = T back to 1 and concatenates the two states, [h_t→ ; h_t←], so every
position sees the whole sequence (nn.GRU(..., bidirectional=True); the reverse direction's
nodes live in the scope "l0_reverse").

Two generated tasks where the future matters (tinygrad_rnn.data.toy):
  next_symbol     tag_t = x_{t+1} (and an "end" tag at t = T). Nothing before t predicts
                  it, so left-to-right is at chance (1/vocab) except at the end.
  appears_later   tag_t = 1 if the symbol 0 occurs somewhere after t. Left-to-right can
                  only guess from t ("late positions are more often 0"); the reverse
                  direction has seen the answer.

Both models have the same hidden size per direction and the same training budget. The
script prints held-out accuracy per task and model, and plots accuracy by position
(bidirectional.png).

    python examples/08_bidirectional.py                       # about a minute on 2 cores
    python examples/08_bidirectional.py --steps 20 --val 100  # seconds

Read next: tinygrad_rnn/nn/recurrent.py (run_direction: how the reverse pass is built),
examples/09_seq2seq_attention.py (a bidirectional encoder at work).
"""

# %%
import os

# The matrices here are small (batch 64 x 32 units): OpenBLAS's threads cost more than they
# save, and on a busy machine they make each matmul ~10x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn import lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn.data import appears_later_tagging, next_symbol_tagging  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402

TASKS = ("next_symbol", "appears_later")
CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--T", type=int, default=20, help="sequence length (20)")
    parser.add_argument("--vocab", type=int, default=8, help="symbols (8)")
    parser.add_argument("--cell", choices=sorted(CELLS), default="gru")
    parser.add_argument("--hidden", type=int, default=32, help="hidden size per direction (32)")
    parser.add_argument("--embedding", type=int, default=16, help="embedding size (16)")
    parser.add_argument("--steps", type=int, default=300, help="training steps per model (300)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--train", type=int, default=4000, help="training sequences")
    parser.add_argument("--val", type=int, default=1000, help="held-out sequences")
    parser.add_argument("--out", default="./lesson08-out", help="folder for the plot")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The model: a tagger that reads left to right, or both ways


# %%
class Tagger(nn.Module):
    """Embedding -> RNN/GRU/LSTM (uni- or bidirectional) -> Linear, one tag per position.

    forward(tokens (T, B) ints) -> scores (T, B, n_tags)
    """

    def __init__(self, args: argparse.Namespace, n_tags: int, bidirectional: bool) -> None:
        super().__init__()
        self.embedding = nn.Embedding(args.vocab, args.embedding)
        self.rnn = CELLS[args.cell](args.embedding, args.hidden, bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.fc = nn.Linear(directions * args.hidden, n_tags)

    def forward(self, tokens: np.ndarray) -> tg.Tensor:
        x = self.embedding(tokens)  # (T, B, E)
        output, _ = self.rnn(x)  # (T, B, directions * H): [h_t→ ; h_t←]
        return self.fc(output)  # (T, B, n_tags)


# %% [markdown]
# ## The tasks, training and held-out accuracy


# %%
def make_task(name: str, n: int, args: argparse.Namespace, seed: int):
    """tokens and tags, both (T, N) time-major, and the number of tags."""
    if name == "next_symbol":
        tokens, tags = next_symbol_tagging(n, args.T, args.vocab, seed=seed)
        n_tags = args.vocab + 1  # the symbols and the "end" tag
    else:
        tokens, tags = appears_later_tagging(n, args.T, args.vocab, symbol=0, seed=seed)
        n_tags = 2
    return tokens.T.copy(), tags.T.copy(), n_tags  # (T, N)


def train(model: Tagger, tokens, tags, n_tags: int, args, desc: str) -> float:
    """Adam on the mean cross-entropy over all positions; returns the seconds taken."""
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    T, B = args.T, args.batch_size
    started = time.perf_counter()
    progress = tqdm(range(args.steps), desc=desc, leave=False)
    for step in progress:
        rows = rng.integers(0, tokens.shape[1], B)
        scores = model(tokens[:, rows])  # (T, B, n_tags)
        loss = F.cross_entropy(scores.reshape(T * B, n_tags), tags[:, rows].reshape(T * B))
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % 20 == 0:
            progress.set_postfix(loss=f"{loss.item():.3f}")
    return time.perf_counter() - started


def accuracy_by_position(model: Tagger, tokens, tags) -> np.ndarray:
    """(T,) fraction of held-out sequences tagged right at each position."""
    with tg.no_grad():
        scores = model(tokens)  # (T, N, n_tags)
    return (scores.numpy().argmax(-1) == tags).mean(axis=1)


# %% [markdown]
# ## The best any left-to-right tagger can do


# %%
def best_guess_from_the_past(tags: np.ndarray, n_tags: int) -> np.ndarray:
    """(T,) the accuracy, at each position, of the best rule that sees only x_1 ... x_t.

    In both tasks tag_t depends only on x_{t+1} ... x_T, which are independent of
    x_1 ... x_t, so the past is no help: the best such rule predicts the most common tag
    at position t. This is a ceiling for any left-to-right tagger (measured on the
    held-out tags, so very slightly optimistic).
    """
    counts = np.stack([np.bincount(row, minlength=n_tags) for row in tags])  # (T, n_tags)
    return counts.max(axis=1) / tags.shape[1]


def plot(curves: dict, args: argparse.Namespace, path: Path) -> Path:
    """Accuracy by position, one panel per task, uni vs bi."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    tasks = list(curves)
    figure = Figure(figsize=(5.0 * len(tasks), 4.0), dpi=110)
    FigureCanvasAgg(figure)
    positions = np.arange(1, args.T + 1)
    for index, task in enumerate(tasks, start=1):
        axes = figure.add_subplot(1, len(tasks), index)
        for name, colour in (("bidirectional", "#1f77b4"), ("left-to-right", "#d62728")):
            axes.plot(positions, curves[task][name], "o-", color=colour, markersize=3, label=name)
        ceiling = curves[task]["ceiling"]
        axes.plot(positions, ceiling, "--", color="grey", linewidth=1, label="best from x_1..x_t")
        axes.set_ylim(0, 1.03)
        axes.set_xlabel("position t")
        axes.set_ylabel("held-out accuracy at t")
        axes.set_title(task.replace("_", " "), fontsize=11)
        axes.grid(True, alpha=0.3)
        axes.set_xticks(positions[:: max(1, args.T // 10)])
        axes.legend(frameon=False, fontsize=9, loc="center right" if index == 1 else "lower left")
    figure.suptitle(
        f"{args.cell.upper()} tagger, T = {args.T}, vocabulary {args.vocab}, "
        f"H = {args.hidden} per direction",
        fontsize=11,
    )
    figure.tight_layout()
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        figure.savefig(file, format=path.suffix.lstrip("."))
    return path


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    if args.T < 2 or args.vocab < 2:
        raise SystemExit("--T and --vocab must be at least 2")
    tg.set_default_dtype(np.float32)  # training speed; nothing here compares gradients
    tg.set_source_tracking(False)  # nobody reads node.source during training
    print(
        f"{args.cell.upper()} taggers, T = {args.T}, vocabulary {args.vocab}, H = {args.hidden} "
        f"per direction; {args.steps} steps of {args.batch_size}, Adam lr {args.lr:g}"
    )
    rows, curves = [], {}
    for task in args.tasks:
        tokens, tags, n_tags = make_task(task, args.train, args, args.seed)
        val_tokens, val_tags, _ = make_task(task, args.val, args, args.seed + 1)
        curves[task] = {"ceiling": best_guess_from_the_past(val_tags, n_tags)}
        for name, bidirectional in (("left-to-right", False), ("bidirectional", True)):
            tg.manual_seed(args.seed)
            model = Tagger(args, n_tags, bidirectional)
            seconds = train(model, tokens, tags, n_tags, args, f"{task}, {name}")
            curve = accuracy_by_position(model, val_tokens, val_tags)
            curves[task][name] = curve
            rows.append((task, name, float(curve.mean()), seconds))

    print(f"\nheld-out accuracy ({args.val} sequences, all positions):")
    print(f"{'task':15} {'model':15} {'accuracy':>9} {'time':>8}")
    for task, name, accuracy, seconds in rows:
        print(f"{task:15} {name:15} {accuracy:9.1%} {seconds:7.1f}s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = plot(curves, args, out / "bidirectional.png")
    lesson_kit.show_picture(path)
    print()
    for task in args.tasks:
        uni, bi = curves[task]["left-to-right"].mean(), curves[task]["bidirectional"].mean()
        ceiling = curves[task]["ceiling"].mean()
        print(
            f"{task}: bidirectional {bi:.1%} vs left-to-right {uni:.1%} (+{bi - uni:.1%}); "
            f"no left-to-right tagger can beat {ceiling:.1%} here"
        )
        lesson_kit.report(f"{task}: bidirectional", 100 * bi, "%", fmt=".1f")
        lesson_kit.report(f"{task}: left-to-right", 100 * uni, "%", fmt=".1f")
        lesson_kit.report(f"{task}: best from the past", 100 * ceiling, "%", fmt=".1f")
    print(f"plot: {path}")


# %%
if __name__ == "__main__":
    main()
