# %% [markdown]
"""Lesson 13: image captioning - a CNN looks at the picture, an LSTM writes the sentence.

    picture (3, 32, 32)  ->  "a small red circle left of a large blue square"

The pictures come from a generated world (tinygrad_rnn.data.picture_world): one or two
coloured shapes on black (--max-objects 3 for up to three), captioned left to right by a
small grammar. A CNN
(two 3x3 convolutions with ReLU and 2x2 max pooling, tinygrad_rnn/vision/cnn.py) turns
a picture into a grid of 8x8 region vectors; two decoders write the caption word by
word (tinygrad_rnn/vision/captioning.py):

- Show and Tell (Vinyals et al. 2015): the grid is pooled and squeezed into one vector
  v, which sets the LSTM's initial state, h_0 = tanh(W_h v + b_h), c_0 = W_c v + b_c.
  After that the decoder sees only words: everything about the picture must travel
  in (h, c) through all the steps.
- Show, Attend and Tell (Xu et al. 2015): at every word the decoder looks at the grid
  again. Additive attention scores each region a_i against the previous state,
  e_ti = vᵀ tanh(W1 h_{t-1} + W2 a_i), α_t = softmax(e_t), and the context
  z_t = Σ α_ti a_i joins the word's embedding at the LSTM's input (and the output layer
  reads [h_t; z_t]). Each region vector carries its column and row, or attention could
  not tell which object is the leftmost.

Both train by teacher forcing (the true previous word is the input, cross-entropy of
the next word) with Adam, and decode greedily and by beam search on pictures they never
saw. The scores: exact captions (every word right) and corpus BLEU-4 (vision/bleu.py).
The picture lesson13-out/captions.png shows test pictures with both captions and, for
the attention model, where it looked while writing each word.

    python examples/13_image_captioning.py                       # 2-3 minutes on a laptop CPU
    python examples/13_image_captioning.py --steps 20 --train 200 --test 20   # seconds
"""

# %%
import os

# Small matrices (batch 32 x 64 units): OpenBLAS's threads cost more than they save, and
# on a busy machine they make each matmul much slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import data, lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn.data import SEQ2SEQ_SPECIALS, WordVocab  # noqa: E402
from tinygrad_rnn.vision import ShowAndTell, ShowAttendTell, corpus_bleu, encode_captions  # noqa: E402

COLOURS = ("red", "green", "blue", "yellow", "magenta", "cyan", "white")
SHAPES = ("circle", "square", "triangle", "diamond")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=3000, help="training pictures")
    parser.add_argument("--test", type=int, default=300, help="held-out pictures")
    parser.add_argument("--max-objects", type=int, default=2, help="objects per picture, 1..N")
    parser.add_argument("--colours", type=int, default=4, help=f"the first N of {COLOURS}")
    parser.add_argument("--shapes", type=int, default=3, help=f"the first N of {SHAPES}")
    parser.add_argument("--steps", type=int, default=1500, help="training steps per model")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embedding", type=int, default=32, help="word embedding size E")
    parser.add_argument("--hidden", type=int, default=64, help="LSTM hidden size H")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--beam", type=int, default=3, help="beam size (1: skip beam search)")
    parser.add_argument(
        "--beam-pictures", type=int, default=100, help="held-out pictures decoded by beam search"
    )
    parser.add_argument("--examples", type=int, default=4, help="captions printed and drawn")
    parser.add_argument("--out", default="./lesson13-out", help="folder for the pictures")
    parser.add_argument(
        "--no-graph", action="store_true", help="skip the picture of the attention model's graph"
    )
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser, argv)


# %% [markdown]
# ## The picture world and the caption vocabulary
#
# The training and the held-out pictures come from two worlds with different seeds: the
# test pictures are new scenes, though every word of their captions was seen in training.


# %%
def make_worlds(args):
    """(train world, test world, vocabulary of the training captions + the specials)."""
    settings = dict(
        max_objects=args.max_objects,
        colours=COLOURS[: args.colours],
        shapes=SHAPES[: args.shapes],
    )
    train_world = data.picture_world(args.train, seed=args.seed, **settings)
    test_world = data.picture_world(args.test, seed=args.seed + 1000, **settings)
    words = [caption.split() for caption in train_world.captions]
    vocab = WordVocab.build(words, specials=SEQ2SEQ_SPECIALS)  # <pad> <unk> <bos> <eos> ...
    return train_world, test_world, vocab


# %% [markdown]
# ## Training: teacher forcing with Adam


# %%
def train(model, world, vocab, args, name: str) -> float:
    """`args.steps` Adam steps on random batches of training pictures; returns seconds."""
    tgt_in, tgt_out = encode_captions(world.captions, vocab)  # (N, T) each
    lengths = (tgt_out != vocab.pad_index).sum(axis=1)  # words + <eos>
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    progress = tqdm(range(1, args.steps + 1), desc=name)
    for step in progress:
        rows = rng.choice(len(world), size=min(args.batch_size, len(world)), replace=False)
        width = int(lengths[rows].max())  # cut the padding this batch does not need
        loss = model.loss(
            world.images[rows], tgt_in[rows, :width], tgt_out[rows, :width], vocab.pad_index
        )
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % 10 == 0 or step == args.steps:
            progress.set_postfix(loss=f"{loss.item():.3f}")
    progress.close()
    return time.perf_counter() - started


