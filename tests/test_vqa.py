"""tinygrad_rnn/vision/vqa.py and lesson 14: the VQA model's equations written out in numpy,
its gradients by finite differences, the question arrays, the word vectors, the lesson."""

import re
from dataclasses import dataclass

import numpy as np
import pytest
from helpers import EXAMPLES, load_script, run_example

import tinygrad_rnn as tg
from tinygrad_rnn import data
from tinygrad_rnn.errors import ShapeError
from tinygrad_rnn.vision import vqa
from tinygrad_rnn.vision.cnn import CNNEncoder
from tinygrad_rnn.word2vec import save_word_vectors


@dataclass(frozen=True)
class FakeQuestion:  # the fields of data.Question the model's helpers read
    image: int
    text: str
    answer: str
    kind: str


QUESTIONS = [
    FakeQuestion(0, "what colour is the circle", "red", "colour"),
    FakeQuestion(0, "is there a blue square", "no", "exists"),
    FakeQuestion(1, "how many things are there", "two", "count"),
    FakeQuestion(1, "what shape is the red thing", "circle", "shape"),
    FakeQuestion(2, "is the circle left or right of the square", "left", "side"),
]


def vocabulary():
    return data.WordVocab.from_text([q.text for q in QUESTIONS])


def tiny_vqa(seed=0, dtype=np.float64):
    """A VQA model on 8x8 pictures with a few channels, in float64 for gradcheck."""
    tg.set_default_dtype(dtype)
    tg.manual_seed(seed)
    cnn = CNNEncoder(channels=(2, 3), image_size=8, feature_size=4)
    model = vqa.VQAModel(
        len(vocabulary()), 6, embedding_dim=3, hidden_size=4, fused_size=5, image_size=8, cnn=cnn
    )
    return model


@pytest.fixture(autouse=True)
def float64_default():
    before = tg.get_default_dtype()
    yield
    tg.set_default_dtype(before)


def batch(seed=1, pictures=3):
    rng = np.random.default_rng(seed)
    images = rng.random((pictures, 3, 8, 8))
    arrays = vqa.question_arrays(QUESTIONS, vocabulary(), vqa.answer_list(QUESTIONS))
    return images, arrays


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_last_state(lstm, x: np.ndarray) -> np.ndarray:
    """h_T of a one-layer LSTM over x (T, E), PyTorch's gate rows i, f, g, o, in numpy."""
    W_ih, W_hh = lstm.weight_ih_l0.data, lstm.weight_hh_l0.data
    b = lstm.bias_ih_l0.data + lstm.bias_hh_l0.data
    H = W_hh.shape[1]
    h, c = np.zeros(H), np.zeros(H)
    for x_t in x:
        gates = W_ih @ x_t + W_hh @ h + b  # (4H,)
        i, f = sigmoid(gates[:H]), sigmoid(gates[H : 2 * H])
        g, o = np.tanh(gates[2 * H : 3 * H]), sigmoid(gates[3 * H :])
        c = f * c + i * g
        h = o * np.tanh(c)
    return h


def test_the_question_encoder_returns_h_at_each_questions_last_word():
    """Padding after a short question never reaches its h_T: each row equals the LSTM
    run over that question's own words alone, written out in numpy."""
    model = tiny_vqa()
    _, arrays = batch()
    h_T = model.question(arrays.tokens, arrays.lengths).numpy()  # (Q, H)
    table = model.question.embedding.weight.data
    for row in range(len(arrays)):
        words = arrays.tokens[row, : arrays.lengths[row]]
        expected = lstm_last_state(model.question.lstm, table[words])
        np.testing.assert_allclose(h_T[row], expected, rtol=1e-10, atol=1e-12)


def test_the_logits_are_the_lessons_equations():
    """ŷ = W_a ((W_v flatten(CNN(x)) + b_v) ⊙ tanh(W_q h_T + b_q)) + b_a."""
    model = tiny_vqa()
    images, arrays = batch()
    logits = model(images, arrays.tokens, arrays.lengths, arrays.image_rows).numpy()
    grid = model.cnn.features(images).numpy()  # (N, C, h, w)
    flat = grid.reshape(len(images), -1)[arrays.image_rows]  # one row per question
    h_T = model.question(arrays.tokens, arrays.lengths).numpy()

    def linear(layer, x):
        return x @ layer.weight.data.T + layer.bias.data

    v = linear(model.image_proj, flat)
    q = np.tanh(linear(model.question_proj, h_T))
    expected = linear(model.classifier, v * q)
    np.testing.assert_allclose(logits, expected, rtol=1e-10, atol=1e-12)


