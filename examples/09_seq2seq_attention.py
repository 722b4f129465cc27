# %% [markdown]
"""Lesson 9: seq2seq with attention - translate written dates into ISO dates, char by char.

    "monday, nov 23 2026"  ->  "2026-11-23"        "23.11.26"  ->  "2026-11-23"

An encoder (bidirectional GRU over the source characters) and a decoder (GRU cell) with
dot-product attention: at every output step the decoder state s_t scores every encoder
state h_i, e_i = s_t · h_i, turns the scores into weights α = softmax(e), and reads the
context a_t = Σ α_i h_i; then s̃_t = tanh(W_c [a_t; s_t] + b_c) and ŷ_t = softmax(W_y s̃_t
+ b_y). Trained with teacher forcing, Adam and gradient clipping, evaluated by greedy
decoding on held-out dates (exact match of the whole string), then trained again with
attention switched off (the plain encoder-decoder, which has to squeeze the whole source
into one vector) for comparison. It writes the attention heatmaps of a few held-out
dates to --out: to write "11" the decoder looks at "nov", to write "23" at "23".

    python examples/09_seq2seq_attention.py                   # about a minute on 2 cores
    python examples/09_seq2seq_attention.py --steps 30 --no-compare --val 100   # seconds
    python examples/09_seq2seq_attention.py --no-compare --dates "Mon 23 Nov 2026" "11/23/26"
                                             # heatmaps of your own dates (docs/images/)
"""

# %%
import os

# The matrices here are small (batch 64 x 64 units): OpenBLAS's threads cost more than they
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
from tinygrad_rnn.data import date_translation_task, pad_sequences  # noqa: E402
from viz import attention_heatmap  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="training steps (batches)")
    parser.add_argument(
        "--epochs", type=float, default=None, help="train for this many epochs instead of --steps"
    )
    parser.add_argument("--train", type=int, default=8000, help="training pairs")
    parser.add_argument(
        "--val", type=int, default=1000, help="held-out pairs for the exact-match score"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--embedding", type=int, default=16, help="embedding size E")
    parser.add_argument(
        "--hidden", type=int, default=64, help="hidden size H (H/2 per encoder direction)"
    )
    parser.add_argument("--cell", choices=("gru", "lstm", "rnn"), default="gru")
    parser.add_argument("--attention", choices=("dot", "general", "additive"), default="dot")
    parser.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--teacher-forcing", type=float, default=1.0, help="teacher forcing ratio")
    parser.add_argument("--beam", type=int, default=4, help="beam size for the beam-search check")
    parser.add_argument("--heatmaps", type=int, default=3, help="held-out dates to draw")
    parser.add_argument(
        "--dates", nargs="+", default=None, help="draw these dates instead (any of the formats)"
    )
    parser.add_argument("--out", default="./lesson09-out", help="folder for the pictures")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip the model without attention"
    )
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## Training


# %%
def sequence_loss(logits: tg.Tensor, tgt_out: np.ndarray, pad: int) -> tg.Tensor:
    """Mean cross-entropy over the real target tokens: logits (B, T, V), tgt_out (B, T)."""
    B, T, V = logits.shape
    return F.cross_entropy(logits.reshape(B * T, V), tgt_out.reshape(B * T), ignore_index=pad)


def batches(n: int, batch_size: int, steps: int, rng: np.random.Generator):
    """`steps` index arrays of `batch_size` rows, walking through shuffled epochs."""
    order = rng.permutation(n)
    position = 0
    for _ in range(steps):
        if position + batch_size > n:
            order = rng.permutation(n)
            position = 0
        yield order[position : position + batch_size]
        position += batch_size


