# %% [markdown]
"""Lesson 6: sentiment classification, Embedding -> LSTM -> Linear -> sigmoid, on real reviews.

The 3 000 labelled sentences of Kotzias et al. (KDD 2015; 1 000 each from IMDB, Amazon and
Yelp, half positive) are split 80/20 with a seed. The word vocabulary is built on the
training part only (a held-out word the model never saw becomes <unk>). Each sentence is
a row of word indices; a batch is padded to its longest sentence and the true lengths go
to the LSTM, so a short sentence's final state h_n is the state at its last real word -
padding never leaks into the prediction:

    x = Embedding(tokens)                 (B, T, E)    a learned vector per word
    output, (h_n, c_n) = LSTM(x, lengths)              h_n (1, B, H): the sentence summary
    logit = Linear(h_n[0])                (B,)         p(positive) = sigmoid(logit)
    loss = binary_cross_entropy_with_logits(logit, label)

Trained with Adam. Beside it: the same model with a GRU, and a bag-of-words logistic
regression (word counts -> Linear -> sigmoid, no word order at all), all on our engine.
It prints held-out accuracy for the three, a confusion table and a few held-out
sentences with the LSTM's P(positive).

    python examples/06_sentiment.py                          # about a minute on 2 cores
    python examples/06_sentiment.py --epochs 1 --limit 300   # a few seconds
    python examples/06_sentiment.py --data my_reviews.txt    # any 'sentence<TAB>label' file
    python examples/06_sentiment.py --embeddings lesson10-out/skipgram_vectors.npz
                                   # start the Embedding from lesson 10's word vectors
    python examples/06_sentiment.py --predict "the food was not good" "what a great phone"
"""

# %%
import os

# The matrices here are small (batch 32 x 64 units): OpenBLAS's threads cost more than they
# save, and on a busy machine they make each matmul ~10x slower. Set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import tinygrad_rnn as tg  # noqa: E402
from tinygrad_rnn import data, lesson_kit, nn, optim  # noqa: E402
from tinygrad_rnn import functional as F  # noqa: E402
from tinygrad_rnn.errors import ShapeError  # noqa: E402
from tinygrad_rnn.word2vec import load_word_vectors, start_from_word_vectors  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        default=None,
        help="a 'sentence<TAB>label' file or folder, plain or .gz (default: the packaged "
        "3 000 labelled sentences)",
    )
    parser.add_argument("--epochs", type=int, default=8, help="passes over the training part")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--embedding", type=int, default=64, help="embedding size E")
    parser.add_argument("--hidden", type=int, default=64, help="hidden size H")
    parser.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate")
    parser.add_argument("--clip", type=float, default=5.0, help="max gradient norm")
    parser.add_argument("--max-len", type=int, default=60, help="longer sentences are cut")
    parser.add_argument("--min-freq", type=int, default=2, help="rarer words become <unk>")
    parser.add_argument(
        "--models",
        default="lstm,gru,bow",
        help="comma-separated subset of lstm, gru, bow (bag-of-words logistic regression)",
    )
    parser.add_argument("--bow-epochs", type=int, default=30, help="epochs of the BoW baseline")
    parser.add_argument("--bow-lr", type=float, default=1e-2, help="its Adam learning rate")
    parser.add_argument(
        "--embeddings", default=None, help="a word-vector .npz (lesson 10) to start from"
    )
    parser.add_argument("--examples", type=int, default=6, help="held-out sentences to show")
    parser.add_argument(
        "--predict", nargs="+", default=None, help="classify these sentences with the LSTM"
    )
    parser.add_argument("--limit", type=int, default=None, help="use only N sentences (tests)")
    parser.add_argument("--out", default="./lesson06-out", help="folder for the checkpoint")
    parser.add_argument("--seed", type=int, default=0)
    args = lesson_kit.parse_args(parser)
    args.models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = sorted(set(args.models) - {"lstm", "gru", "bow"})
    if unknown or not args.models:
        parser.error(f"--models: choose from lstm, gru, bow (got {args.models})")
    return args


