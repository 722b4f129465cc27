# %% [markdown]
"""Lesson 11 - a modelling guideline, checked: RNN vs LSTM vs GRU on short and long dependencies.

The guideline from the lessons: "use an LSTM or a GRU when the output depends on inputs
far back; the GRU is the cheaper of the two; a vanilla RNN fails on long dependencies."
Here it is measured instead of believed.

The task is the adding problem (Hochreiter & Schmidhuber 1997; tinygrad_rnn.data.toy):
a sequence of (value, marker) pairs, two of them marked, one in each half; the target is
the sum of the two marked values, read after the last step. The first marked value can
be T/2 or more steps back, so the same task is a short dependency at T = 10 and a long
one at T = 50. Predicting the average (1.0) gives a mean squared error of 1/6 ≈ 0.167.

Every model: one recurrent layer (H = 32) -> Linear(H, 1) on the last state, Adam,
gradient clipping, the same data, batches and number of epochs. The LSTM's forget gate
and the GRU's update gate start at bias +3 (σ(3) = 0.95: "keep by default", the usual
initialisation; lesson 4 shows why it matters); --gate-bias 0 gives PyTorch's init.

At T = 50 the gated models first sit on a plateau at the mean's error, then drop within a
few epochs once they find the marked values: the GRU after ~5 epochs, the LSTM after 12-24
(measured over 12 seeds), so the long task gets 30 epochs. The vanilla RNN stays there.

Printed: one table with held-out MSE, the share of predictions within 0.04 of the target
(the original paper's criterion), the seconds per epoch and the parameter count; then the
guideline, claim by claim, against those numbers. Plot: guideline.png (learning curves).

    python examples/11_modelling_guideline.py                        # about a minute on 2 cores
    python examples/11_modelling_guideline.py --epochs-short 2 --epochs-long 2 --train 256
    python examples/11_modelling_guideline.py --long-T 100 --epochs-long 60   # harder, longer

Read next: examples/04_vanishing_gradients.py (the gradients behind this table).
"""

# %%
import os

# The matrices here are small (batch 128 x 32 units): OpenBLAS's threads cost more than
# they save, and on a busy machine they make each matmul ~10x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn import lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn.data import adding_problem  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402