def train(model: nn.Seq2Seq, arrays, args, steps: int, pad: int, name: str) -> float:
    """Teacher-forced training with Adam and gradient clipping; returns the seconds taken."""
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    progress = tqdm(batches(len(arrays.src), args.batch_size, steps, rng), total=steps, desc=name)
    for step, rows in enumerate(progress, start=1):
        width = int(arrays.src_lengths[rows].max())  # cut the padding this batch does not need
        out = model(
            arrays.src[rows, :width],
            arrays.src_lengths[rows],
            arrays.tgt_in[rows],
            teacher_forcing_ratio=args.teacher_forcing,
            rng=rng,
        )
        loss = sequence_loss(out.logits, arrays.tgt_out[rows], pad)
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % 10 == 0 or step == steps:
            progress.set_postfix(loss=f"{loss.item():.4f}")
    progress.close()
    return time.perf_counter() - started


# %% [markdown]
# ## Held-out exact match, greedy and beam search


# %%
def exact_match(model: nn.Seq2Seq, arrays, task, batch_size: int = 500) -> tuple[float, list[str]]:
    """Fraction of held-out dates decoded (greedy) exactly right, and the decoded strings."""
    vocab = task.tgt_vocab
    max_len = arrays.tgt_out.shape[1]  # 10 characters + <eos>
    predictions = []
    for start in range(0, len(arrays.src), batch_size):
        rows = slice(start, start + batch_size)
        decoded = model.greedy_decode(
            arrays.src[rows], arrays.src_lengths[rows], max_len, vocab.bos_index, vocab.eos_index
        )
        predictions += [vocab.decode(tokens, until_eos=True) for tokens in decoded.tokens]
    targets = [target for _, target in task.val_pairs]
    correct = sum(prediction == target for prediction, target in zip(predictions, targets))
    return correct / len(targets), predictions


def beam_agreement(model: nn.Seq2Seq, arrays, task, beam: int, count: int = 100) -> float:
    """Exact match of beam-search decoding on the first `count` held-out dates."""
    vocab = task.tgt_vocab
    count = min(count, len(arrays.src))
    decoded = model.beam_search(
        arrays.src[:count],
        arrays.src_lengths[:count],
        beam_size=beam,
        max_len=arrays.tgt_out.shape[1],
        bos=vocab.bos_index,
        eos=vocab.eos_index,
    )
    predictions = [vocab.decode(tokens, until_eos=True) for tokens in decoded.tokens]
    targets = [target for _, target in task.val_pairs[:count]]
    return sum(p == t for p, t in zip(predictions, targets)) / count


# %% [markdown]
# ## Where the decoder looks: attention heatmaps


# %%
def draw_heatmaps(model: nn.Seq2Seq, sources: list[str], task, out: Path) -> list[Path]:
    """Attention heatmaps (source characters x output characters) of `sources`, one
    picture with a heatmap per date, as .svg and .png."""
    vocab = task.tgt_vocab
    encoded = [task.src_vocab.encode(source) for source in sources]  # unknown chars: <unk>
    src, src_lengths = pad_sequences(encoded, pad_value=task.src_vocab.pad_index)
    max_len = len("2026-11-23") + 1  # ten characters and <eos>
    decoded = model.greedy_decode(src, src_lengths, max_len, vocab.bos_index, vocab.eos_index)
    weights, outputs, titles = [], [], []
    for row, source in enumerate(sources):
        length = int(decoded.lengths[row])
        outputs.append([vocab.itos[token] for token in decoded.tokens[row, :length]])
        weights.append(decoded.attention[row])
        titles.append(f"{source!r} -> {vocab.decode(decoded.tokens[row], until_eos=True)!r}")
    paths = []
    for suffix in ("svg", "png"):
        path = out / f"attention_heatmap.{suffix}"
        paths.append(attention_heatmap(weights, sources, outputs, path, titles=titles))
    lesson_kit.show_picture(paths[-1])  # the .png, inline in a notebook
    return paths


def pick_varied_formats(task, count: int) -> list[int]:
    """Indices of held-out dates written in different ways (a word month, digits ...)."""
    picks, seen = [], set()
    for index, (source, _) in enumerate(task.val_pairs):
        shape = "".join("9" if c.isdigit() else "a" if c.isalpha() else c for c in source)
        if shape not in seen:
            seen.add(shape)
            picks.append(index)
        if len(picks) == count:
            break
    return picks


