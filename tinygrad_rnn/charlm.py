"""The character-level language model of lesson 5: read text, predict the next character.

    model: x (B, T) character ids -> Embedding (B, T, E) -> LSTM (B, T, H) -> Linear (B, T, V)
    loss:  J = mean over the B*T positions of -log softmax(o_t)[next character]   (nats/char)

The seeds' char-LSTM generator (windows of 40 characters, LSTM(128)), with PyTorch's
layers and names (`embedding.weight`, `lstm.weight_ih_l0`, `fc.weight` ...). Everything a
training script needs is here, and nothing it prints: `examples/05_char_lstm.py` and
`tinygrad-rnn train-charlm` (commands/charlm.py) add the progress bar and the output.

    config = CharLMConfig()                        # E = H = 128, B = 32, T = 40, Adam 3e-3
    corpus = prepare_corpus(text, config)          # vocabulary + 90/10 split by position
    run = new_run(corpus.vocab, config)            # model + optimizer, step 0
    for step, loss in train(run, corpus.train, until_step=1500):
        ...                                        # one Adam step per iteration
    evaluate(run.model, corpus.val)                # validation loss in nats per character
    save_checkpoint(run, "charlm.npz")             # model + vocabulary + Adam state + step
    run = load_checkpoint("charlm.npz")            # ... and training continues bit for bit
    sample(run.model, run.vocab, 300, temperature=0.5, prime="ROMEO:", rng=rng)

Batches. Step s trains on B random windows of T characters whose start positions come from
a generator seeded with (seed, s) (`batch_at`): the batches do not depend on what ran
before, so a run resumed from a checkpoint at step j sees exactly the batches an
uninterrupted run sees, and k steps = j steps + save + load + (k - j) steps, bit for bit.
Each window starts from h_0 = c_0 = 0 (no carry-over between batches).

Evaluation. `evaluate` reads the held-out text as `batch_size` contiguous streams, carrying
(h, c) from one window to the next (truncated-BPTT order, data.bptt_batches), so every
character is predicted from all the text before it in its stream: the loss is the average
of -log p(next character) over the validation text, in nats (divide by ln 2 for bits).

Read next: commands/charlm.py (the command line around these functions), then
examples/05_char_lstm.py.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from . import functional as F
from .checkpoint import (
    CLASS_KEY,
    CheckpointArchive,
    check_format,
    checkpoint_path,
    entry_problems,
    existing_checkpoint,
    read_entries,
    read_metadata,
    refuse_folder,
    with_user_line,
    write_checkpoint,
)
from .data import CharVocab, Vocab, bptt_batches, random_windows, split_text
from .data.errors import DataError
from .errors import CheckpointError, StateDictError
from .files import check_writable
from .graph import no_grad
from .nn import LSTM, Embedding, Linear, Module
from .nn.utils import clip_grad_norm_
from .optim import Adam
from .tensor import Tensor, get_default_dtype, manual_seed, set_default_dtype

DTYPES = {"float32": np.float32, "float64": np.float64}


# --------------------------------------------------------------------------------------
# Configuration and data
# --------------------------------------------------------------------------------------
@dataclass
class CharLMConfig:
    """The sizes and training settings of a run (saved in the checkpoint).

    The defaults are lesson 5's model: embedding 128, LSTM 128, batches of B = 32 windows
    of T = 40 characters, Adam with lr 3e-3, gradient norm clipped at 5, float32.
    """

    embedding_dim: int = 128
    hidden_size: int = 128
    batch_size: int = 32
    seq_len: int = 40
    lr: float = 3e-3
    clip: float = 5.0
    seed: int = 0
    val_fraction: float = 0.1
    dtype: str = "float32"

    def __post_init__(self) -> None:
        for name in ("embedding_dim", "hidden_size", "batch_size", "seq_len"):
            value = getattr(self, name)
            if not _is_whole_number(value) or value < 1:
                raise ValueError(f"CharLMConfig: {name} must be a whole number >= 1, got {value!r}")
        if not _is_whole_number(self.seed):
            raise ValueError(f"CharLMConfig: seed must be a whole number, got {self.seed!r}")
        for name in ("lr", "clip", "val_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
                raise ValueError(f"CharLMConfig: {name} must be a number, got {value!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"CharLMConfig: lr must be a positive number, got {self.lr!r}")
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ValueError(f"CharLMConfig: clip must be a positive number, got {self.clip!r}")
        if not 0.0 < self.val_fraction < 1.0:
            raise ValueError(
                f"CharLMConfig: val_fraction must be between 0 and 1, got {self.val_fraction!r}"
            )
        if not isinstance(self.dtype, str) or self.dtype not in DTYPES:
            raise ValueError(
                f"CharLMConfig: dtype must be one of {sorted(DTYPES)}, got {self.dtype!r}"
            )


def _is_whole_number(value) -> bool:
    """An int (or numpy integer), but not a bool (True is an int in Python)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass
