"""The checkpoint of a char-LM run - model + vocabulary + Adam state + step in one .npz -
and how it is written.

    save_checkpoint(run, "charlm.npz")         # atomic: temporary file + rename
    check_checkpoint_writable("charlm.npz")    # before training: never lose a run at its first save

The file is what tinygrad_rnn/checkpoint.py writes for any model (tg.save), with the
flat {name: array} view of CharLMCheckpoint below; numbers only, no pickle.

Read next: loading.py (reading it back, every entry checked first).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..checkpoint import checkpoint_path, refuse_folder, with_user_line, write_checkpoint
from ..errors import CheckpointError
from ..files import check_writable
from ..optim import Adam
from .training import CharLMRun


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
