"""checkpoint.py: tg save/load round trips bit-exactly, writes atomically, and rejects bad
files with a clear error - without ever touching an existing checkpoint."""

import os
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import checkpoint
from tinygrad_rnn.checkpoint import load, save
from tinygrad_rnn.nn.layers import Linear
from tinygrad_rnn.nn.module import Module
from tinygrad_rnn.nn.recurrent import LSTM


class TinyLM(Module):
    """A nested model: keys like "encoder.weight_ih_l0" and "fc.bias"."""

    def __init__(self, hidden=4):
        super().__init__()
        self.encoder = LSTM(3, hidden, num_layers=2)
        self.fc = Linear(hidden, 5)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def assert_state_bit_exact(a: Module, b: Module) -> None:
    state_a, state_b = a.state_dict(), b.state_dict()
    assert list(state_a) == list(state_b)
    for name in state_a:
        assert same_bits(state_a[name], state_b[name]), name


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------------------
# round trips
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_bit_exact_including_special_values(tmp_path, dtype):
    previous = tg.get_default_dtype()
    tg.set_default_dtype(dtype)
    try:
        model, other = Linear(4, 3), Linear(4, 3)
    finally:
        tg.set_default_dtype(previous)
    tiny = np.finfo(dtype).smallest_subnormal
    huge = np.finfo(dtype).max  # NaN and inf are refused (tests/test_files_trust.py)
    model.weight.data[0, :] = np.array([huge, -huge, -0.0, tiny], dtype=dtype)
    assert not same_bits(model.weight.data, other.weight.data)
    written = save(model, tmp_path / "linear.npz")
    assert written == tmp_path / "linear.npz"
    weight = other.weight
    assert load(other, written) is other
    assert other.weight is weight  # loaded in place: an optimizer holding it keeps working
    assert_state_bit_exact(model, other)
    assert other.weight.dtype == dtype


def test_round_trip_of_a_nested_model_with_str_and_path(tmp_path):
    tg.manual_seed(0)
    model = TinyLM()
    tg.manual_seed(1)
    other = TinyLM()
    save(model, str(tmp_path / "lm.npz"))
    load(other, Path(tmp_path / "lm.npz"))
    assert_state_bit_exact(model, other)
    assert "encoder.weight_hh_l1" in model.state_dict()


def test_npz_suffix_is_added_like_numpy_and_found_again(tmp_path):
    model, other = Linear(2, 2), Linear(2, 2)
    written = save(model, tmp_path / "model")
    assert written == tmp_path / "model.npz"
    assert files_in(tmp_path) == ["model.npz"]
    load(other, tmp_path / "model")  # "model" does not exist: "model.npz" is read
    assert_state_bit_exact(model, other)
    assert checkpoint.checkpoint_path("a/b.npz") == Path("a/b.npz")
    assert checkpoint.checkpoint_path("a/b.pt") == Path("a/b.pt.npz")


def test_file_is_a_plain_npz_with_metadata_readable_without_pickle(tmp_path):
    model = TinyLM()
    path = save(model, tmp_path / "lm")
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        assert str(archive[checkpoint.CLASS_KEY]) == "TinyLM"
        assert int(archive[checkpoint.FORMAT_KEY]) == checkpoint.FORMAT_VERSION
        assert str(archive[checkpoint.LIBRARY_KEY]) == tg.__version__
        assert same_bits(archive["fc.weight"], model.fc.weight.data)
    metadata = {checkpoint.CLASS_KEY, checkpoint.FORMAT_KEY, checkpoint.LIBRARY_KEY}
    assert names == set(model.state_dict()) | metadata


def test_saving_over_an_existing_checkpoint_replaces_it(tmp_path):
    first, second, reader = Linear(2, 2), Linear(2, 2), Linear(2, 2)
    save(first, tmp_path / "m.npz")
    save(second, tmp_path / "m.npz")
    load(reader, tmp_path / "m.npz")
    assert_state_bit_exact(second, reader)
    assert files_in(tmp_path) == ["m.npz"]