def test_image_rows_give_the_same_answers_as_repeating_the_pictures():
    model = tiny_vqa()
    images, arrays = batch()
    shared = model(images, arrays.tokens, arrays.lengths, arrays.image_rows).numpy()
    repeated = model(images[arrays.image_rows], arrays.tokens, arrays.lengths).numpy()
    np.testing.assert_allclose(shared, repeated, rtol=1e-12, atol=1e-12)


def test_without_image_rows_the_rows_must_match():
    model = tiny_vqa()
    images, arrays = batch()
    with pytest.raises(ShapeError, match="image_rows"):
        model(images, arrays.tokens, arrays.lengths)


def test_the_question_only_model_never_looks_at_the_picture():
    tg.set_default_dtype(np.float64)
    tg.manual_seed(0)
    model = vqa.QuestionOnlyModel(len(vocabulary()), 6, embedding_dim=3, hidden_size=4)
    images, arrays = batch()
    first = model(images, arrays.tokens, arrays.lengths, arrays.image_rows).numpy()
    second = model(1 - images, arrays.tokens, arrays.lengths).numpy()
    np.testing.assert_array_equal(first, second)
    assert not any("cnn" in name or "image" in name for name, _ in model.named_parameters())


def test_vqa_gradients_match_finite_differences():
    """Through the classifier, the product, both projections, the LSTM, the Embedding
    and the CNN's first convolution."""
    model = tiny_vqa(seed=3)
    images, arrays = batch(seed=4)
    targets = np.array([0, 1, 2, 3, 5])
    weights = [
        model.classifier.weight,
        model.image_proj.weight,
        model.question_proj.bias,
        model.question.lstm.weight_hh_l0,
        model.question.embedding.weight,
        model.cnn.layers.conv1.weight,
    ]

    def loss(*_):
        logits = model(images, arrays.tokens, arrays.lengths, arrays.image_rows)
        return tg.functional.cross_entropy(logits, targets)

    assert tg.gradcheck(loss, weights)


def test_question_arrays_and_the_answer_list():
    vocab = vocabulary()
    answers = vqa.answer_list(QUESTIONS)
    assert answers == ["circle", "left", "no", "red", "two"]
    questions = QUESTIONS[:3] + [FakeQuestion(2, "is there a red", "yes", "exists")]
    arrays = vqa.question_arrays(questions, vocab, answers)
    assert arrays.tokens.shape == (4, 5)  # the longest questions have five words
    np.testing.assert_array_equal(arrays.lengths, [5, 5, 5, 4])
    assert vocab.decode(arrays.tokens[0, :5]) == "what colour is the circle"
    assert list(arrays.tokens[3, 4:]) == [vocab.pad_index]
    np.testing.assert_array_equal(arrays.image_rows, [0, 0, 1, 2])
    np.testing.assert_array_equal(arrays.answers, [3, 2, 4, -1])  # "yes" is not in the list
    assert list(arrays.kinds) == ["colour", "exists", "count", "exists"]


def test_accuracy_by_kind_counts_right_answers():
    arrays = vqa.question_arrays(QUESTIONS, vocabulary(), vqa.answer_list(QUESTIONS))
    predicted = arrays.answers.copy()
    predicted[[1, 4]] = 0  # the "exists" and the "side" question wrong
    accuracy = vqa.accuracy_by_kind(predicted, arrays)
    assert accuracy == {
        "colour": 1.0,
        "count": 1.0,
        "exists": 0.0,
        "shape": 1.0,
        "side": 0.0,
        "overall": 3 / 5,
    }


