# %% [markdown]
"""Lesson 12 - n-gram language models: counting, smoothing and back-off, against the RNNs.

Before neural language models there were counts. A language model gives a sentence the
probability  P(w_1 .. w_T) = Π_t P(w_t | w_1 .. w_{t-1}),  and an n-gram model keeps only
the last n-1 tokens of the history:  P(w_t | h),  h = w_{t-n+1} .. w_{t-1},  estimated from
counts c(h, w) (tinygrad_rnn/ngram.py has every formula). This lesson asks what the RNNs
of lesson 5 buy over counting.

1. Sparsity, at word level on Tiny Shakespeare: a maximum-likelihood (MLE) trigram gives a
   plausible sentence it never saw probability 0 (infinite perplexity) - one unseen trigram
   is enough. Each smoothing gives it a finite probability (a table).
2. Characters, on exactly lesson 5's split (charlm.prepare_corpus with the default config:
   the first 90 % of the text trains, the last 10 % validates). The n-gram models are fit
   on the training characters as ONE long sequence (one "<s>"-padding in front, one "</s>"
   at the end - lines are not sentences here, "\\n" is a character like any other) and
   scored on the validation characters, also as one sequence. Validation nats/char for
   n = 1..8 with each smoothing: a table and a plot (ngram_orders.png). Each smoothing is
   counted once, at n = 8 (its tables hold every lower order's counts); the models of
   n = 1..7 are `lm.truncated(n)`, which share those tables.
3. Lesson 5's LSTM (Embedding 128 -> LSTM 128 -> Linear, B = 32, T = 40, Adam 3e-3, clip 5,
   1000 steps), and an RNN and a GRU of the same sizes trained the same way (same batches,
   same steps, same seed), scored with lesson 5's `charlm.evaluate`.
4. Samples from the best n-gram model next to samples from the LSTM, at the same
   temperature τ. For the LSTM  p ∝ exp(o/τ)  (lesson 5); for the n-gram  p ∝ P(w|h)^(1/τ),
   which is the same rule, since log P plays the role of the scores o.

What is and is not identical in the nats/char comparison:
- identical: the split, the characters scored (the validation text), the unit (the mean of
  -ln p(next character), in nats), and that every model gives a full distribution over
  the characters at every step;
- not identical: the LSTM's `evaluate` cuts the validation text into 32 contiguous
  streams, so the first character of each stream (32 of ~111 500) is not scored and each
  character sees only its own stream's past (hundreds of characters back); the n-gram
  model sees the last n-1 characters, predicts the first validation character from "<s>"
  padding, and also predicts the closing "</s>" (one extra prediction). The models'
  vocabularies differ by their special tokens (the LSTM's <pad>/<unk>, the n-gram's
  </s>/<unk>); a validation character never seen in training is "<unk>" to the n-gram.
  These differences move the averages by far less than the digits printed.
- mle is left out of the character table by default (it gives inf as soon as one
  validation n-gram is unseen, which part 1 shows; add it with --smoothings mle) and so is
  lidstone (laplace with γ = 0.5 in place of 1; --smoothings lidstone). Stupid back-off
  gives scores, not probabilities (they do not sum to 1), so it has no perplexity and no
  nats/char: it appears only in part 1, with its score.

    python examples/12_ngram_lm.py                 # a few minutes on 2 cores
    python examples/12_ngram_lm.py --orders 6 --steps 300 --smoothings kneser-ney
    python examples/12_ngram_lm.py --data my_text.txt --sentence "a sentence of yours"

Read next: tinygrad_rnn/ngram.py (the counts and every smoothing), then
examples/05_char_lstm.py if you have not run it.
"""

# %%
import os

# The matrices here are small (32 x 128): OpenBLAS's threads cost more than they save, and
# on a busy machine they make each matmul much slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import charlm, data, lesson_kit, nn  # noqa: E402
from tinygrad_rnn.files import atomic_write, write_text_atomic  # noqa: E402
from tinygrad_rnn.ngram import BOS, EOS, SMOOTHINGS, UNK, NGramLM, UnseenContextError, pad  # noqa: E402