# --------------------------------------------------------------------------------------
# atomic save
# --------------------------------------------------------------------------------------
def test_failed_save_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = save(Linear(3, 3), tmp_path / "model.npz")
    old_bytes = path.read_bytes()

    def disk_full(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(tg.CheckpointError, match="model.npz.*No space left.*unchanged"):
        save(Linear(3, 3), path)
    assert path.read_bytes() == old_bytes
    assert files_in(tmp_path) == ["model.npz"]


def test_interrupted_save_cleans_up_and_reraises_the_interrupt(tmp_path, monkeypatch):
    path = save(Linear(3, 3), tmp_path / "model.npz")
    old_bytes = path.read_bytes()

    def interrupted(file, **arrays):
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(Linear(3, 3), path)
    assert path.read_bytes() == old_bytes
    assert files_in(tmp_path) == ["model.npz"]


def test_save_into_a_missing_folder_is_a_checkpoint_error(tmp_path):
    with pytest.raises(tg.CheckpointError, match="no_such_dir"):
        save(Linear(2, 2), tmp_path / "no_such_dir" / "m.npz")


# --------------------------------------------------------------------------------------
# load: files that are not checkpoints
# --------------------------------------------------------------------------------------
def test_missing_file_and_directory(tmp_path):
    with pytest.raises(tg.CheckpointError, match=r"nothing\.npz.*not found"):
        load(Linear(2, 2), tmp_path / "nothing.npz")
    with pytest.raises(tg.CheckpointError, match=r"nothing or .*nothing\.npz"):
        load(Linear(2, 2), tmp_path / "nothing")
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(tg.CheckpointError, match="folder.npz is a directory"):
        load(Linear(2, 2), tmp_path / "folder.npz")


def test_text_npy_and_pickled_files_are_rejected(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("these are not weights\n")
    with pytest.raises(tg.CheckpointError, match="notes.npz is not an .npz checkpoint"):
        load(Linear(2, 2), text)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(
        tg.CheckpointError, match=r"empty.npz is empty \(0 bytes\), not an .npz checkpoint"
    ):
        load(Linear(2, 2), empty)
    single = tmp_path / "array.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(tg.CheckpointError, match="array.npy holds a single array"):
        load(Linear(2, 2), single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, weight=np.array([{"a": 1}], dtype=object))
    with pytest.raises(tg.CheckpointError, match="'weight' of .*pickled.npz is an object array"):
        load(Linear(2, 2), pickled)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_file_is_rejected_and_the_model_is_unchanged(tmp_path, keep):
    path = save(TinyLM(), tmp_path / "lm.npz")
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    model = TinyLM()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(tg.CheckpointError, match="lm.npz"):
        load(model, path)
    for name, array in model.state_dict().items():
        assert same_bits(array, before[name])


def test_corrupted_bytes_are_rejected(tmp_path):
    path = save(Linear(20, 20), tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)  # zero 16 bytes of array data: CRC fails
    path.write_bytes(bytes(data))
    with pytest.raises(tg.CheckpointError, match="m.npz is truncated or corrupt"):
        load(Linear(20, 20), path)


# --------------------------------------------------------------------------------------
# load: checkpoints of something else
# --------------------------------------------------------------------------------------
def test_checkpoint_of_another_class_is_refused(tmp_path):
    path = save(Linear(3, 4), tmp_path / "linear.npz")
    with pytest.raises(tg.CheckpointError, match="linear.npz.*a Linear.*into is a LSTM"):
        load(LSTM(3, 4), path)


def test_newer_format_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    state = Linear(2, 2).state_dict()
    np.savez(path, **state, **{checkpoint.FORMAT_KEY: np.array(checkpoint.FORMAT_VERSION + 1)})
    with pytest.raises(tg.CheckpointError, match="future.npz.*format 2.*upgrade"):
        load(Linear(2, 2), path)


def test_wrong_shapes_are_listed_in_one_error(tmp_path):
    path = save(TinyLM(hidden=4), tmp_path / "lm.npz")
    model = TinyLM(hidden=6)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    with pytest.raises(tg.StateDictError) as info:
        load(model, path)
    message = str(info.value)
    assert "lm.npz" in message
    for name in ("encoder.weight_ih_l0", "encoder.weight_hh_l1", "fc.weight"):
        assert name in message
    assert "fc.bias" not in message  # (5,) in both: fits
    for name, array in model.state_dict().items():  # nothing was copied
        assert same_bits(array, before[name])


def test_missing_and_unexpected_keys_are_listed_and_strict_false_allows_them(tmp_path):
    model = Linear(3, 2)
    path = tmp_path / "plain.npz"  # a plain npz without metadata (e.g. exported by hand)
    np.savez(path, weight=np.ones((2, 3)), extra=np.zeros(1), other=np.zeros(2))
    with pytest.raises(tg.StateDictError) as info:
        load(model, path)
    message = str(info.value)
    for key in ("'bias'", "'extra'", "'other'", "plain.npz"):
        assert key in message
    load(model, path, strict=False)
    np.testing.assert_array_equal(model.weight.numpy(), np.ones((2, 3)))


def test_reserved_names_cannot_be_saved(tmp_path):
    class Odd(Module):
        def __init__(self):
            super().__init__()
            self.file = Linear(1, 1)  # state keys "file.weight" are fine ...

    save(Odd(), tmp_path / "odd.npz")

    class Stub:
        def state_dict(self):
            return {"file": np.zeros(1)}  # ... a top-level key "file" collides with np.savez

    with pytest.raises(tg.CheckpointError, match="'file'.*reserved"):
        save(Stub(), tmp_path / "stub.npz")
    assert files_in(tmp_path) == ["odd.npz"]


def test_loading_works_on_float32_model_from_float64_checkpoint(tmp_path):
    source = Linear(2, 2)
    path = save(source, tmp_path / "m.npz")
    previous = tg.get_default_dtype()
    tg.set_default_dtype(np.float32)
    try:
        target = Linear(2, 2)
    finally:
        tg.set_default_dtype(previous)
    load(target, path)
    assert target.weight.dtype == np.float32
    np.testing.assert_allclose(target.weight.numpy(), source.weight.numpy(), rtol=1e-7)
    assert os.path.exists(path)