# %% [markdown]
# ## The model: Seq2Seq with or without attention


# %%
def build_model(task, args, attention) -> nn.Seq2Seq:
    tg.manual_seed(args.seed)  # same initial embeddings and encoder for both models
    return nn.Seq2Seq(
        len(task.src_vocab),
        len(task.tgt_vocab),
        embedding_dim=args.embedding,
        hidden_size=args.hidden,
        cell=args.cell,
        bidirectional=True,
        attention=attention,
        pad_index=task.src_vocab.pad_index,
    )


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    tg.set_default_dtype(np.float32)  # float32 halves the memory traffic; gradchecks use float64
    tg.set_source_tracking(False)  # nobody reads node.source during training: save the time
    task = date_translation_task(n_train=args.train, n_val=args.val, seed=args.seed)
    train_arrays, val_arrays = task.arrays("train"), task.arrays("val")
    pad = task.tgt_vocab.pad_index
    steps = args.steps
    if args.epochs is not None:
        steps = max(1, round(args.epochs * args.train / args.batch_size))
    print(
        f"date translation: {args.train} training / {args.val} held-out pairs, e.g. "
        f"{task.val_pairs[0][0]!r} -> {task.val_pairs[0][1]!r}"
    )
    print(
        f"model: bidirectional {args.cell.upper()} encoder, {args.cell.upper()} decoder, "
        f"H={args.hidden}, E={args.embedding}; {steps} steps of {args.batch_size}, "
        f"Adam lr={args.lr}, clip {args.clip}, teacher forcing {args.teacher_forcing}"
    )
    results = []
    model = build_model(task, args, args.attention)
    seconds = train(model, train_arrays, args, steps, pad, f"{args.attention} attention")
    accuracy, predictions = exact_match(model, val_arrays, task)
    results.append((f"{args.attention} attention", accuracy, seconds))
    name = f"exact match, {args.attention} attention"
    lesson_kit.report(name, 100 * accuracy, "%", fmt=".1f")
    print(
        f"with {args.attention} attention: exact match {accuracy:.1%} on {args.val} held-out dates"
    )
    for (source, target), prediction in list(zip(task.val_pairs, predictions))[:5]:
        mark = "ok" if prediction == target else f"expected {target}"
        print(f"  {source!r:32} -> {prediction!r}  {mark}")
    if args.beam > 1:
        count = min(100, args.val)
        beam_accuracy = beam_agreement(model, val_arrays, task, args.beam, count)
        print(f"beam search (beam {args.beam}): exact match {beam_accuracy:.1%} on {count} dates")
        name = f"exact match, beam {args.beam} (first {count} dates)"
        lesson_kit.report(name, 100 * beam_accuracy, "%", fmt=".1f")
    if args.heatmaps > 0 or args.dates:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        sources = args.dates
        if sources is None:
            sources = [
                task.val_pairs[index][0] for index in pick_varied_formats(task, args.heatmaps)
            ]
        paths = draw_heatmaps(model, sources, task, out)
        print("attention heatmaps: " + ", ".join(str(path) for path in paths))
    if not args.no_compare:
        baseline = build_model(task, args, None)
        seconds = train(baseline, train_arrays, args, steps, pad, "no attention")
        accuracy, _ = exact_match(baseline, val_arrays, task)
        results.append(("no attention", accuracy, seconds))
        print(f"without attention: exact match {accuracy:.1%} on {args.val} held-out dates")
        lesson_kit.report("exact match, no attention", 100 * accuracy, "%", fmt=".1f")
    print("\nmodel                 exact match   training time")
    for name, accuracy, seconds in results:
        print(f"{name:20}  {accuracy:10.1%}   {seconds:10.1f} s")


# %%
if __name__ == "__main__":
    main()
