# %% [markdown]
"""Lesson 10: word2vec - skip-gram and CBOW with negative sampling, on Tiny Shakespeare.

A word's meaning is guessed from the company it keeps. Two tables of vectors, v_w (the
word vectors we keep) and u_w (context vectors), and one score per (word, context) pair,
a dot product:

    skip-gram   the centre word predicts each word around it:  s = u_o · v_c
    CBOW        the mean of the context words predicts the centre: s = u_w · mean_j v_j
    loss        -log σ(s_true) - Σ_k log σ(-s_noise_k)   (K noise words per true word)

Everything is built from the engine's primitives: nn.Embedding lookups (tg.gather),
element-wise products summed into dot products, and binary cross-entropy with logits
(tinygrad_rnn/word2vec.py has the models and the data preparation). Frequent words are
subsampled (word2vec's rule), words seen fewer than --min-count times are dropped.

At the end it prints the nearest neighbours (cosine similarity) of a few words for both
models, checks that groups of related words (pronouns, possessives, ...) are closer to
each other than random pairs of words, and saves the vectors to --out as .npz files
(`words`, `vectors`; read with np.load(path, allow_pickle=False)). Lesson 6 starts its
Embedding from them:

    python examples/10_word2vec.py                       # about a minute on 2 cores
    python examples/10_word2vec.py --steps 20 --limit 20000   # a few seconds
    python examples/10_word2vec.py --steps 8000          # ~100 s: CBOW's loss falls to
                                                         # 1.68; skip-gram's is flat by now
    python examples/06_sentiment.py --embeddings lesson10-out/skipgram_vectors.npz

At this scale (200 000 words, a minute of training) the neighbours are noisy: frequent
words get sensible company, rare words much less so.
"""

# %%
import os

# The matrices here are small: OpenBLAS's threads cost more than they save, and on a
# busy machine they make each operation much slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import data, lesson_kit, optim  # noqa: E402
from tinygrad_rnn import word2vec as w2v  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402

QUERY_WORDS = ["king", "love", "day", "lord", "thou", "he", "good", "night"]

# Groups of words that should sit together if the vectors learned anything.
WORD_GROUPS = {
    "pronouns": ["i", "you", "he", "she", "we", "they", "thou", "ye"],
    "possessives": ["my", "thy", "his", "her", "your", "our", "their"],
    "titles": ["king", "queen", "duke", "lord", "lady", "prince"],
    "numbers": ["two", "three", "four", "five", "six", "ten", "hundred", "thousand"],
    "times": ["day", "night", "morning", "hour", "year", "time", "tomorrow"],
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="a text file (default: Tiny Shakespeare)")
    parser.add_argument(
        "--models", default="skipgram,cbow", help="comma-separated subset of skipgram, cbow"
    )
    parser.add_argument("--steps", type=int, default=2500, help="training steps per model")
    parser.add_argument(
        "--batch-size", type=int, default=1024, help="skip-gram: (word, context) pairs per step"
    )
    parser.add_argument(
        "--cbow-batch-size",
        type=int,
        default=512,
        help="CBOW: windows per step (each gathers 2W context vectors, so half the pairs "
        "cost about what a skip-gram batch does)",
    )
    parser.add_argument("--dim", type=int, default=64, help="vector size D (lesson 6: 64)")
    parser.add_argument("--window", type=int, default=5, help="context words on each side")
    parser.add_argument("--negatives", type=int, default=5, help="noise words K per pair")
    parser.add_argument("--min-count", type=int, default=5, help="rarer words are dropped")
    parser.add_argument(
        "--subsample", type=float, default=1e-3, help="word2vec's subsampling threshold t"
    )
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    parser.add_argument("--words", nargs="+", default=QUERY_WORDS, help="words to query")
    parser.add_argument("--neighbours", type=int, default=6, help="neighbours per word")
    parser.add_argument("--limit", type=int, default=None, help="use the first N characters")
    parser.add_argument("--out", default="./lesson10-out", help="folder for the vectors")
    parser.add_argument("--seed", type=int, default=0)
    args = lesson_kit.parse_args(parser)
    args.models = [name.strip() for name in args.models.split(",") if name.strip()]
    if not args.models or set(args.models) - {"skipgram", "cbow"}:
        parser.error(f"--models: choose from skipgram, cbow (got {args.models})")
    return args


# %% [markdown]
# ## Training examples, one epoch at a time


# %%
def epoch_examples(name: str, ids, keep, window: int, rng: np.random.Generator):
    """One epoch of shuffled examples: a fresh subsample of the text, then
    skip-gram: (centres (N,), true context words (N,));
    CBOW:      (contexts (N, 2W), true centre words (N,))."""
    kept = w2v.subsample(ids, keep, rng)
    if name == "skipgram":
        inputs, targets = w2v.skipgram_pairs(kept, window, rng)
    else:
        inputs, targets = w2v.cbow_windows(kept, window, rng)
    order = rng.permutation(len(targets))
    return inputs[order], targets[order]


