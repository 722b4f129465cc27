"""Visual question answering: a CNN reads the picture, an LSTM reads the question, one
network picks the answer (Antol et al., "VQA: Visual Question Answering", ICCV 2015, their
"LSTM Q + I" model, small).

    model = VQAModel(vocab_size=30, num_answers=15)
    logits = model(images, tokens, lengths)            # (B, A): scores over the answers
    loss = F.cross_entropy(logits, answers)

One equation per line (B questions, A answers; ⊙ is the element-wise product):

    image     v = W_v flatten(CNN(image)) + b_v               (B, K)  what is where
    question  q = tanh(W_q h_T + b_q)                         (B, K)  h_T: the LSTM's last
              h_1 .. h_T = LSTM(embedding(w_1 .. w_T))                state, at the last word
    fuse      z = v ⊙ q                                       (B, K)  "and": both must agree
    answer    ŷ = softmax(W_a z + b_a)                        (B, A)  the model returns W_a z + b_a

The CNN's feature grid (C, h, w) is flattened, not averaged: "is the circle left or right
of the square" needs to know where each thing is, and an average over the grid forgets it.
The product lets the question choose which image features count: a question about colour
switches on the colour features, one about sides the positional ones. For a given
question, the answer scores are a linear read-out of the CNN's grid, W_a diag(q) W_v.

Why no tanh on v, unlike q (and unlike Antol et al., whose CNN came pretrained): the CNN's
features are non-linear already, and W_v reads C·h·w = 2048 of them, so one Adam step
moves each sum W_v x a lot. With a tanh there, v saturates within a few hundred steps,
its gradient vanishes, and the model sits at the language prior (measured in lesson 14
at Adam lr 3e-3: 41 % of held-out questions right after 1 000 steps with the tanh, 77 %
after 800 without it).

`QuestionOnlyModel` is the same without the image (z = q): the best any model can do from
the question alone - the language prior. "is there a red circle" is answered "yes" about
half of the time whatever the picture, so this model sits near chance on such questions;
the gap between the two models is what the image adds.

Several questions usually ask about the same picture: `image_rows` (B,) says which row of
`images` each question is about, so the CNN runs once per picture, not once per question.

Word vectors: `start_from_word_vectors` (word2vec.py, shared with lesson 6) copies saved
word2vec vectors (lesson 10's .npz)
into the question Embedding for the words they cover; the others stay random and are
learned, like the covered ones, during training.

Read next: tinygrad_rnn/vision/cnn.py (the image encoder), then examples/14_vqa.py (the
lesson: data, training, accuracy per kind of question).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import WordVocab, pad_sequences
from ..errors import ShapeError
from ..nn import LSTM, Embedding, Linear, Module
from ..tensor import Tensor
from ..word2vec import start_from_word_vectors  # noqa: F401 (lesson 14 and its tests use it here)
from .cnn import CNNEncoder


# --------------------------------------------------------------------------------------
# The question side
# --------------------------------------------------------------------------------------
class QuestionEncoder(Module):
    """Embedding -> LSTM; the question's summary is h_T, the state at its last word.

    forward(tokens (B, T) int, lengths (B,) int) -> (B, hidden_size). Padding after a
    short question never reaches its h_T: the LSTM stops each row at its length.
    """

    def __init__(self, vocab_size: int, embedding_dim: int, hidden_size: int, pad_index: int = 0):
        super().__init__()
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=pad_index)
        self.lstm = LSTM(embedding_dim, hidden_size, batch_first=True)

    def forward(self, tokens, lengths) -> Tensor:
        x = self.embedding(tokens)  # (B, T, E)
        _, (h_n, _) = self.lstm(x, lengths=lengths)  # h_n (1, B, H): h at each last word
        return h_n[0]  # (B, H)


# --------------------------------------------------------------------------------------
# The two models
# --------------------------------------------------------------------------------------
class VQAModel(Module):
    """CNN image features ⊙ LSTM question features -> Linear -> scores over the answers.

    forward(images (N, 3, S, S), tokens (B, T), lengths (B,), image_rows=None) -> (B, A)
    logits. image_rows (B,) int: the picture of each question (default: question b is
    about picture b, N = B). `cnn` defaults to a new CNNEncoder (vision/cnn.py); its
    `features(images)` grid (N, C, h, w) is flattened into the image projection.
    """

    def __init__(
        self,
        vocab_size: int,
        num_answers: int,
        embedding_dim: int = 32,
        hidden_size: int = 64,
        fused_size: int = 64,
        image_size: int = 32,
        pad_index: int = 0,
        cnn: Module | None = None,
    ):
        super().__init__()
        self.cnn = cnn if cnn is not None else CNNEncoder()
        grid_features = feature_count(self.cnn, image_size)  # C·h·w
        self.question = QuestionEncoder(vocab_size, embedding_dim, hidden_size, pad_index)
        self.image_proj = Linear(grid_features, fused_size)  # W_v, b_v
        self.question_proj = Linear(hidden_size, fused_size)  # W_q, b_q
        self.classifier = Linear(fused_size, num_answers)  # W_a, b_a

    def image_features(self, images, image_rows=None) -> Tensor:
        """v = W_v flatten(CNN(images)) + b_v, one row per question: (B, K)."""
        grid = self.cnn.features(images)  # (N, C, h, w)
        flat = grid.reshape(grid.shape[0], -1)  # (N, C·h·w)
        v = self.image_proj(flat)  # (N, K)
        if image_rows is None:
            return v
        return v[np.asarray(image_rows)]  # (B, K): the picture each question is about

    def question_features(self, tokens, lengths) -> Tensor:
        """q = tanh(W_q h_T + b_q): (B, K)."""
        return self.question_proj(self.question(tokens, lengths)).tanh()

    def forward(self, images, tokens, lengths, image_rows=None) -> Tensor:
        v = self.image_features(images, image_rows)  # (B, K)
        q = self.question_features(tokens, lengths)  # (B, K)
        check_rows("VQAModel", v, q)
        z = v * q  # (B, K): the fusion, element by element
        return self.classifier(z)  # (B, A)


class QuestionOnlyModel(Module):
    """The language prior: VQAModel without the image, z = q -> Linear -> answer scores.

    forward(images, tokens (B, T), lengths (B,), image_rows=None) -> (B, A) logits; the
    images and image_rows are accepted (so both models train with the same loop) and
    ignored.
    """

    def __init__(
        self,
        vocab_size: int,
        num_answers: int,
        embedding_dim: int = 32,
        hidden_size: int = 64,
        fused_size: int = 64,
        pad_index: int = 0,
    ):
        super().__init__()
        self.question = QuestionEncoder(vocab_size, embedding_dim, hidden_size, pad_index)
        self.question_proj = Linear(hidden_size, fused_size)
        self.classifier = Linear(fused_size, num_answers)

    def forward(self, images, tokens, lengths, image_rows=None) -> Tensor:
        q = self.question_proj(self.question(tokens, lengths)).tanh()  # (B, K)
        return self.classifier(q)  # (B, A)


def feature_count(cnn: Module, image_size: int) -> int:
    """C·h·w of cnn.features on one (1, 3, S, S) image of zeros (S = image_size)."""
    from ..context import no_grad

    with no_grad():
        grid = cnn.features(np.zeros((1, 3, image_size, image_size)))
    return int(np.prod(grid.shape[1:]))


def check_rows(owner: str, v: Tensor, q: Tensor) -> None:
    """The image and question features must have one row per question each."""
    if v.shape != q.shape:
        raise ShapeError(
            f"{owner}: image features {tuple(v.shape)} and question features "
            f"{tuple(q.shape)} differ; pass image_rows (B,) to say which picture each "
            "question is about"
        )


# --------------------------------------------------------------------------------------
# Questions and answers as arrays
# --------------------------------------------------------------------------------------
@dataclass
class QuestionArrays:
    """A world's questions as arrays, in the order of world.questions.

    tokens (Q, T) int64 padded with the vocabulary's <pad>, lengths (Q,), image_rows (Q,)
    the picture each is about, answers (Q,) the index of the answer in the answer list
    (-1 for an answer the list lacks), kinds (Q,) str ("colour", "shape" ...).
    """

    tokens: np.ndarray
    lengths: np.ndarray
    image_rows: np.ndarray
    answers: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.lengths)


def answer_list(questions) -> list[str]:
    """The answer vocabulary: every answer among `questions`, sorted (index = class)."""
    return sorted({question.answer for question in questions})


def question_arrays(questions, vocab: WordVocab, answers: list[str]) -> QuestionArrays:
    """Encode questions (data.Question) with `vocab` and `answers` (see QuestionArrays)."""
    encoded = [vocab.encode(question.text) for question in questions]
    tokens, lengths = pad_sequences(encoded, pad_value=vocab.pad_index)
    index = {answer: row for row, answer in enumerate(answers)}
    return QuestionArrays(
        tokens=tokens,
        lengths=lengths,
        image_rows=np.array([question.image for question in questions], dtype=np.int64),
        answers=np.array([index.get(q.answer, -1) for q in questions], dtype=np.int64),
        kinds=np.array([question.kind for question in questions]),
    )


def accuracy_by_kind(predicted: np.ndarray, arrays: QuestionArrays) -> dict[str, float]:
    """Fraction of right answers for each kind of question, and "overall" for all."""
    right = np.asarray(predicted) == arrays.answers
    result = {kind: float(right[arrays.kinds == kind].mean()) for kind in np.unique(arrays.kinds)}
    result["overall"] = float(right.mean())
    return result


__all__ = [
    "QuestionArrays",
    "QuestionEncoder",
    "QuestionOnlyModel",
    "VQAModel",
    "accuracy_by_kind",
    "answer_list",
    "question_arrays",
    "start_from_word_vectors",
]