class Corpus:
    """A text ready for training: its vocabulary and the two id arrays (int64)."""

    vocab: CharVocab
    train: np.ndarray  # the first 90 % of the text, as ids
    val: np.ndarray  # the last 10 %
    fingerprint: int  # crc32 of the text, to notice a resume on different text


def text_fingerprint(text: str) -> int:
    """crc32 of the UTF-8 text: a cheap way to tell whether two runs read the same corpus."""
    return zlib.crc32(text.encode("utf-8"))


def prepare_corpus(text: str, config: CharLMConfig, vocab: CharVocab | None = None) -> Corpus:
    """Vocabulary (of the whole text unless given) and the split by position:
    train = the first (1 - val_fraction) of the characters, val = the rest.

    Raises DataError when the text is too short for windows of seq_len + 1 characters.
    """
    if vocab is None:
        vocab = CharVocab.from_text(text)
    ids = vocab.encode(text)  # (N,) int64
    train_ids, val_ids = split_text(ids, config.val_fraction)
    shortest = config.seq_len + 1
    if len(train_ids) <= shortest or len(val_ids) < 2:
        raise DataError(
            f"the text has {len(ids)} characters: too short for windows of seq_len="
            f"{config.seq_len} (need more than {shortest} for training and 2 for "
            f"validation after a {1 - config.val_fraction:.0%}/{config.val_fraction:.0%} "
            f"split); use a longer text or a smaller seq_len"
        )
    return Corpus(vocab, train_ids, val_ids, text_fingerprint(text))


def batch_at(train_ids: np.ndarray, step: int, config: CharLMConfig):
    """The (x, y) batch of training step `step`: B random windows, y = x shifted by one.

    x, y  (B, T) int64;  x[b] = text[s_b : s_b + T],  y[b] = text[s_b + 1 : s_b + T + 1]
    The start positions s_b come from a generator seeded with (seed, step), so the batch
    of a step is the same whether or not the run was resumed.
    """
    rng = np.random.default_rng((config.seed, step))
    windows = random_windows(train_ids, config.batch_size, config.seq_len, num_batches=1, seed=rng)
    return next(windows)


# --------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------
class CharLM(Module):
    """Embedding -> LSTM -> Linear: the scores of the next character at every position.

        e_t = embedding.weight[x_t]                       (E,)
        h_t, c_t = LSTM(e_t, (h_{t-1}, c_{t-1}))           (H,) each, h_0 = c_0 = 0
        o_t = fc.weight h_t + fc.bias                      (V,)  scores (logits)
        p(x_{t+1} | x_1..x_t) = softmax(o_t)

    forward(x, state=None) -> (o, (h_n, c_n))
      x      (B, T) integer character ids
      state  None, or (h, c) each (1, B, H): the state to start from (e.g. carried over
             from the previous window, or while sampling one character at a time)
      o      (B, T, V) scores;  h_n, c_n (1, B, H) the state after the last character
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 128, hidden_size: int = 128):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.lstm = LSTM(embedding_dim, hidden_size, batch_first=True)
        self.fc = Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        e = self.embedding(x)  # (B, T, E)
        h, state = self.lstm(e, state)  # (B, T, H); state (h_n, c_n), each (1, B, H)
        return self.fc(h), state  # (B, T, V)

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}"


@contextmanager
def default_dtype(dtype):
    """Inside the block, new parameters get `dtype`; the previous default comes back after."""
    previous = get_default_dtype()
    set_default_dtype(dtype)
    try:
        yield
    finally:
        set_default_dtype(previous)


def build_model(vocab_size: int, config: CharLMConfig) -> CharLM:
    """A CharLM with config's sizes and dtype, initialised from `tg.manual_seed(config.seed)`."""
    manual_seed(config.seed)
    with default_dtype(DTYPES[config.dtype]):
        return CharLM(vocab_size, config.embedding_dim, config.hidden_size)