def batches(name: str, ids, keep, args, rng: np.random.Generator):
    """`args.steps` batches (inputs, candidates): candidates (B, K+1) is the true word in
    column 0 and K noise words drawn from P_n(w) ∝ count^0.75."""
    batch_size = args.batch_size if name == "skipgram" else args.cbow_batch_size
    position = 0
    inputs, targets = epoch_examples(name, ids, keep, args.window, rng)
    for _ in range(args.steps):
        if position + batch_size > len(targets):
            inputs, targets = epoch_examples(name, ids, keep, args.window, rng)
            position = 0
        rows = slice(position, position + batch_size)
        position += batch_size
        true_words = targets[rows, np.newaxis]  # (B, 1)
        noise = w2v.sample_negatives(args.noise, (len(true_words), args.negatives), rng)
        yield inputs[rows], np.concatenate([true_words, noise], axis=1)  # (B, K+1)


def train(name: str, vocab_size: int, ids, keep, args):
    """Train one model with Adam; returns (model, seconds, first loss, last loss)."""
    tg.manual_seed(args.seed)
    if name == "skipgram":
        model = w2v.SkipGram(vocab_size, args.dim)
    else:
        model = w2v.CBOW(vocab_size, args.dim, pad_index=0)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    losses = []
    started = time.perf_counter()
    progress = tqdm(batches(name, ids, keep, args, rng), total=args.steps, desc=name)
    for step, (inputs, candidates) in enumerate(progress, start=1):
        loss = w2v.negative_sampling_loss(model(inputs, candidates))
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        optimizer.step()
        losses.append(loss.item())
        if step % 20 == 0 or step == args.steps:
            progress.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    progress.close()
    seconds = time.perf_counter() - started
    window = max(1, min(50, len(losses) // 5))
    return model, seconds, float(np.mean(losses[:window])), float(np.mean(losses[-window:]))


# %% [markdown]
# ## Looking at the vectors


# %%
def group_similarity(vectors: np.ndarray, words: list[str], rng: np.random.Generator):
    """Per group: (mean cosine between its members, how many members are in the vocabulary);
    and the mean cosine of random word pairs, the level 'no relation' sits at."""
    unit = w2v.unit_rows(vectors.astype(np.float64))
    index = {word: row for row, word in enumerate(words)}
    rows = {}
    for group, members in WORD_GROUPS.items():
        present = [index[word] for word in members if word in index]
        if len(present) < 2:
            continue
        similarity = unit[present] @ unit[present].T  # (n, n)
        n = len(present)
        rows[group] = ((similarity.sum() - n) / (n * (n - 1)), n)  # mean off the diagonal
    a = rng.integers(0, len(words), size=2000)
    b = rng.integers(0, len(words), size=2000)
    distinct = a != b
    random_level = float(np.mean(np.sum(unit[a[distinct]] * unit[b[distinct]], axis=1)))
    return rows, random_level


def print_neighbours(results: dict, query_words: list[str], k: int) -> None:
    for name, (words, vectors) in results.items():
        print(f"\nnearest neighbours by cosine similarity, {name}:")
        for query in query_words:
            if query not in words:
                print(f"  {query:>8}: (not in the vocabulary)")
                continue
            neighbours = w2v.nearest_neighbours(vectors, words, query, k)
            shown = ", ".join(f"{word} {similarity:.2f}" for word, similarity in neighbours)
            print(f"  {query:>8}: {shown}")
            nearest = ", ".join(word for word, _ in neighbours[:4])
            lesson_kit.report(f"{name}: nearest to {query}", nearest, readme=False)


def plot_groups(results: dict, path: Path) -> Path | None:
    """One panel per model: the words of WORD_GROUPS projected on the first two principal
    components of their (centred) vectors, coloured by group. None when fewer than three
    of those words are in the vocabulary (a small corpus of your own)."""
    words = next(iter(results.values()))[0]
    if sum(word in set(words) for members in WORD_GROUPS.values() for word in members) < 3:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5.0 * len(results), 4.8), dpi=90)
    FigureCanvasAgg(figure)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    for panel, (name, (words, vectors)) in enumerate(results.items(), start=1):
        axes = figure.add_subplot(1, len(results), panel)
        index = {word: row for row, word in enumerate(words)}
        chosen = [(g, w) for g, members in WORD_GROUPS.items() for w in members if w in index]
        if len(chosen) < 3:
            continue
        points = w2v.unit_rows(vectors[[index[w] for _, w in chosen]].astype(np.float64))
        points = points - points.mean(axis=0)  # (n, D), centred
        _, _, components = np.linalg.svd(points, full_matrices=False)
        xy = points @ components[:2].T  # (n, D) @ (D, 2): the first two principal components
        for colour, group in zip(colours, WORD_GROUPS):
            rows = [k for k, (g, _) in enumerate(chosen) if g == group]
            if not rows:
                continue
            axes.scatter(xy[rows, 0], xy[rows, 1], s=14, color=colour, label=group)
            for k in rows:
                axes.annotate(
                    chosen[k][1],
                    xy[k],
                    fontsize=8,
                    color=colour,
                    xytext=(3, 2),
                    textcoords="offset points",
                )
        axes.set_title(f"{name}: 2-D PCA of the word vectors", fontsize=10)
        axes.set_xticks([])
        axes.set_yticks([])
    handles, labels = figure.axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    figure.tight_layout(rect=(0, 0.06, 1, 1))  # leave room for the legend
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        figure.savefig(file, format=path.suffix.lstrip("."))
    return path


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    tg.set_default_dtype(np.float32)  # float32 halves the memory traffic; gradchecks use float64
    tg.set_source_tracking(False)  # nobody reads node.source during training: save the time
    path = data.resolve_data_path("tinyshakespeare.txt", args.data)
    text = data.load_text(path)
    if args.limit is not None:
        text = text[: args.limit]
    vocab, ids, counts = w2v.build_corpus(text, min_count=args.min_count)
    keep = w2v.keep_probabilities(counts, args.subsample)
    args.noise = w2v.noise_distribution(counts)
    print(
        f"{path}: {len(ids)} words of {len(vocab) - 1} kinds seen at least {args.min_count} "
        f"times; subsampling keeps about {np.sum(keep[ids]) / len(ids):.0%} of them per epoch"
    )
    print(
        f"D={args.dim}, window {args.window}, K={args.negatives} noise words; "
        f"{args.steps} Adam steps (lr {args.lr}) per model, batches of {args.batch_size} "
        f"pairs (skip-gram) and {args.cbow_batch_size} windows (CBOW)"
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    words = vocab.itos[1:]  # without <pad>
    results = {}
    summary = []
    rng = np.random.default_rng(args.seed)
    for name in args.models:
        model, seconds, first, last = train(name, len(vocab), ids, keep, args)
        vectors = model.word_vectors()[1:]  # (V-1, D): row k is words[k]
        path_written = w2v.save_word_vectors(out / f"{name}_vectors.npz", words, vectors)
        results[name] = (words, vectors)
        groups, random_level = group_similarity(vectors, words, rng)
        summary.append((name, seconds, first, last, groups, random_level))
        print(
            f"{name}: loss {first:.3f} -> {last:.3f} in {seconds:.1f} s; "
            f"wrote {path_written} ({vectors.shape[0]} words x {vectors.shape[1]})"
        )
    print_neighbours(results, args.words, args.neighbours)

    print("\nmean cosine similarity within groups of related words (random pairs for scale):")
    header = "  " + f"{'group':12}" + "".join(f"{name:>12}" for name, *_ in summary)
    print(header)
    for group in WORD_GROUPS:
        cells = []
        for *_, groups, _ in summary:
            cells.append(f"{groups[group][0]:12.2f}" if group in groups else f"{'-':>12}")
        print(f"  {group:12}" + "".join(cells))
    print(f"  {'random pairs':12}" + "".join(f"{item[-1]:12.2f}" for item in summary))
    try:
        picture = plot_groups(results, out / "word2vec_groups.png")
        if picture is not None:
            print(f"picture: {picture}")
            lesson_kit.show_picture(picture)
    except ImportError:
        print("(no picture: matplotlib is not installed; pip install matplotlib)")
    for name, seconds, _, last, groups, random_level in summary:
        within = [value for value, _ in groups.values()]
        above = sum(value > random_level for value in within)
        print(
            f"{name}: {above} of {len(within)} word groups closer than random pairs; "
            f"loss {last:.3f}; {seconds:.1f} s"
        )
        lesson_kit.report(f"{name}: word groups closer than random pairs (of {len(within)})", above)
        lesson_kit.report(f"{name}: final loss", last, fmt=".3f")
    print(
        f"(noisy at this scale: {len(ids):,} words and {args.steps} steps per model. Frequent "
        "words get sensible company, rare words much less so; read the neighbours above "
        "with that in mind.)"
    )


# %%
if __name__ == "__main__":
    try:
        main()
    except data.DataError as error:  # a missing or malformed file: one line, no traceback
        raise SystemExit(f"error: {error}") from None
