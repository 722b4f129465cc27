# %% [markdown]
"""Lesson 4 - vanishing and exploding gradients: ‖∂L/∂h_t‖ over 100 steps, and what clipping does.

Part 1. Random inputs go through nn.RNN, nn.GRU and nn.LSTM for T = 100 steps; the loss
depends on the last state only, L = Σ h_T, so every gradient enters at t = T and has to
travel back through the steps. BPTT multiplies one Jacobian per step:

    RNN    ∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh         (shrinks or grows ~ like ‖W_hh‖^steps)
    LSTM   ∂c_t/∂c_{t-1} = diag(f_t)                   (+ the path through h): no W, no tanh'
    GRU    ∂h_t/∂h_{t-1} = diag(z_t) + ...             (the "keep" share of the update)

The script prints ‖∂L/∂h_t‖ at a few t (from viz.gradient_flow) and plots all of them on
a log scale (gradient_flow.png). Five models: the three at PyTorch's initialisation, where
the LSTM's forget gate and the GRU's update gate start half open (σ(0) = 0.5); an LSTM
and a GRU whose gates start nearly closed to forgetting (bias +3 on the f rows / z rows,
σ(3) = 0.95, the usual trick); and an RNN with large recurrent weights (W_hh = 2·Q, Q
orthogonal), whose gradient explodes instead.

Part 2. Gradient clipping (nn.utils.clip_grad_norm_) acts AFTER backward, on the parameter
gradients: it multiplies all of them by one number s = max_norm / ‖∇θ‖ when the total
norm is too large. ∂L/∂W_hh is a sum over steps, Σ_t (1 - h_t²)⊙∂L/∂h_t h_{t-1}ᵀ; every
term is scaled by the same s, so clipping cannot bring back what the early steps lost
(vanishing), and with exploding gradients it bounds the size of the step, not its
direction. The script shows both with numbers, then trains the large-W RNN with SGD on the
adding problem (T = 50) with and without clipping (clipping.png): without it, the first
updates (‖∇θ‖ ≈ 10³, so steps of ~50 in weight space) throw the weights far away, the
loss grows to ~1e30 and becomes NaN; with it, the loss stays finite and comes down to
about what predicting the mean gives (1/6), no lower: clipping keeps training alive, it
does not teach the long dependency.

    python examples/04_vanishing_gradients.py                # ~15 s on 2 cores
    python examples/04_vanishing_gradients.py --steps 20 --train-steps 10   # seconds

Read next: examples/11_modelling_guideline.py (what this means for learning long
dependencies), viz/flow.py (the table and the plot).
"""

# %%
import os

# The matrices here are small (batch x 32 units): OpenBLAS's threads cost more than they
# save, and on a busy machine they make each matmul ~10x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
import viz  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn import lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn.data import adding_problem  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402

RNN_DEFAULT = "RNN"
RNN_LARGE = "RNN, W_hh = {gain:g}·Q"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="time steps T (100)")
    parser.add_argument("--hidden", type=int, default=32, help="hidden size H (32)")
    parser.add_argument("--batch", type=int, default=4, help="sequences in the batch (4)")
    parser.add_argument("--gate-bias", type=float, default=3.0, help="LSTM f / GRU z bias (3)")
    parser.add_argument("--gain", type=float, default=2.0, help="W_hh = gain·Q of the large RNN")
    parser.add_argument("--clip", type=float, default=1.0, help="max_norm for clipping (1)")
    parser.add_argument("--train-steps", type=int, default=400, help="SGD steps in part 2 (400)")
    parser.add_argument("--train-T", type=int, default=50, help="adding problem length (50)")
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate in part 2")
    parser.add_argument("--out", default="./lesson04-out", help="folder for the plots")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The models


# %%
def orthogonal(size: int, seed: int) -> np.ndarray:
    """A random orthogonal matrix Q (QᵀQ = I): every direction keeps its length."""
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(size, size)))
    return q * np.sign(np.diag(r))  # (H, H)


