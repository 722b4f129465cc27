"""Rough edges a fresh pip install ran into, each kept fixed: graphviz-pure installed with
`pip install --user` is found although ~/.local/bin is not on PATH; `tinygrad-rnn
vanishing` without matplotlib says which extra to install in one line; the engine
loads numpy and nothing else; nodes built by `tinygrad-rnn render` name the command's
lines (not the `tinygrad-rnn` launcher), and the player says which model made them."""

import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers import run_cli

import tinygrad_rnn as tg
from tinygrad_rnn import graph
from viz import backend

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, *args: str, env_extra: dict | None = None):
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, **(env_extra or {})},
    )


# --------------------------------------------------------------------------------------
# graphviz-pure after `pip install --user`
# --------------------------------------------------------------------------------------
def fake_program(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return program


@pytest.mark.skipif(os.name == "nt", reason="POSIX executables")
def test_graphviz_pure_in_the_user_scripts_folder_is_found(tmp_path, monkeypatch):
    """`pip install --user tinygrad-rnn` with a system Python: the interpreter's folder and
    the system scripts folder hold no graphviz-pure, PATH lacks ~/.local/bin."""
    user_bin = tmp_path / "home" / ".local" / "bin"
    program = fake_program(user_bin, backend.PURE_NAME)
    system_bin = tmp_path / "usr" / "bin"
    system_bin.mkdir(parents=True)
    real_get_path = sysconfig.get_path

    def get_path(name, scheme=None, *args, **kwargs):
        if name != "scripts":
            return real_get_path(name, scheme, *args, **kwargs)
        return str(user_bin) if scheme and scheme.endswith("_user") else str(system_bin)

    monkeypatch.setattr(sys, "executable", str(system_bin / "python3"))
    monkeypatch.setattr(sysconfig, "get_path", get_path)
    monkeypatch.setattr(backend, "recorded_pure_dir", lambda: None)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert user_bin in backend.script_dirs()
    assert backend.find_pure() == str(program)


def test_the_user_scheme_is_pythons_own():
    scheme = sysconfig.get_preferred_scheme("user")
    assert backend.user_scripts_dir() == sysconfig.get_path("scripts", scheme)


def test_graphviz_pure_is_found_where_pip_recorded_it():
    """Wherever pip put the program (--prefix, --target, --user), its RECORD says where."""
    folder = backend.recorded_pure_dir()
    if folder is None:
        pytest.skip("the graphviz-pure package is not installed")
    names = {backend.PURE_NAME, backend.PURE_NAME + ".exe"}
    assert any((Path(folder) / name).is_file() for name in names)


def test_no_renderer_message_lists_the_folders_searched(tmp_path, monkeypatch):
    monkeypatch.setattr(backend, "script_dirs", lambda: [tmp_path / "a", tmp_path / "b"])
    message = backend.no_renderer_message()
    assert f"looked in {tmp_path / 'a'}, {tmp_path / 'b'} and on PATH" in message
    assert "pip install graphviz-pure" in message


# --------------------------------------------------------------------------------------
# tinygrad-rnn vanishing without matplotlib
# --------------------------------------------------------------------------------------
def test_vanishing_without_matplotlib_is_one_line(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None; sys.argv[0] = 'x'; "
        "from tinygrad_rnn.cli import main; sys.exit(main(['vanishing'] + sys.argv[1:]))"
    )
    finished = run_python(code, "-o", str(tmp_path / "flow.png"))
    assert finished.returncode == 1 and finished.stdout == ""
    assert finished.stderr == (
        "tinygrad-rnn: error: the plot needs matplotlib: pip install 'tinygrad-rnn[plot]'\n"
    )


def test_vanishing_with_a_bad_output_path_is_one_line(tmp_path):
    pytest.importorskip("matplotlib")
    from tinygrad_rnn.cli import main

    bad = ["--steps", "3", "--hidden", "2", "-o", str(tmp_path / "missing" / "flow.png")]
    assert main(["vanishing", *bad]) == 1


# --------------------------------------------------------------------------------------
# the dependency list: numpy is the engine's only one
# --------------------------------------------------------------------------------------
def test_the_engine_loads_numpy_and_nothing_else():
    """`import tinygrad_rnn` (and building and backpropagating a model) loads no module of
    another third-party package: tqdm, threadpoolctl, graphviz, matplotlib are the CLI's,
    the lessons' and viz's."""
    code = (
        "import sys, numpy as np, tinygrad_rnn as tg; from tinygrad_rnn import nn; "
        "out, _ = nn.LSTM(2, 3)(tg.tensor(np.ones((4, 1, 2)))); out.sum().backward(); "
        "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"
    )
    finished = run_python(code)
    assert finished.returncode == 0, finished.stderr
    loaded = set(finished.stdout.split())
    assert not loaded & {"tqdm", "threadpoolctl", "graphviz", "matplotlib", "viz"}


def test_the_readme_names_the_dependencies_the_package_declares():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    declared = re.findall(r'"([A-Za-z0-9_.-]+?)[<>=!~ ]', block)
    assert set(declared) == {"numpy", "graphviz", "graphviz-pure", "tqdm", "threadpoolctl"}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pip_users = readme.split("**For pip users.**", 1)[1].split("\n## ", 1)[0]
    for name in declared:
        assert f"`{name}`" in pip_users or name in pip_users, name
    assert "tinygrad-rnn[plot]" in pip_users


# --------------------------------------------------------------------------------------
# where nodes were made, when the CLI builds the model
# --------------------------------------------------------------------------------------
def test_nodes_built_by_a_command_name_the_commands_line():
    """The commands (and, from the wheel, the lessons) use the engine as a user's script
    does: node.source names their line, not the engine's and not the launcher's."""
    commands = os.path.join(os.path.dirname(graph.__file__), "commands", "render.py")
    lessons = os.path.join(os.path.dirname(graph.__file__), "_examples", "05_char_lstm.py")
    assert not graph.is_engine_file(commands)
    assert not graph.is_engine_file(lessons)
    assert graph.is_engine_file(graph.__file__)
    assert graph.is_engine_file(os.path.join(os.path.dirname(graph.__file__), "nn", "cells.py"))
    assert not graph.is_engine_file(__file__)


def test_a_users_nodes_still_name_the_users_line():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).tanh()
    assert y.source.startswith("test_pip_user_edges.py:")


def test_the_player_of_a_cli_model_names_render_py_and_the_model(tmp_path, capsys):
    if backend.find_renderer() is None:
        pytest.skip("no Graphviz renderer (pip install graphviz-pure)")
    output = tmp_path / "bptt.html"
    status, _, err = run_cli(["render", "elman", "--steps", "2", "--player", "-o", output], capsys)
    assert status == 0, err
    page = output.read_text(encoding="utf-8")
    data = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S)
    steps = json.loads(data.group(1))["steps"]
    made = {step["made"] for step in steps}
    assert not any("tinygrad-rnn:" in place for place in made)
    assert all(place.startswith("render.py:") for place in made)
    assert any(place.endswith(", in elmanrnn") for place in made)  # which model made it