# %% [markdown]
# ## Data: split, vocabulary, padded batches


# %%
def load_split(args):
    """Sentences and labels, split 80/20 with the seed: (train, held_out) pairs of lists."""
    path = data.resolve_data_path("sentiment_labelled_sentences", args.data)
    sentences, labels = data.load_labelled_sentences(path)
    if args.limit is not None:
        keep = np.random.default_rng(args.seed).permutation(len(sentences))[: args.limit]
        sentences = [sentences[i] for i in np.sort(keep)]
        labels = labels[np.sort(keep)]
    bad = sorted(set(labels.tolist()) - {0, 1})
    if bad:
        raise SystemExit(f"error: {path}: labels must be 0 or 1 for this lesson, found {bad}")
    train, held_out = data.train_val_test_split(
        sentences, labels, fractions=(0.8, 0.2), seed=args.seed
    )
    print(
        f"{len(sentences)} sentences from {path} ({labels.mean():.0%} positive): "
        f"{len(train[0])} for training, {len(held_out[0])} held out"
    )
    return train, held_out


def encode(vocab: data.WordVocab, sentences: list[str], max_len: int) -> list[np.ndarray]:
    """Each sentence as its word indices, cut to max_len words."""
    return [vocab.encode(sentence)[:max_len] for sentence in sentences]


def pad_batch(token_lists: list[np.ndarray], pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(tokens (B, T) padded with `pad`, lengths (B,)); T >= 1 even if every row is empty."""
    width = max(1, max(len(tokens) for tokens in token_lists))
    return data.pad_sequences(token_lists, pad_value=pad, max_len=width)


# %% [markdown]
# ## Models


# %%
class SentimentRNN(nn.Module):
    """Embedding -> LSTM (or GRU) -> Linear: one logit per sentence.

    forward(tokens (B, T) int, lengths (B,)) -> logits (B,); p(positive) = sigmoid(logit).
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, cell: str, pad: int):
        super().__init__()
        self.cell = cell
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=pad)
        layer = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = layer(embedding_dim, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, 1)

    def forward(self, tokens: np.ndarray, lengths: np.ndarray) -> tg.Tensor:
        B = tokens.shape[0]
        x = self.embedding(tokens)  # (B, T, E)
        _, state = self.rnn(x, lengths=lengths)
        h_n = state[0] if self.cell == "lstm" else state  # (1, B, H): h at each last word
        return self.fc(h_n[0]).reshape(B)  # (B, H) @ (H, 1) -> (B,)


class BagOfWords(nn.Module):
    """Logistic regression on word counts: logit = Σ_w count(w) · weight_w + bias.

    forward(counts (B, V) float) -> logits (B,). Word order plays no part.
    """

    def __init__(self, vocab_size: int):
        super().__init__()
        self.fc = nn.Linear(vocab_size, 1)

    def forward(self, counts: np.ndarray) -> tg.Tensor:
        return self.fc(counts).reshape(counts.shape[0])  # (B, V) @ (V, 1) -> (B,)


def load_embeddings(model: SentimentRNN, vocab: data.WordVocab, path: str, tokens) -> str:
    """Copy saved word vectors into the Embedding rows of the words they cover.

    The vectors are rescaled so their standard deviation matches the random N(0, 1)
    rows the other words keep. Returns a one-line report.
    """
    try:
        found = start_from_word_vectors(model.embedding, vocab, path)
    except ShapeError:
        dim = load_word_vectors(path)[1].shape[1]
        raise SystemExit(
            f"error: {path} holds {dim}-dimensional vectors but --embedding is "
            f"{model.embedding.embedding_dim}; pass --embedding {dim}"
        ) from None
    specials = len(vocab.specials)
    counts = np.bincount(np.concatenate(tokens), minlength=len(vocab))[specials:]
    covered = counts[found].sum() / max(counts.sum(), 1)
    return (
        f"embeddings: found {int(found.sum())} of {len(found)} vocabulary words in {path} "
        f"({covered:.0%} of the training words); the others keep their random start"
    )


# %% [markdown]
# ## Training and evaluation