# %% [markdown]
# ## Held-out scores: exact captions and BLEU-4, greedy and beam search


# %%
def decode(model, images, vocab, max_len: int, beam: int = 1):
    """The captions of `images` (greedy if beam == 1) and the decoder's output."""
    bos, eos, pad = vocab.bos_index, vocab.eos_index, vocab.pad_index
    if beam == 1:
        decoded = model.greedy_decode(images, max_len, bos, eos, pad)
    else:
        decoded = model.beam_search(images, beam, max_len, bos, eos, pad)
    captions = [vocab.decode(tokens, until_eos=True) for tokens in decoded.tokens]
    return captions, decoded


def scores(captions: list[str], references: list[str]) -> tuple[float, float]:
    """(fraction of exactly right captions, corpus BLEU-4 against the true captions)."""
    exact = np.mean([caption == reference for caption, reference in zip(captions, references)])
    bleu = corpus_bleu([[reference] for reference in references], captions)
    return float(exact), bleu


def evaluate(model, world, vocab, args, name: str) -> dict:
    """Greedy decoding on every held-out picture, beam search on the first few."""
    max_len = max(len(caption.split()) for caption in world.captions) + 3  # room to ramble
    greedy, _ = decode(model, world.images, vocab, max_len)
    result = {"greedy": scores(greedy, world.captions), "captions": greedy}
    print(f"{name}, greedy: exact {result['greedy'][0]:.1%}, BLEU-4 {result['greedy'][1]:.3f}")
    if args.beam > 1:
        count = min(args.beam_pictures, len(world))
        beamed, _ = decode(model, world.images[:count], vocab, max_len, args.beam)
        result["beam"] = scores(beamed, world.captions[:count])
        greedy_there = scores(greedy[:count], world.captions[:count])
        exact, bleu = result["beam"]
        print(
            f"{name}, beam {args.beam}: exact {exact:.1%}, BLEU-4 {bleu:.3f} on the first "
            f"{count} pictures (greedy there: {greedy_there[0]:.1%}, {greedy_there[1]:.3f})"
        )
    return result


# %% [markdown]
# ## The picture: captions and where the attention model looked


# %%
def draw_captions(models, world, vocab, indices, path: Path) -> Path:
    """One row per picture: the picture with both captions, then one small map per word
    of the attention model's caption: the picture dimmed, the weights α_t over the 8x8
    regions laid over it (bright = looked at)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tell, attend = models
    images = world.images[indices]
    max_len = max(len(caption.split()) for caption in world.captions) + 3
    told, _ = decode(tell, images, vocab, max_len)
    attended, decoded = decode(attend, images, vocab, max_len)
    columns = 1 + int(decoded.lengths.max())
    figure, axes = plt.subplots(
        len(indices), columns, figsize=(1.2 * columns, 2.0 * len(indices)), squeeze=False
    )
    for row, index in enumerate(indices):
        picture = images[row].transpose(1, 2, 0)  # (S, S, 3) for imshow
        draw_picture(axes[row, 0], picture, world.captions[index], told[row], attended[row])
        words = [vocab.itos[token] for token in decoded.tokens[row, : decoded.lengths[row]]]
        for column in range(1, columns):
            axis = axes[row, column]
            axis.axis("off")
            if column <= len(words):
                weights = decoded.attention[row, column - 1]  # (L,) over the regions
                draw_attention(axis, picture, weights, words[column - 1])
    figure.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.08, hspace=0.7, wspace=0.1)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def draw_picture(axis, picture, truth: str, told: str, attended: str) -> None:
    axis.imshow(picture, interpolation="nearest")
    axis.set_xticks([])
    axis.set_yticks([])
    text = f"true:   {truth}\ntell:   {told}\nattend: {attended}"
    axis.text(
        0.0,
        -0.06,
        text,
        transform=axis.transAxes,
        va="top",
        fontsize=7,
        family="monospace",
        in_layout=False,
    )  # under the picture and the first maps; not counted when the grid is laid out


def draw_attention(axis, picture, weights, word: str) -> None:
    """The picture half dark, the region weights (h·w,) upsampled over it in white
    (scaled so the most looked-at region is brightest)."""
    side = int(round(np.sqrt(weights.size)))  # the grid is h = w
    grid = weights.reshape(side, side)
    scale = picture.shape[0] // side
    mask = np.kron(grid / grid.max(), np.ones((scale, scale)))  # (S, S) in [0, 1]
    shown = np.clip(0.5 * picture + 0.7 * mask[:, :, None], 0.0, 1.0)
    axis.imshow(shown, interpolation="nearest")
    axis.set_title(word, fontsize=8)


# %% [markdown]
# ## The graph: CNN, then one LSTM step per word
#
# The teacher-forced loss of one held-out picture with a one-object caption, drawn at
# detail="cells": the CNN's layers, then per word the attention (reading every region)
# and the LSTM cell, then the loss.


# %%
def draw_graph(model, world, vocab, path: Path) -> Path:
    """The attention model's graph for the shortest held-out caption, at detail=cells."""
    import viz

    index = min(range(len(world)), key=lambda i: len(world.captions[i].split()))
    tgt_in, tgt_out = encode_captions([world.captions[index]], vocab)
    loss = model.loss(world.images[index : index + 1], tgt_in, tgt_out, vocab.pad_index)
    loss.backward()
    title = f"Show, Attend and Tell: {world.captions[index]!r}"
    return viz.render(loss, path, detail="cells", title=title)


