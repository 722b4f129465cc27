# %% [markdown]
"""Lesson 14: visual question answering - a CNN looks, an LSTM reads, one network answers.

Generated pictures of 1-3 coloured shapes, each with questions of five kinds:

    colour   "what colour is the circle"                      -> "red"
    shape    "what shape is the red thing"                    -> "circle"
    count    "how many things are there"                      -> "two"
    exists   "is there a blue square"                         -> "yes" / "no"
    side     "is the circle left or right of the square"      -> "left" / "right"

The model (tinygrad_rnn/vision/vqa.py; Antol et al., 2015, small):

    v = W_v CNN(image) + b_v                the picture (CNN of vision/cnn.py)
    q = tanh(W_q h_T + b_q)                 the question: LSTM over its word embeddings
    ŷ = softmax(W_a (v ⊙ q) + b_a)          fused element by element, one score per answer

Beside it the same model without the picture, ŷ = softmax(W_a q + b_a): the language
prior. It knows that a colour question wants a colour and a count question a number, but
not which: its accuracy per kind of question is what the question alone gives away, and
the gap to the full model is what the picture adds.

The word embeddings start from lesson 10's word2vec vectors when
lesson10-out/skipgram_vectors.npz is there (words it lacks, like "triangle", start
random), else all are learned; the lesson prints which. Both models train with Adam on
the same batches (a batch is P pictures and all their questions, so the CNN sees each
picture once per step) and are scored on the questions of pictures they never saw.

    python examples/14_vqa.py                          # 2-3 minutes on a laptop CPU
    python examples/14_vqa.py --steps 30 --train-images 64 --test-images 16   # seconds
    python examples/14_vqa.py --embeddings lesson10-out/skipgram_vectors.npz
"""

# %%
import os

# The matrices here are small: OpenBLAS's threads cost more than they save, and on a busy
# machine they make each matmul ~10x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import data, lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn.files import atomic_write  # noqa: E402
from tinygrad_rnn.vision import vqa  # noqa: E402
from tinygrad_rnn.word2vec import load_word_vectors  # noqa: E402

WORD2VEC_FILE = "lesson10-out/skipgram_vectors.npz"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-images", type=int, default=6000, help="training pictures")
    parser.add_argument("--test-images", type=int, default=500, help="held-out pictures")
    parser.add_argument("--questions", type=int, default=4, help="questions per picture")
    parser.add_argument("--max-objects", type=int, default=3, help="things per picture (1..)")
    parser.add_argument("--sizes", default="small,large", help="object sizes, comma-separated")
    parser.add_argument("--steps", type=int, default=4000, help="training steps per model")
    parser.add_argument("--pictures", type=int, default=16, help="pictures per batch (P)")
    parser.add_argument("--embedding", type=int, default=64, help="word embedding size E")
    parser.add_argument("--hidden", type=int, default=64, help="LSTM hidden size H")
    parser.add_argument("--fused", type=int, default=128, help="size K of v, q and v ⊙ q")
    parser.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument(
        "--embeddings",
        default=None,
        help=f"word vectors (.npz, lesson 10) to start from; default {WORD2VEC_FILE} "
        "when it exists; 'none' learns them all",
    )
    parser.add_argument("--examples", type=int, default=6, help="held-out questions to show")
    parser.add_argument("--out", default="./lesson14-out", help="folder for the pictures")
    parser.add_argument("--no-compare", action="store_true", help="skip the question-only model")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## The picture worlds, the words and the answers


# %%
def make_worlds(args):
    """A training and a held-out world, from different seeds (no picture in both)."""
    settings = dict(
        max_objects=args.max_objects,
        sizes=tuple(args.sizes.split(",")),
        questions_per_image=args.questions,
    )
    train = data.picture_world(args.train_images, seed=2 * args.seed, **settings)
    test = data.picture_world(args.test_images, seed=2 * args.seed + 1, **settings)
    return train, test


