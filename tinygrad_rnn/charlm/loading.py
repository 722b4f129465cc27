"""Reading a char-LM checkpoint back: every entry checked before any number is read.

    run = load_checkpoint("charlm.npz")        # ... and training continues bit for bit

k steps = j steps + save + load + (k - j) steps, bit for bit: the weights, Adam's m, v and
step counts, the step and the text's fingerprint all come back.

Read next: interrupt.py (stopping a run between two steps, so it can be saved).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np

from ..checkpoint import (
    CLASS_KEY,
    CheckpointArchive,
    check_format,
    entry_problems,
    existing_checkpoint,
    read_entries,
    read_metadata,
    with_user_line,
)
from ..data import CharVocab
from ..data.errors import DataError
from ..errors import CheckpointError, StateDictError
from .checkpoint import (
    CharLMCheckpoint,
    flatten_optimizer_state,
    from_json_bytes,
    unflatten_optimizer_state,
)
from .config import CharLMConfig
from .training import CharLMRun, new_run

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