# %%
def train_rnn(model: SentimentRNN, tokens, labels, args, pad: int) -> float:
    """Adam on mini-batches of padded sentences; returns the seconds taken."""
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    steps_per_epoch = -(-len(tokens) // args.batch_size)
    started = time.perf_counter()
    progress = tqdm(total=args.epochs * steps_per_epoch, desc=model.cell.upper())
    for epoch in range(args.epochs):
        model.train()
        batches = data.iterate_minibatches(tokens, labels, args.batch_size, seed=rng)
        for batch_tokens, batch_labels in batches:
            padded, lengths = pad_batch(batch_tokens, pad)
            logits = model(padded, lengths)
            targets = batch_labels.astype(np.float32)
            loss = F.binary_cross_entropy_with_logits(logits, targets)
            optimizer.zero_grad()
            loss.backward(retain_graph=False)
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            optimizer.step()
            progress.update(1)
            progress.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
    progress.close()
    return time.perf_counter() - started


def rnn_probabilities(model: SentimentRNN, tokens, pad: int, batch_size: int = 256) -> np.ndarray:
    """P(positive) for every sentence, (N,)."""
    model.eval()
    probabilities = []
    with tg.no_grad():
        for start in range(0, len(tokens), batch_size):
            padded, lengths = pad_batch(tokens[start : start + batch_size], pad)
            probabilities.append(model(padded, lengths).sigmoid().numpy())
    return np.concatenate(probabilities)


def train_bow(model: BagOfWords, counts: np.ndarray, labels: np.ndarray, args) -> float:
    """Adam on mini-batches of word-count rows; returns the seconds taken."""
    optimizer = optim.Adam(model.parameters(), lr=args.bow_lr)
    rng = np.random.default_rng(args.seed)
    steps_per_epoch = -(-len(counts) // args.batch_size)
    started = time.perf_counter()
    progress = tqdm(total=args.bow_epochs * steps_per_epoch, desc="BoW")
    for epoch in range(args.bow_epochs):
        batches = data.iterate_minibatches(counts, labels, args.batch_size, seed=rng)
        for batch_counts, batch_labels in batches:
            loss = F.binary_cross_entropy_with_logits(
                model(batch_counts), batch_labels.astype(np.float32)
            )
            optimizer.zero_grad()
            loss.backward(retain_graph=False)
            optimizer.step()
            progress.update(1)
            progress.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
    progress.close()
    return time.perf_counter() - started


def bow_probabilities(model: BagOfWords, counts: np.ndarray) -> np.ndarray:
    with tg.no_grad():
        return model(counts).sigmoid().numpy()


def confusion_table(labels: np.ndarray, predicted: np.ndarray) -> str:
    """A 2x2 table: rows the true label, columns the prediction."""
    lines = ["                 predicted neg   predicted pos"]
    for truth, name in ((0, "true negative"), (1, "true positive")):
        row = [int(((labels == truth) & (predicted == guess)).sum()) for guess in (0, 1)]
        lines.append(f"  {name:14} {row[0]:13d} {row[1]:15d}")
    return "\n".join(lines)


def show_examples(sentences, labels, probabilities, count: int) -> None:
    """A few held-out sentences with P(positive): the first ones, and the worst mistake."""
    if count <= 0:
        return
    print("\nheld-out sentences, P(positive) from the LSTM (label in brackets):")
    wrong = np.abs(probabilities - labels)
    picks = list(range(min(count - 1, len(sentences))))
    worst = int(np.argmax(wrong))
    if worst not in picks:
        picks.append(worst)
    for index in picks:
        mark = "" if (probabilities[index] > 0.5) == labels[index] else "   <- wrong"
        text = sentences[index] if len(sentences[index]) <= 70 else sentences[index][:67] + "..."
        print(f"  {probabilities[index]:.2f} [{labels[index]}]  {text}{mark}")


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    tg.set_default_dtype(np.float32)  # float32 halves the memory traffic; gradchecks use float64
    tg.set_source_tracking(False)  # nobody reads node.source during training: save the time
    (train_sentences, train_labels), (test_sentences, test_labels) = load_split(args)
    vocab = data.WordVocab.from_text(train_sentences, min_freq=args.min_freq)
    pad = vocab.pad_index
    train_tokens = encode(vocab, train_sentences, args.max_len)
    test_tokens = encode(vocab, test_sentences, args.max_len)
    unknown = np.mean(np.concatenate(test_tokens) == vocab.unk_index)
    words = len(vocab) - len(vocab.specials)  # the count load_embeddings reports against
    print(
        f"vocabulary: {words} words (each seen {args.min_freq}+ times in the training part) "
        f"plus {', '.join(vocab.specials)}; {unknown:.1%} of the held-out words are <unk>"
    )
    lesson_kit.report("vocabulary words", words)
    results = {}
    lstm_probabilities = None
    out = Path(args.out)
    for cell in [name for name in args.models if name in ("lstm", "gru")]:
        tg.manual_seed(args.seed)
        model = SentimentRNN(len(vocab), args.embedding, args.hidden, cell, pad)
        if args.embeddings:
            print(load_embeddings(model, vocab, args.embeddings, train_tokens))
        seconds = train_rnn(model, train_tokens, train_labels, args, pad)
        probabilities = rnn_probabilities(model, test_tokens, pad)
        accuracy = float(np.mean((probabilities > 0.5) == test_labels))
        results[cell] = (accuracy, seconds)
        print(f"{cell.upper()}: held-out accuracy {accuracy:.1%} ({seconds:.1f} s)")
        lesson_kit.report(f"{cell.upper()} held-out accuracy", 100 * accuracy, "%", fmt=".1f")
        out.mkdir(parents=True, exist_ok=True)
        tg.save(model, out / f"sentiment_{cell}.npz")
        if cell == "lstm":
            lstm_probabilities = probabilities
            vocab.save(out / "vocab.json")
            lstm_model = model
    if "bow" in args.models:
        tg.manual_seed(args.seed)
        bow = BagOfWords(len(vocab))
        train_counts = data.bag_of_words(train_tokens, len(vocab), ignore_index=pad)
        test_counts = data.bag_of_words(test_tokens, len(vocab), ignore_index=pad)
        seconds = train_bow(bow, train_counts.astype(np.float32), train_labels, args)
        probabilities = bow_probabilities(bow, test_counts.astype(np.float32))
        accuracy = float(np.mean((probabilities > 0.5) == test_labels))
        results["bow"] = (accuracy, seconds)
        print(f"bag-of-words logistic regression: held-out accuracy {accuracy:.1%}")
        name = "bag-of-words held-out accuracy"
        lesson_kit.report(name, 100 * accuracy, "%", fmt=".1f")

    if lstm_probabilities is not None:
        print("\nLSTM confusion table on the held-out sentences:")
        print(confusion_table(test_labels, (lstm_probabilities > 0.5).astype(np.int64)))
        show_examples(test_sentences, test_labels, lstm_probabilities, args.examples)
        if args.predict:
            tokens = encode(vocab, args.predict, args.max_len)
            print("\nyour sentences, P(positive) from the LSTM:")
            for sentence, p in zip(args.predict, rnn_probabilities(lstm_model, tokens, pad)):
                print(f"  {p:.2f}  {sentence}")

    names = {
        "lstm": f"Embedding {args.embedding} -> LSTM {args.hidden} -> Linear",
        "gru": f"Embedding {args.embedding} -> GRU {args.hidden} -> Linear",
        "bow": "bag-of-words logistic regression",
    }
    print("\nmodel                                     held-out accuracy   training time")
    for key, (accuracy, seconds) in results.items():
        print(f"{names[key]:42} {accuracy:16.1%} {seconds:14.1f} s")
    summary = ", ".join(f"{key.upper()} {accuracy:.3f}" for key, (accuracy, _) in results.items())
    print(f"held-out accuracy: {summary}")


# %%
if __name__ == "__main__":
    try:
        main()
    except data.DataError as error:  # a missing or malformed file: one line, no traceback
        raise SystemExit(f"error: {error}") from None