def describe(train, test, vocab, answers) -> None:
    kinds = [q.kind for q in train.questions]
    counts = ", ".join(f"{kind} {kinds.count(kind)}" for kind in data.QUESTION_KINDS)
    print(
        f"pictures: {len(train)} for training ({len(train.questions)} questions: {counts}), "
        f"{len(test)} held out ({len(test.questions)} questions)"
    )
    print(
        f"question words: {len(vocab) - len(vocab.specials)} (+ {', '.join(vocab.specials)}); "
        f"answers: {len(answers)} ({' '.join(answers)})"
    )
    question = train.questions[0]
    print(f"e.g. picture 0, {train.captions[0]!r}: {question.text!r} -> {question.answer!r}")


# %% [markdown]
# ## The models and their word embeddings


# %%
def embedding_source(args) -> str | None:
    """The word-vector file to start from, or None to learn every embedding."""
    if args.embeddings is None:
        return WORD2VEC_FILE if Path(WORD2VEC_FILE).is_file() else None
    if args.embeddings.lower() == "none":
        return None
    if not Path(args.embeddings).is_file():
        raise SystemExit(f"error: --embeddings {args.embeddings}: no such file")
    return args.embeddings


def embedding_size(args, path: str | None) -> int:
    """E: the vectors' size when starting from a file, else --embedding."""
    if path is None:
        return args.embedding
    _, vectors = load_word_vectors(path)
    return vectors.shape[1]


def build_models(args, vocab, answers, path: str | None):
    """{name: model} with the same seed, so both start from the same question encoder."""
    E = embedding_size(args, path)
    sizes = dict(embedding_dim=E, hidden_size=args.hidden, fused_size=args.fused)
    models = {}
    tg.manual_seed(args.seed)
    models["VQA (CNN + LSTM)"] = vqa.VQAModel(
        len(vocab), len(answers), pad_index=vocab.pad_index, **sizes
    )
    if not args.no_compare:
        tg.manual_seed(args.seed)
        models["question only"] = vqa.QuestionOnlyModel(
            len(vocab), len(answers), pad_index=vocab.pad_index, **sizes
        )
    if path is None:
        print(f"word embeddings: learned from scratch (E = {E}; no {WORD2VEC_FILE})")
        return models
    for model in models.values():
        found = vqa.start_from_word_vectors(model.question.embedding, vocab, path)
    missing = [word for word, ok in zip(vocab.itos[len(vocab.specials) :], found) if not ok]
    print(
        f"word embeddings: {int(found.sum())} of {len(found)} question words start from "
        f"{path} (E = {E}); learned from scratch: {' '.join(missing) or 'none'}"
    )
    return models


# %% [markdown]
# ## Training: a batch is P pictures and all their questions


# %%
def picture_batches(n_images: int, pictures: int, steps: int, rng: np.random.Generator):
    """`steps` arrays of `pictures` picture indices, walking through shuffled epochs."""
    order = rng.permutation(n_images)
    position = 0
    for _ in range(steps):
        if position + pictures > n_images:
            order = rng.permutation(n_images)
            position = 0
        yield order[position : position + pictures]
        position += pictures


def batch_of(world, arrays: vqa.QuestionArrays, chosen: np.ndarray, by_image: list):
    """The images (P, 3, S, S) and the questions of `chosen` pictures: (images, tokens,
    lengths, image_rows, answers), image_rows counting from 0 within the batch."""
    rows = np.concatenate([by_image[i] for i in chosen])  # the questions of these pictures
    where = {int(image): k for k, image in enumerate(chosen)}
    image_rows = np.array([where[int(i)] for i in arrays.image_rows[rows]], dtype=np.int64)
    width = int(arrays.lengths[rows].max())  # cut the padding this batch does not need
    tokens = arrays.tokens[rows, :width]
    return world.images[chosen], tokens, arrays.lengths[rows], image_rows, arrays.answers[rows]


def questions_by_image(arrays: vqa.QuestionArrays, n_images: int) -> list[np.ndarray]:
    """For every picture, the rows of its questions."""
    order = np.argsort(arrays.image_rows, kind="stable")
    starts = np.searchsorted(arrays.image_rows[order], np.arange(n_images + 1))
    return [order[starts[i] : starts[i + 1]] for i in range(n_images)]