MODELS = {"RNN": nn.RNN, "LSTM": nn.LSTM, "GRU": nn.GRU}
BASELINE_MSE = 1 / 6  # always predicting 1.0
TOLERANCE = 0.04  # Hochreiter & Schmidhuber: a prediction is right if |error| < 0.04
SOLVED_MSE = 0.01  # our verdict: solved below 6% of the baseline (RMS error < 0.1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short-T", type=int, default=10, help="short dependency length (10)")
    parser.add_argument("--long-T", type=int, default=50, help="long dependency length (50)")
    parser.add_argument("--epochs-short", type=int, default=12, help="epochs at --short-T (12)")
    parser.add_argument("--epochs-long", type=int, default=30, help="epochs at --long-T (30)")
    parser.add_argument("--train", type=int, default=3200, help="training sequences (3200)")
    parser.add_argument("--val", type=int, default=1000, help="held-out sequences (1000)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=32, help="hidden size H (32)")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    parser.add_argument("--gate-bias", type=float, default=3.0, help="LSTM f / GRU z bias (3)")
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--out", default="./lesson11-out", help="folder for the plot")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The model and its training on the adding problem


# %%
class Regressor(nn.Module):
    """RNN / LSTM / GRU over the sequence, then Linear(H, 1) on the last state.

    forward(x (T, B, 2)) -> predictions (B,)
    """

    def __init__(self, kind: str, hidden: int, gate_bias: float) -> None:
        super().__init__()
        self.rnn = MODELS[kind](2, hidden)
        self.fc = nn.Linear(hidden, 1)
        if kind in ("LSTM", "GRU"):  # the f rows (i, f, g, o) / the z rows (r, z, n)
            self.rnn.bias_ih_l0.data[hidden : 2 * hidden] = gate_bias
            self.rnn.bias_hh_l0.data[hidden : 2 * hidden] = 0.0

    def forward(self, x: np.ndarray) -> tg.Tensor:
        output, _ = self.rnn(x)  # (T, B, H)
        B = output.shape[1]
        return self.fc(output[-1]).reshape(B)  # (B,)


def time_major(inputs: np.ndarray) -> np.ndarray:
    """(N, T, 2) float64 from the generator -> (T, N, 2) float32."""
    return np.ascontiguousarray(inputs.transpose(1, 0, 2), dtype=np.float32)


def evaluate(model: Regressor, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Held-out MSE and the share of predictions within TOLERANCE of the target."""
    with tg.no_grad():
        predictions = model(x).numpy()
    errors = predictions - y
    return float(np.mean(errors**2)), float(np.mean(np.abs(errors) < TOLERANCE))


def train(kind: str, T: int, epochs: int, args: argparse.Namespace) -> dict:
    """Train one model on the adding problem of length T; returns what was measured."""
    x, y = adding_problem(args.train, T, seed=args.seed)
    x_val, y_val = adding_problem(args.val, T, seed=args.seed + 1)
    x, x_val = time_major(x), time_major(x_val)
    y = y.astype(np.float32)
    tg.manual_seed(args.seed)
    model = Regressor(kind, args.hidden, args.gate_bias)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    B = args.batch_size
    steps_per_epoch = max(1, args.train // B)
    epoch_seconds, curve = [], []
    progress = tqdm(range(epochs), desc=f"{kind:4} T={T}", leave=False)
    for _ in progress:
        order = rng.permutation(args.train)
        started = time.perf_counter()
        for step in range(steps_per_epoch):
            rows = order[step * B : (step + 1) * B]
            loss = F.mse_loss(model(x[:, rows]), y[rows])
            optimizer.zero_grad()
            loss.backward(retain_graph=False)
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - started)  # training only, not evaluation
        mse, _ = evaluate(model, x_val, y_val)
        curve.append(mse)
        progress.set_postfix(val_mse=f"{mse:.4f}")
    mse, within = evaluate(model, x_val, y_val)
    parameters = sum(p.data.size for p in model.rnn.parameters())
    return {
        "mse": mse,
        "within": within,
        "epoch_seconds": float(np.median(epoch_seconds)),  # median: robust to a busy machine
        "parameters": parameters,
        "ops_per_step": ops_per_step(kind, args.hidden),
        "curve": curve,
    }


# %% [markdown]
# ## Verdicts, the table and the guideline claim by claim


# %%
def solved(result: dict) -> bool:
    """Our verdict: held-out MSE below SOLVED_MSE (6% of predicting the mean)."""
    return result["mse"] < SOLVED_MSE


def verdict(result: dict) -> str:
    if solved(result):
        return "solved"
    return "fails" if result["mse"] > 0.5 * BASELINE_MSE else "partly"


def ops_per_step(kind: str, hidden: int) -> int:
    """Engine nodes one time step of the layer adds to the graph (forward pass)."""
    model = Regressor(kind, hidden, 0.0)
    counts = []
    for T in (2, 3):  # the difference cancels what is made once (x_proj, the head, ...)
        prediction = model(np.zeros((T, 1, 2), dtype=np.float32))
        counts.append(len(tg.topological_order(prediction.sum())))
    return counts[1] - counts[0]


def print_table(results: dict, args: argparse.Namespace) -> None:
    print(
        f"\nheld-out results ({args.val} sequences; predicting the mean gives MSE "
        f"{BASELINE_MSE:.3f}; solved = MSE < {SOLVED_MSE}):"
    )
    print(
        f"{'task':22} {'model':5} {'MSE':>8} {'|err|<0.04':>11} {'s/epoch':>8} "
        f"{'params':>7} {'ops/step':>9}  verdict"
    )
    for (T, kind), r in results.items():
        task = f"adding, T = {T} ({'short' if T == args.short_T else 'long'})"
        print(
            f"{task:22} {kind:5} {r['mse']:8.4f} {r['within']:11.1%} "
            f"{r['epoch_seconds']:8.2f} {r['parameters']:7d} {r['ops_per_step']:9d}  {verdict(r)}"
        )


def print_guideline(results: dict, args: argparse.Namespace) -> None:
    """The guideline's claims, each followed by what the numbers above say."""
    long_T, short_T = args.long_T, args.short_T
    kinds = set(args.models)
    print("\nthe guideline against the numbers:")
    if {"LSTM", "GRU"} <= kinds:
        lstm, gru = results[(long_T, "LSTM")], results[(long_T, "GRU")]
        holds = solved(lstm) and solved(gru)
        print(
            f"- 'LSTM/GRU for long dependencies': at T = {long_T} the LSTM reaches MSE "
            f"{lstm['mse']:.4f} and the GRU {gru['mse']:.4f} (predicting the mean: "
            f"{BASELINE_MSE:.3f}) -> {'holds' if holds else 'not within this budget'}"
        )
    if "RNN" in kinds:
        rnn_long, rnn_short = results[(long_T, "RNN")], results[(short_T, "RNN")]
        print(
            f"- 'a vanilla RNN fails on long ones': at T = {long_T} its MSE is "
            f"{rnn_long['mse']:.4f}, {rnn_long['mse'] / BASELINE_MSE:.0%} of predicting the "
            f"mean -> {'does not hold here' if solved(rnn_long) else 'holds'}; at T = "
            f"{short_T} it gets MSE {rnn_short['mse']:.4f} ({verdict(rnn_short)})"
        )
    if {"LSTM", "GRU"} <= kinds:
        lstm, gru = results[(long_T, "LSTM")], results[(long_T, "GRU")]
        ratio = gru["epoch_seconds"] / lstm["epoch_seconds"]
        if ratio < 0.9:
            on_time = "holds for time too"
        elif ratio <= 1.1:
            on_time = "no faster in this engine (within the ±10% a busy machine adds)"
        else:
            on_time = "slower in this engine"
        print(
            f"- 'the GRU is cheaper': {gru['parameters']} parameters to the LSTM's "
            f"{lstm['parameters']} (3 gate blocks to 4: fewer multiply-adds) -> holds for "
            f"size; measured time per epoch: GRU {ratio:.2f} x LSTM -> {on_time}"
        )
        if ratio >= 0.9:
            print(
                f"  why: at these sizes the cost is per op, not per multiply-add, and a GRU "
                f"step is {gru['ops_per_step']} ops to the LSTM's {lstm['ops_per_step']} (b_hn "
                f"sits inside r ⊙ (...), so it cannot join the input projection; more slices; "
                f"(1 - z) ⊙ n + z ⊙ h)"
            )


def report_figures(results: dict, args: argparse.Namespace) -> None:
    """The lesson's figures, for `make lessons` (docs/results.md, the README)."""
    for (T, kind), r in results.items():
        lesson_kit.report(f"T = {T}: {kind} held-out MSE", r["mse"], fmt=".4f")
    long_task = {kind: r for (T, kind), r in results.items() if T == args.long_T}
    for kind, r in long_task.items():
        name = f"{kind} seconds per epoch (T = {args.long_T})"
        lesson_kit.report(name, r["epoch_seconds"], "s", fmt=".2f")
    for kind, r in long_task.items():
        lesson_kit.report(f"{kind} parameters", r["parameters"])
    lesson_kit.report("predicting the mean: MSE", BASELINE_MSE, fmt=".3f")


def plot(results: dict, args: argparse.Namespace, path: Path) -> Path:
    """Held-out MSE per epoch, one panel per sequence length."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    colours = {"RNN": "#d62728", "LSTM": "#2ca02c", "GRU": "#1f77b4"}
    figure = Figure(figsize=(10.0, 4.0), dpi=110)
    FigureCanvasAgg(figure)
    for index, T in enumerate((args.short_T, args.long_T), start=1):
        axes = figure.add_subplot(1, 2, index)
        for (length, kind), r in results.items():
            if length == T:
                epochs = np.arange(1, len(r["curve"]) + 1)
                axes.plot(epochs, r["curve"], "o-", markersize=3, color=colours[kind], label=kind)
        axes.axhline(BASELINE_MSE, color="grey", linestyle="--", linewidth=1, label="predict 1.0")
        axes.set_yscale("log")
        axes.set_xlabel("epoch")
        axes.set_ylabel("held-out MSE (log scale)")
        kind_of = "short" if T == args.short_T else "long"
        axes.set_title(f"adding problem, T = {T} ({kind_of} dependency)", fontsize=11)
        axes.grid(True, alpha=0.3)
        axes.legend(frameon=False, fontsize=9, loc="lower left")
    figure.tight_layout()
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        figure.savefig(file, format=path.suffix.lstrip("."))
    return path


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    if args.short_T < 2 or args.long_T < 2:
        raise SystemExit("--short-T and --long-T must be at least 2")
    tg.set_default_dtype(np.float32)  # training speed; nothing here compares gradients
    tg.set_source_tracking(False)  # nobody reads node.source during training
    print(
        f"adding problem: {args.train} training sequences, batch {args.batch_size}, H = "
        f"{args.hidden}, Adam lr {args.lr:g}, clip {args.clip:g}, gate bias {args.gate_bias:g}; "
        f"{args.epochs_short} epochs at T = {args.short_T}, {args.epochs_long} at T = "
        f"{args.long_T}"
    )
    results = {}
    for T, epochs in ((args.short_T, args.epochs_short), (args.long_T, args.epochs_long)):
        for kind in args.models:
            results[(T, kind)] = train(kind, T, epochs, args)
    print_table(results, args)
    print_guideline(results, args)
    report_figures(results, args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = plot(results, args, out / "guideline.png")
    print(f"\nplot: {path}")
    lesson_kit.show_picture(path)


# %%
if __name__ == "__main__":
    main()