def build_optimizer(model: CharLM, config: CharLMConfig) -> Adam:
    return Adam(model.parameters(), lr=config.lr)


# --------------------------------------------------------------------------------------
# Training and evaluation
# --------------------------------------------------------------------------------------
@dataclass
class CharLMRun:
    """Everything a training run is, and what a checkpoint stores.

    step         optimizer steps taken so far (the next step to run is step + 1)
    fingerprint  crc32 of the text the run trains on (None if unknown)
    """

    model: CharLM
    optimizer: Adam
    vocab: CharVocab
    config: CharLMConfig
    step: int = 0
    fingerprint: int | None = None


def new_run(vocab: CharVocab, config: CharLMConfig, fingerprint: int | None = None) -> CharLMRun:
    """A fresh model (seeded) and its Adam optimizer, at step 0."""
    model = build_model(len(vocab), config)
    return CharLMRun(model, build_optimizer(model, config), vocab, config, 0, fingerprint)


def lm_loss(model: CharLM, x, y) -> Tensor:
    """Mean cross-entropy of the next-character predictions, in nats per character.

    x, y  (B, T) ids, y[b, t] the character after x[b, t].   J = -(1/BT) Σ log p(y | x)
    """
    scores, _ = model(x)  # (B, T, V)
    B, T, V = scores.shape
    return F.cross_entropy(scores.reshape(B * T, V), np.asarray(y).reshape(B * T))


def train_step(model: CharLM, optimizer: Adam, x, y, clip: float) -> tuple[float, float]:
    """One update: forward, backward, clip the gradient norm, Adam. Returns (J, ‖∇‖).

    `backward(retain_graph=False)` frees the graph as it goes (nothing here reads the
    intermediate gradients), which keeps a long run lean. A batch whose gradient holds
    NaN or inf gets no Adam step (clip_grad_norm_ warns): one such step would make every
    weight NaN for good.
    """
    optimizer.zero_grad()
    loss = lm_loss(model, x, y)
    loss.backward(retain_graph=False)
    norm = clip_grad_norm_(model.parameters(), clip).item()  # before clipping
    if math.isfinite(norm):
        optimizer.step()
    return loss.item(), norm


def train(run: CharLMRun, train_ids: np.ndarray, until_step: int) -> Iterator[tuple[int, float]]:
    """Train from step run.step + 1 up to `until_step`; yields (step, J) after each step.

    `run.step` is updated after every completed step, so stopping the loop at any yield
    (Ctrl-C, an early stop) leaves a run that `save_checkpoint` can store and resume.
    """
    for step in range(run.step + 1, until_step + 1):
        x, y = batch_at(train_ids, step, run.config)
        loss, _ = train_step(run.model, run.optimizer, x, y, run.config.clip)
        run.step = step
        yield step, loss


