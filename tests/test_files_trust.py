"""Files are never lost and never trusted: the one atomic writer (tinygrad_rnn/files.py),
bounded reads of text and checkpoints, and crafted checkpoints that are refused with one
CheckpointError naming the file - for tg.save/tg.load and the char-LM checkpoints.

Sections: atomic_write and its checks; every writer of the project goes through it
(symlinks, modes); the DOT fallback; text files that are not text; tg.save / tg.load;
crafted char-LM checkpoints.
"""

import io
import os
import stat
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from helpers import explained

import tinygrad_rnn as tg
from tinygrad_rnn import charlm, files, nn
from tinygrad_rnn import data as D
from tinygrad_rnn import word2vec as w2v
from tinygrad_rnn.errors import CheckpointError, StateDictError

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\n") * 20
is_root = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and modes are POSIX")


def names_in(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --------------------------------------------------------------------------------------
# atomic_write and the checks before writing
# --------------------------------------------------------------------------------------
def test_atomic_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with files.atomic_write(target) as file:
        file.write(b"new ")
        assert target.read_bytes() == b"old"  # nothing visible until the block ends
        file.write(b"bytes")
    assert target.read_bytes() == b"new bytes"
    assert names_in(tmp_path) == ["out.bin"]


def test_an_error_in_the_block_keeps_the_old_file_and_removes_the_temporary(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(ZeroDivisionError):
        with files.atomic_write(target) as file:
            file.write(b"half")
            raise ZeroDivisionError
    with pytest.raises(KeyboardInterrupt):
        with files.atomic_write(target) as file:
            file.write(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert names_in(tmp_path) == ["out.bin"]


def test_a_full_disk_is_reworded_to_name_the_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(OSError) as info:
        with files.atomic_write(target) as file:
            file.write(b"half")
            raise OSError(28, "No space left on device")
    message = str(info.value)
    assert "could not write" in message and "out.bin" in message
    assert "No space left on device; any previous file there is unchanged" in message
    assert target.read_bytes() == b"old" and names_in(tmp_path) == ["out.bin"]


@posix_only
def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    files.write_text_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    assert names_in(tmp_path) == ["link.txt", "real.txt"]


@posix_only
def test_a_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "later.txt")
    files.write_text_atomic(link, "made")
    assert link.is_symlink() and (tmp_path / "later.txt").read_text() == "made"


@posix_only
def test_the_mode_of_an_existing_file_is_kept_and_a_new_file_follows_the_umask(tmp_path):
    private = tmp_path / "private.bin"
    private.write_bytes(b"secret")
    os.chmod(private, 0o600)
    files.write_bytes_atomic(private, b"still secret")
    assert mode_of(private) == 0o600
    os.chmod(private, 0o640)
    files.write_bytes_atomic(private, b"group may read")
    assert mode_of(private) == 0o640
    for umask, expected in ((0o022, 0o644), (0o077, 0o600)):
        previous = os.umask(umask)
        try:
            fresh = files.write_bytes_atomic(tmp_path / f"new-{umask:o}.bin", b"x")
        finally:
            os.umask(previous)
        assert mode_of(fresh) == expected  # as open(path, "w") would give


def test_overwrite_false_never_replaces_a_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("mine")
    with pytest.raises(FileExistsError, match="keep.txt' already exists; it was not changed"):
        with files.atomic_write(target, overwrite=False) as file:
            file.write(b"other")
    assert target.read_text() == "mine" and names_in(tmp_path) == ["keep.txt"]


def test_places_that_cannot_be_written_are_explained(tmp_path):
    (tmp_path / "notes.txt").write_text("a file")
    (tmp_path / "folder").mkdir()
    cases = [
        (tmp_path / "missing" / "a.bin", FileNotFoundError, "does not exist; create it first"),
        (tmp_path / "notes.txt" / "a.bin", NotADirectoryError, "is a file, not a folder"),
        (tmp_path / "folder", IsADirectoryError, "is a folder; give a file name inside it"),
    ]
    for path, error_class, words in cases:
        with pytest.raises(error_class, match=words):
            files.write_bytes_atomic(path, b"x")
        with pytest.raises(error_class, match=words):
            files.check_writable(path)
    assert names_in(tmp_path) == ["folder", "notes.txt"]
    assert names_in(tmp_path / "folder") == []


@posix_only
def test_a_named_pipe_is_not_written_to(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="is a named pipe \\(FIFO\\), not a regular file"):
        files.write_bytes_atomic(fifo, b"x")  # a rename would have replaced the pipe
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(is_root or sys.platform == "win32", reason="root may write anywhere")
def test_read_only_folders_and_files_are_refused_before_writing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "old.bin").write_bytes(b"old")
    os.chmod(folder / "old.bin", 0o444)
    try:
        with pytest.raises(PermissionError, match="old.bin' is read-only"):
            files.check_writable(folder / "old.bin")
        os.chmod(folder, 0o555)
        with pytest.raises(PermissionError, match="cannot create a file in folder"):
            files.check_writable(folder / "new.bin")
    finally:
        os.chmod(folder, 0o755)
    assert names_in(folder) == ["old.bin"]


def test_check_writable_leaves_nothing_behind_and_accepts_folders_it_can_make(tmp_path):
    assert files.check_writable(tmp_path / "a.bin") == tmp_path / "a.bin"
    assert files.check_writable(tmp_path / "x" / "y" / "a.bin", make_folders=True)
    assert names_in(tmp_path) == []  # no probe file, no folder
    with pytest.raises(FileNotFoundError, match="does not exist"):
        files.check_writable(tmp_path / "x" / "a.bin")


def test_a_folder_that_refuses_new_files_is_reported_by_check_writable(tmp_path, monkeypatch):
    real_open = os.open

    def no_permission(path, flags, mode=0o777, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", no_permission)
    with pytest.raises(PermissionError, match="cannot create a file in folder .*Permission denied"):
        files.check_writable(tmp_path / "a.bin")


def test_fresh_path_never_names_an_existing_file(tmp_path):
    assert files.fresh_path(tmp_path / "fig.dot") == tmp_path / "fig.dot"
    (tmp_path / "fig.dot").write_text("mine")
    assert files.fresh_path(tmp_path / "fig.dot") == tmp_path / "fig-1.dot"
    (tmp_path / "fig-1.dot").write_text("mine too")
    assert files.fresh_path(tmp_path / "fig.dot") == tmp_path / "fig-2.dot"


def test_file_kind_names_what_a_path_is(tmp_path):
    assert files.file_kind(os.stat(tmp_path).st_mode) == "a folder"
    if sys.platform != "win32":
        assert files.file_kind(os.stat("/dev/null").st_mode) == "a device"


# --------------------------------------------------------------------------------------
# Every writer of the project goes through atomic_write
# --------------------------------------------------------------------------------------
def write_checkpoint(path):
    return tg.save(nn.Linear(2, 2), path)


def write_vocab(path):
    return D.CharVocab.from_text("abc").save(path)


def write_vectors(path):
    return w2v.save_word_vectors(path, ["a", "b"], np.ones((2, 3)))


def write_text(path):
    return D.write_text_atomic(path, "text\n")


def write_picture(path):
    import viz

    x = tg.tensor([1.0, 2.0], requires_grad=True, label="x")
    return viz.render((x * 3).sum(), path, grads=False)


def write_run(path):
    run, _ = tiny_run()
    return charlm.save_checkpoint(run, path)


WRITERS = {
    "tg.save": (write_checkpoint, "m.npz"),
    "Vocab.save": (write_vocab, "vocab.json"),
    "save_word_vectors": (write_vectors, "vectors.npz"),
    "write_text_atomic": (write_text, "notes.txt"),
    "viz.render": (write_picture, "graph.dot"),
    "charlm.save_checkpoint": (write_run, "run.npz"),
}


@posix_only
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_every_writer_writes_through_a_symlink_and_keeps_the_mode(writer, tmp_path):
    write, name = WRITERS[writer]
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / name
    real.write_bytes(b"placeholder")
    os.chmod(real, 0o600)
    link = tmp_path / name
    link.symlink_to(real)
    written = write(link)
    assert Path(written) == link
    assert link.is_symlink(), f"{writer} replaced the symlink with a file"
    assert real.read_bytes() != b"placeholder"
    assert mode_of(real) == 0o600, f"{writer} changed the mode to {mode_of(real):o}"
    assert names_in(real_folder) == [name] and names_in(tmp_path) == sorted([name, "real"])


# --------------------------------------------------------------------------------------
# The DOT fallback of viz never replaces a file
# --------------------------------------------------------------------------------------
@pytest.fixture
def no_renderer(monkeypatch):
    from viz import backend

    monkeypatch.setattr(backend, "find_renderer", lambda: None)


def test_the_dot_fallback_goes_to_a_fresh_name_and_says_which(no_renderer, tmp_path):
    import viz

    (tmp_path / "fig.dot").write_text("my own graph")
    x = tg.tensor([1.0], requires_grad=True, label="x")
    for expected in ("fig-1.dot", "fig-2.dot"):
        with pytest.raises(viz.RenderError) as info:
            viz.render((x * 2).sum(), tmp_path / "fig.svg")
        assert f"written as DOT to '{tmp_path / expected}'" in str(info.value)
        assert (tmp_path / expected).read_text().startswith("digraph")
    assert (tmp_path / "fig.dot").read_text() == "my own graph"
    assert not (tmp_path / "fig.svg").exists()


def test_the_attention_heatmap_fallback_also_keeps_the_users_dot(no_renderer, tmp_path):
    import viz

    (tmp_path / "align.dot").write_text("mine")
    with pytest.raises(viz.RenderError, match="align-1.dot"):
        viz.attention_heatmap(np.full((2, 3), 1 / 3), "abc", "xy", tmp_path / "align.png")
    assert (tmp_path / "align.dot").read_text() == "mine"


# --------------------------------------------------------------------------------------
# Text files that are not text, or too big
# --------------------------------------------------------------------------------------
@posix_only
def test_devices_pipes_and_folders_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it would wait forever for a writer
    with pytest.raises(D.DataFormatError, match="'/dev/zero' is a device, not a regular file"):
        D.load_text("/dev/zero")
    with pytest.raises(D.DataFormatError, match="pipe.txt' is a named pipe \\(FIFO\\)"):
        D.load_text(fifo)
    with pytest.raises(D.DataNotFoundError, match="is a folder, expected a text file"):
        D.load_text(tmp_path)


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as file:
        file.truncate(D.files.MAX_TEXT_BYTES + 2**20)  # sparse: costs no disk
    tracemalloc.start()
    try:
        with pytest.raises(D.DataFormatError, match="big.txt' is 201 MB, more than the 200 MB"):
            D.load_text(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing of it was read
    small = tmp_path / "small.txt"
    small.write_text("x" * 100)
    with pytest.raises(D.DataFormatError, match="more than the"):
        D.read_text(small, max_bytes=50)
    assert D.read_text(small, max_bytes=100) == "x" * 100


def test_a_real_corpus_is_far_below_the_limit():
    assert D.files.MAX_TEXT_BYTES >= 100 * 1.1 * 2**20  # 100 x Tiny Shakespeare fits


# --------------------------------------------------------------------------------------
# tg.save / tg.load
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_save_refuses_nan_and_inf_naming_the_parameter_and_keeps_the_old_file(tmp_path, bad):
    path = tg.save(nn.Linear(2, 3), tmp_path / "m.npz")
    before = path.read_bytes()
    model = nn.Linear(2, 3)
    model.bias.data[1] = bad
    with explained(CheckpointError, "parameter 'bias' holds NaN or inf (1 of 3 values)"):
        tg.save(model, path)
    assert path.read_bytes() == before and names_in(tmp_path) == ["m.npz"]


def test_load_refuses_nan_weights_naming_the_parameter_and_changes_nothing(tmp_path):
    weight = np.ones((3, 2))
    weight[0, 0] = np.nan
    np.savez(tmp_path / "nan.npz", weight=weight, bias=np.zeros(3))
    model = nn.Linear(2, 3)
    before = model.weight.numpy().copy()
    with explained(CheckpointError, "nan.npz: parameter 'weight' holds NaN or inf", "diverged"):
        tg.load(model, tmp_path / "nan.npz")
    np.testing.assert_array_equal(model.weight.numpy(), before)


@pytest.mark.parametrize(
    "weight, words",
    [
        (np.ones((3, 2), dtype=np.complex128), "the checkpoint has complex128"),
        (np.ones((3, 2), dtype=bool), "the checkpoint has bool"),
        (np.array([["a", "b"]] * 3), "the checkpoint has <U1"),
        (np.zeros((3, 2), dtype="datetime64[s]"), "the checkpoint has datetime64[s]"),
    ],
)
def test_load_refuses_a_wrong_dtype_from_the_header(tmp_path, weight, words):
    np.savez(tmp_path / "odd.npz", weight=weight, bias=np.zeros(3))
    with explained(StateDictError, "dtype mismatch for 'weight'", words, "odd.npz"):
        tg.load(nn.Linear(2, 3), tmp_path / "odd.npz")


def test_integer_weights_load_exactly(tmp_path):
    np.savez(tmp_path / "ints.npz", weight=np.arange(6).reshape(3, 2), bias=np.zeros(3, int))
    model = tg.load(nn.Linear(2, 3), tmp_path / "ints.npz")
    np.testing.assert_array_equal(model.weight.numpy(), np.arange(6).reshape(3, 2))


def bomb(path: Path, name: str, shape: tuple, megabytes: int) -> Path:
    """An .npz whose entry `name` claims `shape` and holds `megabytes` of zeros, deflated
    to a few KB per MB: small on disk, huge when read."""
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name + ".npy", "w", force_zip64=True) as member:
            np.lib.format.write_array_header_1_0(member, header)
            zeros = bytes(2**20)
            for _ in range(megabytes):
                member.write(zeros)
    return path


def test_a_compressed_bomb_is_refused_from_its_header_without_reading_it(tmp_path):
    path = bomb(tmp_path / "bomb.npz", "weight", (4096, 4096), 128)
    assert path.stat().st_size < 2**20  # 128 MB of zeros deflate to well under 1 MB
    tracemalloc.start()
    try:
        with explained(StateDictError, "shape mismatch for 'weight'", "(4096, 4096)"):
            tg.load(nn.Linear(2, 3), path, strict=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20


def test_an_oversized_metadata_entry_is_refused_unread(tmp_path):
    path = tmp_path / "meta.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(tg.checkpoint.CLASS_KEY + ".npy", "w", force_zip64=True) as member:
            header = {"descr": "<U50000000", "fortran_order": False, "shape": ()}
            np.lib.format.write_array_header_1_0(member, header)
            member.write(bytes(2**20))
    with explained(CheckpointError, "is a <U50000000 array of shape ()", "far more than"):
        tg.load(nn.Linear(2, 3), path)


def test_a_zip_that_is_not_an_npz(tmp_path):
    path = tmp_path / "photos.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8 not an array")
    with explained(CheckpointError, "photos.npz is a zip archive but not an .npz checkpoint"):
        tg.load(nn.Linear(2, 3), path)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weight.npy", b"not the .npy magic at all")
    with explained(CheckpointError, "member 'weight.npy' is not a .npy array"):
        tg.load(nn.Linear(2, 3), path)


def test_a_zip_with_the_same_entry_twice(tmp_path):
    path = tmp_path / "twice.npz"
    np.savez(path, weight=np.ones((3, 2)), bias=np.zeros(3))
    second = io.BytesIO()
    np.save(second, np.ones(3))
    with zipfile.ZipFile(path, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("bias.npy", second.getvalue())
    with explained(CheckpointError, "twice.npz is truncated or corrupt", "'bias'"):
        tg.load(nn.Linear(2, 3), path)


@posix_only
def test_a_named_pipe_or_a_device_is_not_opened_as_a_checkpoint(tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    with explained(CheckpointError, "model.npz is a named pipe (FIFO), not a checkpoint file"):
        tg.load(nn.Linear(2, 3), fifo)
    with explained(CheckpointError, "/dev/zero is a device, not a checkpoint file"):
        tg.load(nn.Linear(2, 3), "/dev/zero")


def test_empty_and_truncated_files_name_the_file(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with explained(CheckpointError, "empty.npz is empty (0 bytes), not an .npz checkpoint"):
        tg.load(nn.Linear(2, 3), tmp_path / "empty.npz")
    whole = tg.save(nn.Linear(2, 3), tmp_path / "whole.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(whole[: len(whole) // 2])
    with explained(CheckpointError, "cut.npz is truncated or corrupt"):
        tg.load(nn.Linear(2, 3), tmp_path / "cut.npz")


def test_save_to_a_folder_or_into_a_file_is_explained(tmp_path):
    (tmp_path / "runs").mkdir()
    with explained(CheckpointError, "runs' is a folder; give a file name inside it"):
        tg.save(nn.Linear(2, 2), tmp_path / "runs")
    (tmp_path / "notes.txt").write_text("x")
    with explained(CheckpointError, "save: ", "notes.txt' is a file, not a folder"):
        tg.save(nn.Linear(2, 2), tmp_path / "notes.txt" / "m.npz")
    assert names_in(tmp_path) == ["notes.txt", "runs"]


def test_load_of_a_folder_named_like_the_checkpoint_says_so(tmp_path):
    tg.save(nn.Linear(2, 2), tmp_path / "lm.npz")
    (tmp_path / "lm").mkdir()  # "lm" exists (a folder): lm.npz is not silently read
    with explained(CheckpointError, "lm is a directory, not a checkpoint file"):
        tg.load(nn.Linear(2, 2), tmp_path / "lm")


# --------------------------------------------------------------------------------------
# Crafted char-LM checkpoints
# --------------------------------------------------------------------------------------
def tiny_run():
    """A small run whose Adam state exists (one step on made-up gradients)."""
    config = charlm.CharLMConfig(embedding_dim=4, hidden_size=6, batch_size=2, seq_len=5)
    corpus = charlm.prepare_corpus(TEXT, config)
    run = charlm.new_run(corpus.vocab, config, corpus.fingerprint)
    for parameter in run.model.parameters():
        parameter.grad = np.full(parameter.shape, 0.1, dtype=parameter.dtype)
    run.optimizer.step()
    run.step = 1
    return run, corpus


@pytest.fixture
def saved_run(tmp_path) -> Path:
    run, _ = tiny_run()
    return charlm.save_checkpoint(run, tmp_path / "good.npz")


def crafted(saved: Path, change) -> Path:
    """A copy of the checkpoint `saved` with its arrays changed by `change(arrays)`."""
    with np.load(saved, allow_pickle=False) as archive:
        arrays = dict(archive)
    change(arrays)
    path = saved.with_name("crafted.npz")
    np.savez(path, **arrays)
    return path


def test_a_good_checkpoint_round_trips(saved_run):
    run = charlm.load_checkpoint(saved_run)
    original, _ = tiny_run()
    assert run.step == 1 and run.config == original.config
    for name, array in original.model.state_dict().items():
        assert np.array_equal(array, run.model.state_dict()[name]), name
    assert run.optimizer.state_dict()["state"][0]["step"] == 1


def set_entry(name, value):
    def change(arrays):
        arrays[name] = value

    return change


def drop_entry(name):
    def change(arrays):
        del arrays[name]

    return change


def nan_in(name):
    def change(arrays):
        arrays[name] = arrays[name].copy()
        arrays[name].flat[0] = np.nan

    return change


def with_config(**values):
    def change(arrays):
        config = charlm.from_json_bytes(arrays["config"], "config", "test")
        config.update(values)
        arrays["config"] = charlm.json_bytes(config)

    return change


def as_complex(name):
    def change(arrays):
        arrays[name] = arrays[name].astype(np.complex64)

    return change


def object_entry(arrays):
    arrays["step"] = np.array([1], dtype=object)


CRAFTED = {
    "config not a dict": (set_entry("config", charlm.json_bytes([1, 2])), "is a JSON list"),
    "config not JSON": (set_entry("config", np.frombuffer(b"{oops", np.uint8)), "damaged"),
    "config as floats": (
        set_entry("config", np.ones(3)),
        "'config' of .* should be JSON text stored as uint8 bytes",
    ),
    "hidden size as text": (with_config(hidden_size="6"), "hidden_size must be a whole number"),
    "hidden size as bool": (with_config(hidden_size=True), "hidden_size must be a whole number"),
    "seed as text": (with_config(seed="zero"), "seed must be a whole number"),
    "unknown dtype": (with_config(dtype=["float32"]), "dtype must be one of"),
    "a huge model": (with_config(hidden_size=10**6), "describes a model of"),
    "other sizes": (with_config(hidden_size=7), "shape mismatch for 'model.lstm.weight_hh_l0'"),
    "step of shape (2,)": (set_entry("step", np.array([1, 2])), "shape mismatch for 'step'"),
    "negative step": (set_entry("step", np.array(-3)), "negative step count"),
    "text fingerprint": (
        set_entry("fingerprint", np.array("abc")),
        "dtype mismatch for 'fingerprint'",
    ),
    "NaN weight": (nan_in("model.fc.weight"), "parameter 'model.fc.weight' holds NaN or inf"),
    "NaN Adam state": (nan_in("optimizer.state.0.exp_avg"), "entry 'optimizer.state.0.exp_avg'"),
    "complex weight": (as_complex("model.fc.bias"), "dtype mismatch for 'model.fc.bias'"),
    "object array": (object_entry, "is an object array"),
    "missing weight": (drop_entry("model.fc.bias"), "missing key 'model.fc.bias'"),
    "missing Adam buffer": (
        drop_entry("optimizer.state.2.exp_avg_sq"),
        "missing key 'optimizer.state.2.exp_avg_sq'",
    ),
    "missing config": (drop_entry("config"), "has no 'config' entry"),
    "extra key": (set_entry("evil", np.zeros(3)), "unexpected key 'evil'"),
    "Adam state of a 99th parameter": (
        set_entry("optimizer.state.99.step", np.array(1)),
        "unexpected key 'optimizer.state.99",
    ),
    "vocabulary of words": (
        set_entry("vocab", charlm.json_bytes(D.WordVocab(["a"]).to_dict())),
        "holds a WordVocab, not a CharVocab",
    ),
    "vocabulary not a dict": (
        set_entry("vocab", charlm.json_bytes("abc")),
        "is not a tinygrad_rnn vocabulary file",
    ),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_a_crafted_char_lm_checkpoint_is_one_checkpoint_error_naming_the_file(saved_run, case):
    change, words = CRAFTED[case]
    path = crafted(saved_run, change)
    with pytest.raises(CheckpointError, match=words) as info:
        charlm.load_checkpoint(path)
    message = str(info.value)
    assert "crafted.npz" in message and message.startswith("load_checkpoint: ")
    assert message.endswith(f"at test_files_trust.py:{info.tb.tb_lineno}")


def test_other_files_given_to_load_checkpoint(saved_run, tmp_path):
    run, _ = tiny_run()
    tg.save(run.model, tmp_path / "model_only.npz")
    with explained(CheckpointError, "model_only.npz is a checkpoint of a CharLM (written by"):
        charlm.load_checkpoint(tmp_path / "model_only.npz")
    w2v.save_word_vectors(tmp_path / "vectors.npz", ["a"], np.ones((1, 2)))
    with explained(CheckpointError, "vectors.npz is not a char-LM checkpoint"):
        charlm.load_checkpoint(tmp_path / "vectors.npz")
    data = saved_run.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) * 3 // 4])
    with explained(CheckpointError, "cut.npz is truncated or corrupt"):
        charlm.load_checkpoint(tmp_path / "cut.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    with explained(CheckpointError, "empty.npz is empty (0 bytes)"):
        charlm.load_checkpoint(tmp_path / "empty.npz")


def test_a_run_that_diverged_is_not_saved_over_a_good_checkpoint(saved_run):
    before = saved_run.read_bytes()
    run, _ = tiny_run()
    run.model.fc.weight.data[0, 0] = np.inf
    with explained(CheckpointError, "parameter 'model.fc.weight' holds NaN or inf"):
        charlm.save_checkpoint(run, saved_run)
    assert saved_run.read_bytes() == before


def test_check_checkpoint_writable_before_training(tmp_path):
    assert charlm.check_checkpoint_writable(tmp_path / "a" / "b" / "lm") == (
        tmp_path / "a" / "b" / "lm.npz"
    )
    assert names_in(tmp_path) == []
    (tmp_path / "runs").mkdir()
    with pytest.raises(CheckpointError, match="'.*runs' is a folder; give a file name"):
        charlm.check_checkpoint_writable(tmp_path / "runs")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CheckpointError, match="file' is a file, not a folder"):
        charlm.check_checkpoint_writable(tmp_path / "file" / "lm.npz")
    assert names_in(tmp_path) == ["file", "runs"]
