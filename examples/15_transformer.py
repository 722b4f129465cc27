# %% [markdown]
"""Lesson 15 - beyond recurrence: a small Transformer against the LSTM, on the same text.

Lesson 5's LSTM reads a text one character at a time: h_t needs h_{t-1}. A Transformer
(Vaswani et al. 2017, "Attention is all you need"; GPT is its decoder half) lets every
position look at every earlier one directly, by attention:

    x (B, T) ids -> token + position embeddings (B, T, d) -> N blocks -> LayerNorm -> Linear
    block:  a = x + SelfAttention(LayerNorm(x)),  y = a + FeedForward(LayerNorm(a))
    SelfAttention: softmax(Q Kᵀ / √d_head + causal mask) V, for each of `nhead` heads

1. Both models, with about the same number of parameters, train on lesson 5's split of
   Tiny Shakespeare (charlm.prepare_corpus: first 90 % train, last 10 % validate) with the
   same batches (B windows of T characters, charlm.batch_at), Adam and clipping - for the
   SAME TIME each (--seconds of CPU time: the wall time on an idle machine, and other
   programs do not count). Validation nats/char (charlm.evaluate) on the way, one plot.
2. Steps per second of both, and why: the ops and matmul arithmetic of one training step
   at T/2 and T (the LSTM's ops grow with T, a Python loop; the Transformer's do not).
3. The gradient picture: ‖∂ℓ/∂x_t‖, the gradient of the loss at the LAST position T with
   respect to the embedding x_t of each input character, averaged over B validation
   windows, against the distance T - t: an RNN, an LSTM and the Transformer, untrained
   (as built) and - the LSTM and the Transformer - trained. Through recurrence the
   gradient passes T - t Jacobians ∂h_{s+1}/∂h_s; through attention, one step.
4. Pictures: one block's graph (viz.render at detail=cells and ops), the attention
   weights of every head on a short text (viz.attention_heatmap), and samples of both.

What differs: in charlm.evaluate the LSTM carries (h, c) through its whole stream of the
validation text; the Transformer sees T/2 to T characters back (the positions it learned).

    python examples/15_transformer.py                  # about 2 minutes
    python examples/15_transformer.py --seconds 20 --layers 2

Read next: tinygrad_rnn/charlm/transformer.py (the model: PyTorch's TransformerEncoderLayer
with norm_first=True and a causal mask), then nn/transformer.py and nn/multihead.py.
"""

# %%
import os

# The matrices here are small: OpenBLAS's threads cost more than they save, and on a
# busy machine they make each matmul much slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import charlm, data, lesson_kit, nn  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn.charlm.transformer import CharTransformer, causal_mask, new_transformer_run  # noqa: E402
from tinygrad_rnn.files import atomic_write, write_text_atomic  # noqa: E402
from tinygrad_rnn.graph import topological_order  # noqa: E402

HEATMAP_TEXT = "ROMEO:\nI will not stay."
DISTANCES = (0, 1, 2, 4, 8, 16, 32, 48, 63)  # rows of the gradient table (those < T)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="a UTF-8 text file, plain or .gz (default: the packaged Tiny Shakespeare)"
    )
    parser.add_argument("--out", default="./lesson15-out", help="folder for plots and samples")
    parser.add_argument("--seed", type=int, default=0, help="init, batches and samples")
    parser.add_argument("--seconds", type=float, default=45, help="training CPU s per model")
    parser.add_argument("--evals", type=int, default=10, help="points on each validation curve")
    parser.add_argument(
        "--val-chars", type=int, default=20000, help="characters scored per curve point"
    )
    parser.add_argument("--seq-len", type=int, default=64, help="characters per window T (64)")
    parser.add_argument("--batch-size", type=int, default=32, help="windows per batch B (32)")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate (both)")
    parser.add_argument("--d-model", type=int, default=64, help="Transformer width d (64)")
    parser.add_argument("--heads", type=int, default=4, help="attention heads (4)")
    parser.add_argument("--layers", type=int, default=3, help="Transformer blocks (3)")
    parser.add_argument("--feedforward", type=int, default=256, help="feed-forward width (256)")
    parser.add_argument("--hidden", type=int, default=128, help="LSTM (and RNN) size H (128)")
    parser.add_argument("--embedding", type=int, default=128, help="LSTM embedding size (128)")
    parser.add_argument("--max-chars", type=int, help="use only the first N characters (tests)")
    parser.add_argument("--temperature", type=float, default=0.5, help="sampling temperature τ")
    parser.add_argument("--sample-length", type=int, default=300, help="characters per sample")
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The two models, the same size