def open_gate_bias(layer, rows: slice, bias: float) -> None:
    """Set the bias of one gate (rows of b_ih; b_hh zeroed there) to `bias`."""
    layer.bias_ih_l0.data[rows] = bias
    layer.bias_hh_l0.data[rows] = 0.0


def make_models(args: argparse.Namespace, input_size: int) -> dict:
    """name -> a fresh layer; every layer starts from the same seed."""
    H = args.hidden
    models = {}
    for name, layer_class in (("RNN", nn.RNN), ("GRU", nn.GRU), ("LSTM", nn.LSTM)):
        tg.manual_seed(args.seed)
        models[name] = layer_class(input_size, H)
    tg.manual_seed(args.seed)
    lstm = nn.LSTM(input_size, H)
    open_gate_bias(lstm, slice(H, 2 * H), args.gate_bias)  # rows i, f, g, o: f
    models[f"LSTM, forget bias {args.gate_bias:g}"] = lstm
    tg.manual_seed(args.seed)
    gru = nn.GRU(input_size, H)
    open_gate_bias(gru, slice(H, 2 * H), args.gate_bias)  # rows r, z, n: z
    models[f"GRU, update bias {args.gate_bias:g}"] = gru
    models[RNN_LARGE.format(gain=args.gain)] = large_rnn(args, input_size)
    return models


def large_rnn(args: argparse.Namespace, input_size: int) -> nn.RNN:
    """nn.RNN whose recurrent weights are gain·Q: for gain > 1 the gradient explodes."""
    tg.manual_seed(args.seed)
    rnn = nn.RNN(input_size, args.hidden)
    rnn.weight_hh_l0.data[...] = args.gain * orthogonal(args.hidden, args.seed + 1)
    return rnn


# %% [markdown]
# ## Part 1: the gradient that reaches each step


# %%
def last_state_loss(layer, x: np.ndarray) -> tg.Tensor:
    """Run the layer over x (T, B, D) and return L = Σ h_T (after L.backward())."""
    output, _ = layer(tg.tensor(x))  # (T, B, H)
    loss = output[-1].sum().named("L")  # L depends on h_T only
    loss.backward()
    return loss