def evaluate(
    model: CharLM, ids: np.ndarray, batch_size: int = 32, seq_len: int = 100, max_chars=None
) -> float:
    """Average -log p(next character) over `ids`, in nats per character (no gradients).

    The text is cut into `batch_size` contiguous streams read in windows of `seq_len`,
    with (h, c) carried from each window to the next (see the module docstring). With
    `max_chars`, only the first max_chars characters are scored (a quick estimate).
    """
    ids = np.asarray(ids)
    if max_chars is not None:
        ids = ids[: max(int(max_chars), 2)]
    streams = max(1, min(batch_size, (len(ids) - 1) // max(seq_len, 1)))
    total = 0.0
    count = 0
    state = None
    with no_grad():
        for x, y in bptt_batches(ids, streams, seq_len):
            scores, state = model(x, state)  # (B, T', V)
            B, T, V = scores.shape
            loss = F.cross_entropy(scores.reshape(B * T, V), y.reshape(B * T), reduction="sum")
            total += float(loss.item())
            count += y.size
    return total / count


# --------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------
def next_char_probabilities(
    scores: np.ndarray, temperature: float, banned: tuple[int, ...] = ()
) -> np.ndarray:
    """p_i = exp(o_i / τ) / Σ_j exp(o_j / τ), in float64, with the `banned` ids at 0.

    τ < 1 sharpens the distribution (safer, more repetitive text), τ > 1 flattens it
    (more surprising, more mistakes); τ = 0 is the limit: all mass on the argmax.
    """
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature)):
        raise ValueError(f"sample: temperature must be a number >= 0, got {temperature!r}")
    if temperature < 0:
        raise ValueError(f"sample: temperature must be >= 0, got {temperature}")
    scores = np.array(scores, dtype=np.float64)  # (V,)
    allowed = np.ones(scores.shape, dtype=bool)
    allowed[list(banned)] = False
    if temperature == 0:
        best = np.flatnonzero(allowed)[np.argmax(scores[allowed])]
        probabilities = np.zeros_like(scores)
        probabilities[best] = 1.0
        return probabilities
    z = np.where(allowed, scores / temperature, -np.inf)
    z = z - z.max()  # the largest becomes 0, so exp cannot overflow
    e = np.exp(z)
    return e / e.sum()


def sample(
    model: CharLM,
    vocab: Vocab,
    length: int,
    temperature: float = 1.0,
    prime: str = "\n",
    rng: np.random.Generator | int | None = None,
) -> str:
    """`length` new characters, each drawn from softmax(o_t / τ) given all before it.

    The model first reads `prime` (unknown characters read as <unk>), then feeds every
    character it draws back in, one at a time, carrying (h, c). Special tokens (<pad>,
    <unk>) are never drawn. `rng` (a Generator or a seed) makes the text reproducible.
    Returns the new characters only (without the prime).
    """
    if length < 0:
        raise ValueError(f"sample: length must be >= 0, got {length}")
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    banned = tuple(range(len(vocab.specials)))
    if len(banned) >= len(vocab):
        raise ValueError("sample: the vocabulary has no characters besides its special tokens")
    prime_ids = vocab.encode(prime if prime else "\n")
    drawn = []
    with no_grad():
        scores, state = model(prime_ids.reshape(1, -1))  # (1, P, V)
        for _ in range(length):
            p = next_char_probabilities(scores.data[0, -1], temperature, banned)  # (V,)
            index = int(rng.choice(len(p), p=p))
            drawn.append(index)
            scores, state = model(np.array([[index]]), state)  # (1, 1, V)
    return vocab.decode(drawn)


# --------------------------------------------------------------------------------------
# Checkpoints: model + vocabulary + optimizer + step in one .npz
# --------------------------------------------------------------------------------------
class CharLMCheckpoint:
    """The flat {name: array} view of a CharLMRun that tg.save writes and tg.load reads.

        model.<name>                   the model's state_dict ("model.lstm.weight_ih_l0" ...)
        optimizer.state.<i>.<buffer>   Adam's m, v and step count of parameter i
        optimizer.group.<g>.<option>   lr, betas, eps, weight_decay of group g
        step                           optimizer steps taken
        fingerprint                    crc32 of the training text (-1 if unknown)
        config, vocab                  JSON text stored as uint8 bytes (a checkpoint holds
                                       numbers only: it is read with allow_pickle=False)

    `save_checkpoint` writes it with tg.save; `load_checkpoint` reads the archive back,
    checking every entry against the run its config describes before reading it.
    """

    def __init__(self, run: CharLMRun | None = None) -> None:
        self.run = run
        self.arrays: dict[str, np.ndarray] = {}

    def state_dict(self) -> dict[str, np.ndarray]:
        run = self.run
        arrays = {f"model.{name}": array for name, array in run.model.state_dict().items()}
        arrays.update(flatten_optimizer_state(run.optimizer.state_dict()))
        arrays["step"] = np.array(run.step, dtype=np.int64)
        fingerprint = -1 if run.fingerprint is None else run.fingerprint
        arrays["fingerprint"] = np.array(fingerprint, dtype=np.int64)
        arrays["config"] = json_bytes(asdict(run.config))
        arrays["vocab"] = json_bytes(run.vocab.to_dict())
        return arrays

    def load_state_dict(self, state, strict: bool = True) -> None:
        self.arrays = {name: np.asarray(value) for name, value in state.items()}