# %%
class CharRNN(nn.Module):
    """Lesson 5's CharLM with a tanh RNN in place of its LSTM (for the gradient picture):
    x (B, T) -> Embedding (B, T, E) -> RNN (B, T, H) -> Linear (B, T, V)."""

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = nn.RNN(embedding_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        h, state = self.rnn(self.embedding(x), state)
        return self.fc(h), state


def build_runs(corpus: charlm.Corpus, args) -> dict:
    """{"LSTM": lesson 5's model, "Transformer": ours}, each a CharLMRun from step 0 with
    the same config: the same batches, Adam(lr), clipping, seed, float32."""
    config = charlm.CharLMConfig(embedding_dim=args.embedding, hidden_size=args.hidden,
                                 batch_size=args.batch_size, seq_len=args.seq_len,
                                 lr=args.lr, seed=args.seed)  # fmt: skip
    sizes = {"d_model": args.d_model, "nhead": args.heads, "num_layers": args.layers}
    sizes["dim_feedforward"] = args.feedforward
    return {
        "LSTM": charlm.new_run(corpus.vocab, config, corpus.fingerprint),
        "Transformer": new_transformer_run(corpus.vocab, config, corpus.fingerprint, **sizes),
    }


# %% [markdown]
# ## 1. Training for the same time


# %%
def validation(run: charlm.CharLMRun, val_ids: np.ndarray, max_chars=None) -> float:
    """charlm.evaluate in windows of T/2: the LSTM carries (h, c) across them (its result
    does not depend on the window), the Transformer the last T - 1 characters."""
    window = max(run.config.seq_len // 2, 1)
    return charlm.evaluate(run.model, val_ids, run.config.batch_size, window, max_chars)


def train_for(run: charlm.CharLMRun, corpus: charlm.Corpus, args, name: str) -> dict:
    """charlm.train until the CPU time spent in training steps reaches args.seconds (the
    evaluations are not counted), with args.evals validation points on the way.
    Returns {"curve": [(training seconds, val nats/char)], "seconds": ..., "steps": ...}."""
    steps = charlm.train(run, corpus.train, until_step=10**9)
    curve = [(0.0, validation(run, corpus.val, args.val_chars))]
    trained = 0.0
    marks = [args.seconds * (k + 1) / args.evals for k in range(args.evals)]
    shown = "{desc}: {bar} {n:.0f}/{total} s of training{postfix}"
    bar = tqdm(total=round(args.seconds), desc=name, unit="s", bar_format=shown)
    while trained < args.seconds:
        started = time.process_time()  # this process's CPU time, not the wall clock's
        _, loss = next(steps)
        spent = time.process_time() - started
        trained += spent
        bar.update(min(spent, args.seconds - bar.n))
        bar.set_postfix(step=run.step, batch_J=f"{loss:.3f}", refresh=False)
        if marks and trained >= marks[0]:
            marks.pop(0)
            curve.append((trained, validation(run, corpus.val, args.val_chars)))
    bar.close()
    return {"curve": curve, "seconds": trained, "steps": run.step}


def new_axes():
    """A matplotlib figure of one plot, without pyplot (no window, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.2), dpi=110)
    FigureCanvasAgg(figure)
    return figure.add_subplot(1, 1, 1)


def save_png(axes, path: Path) -> Path:
    axes.grid(True, alpha=0.3, which="both")
    axes.legend(frameon=False, fontsize=9)
    axes.figure.tight_layout()
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        axes.figure.savefig(file, format="png")
    return path


def plot_curves(trained: dict, path: Path, args) -> Path:
    """Validation nats/char against training seconds, both models on one plot."""
    axes = new_axes()
    for name, result in trained.items():
        seconds, nats = zip(*result["curve"])
        axes.plot(seconds, nats, "o-", markersize=3, label=f"{name} ({result['steps']} steps)")
    axes.set_xlabel("training time (CPU seconds)")
    axes.set_ylabel(f"validation nats/char (first {args.val_chars:,} chars)")
    axes.set_title("the same CPU time, the same batches (lesson 5's split)", fontsize=11)
    return save_png(axes, path)


# %% [markdown]
# ## 2. Steps per second, and why: the graph of one training step


# %%
def step_graph(model, corpus: charlm.Corpus, config, T: int) -> dict:
    """The graph of one training loss (B windows of T characters): how many ops it records
    (its nodes that are not leaves), and the floating-point operations of its matmuls,
    2·m·k·n each (the forward pass only)."""
    x, y = charlm.batch_at(corpus.train, 1, config)
    loss = charlm.lm_loss(model, x[:, :T], y[:, :T])
    ops = [node for node in topological_order(loss) if node.op is not None]
    flops = 0
    for node in ops:
        if node.op in ("matmul", "addmm"):
            a = node.parents[-2]  # matmul(a, b), addmm(c, a, b): k = a's last axis
            flops += 2 * node.data.size * a.shape[-1]
    return {"ops": len(ops), "flops": flops}


def explain_speed(runs: dict, trained: dict, corpus: charlm.Corpus) -> dict:
    """Print steps/s of both, what one step's graph holds at T/2 and T, and why."""
    speed = {name: r["steps"] / r["seconds"] for name, r in trained.items()}
    T = runs["LSTM"].config.seq_len
    graphs = {}
    for name, run in runs.items():
        graphs[name] = [step_graph(run.model, corpus, run.config, t) for t in (T // 2, T)]
        half, full = graphs[name]
        print(f"{name}: {trained[name]['steps']} steps in {trained[name]['seconds']:.1f} CPU s = "
              f"{speed[name]:.2f} steps/s; one step's graph: {half['ops']:,} ops at "
              f"T = {T // 2}, {full['ops']:,} at T = {T}; its matmuls "
              f"{full['flops'] / 1e6:.1f} MFLOP (forward)")  # fmt: skip
    growth = {name: full["ops"] / half["ops"] for name, (half, full) in graphs.items()}
    print_why(speed, {name: pair[1] for name, pair in graphs.items()}, growth, T)
    return speed


def print_why(speed: dict, graph: dict, growth: dict, T: int) -> None:
    """The sentences, each comparison computed from this run's numbers."""
    lstm, tf = "LSTM", "Transformer"
    per_op = {name: 1e6 / speed[name] / graph[name]["ops"] for name in speed}
    fast, slow = sorted(speed, key=speed.get, reverse=True)
    print(
        f"why: doubling T multiplies the LSTM's graph by {growth[lstm]:.2f} - a Python loop, "
        f"one cell per character, each op on a (B, H) array - and the Transformer's by "
        f"{growth[tf]:.2f}: each of its layers is one batched matmul over all B·T "
        f"positions (more numbers per op, not more ops). At T = {T} the "
        f"LSTM's step is {graph[lstm]['ops'] / graph[tf]['ops']:.1f} times as many ops, "
        f"the Transformer's {graph[tf]['flops'] / graph[lstm]['flops']:.2f} times the "
        f"matmul arithmetic; {per_op[lstm]:.0f} µs per op for the LSTM, "
        f"{per_op[tf]:.0f} µs for the Transformer (a step's time / its ops)."
    )
    more = graph[tf]["flops"] / graph[lstm]["flops"]
    if fast == tf:
        verdict = "its fewer, larger ops paid off"
    elif more > 1:
        verdict = (
            f"the Transformer's fewer, larger ops did not make up for its {more:.2f} times "
            f"the arithmetic: with one thread, the numbers of one op are computed one after "
            f"another anyway (a GPU computes them in parallel)"
        )
    else:
        verdict = "the Transformer's fewer, larger ops did not pay off here"
    print(f"On this CPU the {fast} ran {speed[fast] / speed[slow]:.2f} times as many steps "
          f"per second as the {slow}: {verdict}.")  # fmt: skip


# %% [markdown]
# ## 3. The gradient picture: ‖∂ℓ_T/∂x_t‖ against the distance T - t


# %%
def scores_from_embeddings(model, e):
    """The scores o (B, T, V) from the input embeddings e (B, T, E): the model after its
    embedding lookup."""
    if isinstance(model, CharTransformer):
        return model.from_embeddings(e)
    recurrent = model.rnn if isinstance(model, CharRNN) else model.lstm
    h, _ = recurrent(e)  # (B, T, H)
    return model.fc(h)


def input_gradient_norms(model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(T,): mean over the B windows of ‖∂ℓ/∂x_t‖, ℓ = -log p(y_T | x_1..x_T), the loss at
    the last position, and x_t the embedding of input character t. The windows do not
    interact, so one backward of the sum over the batch gives each window's gradient."""
    with tg.no_grad():
        embedded = model.embedding(x).numpy()  # (B, T, E)
    e = tg.tensor(embedded, requires_grad=True)
    scores = scores_from_embeddings(model, e)  # (B, T, V)
    loss = F.cross_entropy(scores[:, -1], y[:, -1], reduction="sum")
    loss.backward()
    return np.linalg.norm(np.asarray(e.grad), axis=-1).mean(axis=0)  # (B, T) -> (T,)


def untrained_models(corpus: charlm.Corpus, args) -> dict:
    """The three models as built (seeded, float32), before any training step."""
    tg.manual_seed(args.seed)
    with charlm.default_dtype(np.float32):
        models = {"RNN, untrained": CharRNN(len(corpus.vocab), args.embedding, args.hidden)}
    for name, run in build_runs(corpus, args).items():
        models[f"{name}, untrained"] = run.model
    return models


def gradient_picture(runs: dict, corpus: charlm.Corpus, args) -> dict:
    """{model: (T,) norms} on the same B validation windows of T characters."""
    config = runs["LSTM"].config
    x, y = charlm.batch_at(corpus.val, 0, config)  # windows of the validation text
    models = untrained_models(corpus, args)
    models.update({f"{name}, trained": run.model for name, run in runs.items()})
    norms = {}
    for name, model in tqdm(models.items(), desc="∂ℓ_T/∂x_t", leave=False):
        norms[name] = input_gradient_norms(model, x, y)
    return norms


def print_gradient_table(norms: dict) -> None:
    """The table by distance T - t; then, for each model, the norm at the farthest
    distance T - 1 over the norm at distance 1 (distance 0, the last input itself, also
    reaches the loss without crossing any step) and the factor per step of distance."""
    T = len(next(iter(norms.values())))
    print(f"\n‖∂ℓ_T/∂x_t‖, mean over the windows (T = {T}); distance = T - t")
    print(f"{'distance':>8} " + " ".join(f"{name:>23}" for name in norms))
    for d in [d for d in DISTANCES if d < T]:
        print(f"{d:8d} " + " ".join(f"{value[T - 1 - d]:23.3e}" for value in norms.values()))
    ratios = {name: value[0] / value[-2] for name, value in norms.items()}  # d = T-1 / d = 1
    print(f"\nat distance {T - 1} / at distance 1, and the factor per step of distance:")
    for name, ratio in ratios.items():
        per_step = ratio ** (1 / (T - 2))
        verdict = "vanishes" if ratio < 1e-3 else "decays" if ratio < 0.2 else "does not decay"
        print(f"- {name}: {ratio:.2e}, {per_step:.3f} per step - it {verdict} with distance")
    for state in ("untrained", "trained"):
        tf, lstm = norms[f"Transformer, {state}"][0], norms[f"LSTM, {state}"][0]
        print(f"at distance {T - 1} the {state} Transformer's gradient is {tf / lstm:.2g} "
              f"times the {state} LSTM's")  # fmt: skip


def plot_gradients(norms: dict, path: Path) -> Path:
    """‖∂ℓ_T/∂x_t‖ against the distance T - t, log scale; trained solid, untrained dashed."""
    axes = new_axes()
    colours = {"RNN": "tab:green", "LSTM": "tab:blue", "Transformer": "tab:orange"}
    for name, value in norms.items():
        kind = name.split(",")[0]
        style = "-" if name.endswith("trained") and "untrained" not in name else "--"
        distance = np.arange(len(value))[::-1]  # position t is T - 1 - t from the last
        axes.plot(distance, value, style, color=colours[kind], label=name)
    axes.set_yscale("log")
    axes.set_xlabel("distance T - t from the last position")
    axes.set_ylabel("‖∂ℓ_T / ∂x_t‖ (mean over windows)")
    axes.set_title("how much the last prediction depends on each input", fontsize=11)
    return save_png(axes, path)


# %% [markdown]
# ## 4. Pictures: one block's graph, the attention of every head


# %%
def draw_block(model: CharTransformer, vocab, text: str, out: Path) -> list:
    """The graph of the first block on `text` (the trained model), at detail=cells (one box
    per sub-layer) and detail=ops (every op; the heads as clusters)."""
    import viz

    ids = vocab.encode(text).reshape(1, -1)  # (1, T)
    with tg.no_grad():
        e = model.embedding(ids) + model.position(np.arange(ids.shape[1]))  # (1, T, d)
    x = tg.tensor(e.numpy(), requires_grad=True).named(
        "x"
    )  # the block's input, a leaf: only the block is drawn
    root = model.layers[0](x, src_mask=causal_mask(ids.shape[1]), is_causal=True).sum()
    root.backward()
    paths = []
    for detail in ("cells", "ops"):
        title = f"one pre-norm Transformer block on {text!r} (detail={detail})"
        path = out / f"block_{detail}.svg"
        paths.append(viz.render(root, path, detail=detail, title=title))
    return paths


def draw_heatmaps(model: CharTransformer, vocab, text: str, out: Path) -> list:
    """One picture per block: a heatmap per head (rows: the position that looks, columns:
    the positions it looks at)."""
    import viz

    paths = []
    weights = model.attention_weights(vocab.encode(text).reshape(1, -1))  # (1, nhead, T, T)
    for k, heads in enumerate(w[0] for w in weights):
        titles = [f"block {k}, head {h}" for h in range(len(heads))]
        path = out / f"attention_block{k}.png"
        # (nhead, T, T) with the tokens once: one heatmap per head, side by side
        paths.append(viz.attention_heatmap(heads, text, text, path, titles=titles))
    return paths


# %% [markdown]
# ## Run the lesson


# %%
def report_figures(runs: dict, trained: dict, final: dict, speed: dict, norms: dict) -> None:
    """Headline figures to the README; the rest only to docs/results.md (readme=False)."""
    for name in runs:
        lesson_kit.report(f"{name} validation", final[name], "nats/char", fmt=".3f")
    for name in runs:  # after both validations: the README shows them in this order
        lesson_kit.report(f"{name} steps per second", speed[name], fmt=".1f")
    for name, run in runs.items():
        lesson_kit.report(f"{name} parameters", run.model.num_parameters(), readme=False)
        lesson_kit.report(f"{name} training steps", trained[name]["steps"], readme=False)
    far = norms["Transformer, trained"][0] / norms["LSTM, trained"][0]  # at distance T - 1
    details = {"fmt": ".2g", "average": "geometric"}
    lesson_kit.report("gradient at distance T-1, trained Transformer / LSTM", far, **details)
    for name, value in norms.items():
        ratio = value[0] / value[-2]  # at distance T - 1 / at distance 1
        name = f"gradient at distance T-1 / at distance 1, {name}"
        lesson_kit.report(name, ratio, fmt=".2e", average="geometric", readme=False)


def describe_models(runs: dict) -> None:
    """One line per model, and how their parameter counts compare."""
    lstm, tf = runs["LSTM"].model, runs["Transformer"].model
    print(f"LSTM: {lstm.embedding} -> {lstm.lstm} -> {lstm.fc}: "
          f"{lstm.num_parameters():,} parameters")  # fmt: skip
    print(f"Transformer: {tf.embedding} + positions {tf.position} -> {len(tf.layers)} x the "
          f"block below (causal) -> {tf.norm} -> {tf.fc}: "
          f"{tf.num_parameters():,} parameters")  # fmt: skip
    ratio = tf.num_parameters() / lstm.num_parameters()
    print(f"the Transformer has {ratio:.2f} times the LSTM's parameters; one block:")
    print(tf.layers[0])


def train_both(runs: dict, corpus: charlm.Corpus, args, out: Path) -> tuple[dict, dict]:
    """Train both for the same time; the final validation on all of it; the plot."""
    print(f"\n1. training each model for {args.seconds:g} CPU seconds (B = {args.batch_size}, "
          f"T = {args.seq_len}, Adam {args.lr:g}, the same batches)")  # fmt: skip
    trained = {name: train_for(run, corpus, args, name) for name, run in runs.items()}
    final = {name: validation(run, corpus.val) for name, run in runs.items()}
    for name in runs:
        print(f"{name}: validation {final[name]:.4f} nats/char (all of it) after "
              f"{trained[name]['steps']} steps")  # fmt: skip
    better, worse = sorted(final, key=final.get)
    print(f"in the same {args.seconds:g} CPU seconds the {better} reached "
          f"{final[worse] - final[better]:.4f} nats/char less than the {worse}")  # fmt: skip
    curves = plot_curves(trained, out / "validation_curves.png", args)
    print(f"plot: {curves}")
    lesson_kit.show_picture(curves)
    return trained, final


def gradients_by_distance(runs: dict, corpus: charlm.Corpus, args, out: Path) -> dict:
    """The gradient table and plot; returns {model: (T,) norms}."""
    print("\n3. the gradient of the last position's loss with respect to each input")
    norms = gradient_picture(runs, corpus, args)
    print_gradient_table(norms)
    picture = plot_gradients(norms, out / "gradient_distance.png")
    print(f"plot: {picture}")
    lesson_kit.show_picture(picture)
    return norms


def pictures_and_samples(runs: dict, corpus: charlm.Corpus, args, out: Path) -> None:
    """One block's graph, the attention heatmaps, samples of both."""
    print("\n4. pictures and samples")
    model, text = runs["Transformer"].model, HEATMAP_TEXT[: args.seq_len]
    cells, ops = draw_block(model, corpus.vocab, text[:6], out)
    print(f"graph: {cells} (one box per sub-layer), {ops} (every op)")
    lesson_kit.show_picture(cells)
    for drawn in draw_heatmaps(model, corpus.vocab, text, out):
        print(f"attention: {drawn}")
        lesson_kit.show_picture(drawn)
    samples = []
    for name, run in runs.items():
        drawn = charlm.sample(run.model, run.vocab, args.sample_length, args.temperature,
                              "\n", args.seed)  # fmt: skip
        samples.append(f"--- {name} after {run.step} steps, τ = {args.temperature:g} ---\n{drawn}")
        print(f"\n{samples[-1]}")
    write_text_atomic(out / "samples.txt", "\n\n".join(samples) + "\n")
    print(f"\nwrote {out / 'samples.txt'}")


def main() -> None:
    args = parse_args()
    if args.seconds <= 0 or args.evals < 1 or args.seq_len < 3 or args.temperature <= 0:
        raise SystemExit("--seconds above 0, --evals >= 1, --seq-len >= 3, --temperature > 0")
    path = data.resolve_data_path("tinyshakespeare.txt", args.data)
    text = data.load_text(path)[: args.max_chars]
    out = lesson_kit.output_dir(args.out)
    corpus = charlm.prepare_corpus(text, charlm.CharLMConfig(seed=args.seed))
    print(f"text: {path}, train {len(corpus.train):,} / validation {len(corpus.val):,} "
          f"characters (lesson 5's 90/10 split), V = {len(corpus.vocab)}")  # fmt: skip
    runs = build_runs(corpus, args)
    describe_models(runs)
    trained, final = train_both(runs, corpus, args, out)
    print("\n2. steps per second on this CPU")
    speed = explain_speed(runs, trained, corpus)
    norms = gradients_by_distance(runs, corpus, args, out)
    report_figures(runs, trained, final, speed, norms)
    pictures_and_samples(runs, corpus, args, out)


# %%
if __name__ == "__main__":
    try:
        main()
    except data.DataError as error:  # missing or unreadable data: one line
        raise SystemExit(f"error: {error}") from None