# %% [markdown]
# ## Run the lesson


# %%
def build_models(vocab, args):
    """Show and Tell and Show, Attend and Tell, from the same seed."""
    tg.manual_seed(args.seed)
    tell = ShowAndTell(len(vocab), args.embedding, args.hidden)
    tg.manual_seed(args.seed)
    attend = ShowAttendTell(len(vocab), args.embedding, args.hidden)
    return tell, attend


def pick_examples(world, count: int) -> list[int]:
    """`count` held-out pictures, half of them (rounded up) with more than one object."""
    several = [i for i, caption in enumerate(world.captions) if " left of " in caption]
    picks = several[: (count + 1) // 2]
    picks += [i for i in range(len(world)) if i not in picks][: count - len(picks)]
    return sorted(picks)


def print_examples(world, results: dict, indices: list[int]) -> None:
    for index in indices:
        print(f"  true:   {world.captions[index]}")
        for name, result in results.items():
            caption = result["captions"][index]
            mark = "ok" if caption == world.captions[index] else "wrong"
            print(f"  {name:6}  {caption}  ({mark})")


def report(results: dict, seconds: dict) -> None:
    """The figures `make lessons` collects; the README shows both models' exact captions
    and the attention model's BLEU-4."""
    for name, result in results.items():
        exact, bleu = result["greedy"]
        lesson_kit.report(f"{name}: exact captions (greedy)", 100 * exact, "%", fmt=".1f")
        lesson_kit.report(f"{name}: BLEU-4 (greedy)", bleu, fmt=".3f", readme=name == "attend")
        if "beam" in result:
            exact, bleu = result["beam"]
            lesson_kit.report(
                f"{name}: exact captions (beam, first pictures)",
                100 * exact,
                "%",
                fmt=".1f",
                readme=False,
            )
            lesson_kit.report(f"{name}: BLEU-4 (beam)", bleu, fmt=".3f", readme=False)
        lesson_kit.report(f"{name}: training time", seconds[name], "s", fmt=".0f", readme=False)


def main() -> None:
    args = parse_args()
    tg.set_default_dtype(np.float32)  # float32 halves the memory traffic; tests use float64
    tg.set_source_tracking(False)  # nobody reads node.source during training: save the time
    train_world, test_world, vocab = make_worlds(args)
    print(
        f"picture world: {args.train} training / {args.test} held-out pictures of 1-"
        f"{args.max_objects} objects, {args.colours} colours, {args.shapes} shapes, 2 sizes; "
        f"{len(vocab)} words with the specials"
    )
    print(f"  e.g. {test_world.captions[0]!r}")
    tell, attend = build_models(vocab, args)
    results, seconds = {}, {}
    for name, model in (("tell", tell), ("attend", attend)):
        seconds[name] = train(model, train_world, vocab, args, name)
        results[name] = evaluate(model, test_world, vocab, args, name)
    indices = pick_examples(test_world, min(args.examples, len(test_world)))
    print("examples (held out):")
    print_examples(test_world, results, indices)
    report(results, seconds)
    if args.examples > 0:
        out = lesson_kit.output_dir(args.out)
        path = draw_captions((tell, attend), test_world, vocab, indices, out / "captions.png")
        lesson_kit.show_picture(path)
        print(f"picture: {path}")
    if not args.no_graph:
        tg.set_source_tracking(True)  # the graph's boxes name the lines that made them
        graph = draw_graph(attend, test_world, vocab, lesson_kit.output_dir(args.out) / "graph.svg")
        lesson_kit.show_picture(graph)
        print(f"graph: {graph}")
    print("\nmodel                     exact (greedy)   BLEU-4   training time")
    for name, title in (("tell", "Show and Tell"), ("attend", "Show, Attend and Tell")):
        exact, bleu = results[name]["greedy"]
        print(f"{title:24}  {exact:14.1%}   {bleu:6.3f}   {seconds[name]:10.1f} s")


# %%
if __name__ == "__main__":
    main()