SENTENCE = "I have read this letter seven times."
CHAR_SMOOTHINGS = ("laplace", "witten-bell", "kneser-ney", "katz")  # the default sweep
CELLS = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="a UTF-8 text file, plain or .gz (default: the packaged Tiny Shakespeare)"
    )
    parser.add_argument("--out", default="./lesson12-out", help="folder for the plot and samples")
    parser.add_argument("--seed", type=int, default=0, help="the RNNs' init, batches, samples")
    parser.add_argument("--sentence", default=SENTENCE, help="the word-level sparsity example")
    parser.add_argument("--orders", type=int, default=8, help="character n-grams n = 1..N (8)")
    parser.add_argument(
        "--smoothings",
        nargs="+",
        default=list(CHAR_SMOOTHINGS),
        choices=[s for s in SMOOTHINGS if s != "stupid-backoff"],
        help="smoothings of the character table (laplace witten-bell kneser-ney katz)",
    )
    parser.add_argument("--steps", type=int, default=1000, help="training steps per RNN (1000)")
    parser.add_argument(
        "--models", nargs="+", choices=list(CELLS), default=list(CELLS), help="RNNs to train"
    )
    parser.add_argument("--max-chars", type=int, help="use only the first N characters (tests)")
    parser.add_argument("--temperature", type=float, default=0.5, help="sampling temperature τ")
    parser.add_argument("--sample-length", type=int, default=300, help="characters per sample")
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## 1. Sparsity: a trigram that never saw the sentence


# %%
def sentence_logprob(lm: NGramLM, words: list) -> float:
    """ln P(sentence) = Σ_t ln P(w_t | h_t) over the padded sentence, "</s>" included
    (-inf as soon as one factor is 0; an unseen MLE context counts as 0 here)."""
    padded = pad(words, lm.order)
    total = 0.0
    for t in range(lm.order - 1, len(padded)):
        try:
            total += lm.logprob(padded[t], padded[:t])
        except UnseenContextError:
            return -math.inf
    return total


def show_mle_factors(lm: NGramLM, words: list) -> None:
    """The product of conditionals, factor by factor, for the MLE trigram."""
    padded = pad(words, lm.order)
    print(f"\n{'P(w | h)':>10}  h -> w   (MLE: c(h, w) / c(h))")
    for t in range(lm.order - 1, len(padded)):
        h = padded[t - lm.order + 1 : t]
        try:
            p = lm.prob(padded[t], h)
            p = f"{p:10.4f}" if p > 0 else f"{'0':>10}"  # c(h, w) = 0: exactly 0
        except UnseenContextError:
            p = f"{'0/0':>10}"  # c(h) = 0: the context itself was never seen
        print(f"{p}  {' '.join(h)} -> {padded[t]}")