def test_word_vectors_fill_the_rows_of_the_words_they_cover(tmp_path):
    model = tiny_vqa()
    vocab = vocabulary()
    rng = np.random.default_rng(0)
    vectors = rng.normal(0, 0.2, (3, 3)).astype(np.float32)
    path = save_word_vectors(tmp_path / "v.npz", ["circle", "thou", "red"], vectors)
    before = model.question.embedding.weight.data.copy()
    found = vqa.start_from_word_vectors(model.question.embedding, vocab, path)
    after = model.question.embedding.weight.data
    specials = len(vocab.specials)
    assert found.sum() == 2 and len(found) == len(vocab) - specials
    scale = 1 / vectors.std()
    np.testing.assert_allclose(after[vocab.stoi["circle"]], vectors[0] * scale, rtol=1e-6)
    np.testing.assert_allclose(after[vocab.stoi["red"]], vectors[2] * scale, rtol=1e-6)
    untouched = [k for k in range(len(vocab)) if vocab.itos[k] not in ("circle", "red")]
    np.testing.assert_array_equal(after[untouched], before[untouched])


def test_word_vectors_of_another_size_are_refused(tmp_path):
    model = tiny_vqa()
    path = save_word_vectors(tmp_path / "v.npz", ["red"], np.ones((1, 7), dtype=np.float32))
    with pytest.raises(ShapeError, match="7-dimensional"):
        vqa.start_from_word_vectors(model.question.embedding, vocabulary(), path)


# --------------------------------------------------------------------------------------
# The lesson
# --------------------------------------------------------------------------------------
def load_lesson():
    return load_script(EXAMPLES / "14_vqa.py")


def test_a_lesson_batch_holds_all_questions_of_its_pictures():
    lesson = load_lesson()
    world = data.picture_world(6, questions_per_image=3, seed=5)
    vocab = data.WordVocab.from_text([q.text for q in world.questions])
    answers = vqa.answer_list(world.questions)
    arrays = vqa.question_arrays(world.questions, vocab, answers)
    by_image = lesson.questions_by_image(arrays, len(world))
    chosen = np.array([4, 1])
    images, tokens, lengths, image_rows, targets = lesson.batch_of(world, arrays, chosen, by_image)
    expected = [q for q in world.questions if q.image in (4, 1)]
    expected.sort(key=lambda q: [4, 1].index(q.image))  # the batch's picture order
    assert len(targets) == len(expected)
    for k, question in enumerate(expected):
        assert vocab.decode(tokens[k, : lengths[k]]) == question.text
        assert answers[targets[k]] == question.answer
        np.testing.assert_array_equal(images[image_rows[k]], world.images[question.image])


def test_the_lesson_runs_and_its_table_counts_the_questions(tmp_path):
    out = run_example(
        "14_vqa.py",
        "--steps", "3", "--train-images", "24", "--test-images", "10", "--pictures", "4",
        "--embedding", "8", "--hidden", "8", "--fused", "8", "--examples", "3",
        "--embeddings", "none", "--out", str(tmp_path), "--seed", "1",
    )  # fmt: skip
    assert "word embeddings: learned from scratch" in out
    test = data.picture_world(10, seed=3)  # the lesson's held-out world for --seed 1
    rows = {}
    for kind in (*data.QUESTION_KINDS, "overall"):
        line = next(line for line in out.splitlines() if line.startswith(kind + " "))
        percentages = [float(p) for p in re.findall(r"(\d+\.\d)%", line)]
        assert len(percentages) == 2  # the VQA model and the question-only model
        rows[kind] = (int(line.split()[-1]), np.array(percentages))
    for kind in data.QUESTION_KINDS:
        assert rows[kind][0] == sum(q.kind == kind for q in test.questions)
    assert rows["overall"][0] == len(test.questions)
    # overall = the kinds' accuracies weighted by their question counts (printed to 0.1 %)
    weighted = sum(rows[k][0] * rows[k][1] for k in data.QUESTION_KINDS) / len(test.questions)
    np.testing.assert_allclose(weighted, rows["overall"][1], atol=0.1)
    assert (tmp_path / "vqa_examples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_lesson_starts_from_word_vectors_when_given(tmp_path):
    vectors = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    path = save_word_vectors(tmp_path / "v.npz", ["circle", "red", "thou"], vectors)
    out = run_example(
        "14_vqa.py",
        "--steps", "2", "--train-images", "12", "--test-images", "4", "--no-compare",
        "--hidden", "8", "--fused", "8", "--examples", "0", "--embeddings", str(path),
        "--out", str(tmp_path),
    )  # fmt: skip
    train = data.picture_world(12, seed=0)
    words = {word for q in train.questions for word in q.text.split()}
    covered = len(words & {"circle", "red"})
    assert f"word embeddings: {covered} of {len(words)} question words start from" in out
    assert "(E = 8)" in out
