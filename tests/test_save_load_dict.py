"""tg.save(obj, path) / tg.load(path) for dicts of arrays, Tensors and numbers (PyTorch's
checkpoint pattern), never pickle; tg.save(model, path) / tg.load(model, path) unchanged."""

import json
import zipfile

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.nn as nn
from tinygrad_rnn import optim
from tinygrad_rnn.checkpoint_objects import STRUCTURE_KEY


def trained_model_and_optimizer(steps=3):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    optimizer = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    x = tg.tensor(np.random.default_rng(0).normal(size=(5, 3)))
    for _ in range(steps):
        optimizer.zero_grad()
        (model(x) ** 2).sum().backward()
        optimizer.step()
    return model, optimizer, x


def test_state_dict_round_trip_into_a_new_model(tmp_path):
    model, _, x = trained_model_and_optimizer()
    path = tg.save(model.state_dict(), tmp_path / "model.pt")
    assert path.name == "model.pt.npz"
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    fresh.load_state_dict(tg.load(tmp_path / "model.pt"))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())
    loaded = tg.load(path)
    assert list(loaded) == list(model.state_dict())  # the order is kept


def test_checkpoint_dict_resumes_training_bit_for_bit(tmp_path):
    model, optimizer, x = trained_model_and_optimizer()
    tg.save(
        {
            "epoch": 3,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "loss": 0.25,
            "note": "run 1",
            "best": None,
            "shape": (2, 3),
        },
        tmp_path / "checkpoint.npz",
    )
    checkpoint = tg.load(tmp_path / "checkpoint.npz")
    assert checkpoint["epoch"] == 3 and checkpoint["loss"] == 0.25
    assert checkpoint["note"] == "run 1" and checkpoint["best"] is None
    assert checkpoint["shape"] == (2, 3)
    assert set(checkpoint["optimizer"]["state"]) == {0, 1, 2, 3}  # int keys stay ints
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    fresh_optimizer = optim.Adam(fresh.parameters(), lr=0.5)
    fresh.load_state_dict(checkpoint["model"])
    fresh_optimizer.load_state_dict(checkpoint["optimizer"])
    assert fresh_optimizer.param_groups[0]["lr"] == 0.01
    assert fresh_optimizer.param_groups[0]["amsgrad"] is True
    for m, o in ((model, optimizer), (fresh, fresh_optimizer)):
        o.zero_grad()
        (m(x) ** 2).sum().backward()
        o.step()
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_kinds_come_back_as_they_went(tmp_path):
    obj = {
        "array": np.arange(4, dtype=np.int32),
        "tensor": tg.tensor([1.5, 2.5], requires_grad=True),
        "scalar": np.float32(0.5),
        "nested": [{"a": [1, 2.0, True]}, ()],
        7: "int key",
    }
    loaded = tg.load(tg.save(obj, tmp_path / "kinds"))
    assert loaded["array"].dtype == np.int32
    assert isinstance(loaded["tensor"], tg.Tensor) and loaded["tensor"].requires_grad
    np.testing.assert_array_equal(loaded["tensor"].numpy(), [1.5, 2.5])
    assert isinstance(loaded["scalar"], np.float32)
    assert loaded["nested"] == [{"a": [1, 2.0, True]}, ()]
    assert loaded[7] == "int key"


def test_the_file_is_a_plain_npz_with_a_json_structure(tmp_path):
    path = tg.save({"w": np.ones(2)}, tmp_path / "plain.npz")
    with np.load(path, allow_pickle=False) as archive:
        structure = json.loads(str(archive[STRUCTURE_KEY]))
        np.testing.assert_array_equal(archive["a0"], np.ones(2))
    assert structure == {"dict": [["w", {"array": "a0"}]]}
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())


def test_what_cannot_be_saved(tmp_path):
    with pytest.raises(tg.CheckpointError, match=r"\['model'\]"):
        tg.save({"model": object()}, tmp_path / "bad")
    with pytest.raises(tg.CheckpointError, match="dtype"):
        tg.save({"names": np.array(["a"], dtype=object)}, tmp_path / "bad")
    with pytest.raises(tg.CheckpointError, match="NaN"):
        tg.save({"w": np.array([np.nan])}, tmp_path / "bad")
    loop = []
    loop.append(loop)
    with pytest.raises(tg.CheckpointError, match="twice"):
        tg.save(loop, tmp_path / "bad")
    assert not list(tmp_path.iterdir())  # nothing was written


def test_module_checkpoints_and_state_dict_files_mix(tmp_path):
    model, _, x = trained_model_and_optimizer()
    tg.save(model, tmp_path / "old")  # the model's own format
    state = tg.load(tmp_path / "old")  # load(path) gives its state dict
    assert list(state) == list(model.state_dict())
    tg.save(model.state_dict(), tmp_path / "new")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    tg.load(fresh, tmp_path / "new")  # load(model, path) reads a saved state dict too
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_map_location(tmp_path):
    tg.save({"a": 1}, tmp_path / "m")
    assert tg.load(tmp_path / "m", map_location="cpu", weights_only=True) == {"a": 1}
    with pytest.raises(tg.CheckpointError, match="CPU"):
        tg.load(tmp_path / "m", map_location="cuda:0")