def train(model, world, arrays, args, name: str) -> float:
    """Adam with gradient clipping on cross-entropy over the answers; returns seconds."""
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    by_image = questions_by_image(arrays, len(world))
    started = time.perf_counter()
    chosen_batches = picture_batches(len(world), args.pictures, args.steps, rng)
    progress = tqdm(chosen_batches, total=args.steps, desc=name)
    for step, chosen in enumerate(progress, start=1):
        images, tokens, lengths, image_rows, answers = batch_of(world, arrays, chosen, by_image)
        logits = model(images, tokens, lengths, image_rows)  # (B, A)
        loss = F.cross_entropy(logits, answers)
        optimizer.zero_grad()
        loss.backward(retain_graph=False)
        nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        optimizer.step()
        if step % 10 == 0 or step == args.steps:
            progress.set_postfix(loss=f"{loss.item():.3f}")
    progress.close()
    return time.perf_counter() - started


# %% [markdown]
# ## Accuracy on held-out pictures, per kind of question


# %%
def predict(model, world, arrays, pictures: int = 100) -> np.ndarray:
    """The answer index each model gives to every question of `world`."""
    by_image = questions_by_image(arrays, len(world))
    predicted = np.empty(len(arrays), dtype=np.int64)
    with tg.no_grad():
        for start in range(0, len(world), pictures):
            chosen = np.arange(start, min(start + pictures, len(world)))
            rows = np.concatenate([by_image[i] for i in chosen])
            images, tokens, lengths, image_rows, _ = batch_of(world, arrays, chosen, by_image)
            logits = model(images, tokens, lengths, image_rows)
            predicted[rows] = logits.numpy().argmax(axis=1)
    return predicted


def print_accuracy_table(accuracies: dict, arrays) -> None:
    names = list(accuracies)
    print("\nheld-out accuracy   " + "".join(f"{name:>20}" for name in names) + "   questions")
    for kind in (*data.QUESTION_KINDS, "overall"):
        count = len(arrays) if kind == "overall" else int(np.sum(arrays.kinds == kind))
        cells = "".join(f"{accuracies[name].get(kind, float('nan')):>20.1%}" for name in names)
        print(f"{kind:18}  {cells}   {count:9}")


def report_accuracies(accuracies: dict) -> None:
    """The overall figures go to the README, the per-kind ones to docs/results.md."""
    for name, by_kind in accuracies.items():
        lesson_kit.report(f"{name}: overall", 100 * by_kind["overall"], "%", fmt=".1f")
        for kind in data.QUESTION_KINDS:
            if kind in by_kind:
                figure = 100 * by_kind[kind]
                lesson_kit.report(f"{name}: {kind}", figure, "%", fmt=".1f", readme=False)


def print_examples(test, arrays, answers, predictions: dict, count: int) -> list[int]:
    """A few held-out questions of different kinds with the picture's caption."""
    picks = pick_examples(arrays, count)
    for row in picks:
        question = test.questions[row]
        print(f"\npicture {question.image}: {test.captions[question.image]!r}")
        print(f"  Q: {question.text}   A: {question.answer}")
        for name, predicted in predictions.items():
            said = answers[predicted[row]]
            print(f"     {name:>20}: {said}{'' if said == question.answer else '   (wrong)'}")
    return picks


def pick_examples(arrays, count: int) -> list[int]:
    """Rows of `count` questions, taking the kinds in turn, each from a new picture (and
    with an answer seen in training)."""
    picks, pictures = [], set()
    kinds = list(data.QUESTION_KINDS)
    for row in range(len(arrays)):
        if len(picks) == count:
            break
        wanted = kinds[len(picks) % len(kinds)]
        new_picture = arrays.image_rows[row] not in pictures
        if arrays.kinds[row] == wanted and new_picture and arrays.answers[row] >= 0:
            picks.append(row)
            pictures.add(int(arrays.image_rows[row]))
    return picks


# %% [markdown]
# ## A picture of the answers