def print_flows(flows: dict, T: int) -> None:
    shown = sorted({1, max(1, T // 4), max(1, T // 2), max(1, 3 * T // 4), T})
    print(f"\n‖∂L/∂h_t‖ with L = Σ h_T (every gradient enters at t = {T}):")
    print(f"{'model':24}" + "".join(f"{'t=' + str(t):>11}" for t in shown) + "   h_1 / h_T")
    for name, flow in flows.items():
        norms = flow.h_norms
        cells = "".join(f"{norms[t - 1]:11.2e}" for t in shown)
        print(f"{name:24}{cells}   {norms[0] / norms[-1]:9.1e}")


# %% [markdown]
# ## Part 2: what clipping does to the parameter gradients


# %%
def hidden_states(loss: tg.Tensor) -> list:
    """The nodes h_1 ... h_T of the layer, in order (they keep .data and .grad)."""
    found = {}
    for node in tg.topological_order(loss):
        label = node.label or ""
        if label.startswith("h_") and label[2:].isdigit() and int(label[2:]) >= 1:
            found[int(label[2:])] = node
    return [found[t] for t in sorted(found)]


def per_step_contributions(loss: tg.Tensor) -> np.ndarray:
    """The T terms of ∂L/∂W_hh = Σ_t (1 - h_t²)⊙∂L/∂h_t h_{t-1}ᵀ (summed over the batch),
    as an array (T, H, H). Term t is what step t adds to the gradient of W_hh."""
    hs = hidden_states(loss)
    terms = []
    previous = np.zeros_like(hs[0].data)  # h_0 = 0
    for h in hs:
        da = (1.0 - h.data**2) * h.grad  # (B, H)   ∂L/∂a_t, back through tanh
        terms.append(da.T @ previous)  # (H, H)   outer product, summed over the batch
        previous = h.data
    return np.stack(terms)  # (T, H, H)


def clipping_effect(layer: nn.RNN, x: np.ndarray, max_norm: float, name: str) -> dict:
    """One backward pass, then clip_grad_norm_; how each step's share changes."""
    layer.zero_grad()
    loss = last_state_loss(layer, x)
    terms = per_step_contributions(loss)
    assert np.allclose(terms.sum(axis=0), layer.weight_hh_l0.grad), "Σ_t terms = ∂L/∂W_hh"
    total = nn.utils.clip_grad_norm_(layer.parameters(), max_norm).item()
    scale = min(1.0, max_norm / (total + 1e-6))
    early, late = np.linalg.norm(terms[1]), np.linalg.norm(terms[-1])  # t = 2 (t = 1: h_0 = 0)
    return {"name": name, "total": total, "scale": scale, "early": early, "late": late}


def print_clipping(rows: list[dict], max_norm: float, T: int) -> None:
    print(f"\nclip_grad_norm_(max_norm={max_norm:g}) after one backward pass (L = Σ h_T):")
    print(
        f"{'model':24}{'‖∇θ‖':>10}{'s':>10}   ‖step 2's term of ∂L/∂W_hh‖"
        f"   ‖step {T}'s term‖         step 2 / step {T}"
    )
    for row in rows:
        s, early, late = row["scale"], row["early"], row["late"]
        print(
            f"{row['name']:24}{row['total']:10.2e}{s:10.2e}   {early:9.2e} -> {s * early:9.2e}"
            f"        {late:9.2e} -> {s * late:9.2e}   {early / late:9.1e} (both)"
        )


# %% [markdown]
# ## Part 2 continued: training with and without clipping


# %%
def train_adding(layer: nn.RNN, args: argparse.Namespace, clip: float | None, desc: str):
    """SGD on the adding problem; returns per-step (loss, total gradient norm before
    clipping) and the held-out MSE at the end (nan if the weights blew up)."""
    tg.manual_seed(args.seed)
    head = nn.Linear(args.hidden, 1)
    params = [*layer.parameters(), *head.parameters()]
    optimizer = optim.SGD(params, lr=args.lr)
    x, y = adding_problem(2000, args.train_T, seed=args.seed)
    x_val, y_val = adding_problem(500, args.train_T, seed=args.seed + 1)
    rng = np.random.default_rng(args.seed)
    losses, norms = [], []
    batch = 32
    with np.errstate(all="ignore"):  # overflow to inf / nan is what we want to see
        for _ in tqdm(range(args.train_steps), desc=desc, leave=False):
            rows = rng.integers(0, len(x), batch)
            output, _ = layer(x[rows].transpose(1, 0, 2).astype(np.float32))  # (T, B, 2)
            loss = F.mse_loss(head(output[-1]).reshape(batch), y[rows].astype(np.float32))
            optimizer.zero_grad()
            loss.backward(retain_graph=False)
            if clip is None:
                norm = gradient_norm(params)
            else:
                norm = nn.utils.clip_grad_norm_(params, clip).item()  # the norm before clipping
            optimizer.step()
            losses.append(loss.item())
            norms.append(norm)
        with tg.no_grad():
            output, _ = layer(x_val.transpose(1, 0, 2).astype(np.float32))
            mse = float(np.mean((head(output[-1]).numpy()[:, 0] - y_val) ** 2))
    return np.array(losses), np.array(norms), mse


def gradient_norm(params) -> float:
    """‖∇θ‖ of all parameters as one vector (what clip_grad_norm_ measures)."""
    return float(np.sqrt(sum(np.sum(p.grad.astype(np.float64) ** 2) for p in params)))


def plot_training(runs: dict, path: Path, args: argparse.Namespace) -> Path:
    """Two panels: training loss and ‖∇θ‖ before clipping, per SGD step, log scale."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10.0, 4.0), dpi=110)
    FigureCanvasAgg(figure)
    left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
    colours = {"without clipping": "#d62728", f"clipped to {args.clip:g}": "#1f77b4"}
    for name, (losses, norms, _) in runs.items():
        steps = np.arange(1, len(losses) + 1)
        finite = np.where(np.isfinite(losses), losses, np.nan)
        left.plot(steps, finite, color=colours[name], label=name)
        right.plot(steps, np.where(np.isfinite(norms), norms, np.nan), color=colours[name])
        dead = np.flatnonzero(~np.isfinite(losses))
        if len(dead):
            left.axvline(dead[0] + 1, color=colours[name], linestyle=":", linewidth=1)
            top = np.nanmax(finite)
            left.annotate(
                f"NaN from step {dead[0] + 1}",
                (dead[0] + 1, top),
                color=colours[name],
                xytext=(6, -4),
                textcoords="offset points",
                fontsize=9,
            )
    left.axhline(1 / 6, color="grey", linestyle="--", linewidth=1, label="predict the mean (1/6)")
    for axes, title in ((left, "training loss (MSE)"), (right, "‖∇θ‖ before clipping")):
        axes.set_yscale("log")
        axes.set_xlabel("SGD step")
        axes.set_title(title, fontsize=11)
        axes.grid(True, alpha=0.3)
    left.legend(frameon=False, fontsize=9)
    figure.suptitle(
        f"RNN with W_hh = {args.gain:g}·Q on the adding problem (T = {args.train_T}), "
        f"SGD lr {args.lr:g}",
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
    if args.steps < 2 or args.train_T < 2:
        raise SystemExit("--steps and --train-T must be at least 2")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tg.set_default_dtype(np.float64)  # gradients as small as 1e-30 must not underflow
    input_size = 8
    x = np.random.default_rng(args.seed).normal(size=(args.steps, args.batch, input_size))

    print(f"part 1: T = {args.steps}, H = {args.hidden}, batch {args.batch}, random inputs")
    models = make_models(args, input_size)
    flows = {}
    for name, layer in tqdm(models.items(), desc="backward through 100 steps", leave=False):
        flows[name] = viz.gradient_flow(last_state_loss(layer, x))
    print_flows(flows, args.steps)
    title = f"Gradient reaching each step (T = {args.steps}, H = {args.hidden}, L = Σ h_T)"
    flow_plot = viz.plot_gradient_flow(flows, out / "gradient_flow.png", title, cell_state=False)
    lesson_kit.show_picture(flow_plot)

    print(f"\npart 2: gradient clipping, max_norm = {args.clip:g}")
    large_name = RNN_LARGE.format(gain=args.gain)
    rows = [
        clipping_effect(models[RNN_DEFAULT], x, args.clip, RNN_DEFAULT),
        clipping_effect(large_rnn(args, input_size), x, args.clip, large_name),
    ]
    print_clipping(rows, args.clip, args.steps)

    tg.set_default_dtype(np.float32)  # training: float32 is faster
    print(
        f"\ntraining {large_name} on the adding problem, T = {args.train_T}, "
        f"{args.train_steps} SGD steps, lr {args.lr:g}:"
    )
    runs = {}
    for name, clip in (("without clipping", None), (f"clipped to {args.clip:g}", args.clip)):
        runs[name] = train_adding(large_rnn(args, 2), args, clip, name)
        losses, norms, mse = runs[name]
        blown = np.flatnonzero(~np.isfinite(losses))
        fate = f"NaN from step {blown[0] + 1}" if len(blown) else f"final loss {losses[-1]:.3f}"
        print(
            f"  {name:18} first ‖∇θ‖ {norms[0]:9.2e}, largest loss {np.nanmax(losses):9.2e},"
            f" {fate}, held-out MSE {mse:.3f}"
        )
    train_plot = plot_training(runs, out / "clipping.png", args)
    lesson_kit.show_picture(train_plot)

    # the lesson's conclusions, from the numbers measured above
    ratio = {name: flow.h_norms[0] / flow.h_norms[-1] for name, flow in flows.items()}
    T = args.steps
    lstm_open = f"LSTM, forget bias {args.gate_bias:g}"
    gru_open = f"GRU, update bias {args.gate_bias:g}"
    clipped = runs[f"clipped to {args.clip:g}"]
    unclipped = runs["without clipping"]
    print("\nconclusions (from the numbers above):")
    print(
        f"- vanishing: ‖∂L/∂h_1‖ is {ratio['RNN']:.0e} of ‖∂L/∂h_{T}‖ for the RNN. At "
        f"PyTorch's init the LSTM ({ratio['LSTM']:.0e}) and GRU ({ratio['GRU']:.0e}) lose it "
        f"too: their gates start at σ(0) = 0.5."
    )
    print(
        f"- with the gates set to keep (bias {args.gate_bias:g}, σ = "
        f"{1 / (1 + np.exp(-args.gate_bias)):.2f}) the LSTM keeps {ratio[lstm_open]:.0e} and "
        f"the GRU {ratio[gru_open]:.0e}: c_{{t-1}} -> c_t is a multiply by f_t "
        f"(GRU: z_t ⊙ h_{{t-1}}), with no W and no tanh' in it."
    )
    print(
        f"- exploding: with W_hh = {args.gain:g}·Q the RNN's ‖∂L/∂h_1‖ is "
        f"{ratio[large_name]:.0e} of ‖∂L/∂h_{T}‖."
    )
    print(
        f"- clipping rescales every parameter gradient by the same s, so step 2's share of "
        f"∂L/∂W_hh stays {rows[0]['early'] / rows[0]['late']:.0e} (vanishing is not fixed); "
        f"for the exploding RNN s = {rows[1]['scale']:.0e} bounds the step but keeps its "
        f"direction, still dominated by the far past (step 2's term is "
        f"{rows[1]['early'] / rows[1]['late']:.0e} x step {T}'s)."
    )
    blown = np.flatnonzero(~np.isfinite(unclipped[0]))
    nan_step = int(blown[0]) + 1 if len(blown) else None
    fate = f"is NaN from step {nan_step}" if nan_step else f"ends at {unclipped[2]:.3f}"
    print(
        f"- training that RNN with SGD: without clipping the loss {fate}; clipped to "
        f"{args.clip:g} it stays finite and ends at held-out MSE {clipped[2]:.3f}, "
        f"{compared_with_the_mean(clipped[2])} (MSE {1 / 6:.3f}) - clipping keeps training "
        f"alive, it does not teach the long dependency."
    )
    report_figures(ratio, args, nan_step, clipped[2])
    print(f"\nplots: {flow_plot}, {train_plot}")


def compared_with_the_mean(mse: float) -> str:
    """Where a held-out MSE stands against always predicting the mean (1/6)."""
    if not np.isfinite(mse):
        return "not a number"
    if mse < 0.8 / 6:
        return "below predicting the mean"
    if mse <= 1.5 / 6:
        return "about what predicting the mean gives"
    return "worse than predicting the mean"


def report_figures(ratio: dict, args: argparse.Namespace, nan_step, clipped_mse: float) -> None:
    """The lesson's figures, for `make lessons` (docs/results.md, the README)."""
    for name, value in ratio.items():
        label = f"‖∂L/∂h_1‖ / ‖∂L/∂h_{args.steps}‖, {name}"
        lesson_kit.report(label, value, fmt=".0e", average="geometric")
    lesson_kit.report("SGD without clipping: NaN from step", nan_step)
    lesson_kit.report(f"clipped to {args.clip:g}: held-out MSE", clipped_mse, fmt=".3f")
    lesson_kit.report("predicting the mean: MSE", 1 / 6, fmt=".3f")


# %%
if __name__ == "__main__":
    main()
