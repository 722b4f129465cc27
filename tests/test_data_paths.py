"""Finding the shared data: the checkout-relative default, the env override, --data."""

from pathlib import Path

import pytest

import tinygrad_rnn
from tinygrad_rnn.data import (
    DATA_ENV_VAR,
    DataNotFoundError,
    default_data_path,
    resolve_data_path,
)

SHARED = Path(tinygrad_rnn.__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} not present")
def test_default_is_beside_the_checkout(monkeypatch):
    monkeypatch.delenv(DATA_ENV_VAR, raising=False)
    found = default_data_path("tinyshakespeare.txt")
    assert found is not None and found.resolve() == (SHARED / "tinyshakespeare.txt").resolve()


def test_env_var_comes_first(tmp_path, monkeypatch):
    (tmp_path / "tinyshakespeare.txt").write_text("To be", encoding="utf-8")
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert default_data_path("tinyshakespeare.txt") == tmp_path / "tinyshakespeare.txt"
    assert resolve_data_path("tinyshakespeare.txt") == tmp_path / "tinyshakespeare.txt"


def test_missing_name_gives_none_and_a_helpful_error(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ENV_VAR, str(tmp_path))
    assert default_data_path("no_such_corpus_3141.txt") is None
    with pytest.raises(DataNotFoundError, match="pass --data PATH") as info:
        resolve_data_path("no_such_corpus_3141.txt")
    assert DATA_ENV_VAR in str(info.value) and str(tmp_path) in str(info.value)
    assert isinstance(info.value, FileNotFoundError)


def test_user_path_wins_and_must_exist(tmp_path):
    mine = tmp_path / "mine.txt"
    mine.write_text("x", encoding="utf-8")
    assert resolve_data_path("tinyshakespeare.txt", mine) == mine
    assert resolve_data_path("tinyshakespeare.txt", str(mine)) == mine
    with pytest.raises(DataNotFoundError, match="--data .*absent.txt' does not exist"):
        resolve_data_path("tinyshakespeare.txt", tmp_path / "absent.txt")
