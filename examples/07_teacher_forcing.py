# %% [markdown]
"""Lesson 7 - teacher forcing vs free running: the exposure-bias gap, and scheduled sampling.

The network is the lessons' output-to-hidden RNN (nn.OutputToHiddenRNN): its only memory
is its own previous output, fed back as a one-hot,

    h_t = tanh(U x_t + W y_{t-1} + b)      o_t = V h_t + c      ŷ_t = softmax(o_t)

Teacher forcing trains it with the TRUE y_{t-1} fed back, so every step sees a correct
history. At test time there is no truth: it runs free, feeding back its own ŷ_{t-1}.

The task: keep a running sum mod K. x_t shows an increment d_t and the target is
y_t = (y_{t-1} + d_t) mod K, so the answer at t depends on every earlier step. Two
twists make it a fair test:
  - a noisy sensor: with probability --noise the shown increment is a random digit, so
    even a perfect model errs at some steps (teacher-forced accuracy is capped near
    1 - noise·(K-1)/K), and free running has mistakes to carry forward;
  - checkpoints: with probability --checkpoint, x_t also shows the true y_{t-1}. With
    teacher forcing this is redundant (the true y_{t-1} is fed back anyway), so nothing
    teaches the model what to do when the two disagree. Running free after a mistake,
    they disagree - a situation the model never saw in training: exposure bias.

Scheduled sampling (Bengio et al. 2015) feeds back the model's own prediction instead of
the truth with a probability that grows during training (here 0 -> --own-max over the
first half), so the model does see its own mistakes - and learns to trust the checkpoint.

Measured: accuracy per position with teacher forcing and free running, for both models,
the recovery rate at checkpoints after a mistake, and a plot (teacher_forcing.png).

    python examples/07_teacher_forcing.py                     # about 30 s on 2 cores
    python examples/07_teacher_forcing.py --steps 30 --T 10   # seconds

Read next: tinygrad_rnn/nn/lessons.py (OutputToHiddenRNN), examples/09_seq2seq_attention.py
(teacher forcing in a seq2seq decoder).
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
from tinygrad_rnn.files import atomic_write  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--K", type=int, default=5, help="classes: the sum is taken mod K (5)")
    parser.add_argument("--T", type=int, default=30, help="sequence length (30)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden size H (32)")
    parser.add_argument("--noise", type=float, default=0.1, help="P(shown increment is random)")
    parser.add_argument("--checkpoint", type=float, default=0.2, help="P(x_t shows y_{t-1})")
    parser.add_argument("--steps", type=int, default=800, help="training steps per model (800)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--own-max", type=float, default=0.5, help="scheduled sampling's final P")
    parser.add_argument("--no-scheduled", action="store_true", help="skip scheduled sampling")
    parser.add_argument("--val", type=int, default=2000, help="held-out sequences")
    parser.add_argument("--out", default="./lesson07-out", help="folder for the plot")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The task


# %%
def running_sum_task(n: int, args: argparse.Namespace, seed: int):
    """Inputs x (T, N, 2K) float32, targets y (T, N) int64, checkpoint flags (T, N) bool.

    x[t-1] = [one_hot(shown d_t) | one_hot(y_{t-1}) at a checkpoint, else zeros]
    y[t-1] = y_t = (d_1 + ... + d_t) mod K
    """
    K, T = args.K, args.T
    rng = np.random.default_rng(seed)
    d = rng.integers(0, K, size=(T, n))  # the true increments
    y = np.cumsum(d, axis=0) % K  # (T, N)
    noisy = rng.random((T, n)) < args.noise
    shown = np.where(noisy, rng.integers(0, K, size=(T, n)), d)  # the noisy sensor
    y_prev = np.vstack([np.zeros((1, n), dtype=y.dtype), y[:-1]])  # y_{t-1}, y_0 = 0
    checkpoint = rng.random((T, n)) < args.checkpoint
    checkpoint[0] = False  # nothing to show before the first step
    x = np.zeros((T, n, 2 * K), dtype=np.float32)
    steps, rows = np.indices((T, n))
    x[steps, rows, shown] = 1.0
    x[steps[checkpoint], rows[checkpoint], K + y_prev[checkpoint]] = 1.0
    return x, y, checkpoint


# %% [markdown]
# ## Training


# %%
def scheduled_sampling_forward(
    model: nn.OutputToHiddenRNN, x: np.ndarray, targets: np.ndarray, p_own: float, rng
) -> tg.Tensor:
    """The model's forward pass, except that at each step and for each sequence the
    fed-back y_{t-1} is the model's own prediction with probability p_own, the truth
    otherwise. p_own = 0 is teacher forcing. Returns the scores o (T, B, K)."""
    T, B, _ = x.shape
    y_prev = tg.zeros(B, model.output_size, label="y_0")  # (B, K)
    scores = []
    for t in range(1, T + 1):
        with tg.scope(t=t):
            a = tg.tensor(x[t - 1]) @ model.U.T + y_prev @ model.W.T + model.b  # (B, H)
            h = a.tanh().named(f"h_{t}")
            o = (h @ model.V.T + model.c).named(f"o_{t}")  # (B, K)
            own = np.argmax(o.data, axis=-1)  # ŷ_t, a constant: no gradient through it
            fed_back = np.where(rng.random(B) < p_own, own, targets[t - 1])
            y_prev = model.one_hot(fed_back, f"y_{t}")
        scores.append(o)
    return tg.stack(scores, axis=0)  # (T, B, K)


def train(model, data, args, scheduled: bool, desc: str) -> float:
    """Adam on the summed cross-entropy; returns the seconds taken. With `scheduled`, the
    probability of feeding back the model's own prediction grows linearly from 0 to
    --own-max over the first half of training, then stays there."""
    x, y, _ = data
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    T, K, B = args.T, args.K, args.batch_size
    started = time.perf_counter()
    progress = tqdm(range(args.steps), desc=desc, leave=False)
    for step in progress:
        rows = rng.integers(0, x.shape[1], B)
        if scheduled:
            p_own = args.own_max * min(1.0, step / (0.5 * args.steps))
            o = scheduled_sampling_forward(model, x[:, rows], y[:, rows], p_own, rng)
        else:
            o, _ = model(x[:, rows], y[:, rows], teacher_forcing=True)  # (T, B, K)
        loss = F.cross_entropy(o.reshape(T * B, K), y[:, rows].reshape(T * B))
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % 20 == 0:
            progress.set_postfix(loss=f"{loss.item():.3f}")
    return time.perf_counter() - started


# %% [markdown]
# ## Evaluation


# %%
def evaluate(model, data) -> dict:
    """Accuracy per position with teacher forcing and free running, and the recovery
    rate: P(right at t | wrong at t-1 and a checkpoint at t), running free."""
    x, y, checkpoint = data
    with tg.no_grad():
        o_forced, _ = model(x, y, teacher_forcing=True)
        o_free, _ = model(x, teacher_forcing=False)
    right_forced = o_forced.numpy().argmax(-1) == y  # (T, N)
    right_free = o_free.numpy().argmax(-1) == y
    after_mistake = checkpoint[1:] & ~right_free[:-1]  # checkpoint at t, wrong at t-1
    recovered = right_free[1:][after_mistake].mean() if after_mistake.any() else float("nan")
    return {
        "forced": right_forced.mean(axis=1),  # (T,) accuracy per position
        "free": right_free.mean(axis=1),
        "recovered": float(recovered),
    }


def plot(results: dict, args: argparse.Namespace, path: Path) -> Path:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 4.2), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    steps = np.arange(1, args.T + 1)
    tf = results["teacher forcing"]
    axes.plot(steps, tf["forced"], color="#2ca02c", label="teacher-forced model, fed the truth")
    axes.plot(steps, tf["free"], color="#d62728", label="teacher-forced model, running free")
    if "scheduled sampling" in results:
        ss = results["scheduled sampling"]
        axes.plot(steps, ss["free"], color="#1f77b4", label="scheduled sampling, running free")
    axes.axhline(
        1 / args.K, color="grey", linestyle="--", linewidth=1, label=f"chance (1/{args.K})"
    )
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("position t in the sequence")
    axes.set_ylabel("accuracy at t (held out)")
    axes.set_title(
        f"Running sum mod {args.K}, noisy sensor ({args.noise:.0%}), "
        f"checkpoints ({args.checkpoint:.0%})",
        fontsize=11,
    )
    axes.grid(True, alpha=0.3)
    axes.legend(frameon=False, fontsize=9, loc="center right")
    figure.tight_layout()
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        figure.savefig(file, format=path.suffix.lstrip("."))
    return path


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    if args.K < 2 or args.T < 2:
        raise SystemExit("--K and --T must be at least 2")
    tg.set_default_dtype(np.float32)  # training speed; nothing here compares gradients
    tg.set_source_tracking(False)  # nobody reads node.source during training
    train_data = running_sum_task(5000, args, args.seed)
    val_data = running_sum_task(args.val, args, args.seed + 1)
    ceiling = 1 - args.noise * (args.K - 1) / args.K
    print(
        f"running sum mod {args.K}, T = {args.T}; sensor noise {args.noise:.0%} (best "
        f"possible per-step accuracy ≈ {ceiling:.1%}); checkpoints {args.checkpoint:.0%}"
    )
    print(
        f"OutputToHiddenRNN(D={2 * args.K}, H={args.hidden}, K={args.K}), {args.steps} steps "
        f"of {args.batch_size}, Adam lr {args.lr:g}, clip {args.clip:g}"
    )

    runs = [("teacher forcing", False)]
    if not args.no_scheduled:
        runs.append(("scheduled sampling", True))
    results = {}
    for name, scheduled in runs:
        tg.manual_seed(args.seed)  # both models start from the same weights
        model = nn.OutputToHiddenRNN(2 * args.K, args.hidden, args.K)
        seconds = train(model, train_data, args, scheduled, name)
        results[name] = evaluate(model, val_data)
        results[name]["seconds"] = seconds

    T = args.T
    print(f"\naccuracy on {args.val} held-out sequences (mean over positions; at t=1, t={T}):")
    print(
        f"{'trained with':20} {'fed the truth':>22} {'running free':>24} "
        f"{'recovers at a checkpoint':>26} {'time':>7}"
    )
    for name, r in results.items():
        forced, free = r["forced"], r["free"]
        print(
            f"{name:20} {forced.mean():7.1%} ({forced[0]:.0%}, {forced[-1]:.0%})   "
            f"{free.mean():10.1%} ({free[0]:.0%}, {free[-1]:.0%})   "
            f"{r['recovered']:22.1%}   {r['seconds']:6.1f}s"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = plot(results, args, out / "teacher_forcing.png")
    lesson_kit.show_picture(path)

    tf = results["teacher forcing"]
    gap = tf["forced"].mean() - tf["free"].mean()
    print(
        f"\nexposure bias: the teacher-forced model scores {tf['forced'].mean():.1%} when fed "
        f"the truth but {tf['free'].mean():.1%} running free (gap {gap:.1%}; "
        f"{tf['free'][-1]:.0%} at t={T}, chance {1 / args.K:.0%})."
    )
    if "scheduled sampling" in results:
        ss = results["scheduled sampling"]
        print(
            f"scheduled sampling: running free {ss['free'].mean():.1%} (at t={T}: "
            f"{ss['free'][-1]:.0%}); after a mistake it gets back on track at a checkpoint "
            f"{ss['recovered']:.0%} of the time, the teacher-forced model {tf['recovered']:.0%}."
        )
    print(f"plot: {path}")
    report_figures(results, T)


def report_figures(results: dict, T: int) -> None:
    """The lesson's figures, for `make lessons` (docs/results.md, the README)."""
    for name, r in results.items():
        in_readme = name == "teacher forcing"  # the README shows its exposure-bias gap
        forced, free, recovered = 100 * r["forced"], 100 * r["free"], 100 * r["recovered"]
        lesson_kit.report(f"{name}: fed the truth", forced.mean(), "%", fmt=".1f", readme=in_readme)
        lesson_kit.report(f"{name}: running free", free.mean(), "%", fmt=".1f")
        at_T = f"{name}: running free at t = {T}"
        lesson_kit.report(at_T, free[-1], "%", fmt=".0f", readme=in_readme)
        lesson_kit.report(f"{name}: recovers after a mistake", recovered, "%", fmt=".0f")


# %%
if __name__ == "__main__":
    main()