def json_bytes(value) -> np.ndarray:
    """A JSON-able value as a uint8 array of its UTF-8 text."""
    return np.frombuffer(json.dumps(value).encode("utf-8"), dtype=np.uint8).copy()


def from_json_bytes(array: np.ndarray, name: str, source):
    try:
        return json.loads(bytes(np.asarray(array, dtype=np.uint8)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(
            f"load_checkpoint: entry {name!r} of {source} is damaged ({error})"
        ) from None


def flatten_optimizer_state(state_dict: dict) -> dict[str, np.ndarray]:
    """optimizer.state_dict() as flat arrays (see CharLMCheckpoint)."""
    arrays = {}
    for index, buffers in state_dict["state"].items():
        for key, value in buffers.items():
            arrays[f"optimizer.state.{index}.{key}"] = np.array(value)
    for number, group in enumerate(state_dict["param_groups"]):
        for key, value in group.items():
            if key != "params":
                arrays[f"optimizer.group.{number}.{key}"] = np.array(value, dtype=np.float64)
    return arrays


def unflatten_optimizer_state(arrays: dict[str, np.ndarray], optimizer: Adam) -> dict:
    """The inverse of flatten_optimizer_state, for `optimizer.load_state_dict`."""
    template = optimizer.state_dict()
    state: dict[int, dict] = {}
    groups = []
    for number, group in enumerate(template["param_groups"]):
        restored = dict(group)
        for key in group:
            name = f"optimizer.group.{number}.{key}"
            if key == "params" or name not in arrays:
                continue
            value = arrays[name]
            restored[key] = tuple(float(v) for v in value) if value.ndim else float(value)
        groups.append(restored)
    for name, value in arrays.items():
        if not name.startswith("optimizer.state."):
            continue
        _, _, index, key = name.split(".", 3)
        # the step count goes back to a Python int: Adam computes beta**step with it
        restored = int(value) if key == "step" else value
        state.setdefault(int(index), {})[key] = restored
    return {"state": state, "param_groups": groups}


def save_checkpoint(run: CharLMRun, path) -> Path:
    """Write the run to `path` (.npz; atomic: temporary file + rename), creating missing
    folders. Returns the path written. Raises CheckpointError if it cannot be written."""
    try:
        refuse_folder(path, "save_checkpoint")
        path = checkpoint_path(path)
        _make_folders(path)
        return write_checkpoint(CharLMCheckpoint(run), path, "save_checkpoint")
    except CheckpointError as error:
        raise with_user_line(error) from error.__cause__


def _make_folders(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CheckpointError(
            f"save_checkpoint: cannot create the folder {str(path.parent)!r} for {path}: "
            f"{error.strerror or error}"
        ) from None


def check_checkpoint_writable(path) -> Path:
    """The checkpoint file `save_checkpoint(run, path)` will write, after checking that
    it can be written (folders that do not exist yet must be creatable). Run it before
    training, so a run is never lost at its first save. Leaves nothing behind.

    Raises CheckpointError saying why (a folder, a read-only place, a file in the way).
    """
    refuse_folder(path, "cannot save the checkpoint")
    target = checkpoint_path(path)
    try:
        check_writable(target, make_folders=True)
    except OSError as error:
        raise CheckpointError(f"cannot save the checkpoint {target}: {error}") from None
    return target


# What a checkpoint of a run holds besides the model and the optimizer; config and vocab
# are JSON text of any length (read first, with a bound), step and fingerprint are ints.
CHECKPOINT_CLASS = CharLMCheckpoint.__name__
REQUIRED_ENTRIES = ("config", "vocab", "step")
MAX_JSON_BYTES = 16 * 2**20  # config and vocabulary text; a big character set is ~100 KB
MAX_PARAMETERS = 50_000_000  # 200 MB of float32: far above a lesson model (~150 000)
ADAM_BUFFERS = ("exp_avg", "exp_avg_sq")  # Adam's m and v, each of its parameter's shape


def load_checkpoint(path) -> CharLMRun:
    """The run saved at `path`: model, optimizer state, vocabulary, config and step.

    Checked in this order, reading no array's data before its header has been checked:
    the file (exists, an .npz), its class (a char-LM checkpoint, not e.g. tg.save of a
    model), the config and vocabulary (JSON, bounded in size, valid), then every entry's
    name, shape and dtype against the model the config describes, then the numbers
    (no NaN/inf). Raises CheckpointError naming the file and what is wrong.
    """
    try:
        return _read_run(path)
    except (CheckpointError, StateDictError) as error:
        raise with_user_line(error) from error.__cause__


def _read_run(path) -> CharLMRun:
    """`load_checkpoint` without the user's line in its errors."""
    source = existing_checkpoint(path, "load_checkpoint")
    with CheckpointArchive(source, "load_checkpoint") as archive:
        metadata = read_metadata(archive)
        check_format(metadata, archive)
        _check_checkpoint_class(metadata, source)
        missing = [name for name in REQUIRED_ENTRIES if name not in archive.entries]
        if missing:
            raise CheckpointError(
                f"load_checkpoint: {source} is not a char-LM checkpoint: it has no "
                f"{', '.join(repr(name) for name in missing)} entry (write one with "
                f"`tinygrad-rnn train-charlm` or charlm.save_checkpoint)"
            )
        config = _read_config(archive)
        vocab = _read_vocab(archive)
        _check_model_size(len(vocab), config, source)
        run = new_run(vocab, config)
        expected = _expected_entries(run, archive)
        problems = entry_problems(archive, expected, strict=True)
        if problems:
            lines = "; ".join(problems)
            raise CheckpointError(
                f"load_checkpoint: {source} does not fit the run its config describes "
                f"({len(problems)} problem(s)): {lines}"
            )
        model_names = [name for name in expected if name.startswith("model.")]
        other_names = [
            name
            for name in expected
            if not name.startswith("model.") and name not in ("config", "vocab")  # read above
        ]
        arrays = read_entries(archive, model_names, noun="parameter")
        arrays.update(read_entries(archive, other_names, noun="entry"))
    _restore_run(run, arrays, source)
    return run


def _check_checkpoint_class(metadata: dict, source: Path) -> None:
    """Refuse a tg.save checkpoint of some model (e.g. sample --checkpoint lstm.npz)."""
    saved_class = metadata.get(CLASS_KEY)
    if saved_class is not None and saved_class != CHECKPOINT_CLASS:
        raise CheckpointError(
            f"load_checkpoint: {source} is a checkpoint of a {saved_class} (written by "
            f"tg.save), not a char-LM run written by `tinygrad-rnn train-charlm` or "
            f"charlm.save_checkpoint; load it with tg.load({saved_class}(...), path)"
        )


def _read_json_entry(archive: CheckpointArchive, name: str):
    """The JSON value stored as UTF-8 bytes in entry `name` (at most MAX_JSON_BYTES)."""
    header = archive.entries[name]
    if header.dtype != np.uint8 or len(header.shape) != 1:
        raise CheckpointError(
            f"load_checkpoint: entry {name!r} of {archive.source} should be JSON text "
            f"stored as uint8 bytes, but it is a {header.describe()}"
        )
    return from_json_bytes(archive.read(name, max_bytes=MAX_JSON_BYTES), name, archive.source)


def _read_config(archive: CheckpointArchive) -> CharLMConfig:
    """The run's CharLMConfig; unknown keys are ignored (a newer version may add some)."""
    values = _read_json_entry(archive, "config")
    if not isinstance(values, dict):
        raise CheckpointError(
            f"load_checkpoint: the config in {archive.source} is a JSON "
            f"{type(values).__name__}, not an object of settings such as "
            f'{{"hidden_size": 128, ...}}'
        )
    known = {field.name for field in fields(CharLMConfig)}
    try:
        return CharLMConfig(**{k: v for k, v in values.items() if k in known})
    except (TypeError, ValueError) as error:
        raise CheckpointError(
            f"load_checkpoint: the config in {archive.source} is invalid: {error}"
        ) from None


def _read_vocab(archive: CheckpointArchive) -> CharVocab:
    description = _read_json_entry(archive, "vocab")
    try:
        return CharVocab.from_dict(description, f"the vocabulary in {archive.source}")
    except (DataError, TypeError, ValueError, KeyError) as error:
        raise CheckpointError(f"load_checkpoint: {error}") from None


def _check_model_size(vocab_size: int, config: CharLMConfig, source: Path) -> None:
    """Refuse a config that describes a model too big to build (checked before building)."""
    V, E, H = vocab_size, config.embedding_dim, config.hidden_size
    count = V * E + 4 * H * (E + H + 2) + H * V + V  # embedding, LSTM, fc
    if count > MAX_PARAMETERS:
        raise CheckpointError(
            f"load_checkpoint: the config in {source} describes a model of {count:,} "
            f"parameters (vocabulary {V}, embedding {E}, hidden {H}), more than the "
            f"{MAX_PARAMETERS:,} a char-LM checkpoint may have"
        )


def _expected_entries(run: CharLMRun, archive: CheckpointArchive) -> dict[str, np.ndarray]:
    """{name: array of the right shape and dtype} for every entry the checkpoint of `run`
    holds. Adam's buffers exist only for parameters that have taken a step, so they are
    expected for a parameter when the archive has any of them."""
    expected = {f"model.{name}": array for name, array in run.model.state_dict().items()}
    expected.update(flatten_optimizer_state(run.optimizer.state_dict()))  # the options
    for index, parameter in enumerate(run.model.parameters()):
        prefix = f"optimizer.state.{index}."
        if any(name.startswith(prefix) for name in archive.entries):
            expected[prefix + "step"] = np.zeros((), dtype=np.int64)
            for buffer in ADAM_BUFFERS:
                expected[prefix + buffer] = parameter.data
    expected["step"] = np.zeros((), dtype=np.int64)
    expected["fingerprint"] = np.zeros((), dtype=np.int64)
    for name in ("config", "vocab"):  # already read and checked: any length fits
        expected[name] = np.zeros(archive.entries[name].shape, dtype=np.uint8)
    return expected


def _restore_run(run: CharLMRun, arrays: dict[str, np.ndarray], source: Path) -> None:
    """Copy the checked arrays into the run: weights, Adam's state, step, fingerprint."""
    step = int(arrays["step"])
    steps_of_adam = [int(v) for k, v in arrays.items() if k.endswith(".step") and v.ndim == 0]
    if step < 0 or any(count < 0 for count in steps_of_adam):
        raise CheckpointError(f"load_checkpoint: {source} has a negative step count")
    prefix = "model."
    model_state = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
    run.model.load_state_dict(model_state)
    try:
        run.optimizer.load_state_dict(unflatten_optimizer_state(arrays, run.optimizer))
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointError(
            f"load_checkpoint: the optimizer state in {source} is damaged: {error}"
        ) from None
    run.step = step
    fingerprint = int(arrays.get("fingerprint", -1))
    run.fingerprint = None if fingerprint < 0 else fingerprint


# --------------------------------------------------------------------------------------
# Ctrl-C: finish the step, then stop
# --------------------------------------------------------------------------------------
class StopOnInterrupt:
    """While active, the first Ctrl-C (SIGINT) only sets `.requested`; the training loop
    checks it after each step, so the checkpoint it then saves holds whole steps (an
    interrupt in the middle of `optimizer.step()` would leave half the weights updated).
    A second Ctrl-C raises KeyboardInterrupt at once. Outside the main thread (where
    Python cannot install signal handlers) it does nothing.

        with StopOnInterrupt() as interrupt:
            for step, loss in train(run, ids, 4000):
                if interrupt.requested:
                    break
    """

    def __init__(self) -> None:
        self.requested = False
        self.previous = None
        self.installed = False

    def __enter__(self) -> StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.handle)
            self.installed = True
        return self

    def handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc_info) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)
            self.installed = False