def sparsity(text: str, sentence: str) -> dict:
    """Word trigrams of every smoothing fit on the text's lines; the sentence under each.
    Returns {smoothing: (ln P(sentence), perplexity or None for stupid-backoff)}."""
    lines = [data.tokenize_words(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    words = data.tokenize_words(sentence)
    table = {}
    for smoothing in tqdm(SMOOTHINGS, desc="word trigrams", leave=False):
        lm = NGramLM(3, smoothing).fit(lines)
        logp = sentence_logprob(lm, words)
        if smoothing == "mle":
            print(f"word trigrams fit on {len(lines):,} lines, V = {lm.V:,} words")
            unknown = [w for w in words if w not in lm.vocab]
            print(
                f"sentence: {words}" + (f"  (not in the vocabulary: {unknown})" if unknown else "")
            )
            show_mle_factors(lm, words)
        perplexity = None if smoothing == "stupid-backoff" else math.exp(-logp / (len(words) + 1))
        table[smoothing] = (logp, perplexity)
    return table


def print_sparsity(table: dict) -> None:
    print(f"\n{'smoothing':15} {'ln P(sentence)':>15} {'P(sentence)':>12} {'perplexity':>11}")
    for smoothing, (logp, perplexity) in table.items():
        shown = "no (scores)" if perplexity is None else f"{perplexity:.1f}"
        print(f"{smoothing:15} {logp:15.2f} {math.exp(logp):12.3g} {shown:>11}")
    if table["mle"][0] == -math.inf:
        print(
            "MLE: a factor is 0 (an unseen trigram, or a context never seen: 0/0), so the "
            "product is 0 and the perplexity inf - the sparsity problem; every smoothing "
            "keeps some probability for what was never counted."
        )
    else:
        print("MLE: every trigram of this sentence was seen, so no factor is 0.")
    print("Stupid back-off's numbers are scores (they do not sum to 1): no perplexity.")


# %% [markdown]
# ## 2. Characters: validation nats/char for n = 1..8


# %%
def nats_per_char(lm: NGramLM, text: str, desc: str) -> float:
    """mean over the padded text of -ln P(c_t | the n-1 characters before), "</s>" included:
    ln(lm.perplexity([text])). The same sum in another order, faster: each distinct n-gram
    of the text is scored once and counted as often as it occurs."""
    n = lm.order
    padded = pad(text, n)
    ngrams = Counter(zip(*(padded[i:] for i in range(n))))  # every n-gram, as in fit
    total = 0.0
    for ngram, count in tqdm(ngrams.items(), desc=desc, leave=False, mininterval=0.5):
        try:
            logp = lm.logprob(ngram[-1], ngram[:-1])
        except UnseenContextError:  # mle: c(h) = 0
            return math.inf
        if logp == -math.inf:
            return math.inf
        total -= count * logp
    return total / (len(padded) - n + 1)


def sweep_orders(train: str, val: str, args: argparse.Namespace) -> tuple[dict, dict]:
    """{smoothing: [nats/char for n = 1..N]}, and the best model found (for sampling).
    Each smoothing is fit once, at n = N: its tables already hold every lower order's
    counts, and `truncated(n)` is the order-n model made from them (the same numbers as
    NGramLM(n, smoothing).fit([train]), without counting again)."""
    results = {smoothing: [] for smoothing in args.smoothings}
    best = {"nats": math.inf, "lm": None}
    progress = tqdm(total=len(args.smoothings) * args.orders, desc="char n-grams", unit="model")
    for smoothing in args.smoothings:
        progress.set_postfix(model=f"{smoothing}: counting n = 1..{args.orders}", refresh=True)
        top = NGramLM(args.orders, smoothing).fit([train])  # the counts of every order
        for n in range(1, args.orders + 1):
            progress.set_postfix(model=f"{smoothing} n={n}", refresh=True)
            lm = top.truncated(n)
            nats = nats_per_char(lm, val, f"{smoothing} n={n}")
            results[smoothing].append(nats)
            if nats < best["nats"]:
                best = {"nats": nats, "lm": lm}
            progress.update()
    progress.close()
    return results, best


def print_orders(results: dict, rnns: dict) -> None:
    orders = len(next(iter(results.values())))
    print("\nvalidation nats/char (lower is better)")
    print(f"{'n':>3} " + " ".join(f"{s:>12}" for s in results))
    for k in range(orders):
        print(f"{k + 1:3d} " + " ".join(f"{results[s][k]:12.4f}" for s in results))
    for kind, nats in rnns.items():
        print(f"{kind:>4} {nats:12.4f}   ({kind}, same validation text)")


def describe_orders(results: dict, rnns: dict) -> None:
    """What this run shows: each smoothing's best n and how much it loses by n = N."""
    orders = len(next(iter(results.values())))
    print(f"\nwhat this run shows (n = 1..{orders}):")
    losses = {}
    for smoothing, values in results.items():
        best = int(np.argmin(values))
        losses[smoothing] = values[-1] - values[best]
        print(
            f"- {smoothing}: best at n = {best + 1} ({values[best]:.4f}); at n = {orders}: "
            f"{values[-1]:.4f} ({losses[smoothing]:+.4f} from its best)"
        )
    least = min(losses, key=losses.get)
    print(f"- the smallest loss from its best to n = {orders}: {least} ({losses[least]:+.4f})")
    smoothing, k = best_of(results)
    for kind, nats in rnns.items():
        verdict = "better" if results[smoothing][k] < nats else "worse"
        print(
            f"- the best n-gram ({smoothing}, n = {k + 1}: {results[smoothing][k]:.4f}) is "
            f"{verdict} than the {kind} ({nats:.4f})"
        )


def best_of(results: dict) -> tuple[str, int]:
    """(smoothing, index of n) of the lowest finite nats/char."""
    pairs = [(v, s, k) for s, values in results.items() for k, v in enumerate(values)]
    _, smoothing, k = min(pairs)
    return smoothing, k


# %% [markdown]
# ## 3. Lesson 5's LSTM, and an RNN and a GRU of the same size trained the same way


# %%
class CharRNN(nn.Module):
    """Lesson 5's CharLM with its LSTM swapped for an RNN (tanh) or a GRU:
    x (B, T) -> Embedding (B, T, E) -> RNN/GRU (B, T, H) -> Linear (B, T, V).
    forward(x, state=None) -> (scores (B, T, V), h_n (1, B, H))."""

    def __init__(self, cell: str, vocab_size: int, embedding_dim: int, hidden_size: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        h, state = self.rnn(self.embedding(x), state)
        return self.fc(h), state


def new_run(kind: str, corpus: charlm.Corpus, config: charlm.CharLMConfig) -> charlm.CharLMRun:
    """The LSTM is lesson 5's run (charlm.new_run); the others are built the same way:
    tg.manual_seed(config.seed), float32, Adam(lr)."""
    if kind == "LSTM":
        return charlm.new_run(corpus.vocab, config, corpus.fingerprint)
    tg.manual_seed(config.seed)
    with charlm.default_dtype(np.float32):
        model = CharRNN(kind, len(corpus.vocab), config.embedding_dim, config.hidden_size)
    optimizer = charlm.build_optimizer(model, config)
    return charlm.CharLMRun(model, optimizer, corpus.vocab, config, 0, corpus.fingerprint)


def train_rnns(corpus: charlm.Corpus, config: charlm.CharLMConfig, args) -> dict:
    """Each model: charlm.train (the batches of lesson 5: seeded by (seed, step)), then
    charlm.evaluate on the validation ids. Returns {kind: (run, nats/char, seconds)}."""
    trained = {}
    for kind in args.models:
        run = new_run(kind, corpus, config)
        started = time.perf_counter()
        bar = tqdm(charlm.train(run, corpus.train, args.steps), total=args.steps, desc=kind)
        for _, loss in bar:
            bar.set_postfix(batch_J=f"{loss:.3f}", refresh=False)
        bar.close()
        seconds = time.perf_counter() - started
        nats = charlm.evaluate(run.model, corpus.val, config.batch_size)
        parameters = sum(p.data.size for p in run.model.parameters())
        print(
            f"{kind}: {parameters:,} parameters, {seconds:.0f} s, validation {nats:.4f} nats/char"
        )
        trained[kind] = (run, nats, seconds)
    return trained


# %% [markdown]
# ## 4. Samples at the same temperature, and the plot


# %%
def sample_ngram(lm: NGramLM, length: int, temperature: float, prime: str, rng) -> str:
    """`length` characters, each drawn from p ∝ P(c | h)^(1/τ), computed as exp(ln P / τ);
    "</s>" and "<unk>" are never drawn (as lesson 5's sample never draws <pad>, <unk>)."""
    allowed = np.array([token not in (BOS, EOS, UNK) for token in lm.vocab])
    history = list(prime)
    drawn = []
    for _ in range(length):
        p = np.where(allowed, lm.distribution(history), 0.0)
        with np.errstate(divide="ignore"):
            z = np.log(p) / temperature  # -inf where p = 0
        z = z - z.max()
        weights = np.exp(z)
        token = lm.vocab[rng.choice(len(p), p=weights / weights.sum())]
        drawn.append(token)
        history.append(token)
    return "".join(drawn)


def plot(results: dict, rnns: dict, path: Path) -> Path:
    """Validation nats/char against n, one line per smoothing, the RNNs as horizontal lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 4.5), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for smoothing, values in results.items():
        finite = [(k + 1, v) for k, v in enumerate(values) if math.isfinite(v)]
        if finite:
            axes.plot(*zip(*finite), "o-", markersize=4, label=smoothing)
    styles = {"LSTM": "-", "GRU": "--", "RNN": ":"}
    for kind, nats in rnns.items():
        axes.axhline(nats, color="black", linestyle=styles[kind], linewidth=1, label=kind)
    axes.set_xlabel("n (the model reads the last n-1 characters)")
    axes.set_ylabel("validation nats/char")
    axes.set_title("character n-grams against the RNNs (lesson 5's split)", fontsize=11)
    axes.grid(True, alpha=0.3)
    axes.legend(frameon=False, fontsize=9)
    figure.tight_layout()
    with atomic_write(path) as file:  # temporary file + rename (tinygrad_rnn/files.py)
        figure.savefig(file, format="png")
    return path


# %% [markdown]
# ## Run the lesson


# %%
def report_figures(results: dict, trained: dict, seconds: dict, sparse: dict) -> None:
    """Headline figures to the README; the rest only to docs/results.md (readme=False)."""
    for smoothing, values in results.items():
        k = int(np.argmin(values))
        lesson_kit.report(f"best {smoothing} n-gram", values[k], "nats/char", fmt=".3f")
        lesson_kit.report(f"best {smoothing} n-gram: n", k + 1, readme=False)
    for kind, (run, nats, _) in trained.items():
        lesson_kit.report(f"{kind} after {run.step} steps", nats, "nats/char", fmt=".3f")
    lesson_kit.report("n-gram counting and scoring", seconds["ngrams"], "s", fmt=".0f")
    lesson_kit.report("training the RNNs", seconds["rnns"], "s", fmt=".0f")
    for smoothing, values in results.items():
        for k, value in enumerate(values):
            name = f"{smoothing}, n = {k + 1}"
            lesson_kit.report(name, value, "nats/char", fmt=".4f", readme=False)
    for smoothing, (_, perplexity) in sparse.items():
        if perplexity is not None and math.isfinite(perplexity):
            name = f"word trigram, {smoothing}: perplexity of the sentence"
            lesson_kit.report(name, perplexity, fmt=".1f", readme=False)


def main() -> None:
    args = parse_args()
    if args.orders < 1 or args.steps < 1 or args.temperature <= 0:
        raise SystemExit("--orders and --steps must be at least 1, --temperature above 0")
    path = data.resolve_data_path("tinyshakespeare.txt", args.data)
    text = data.load_text(path)[: args.max_chars]
    out = lesson_kit.output_dir(args.out)
    print(f"text: {path}, {len(text):,} characters")
    sparse = sparsity(text, args.sentence)
    print_sparsity(sparse)

    config = charlm.CharLMConfig(seed=args.seed)  # lesson 5's model and training
    corpus = charlm.prepare_corpus(text, config)
    train, val = corpus.vocab.decode(corpus.train), corpus.vocab.decode(corpus.val)
    unseen = sorted(set(val) - set(train))
    print(
        f"\ncharacters: train {len(train):,} / validation {len(val):,} (lesson 5's 90/10 "
        f"split); validation characters never seen in training: {unseen or 'none'}"
    )
    started = time.perf_counter()
    results, best = sweep_orders(train, val, args)
    seconds = {"ngrams": time.perf_counter() - started}
    started = time.perf_counter()
    trained = train_rnns(corpus, config, args)
    seconds["rnns"] = time.perf_counter() - started
    rnns = {kind: nats for kind, (_, nats, _) in trained.items()}
    print_orders(results, rnns)
    describe_orders(results, rnns)
    print(f"n-grams: {seconds['ngrams']:.0f} s to count and score; RNNs: {seconds['rnns']:.0f} s")
    report_figures(results, trained, seconds, sparse)
    picture = plot(results, rnns, out / "ngram_orders.png")
    print(f"plot: {picture}")
    lesson_kit.show_picture(picture)

    temperature, prime = args.temperature, "\n"
    samples = []
    if best["lm"] is not None:
        rng = np.random.default_rng(args.seed)
        drawn = sample_ngram(best["lm"], args.sample_length, temperature, prime, rng)
        samples.append(f"--- {best['lm']!r}, the best n-gram, τ = {temperature:g} ---\n{drawn}")
    if "LSTM" in trained:
        run = trained["LSTM"][0]
        drawn = charlm.sample(
            run.model, run.vocab, args.sample_length, temperature, prime, args.seed
        )
        samples.append(f"--- the LSTM after {run.step} steps, τ = {temperature:g} ---\n{drawn}")
    for sample in samples:
        print(f"\n{sample}")
    write_text_atomic(out / "samples.txt", "\n\n".join(samples) + "\n")
    print(f"\nwrote {out / 'samples.txt'}")


# %%
if __name__ == "__main__":
    try:
        main()
    except data.DataError as error:  # missing or unreadable data: one line
        raise SystemExit(f"error: {error}") from None