# %%
def draw_examples(test, answers, predictions: dict, picks: list[int], path: Path) -> Path:
    """Held-out pictures, each titled with its question, the answer and each model's
    (green when the first model, the VQA one, is right; red when it is wrong)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = min(3, len(picks))
    lines = (len(picks) + columns - 1) // columns
    figure = Figure(figsize=(3.6 * columns, 4.5 * lines), dpi=90)
    FigureCanvasAgg(figure)
    for panel, row in enumerate(picks, start=1):
        question = test.questions[row]
        axes = figure.add_subplot(lines, columns, panel)
        axes.imshow(test.images[question.image].transpose(1, 2, 0))  # (S, S, 3)
        said = [answers[predicted[row]] for predicted in predictions.values()]
        colour = "darkgreen" if said[0] == question.answer else "firebrick"
        title = [f"{question.text}?", f"answer: {question.answer}"]
        title += [f"{name}: {answer}" for name, answer in zip(predictions, said)]
        axes.set_title("\n".join(title), fontsize=8, color=colour)
        axes.set_xticks([])
        axes.set_yticks([])
    figure.tight_layout()
    with atomic_write(path) as file:
        figure.savefig(file, format=path.suffix.lstrip("."))
    return path


# %% [markdown]
# ## The graph: the CNN and the LSTM's steps meet at the product
#
# The loss of one held-out question, drawn at detail="cells": the CNN's layers on the
# picture, one LSTM step per word of the question, the two projections, their product
# and the answer layer.


# %%
def draw_graph(model, world, arrays, row: int, path: Path) -> Path:
    """The graph of the loss of question `row` of `world`, at detail=cells."""
    import viz

    question = world.questions[row]
    width = int(arrays.lengths[row])
    images = world.images[question.image : question.image + 1]  # (1, 3, S, S)
    logits = model(images, arrays.tokens[row : row + 1, :width], arrays.lengths[row : row + 1])
    loss = F.cross_entropy(logits, arrays.answers[row : row + 1])
    loss.backward()
    title = f"VQA: {question.text!r} -> {question.answer!r}"
    return viz.render(loss, path, detail="cells", title=title)


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    tg.set_default_dtype(np.float32)  # float32 halves the memory traffic; gradchecks use float64
    tg.set_source_tracking(False)  # nobody reads node.source during training: save the time
    train_world, test_world = make_worlds(args)
    vocab = data.WordVocab.from_text([q.text for q in train_world.questions])
    answers = vqa.answer_list(train_world.questions)
    describe(train_world, test_world, vocab, answers)
    train_arrays = vqa.question_arrays(train_world.questions, vocab, answers)
    test_arrays = vqa.question_arrays(test_world.questions, vocab, answers)
    models = build_models(args, vocab, answers, embedding_source(args))
    print(
        f"training: {args.steps} steps of {args.pictures} pictures "
        f"(~{args.pictures * args.questions} questions), Adam lr={args.lr}, clip {args.clip}"
    )
    accuracies, predictions = {}, {}
    for name, model in models.items():
        seconds = train(model, train_world, train_arrays, args, name)
        predictions[name] = predict(model, test_world, test_arrays)
        accuracies[name] = vqa.accuracy_by_kind(predictions[name], test_arrays)
        print(f"{name}: held-out accuracy {accuracies[name]['overall']:.1%} ({seconds:.1f} s)")
    print_accuracy_table(accuracies, test_arrays)
    report_accuracies(accuracies)
    picks = print_examples(test_world, test_arrays, answers, predictions, args.examples)
    if picks:
        out = lesson_kit.output_dir(args.out)
        first = next(iter(predictions))
        path = draw_examples(test_world, answers, predictions, picks, out / "vqa_examples.png")
        print(f"\npicture: {path}")
        lesson_kit.show_picture(path)
        graph = draw_graph(models[first], test_world, test_arrays, picks[0], out / "vqa_graph.svg")
        print(f"graph: {graph}")
        lesson_kit.show_picture(graph)


# %%
if __name__ == "__main__":
    main()
