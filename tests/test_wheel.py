"""What a pip user gets: the wheel, installed into a fresh venv, run in an empty folder.

The module's fixture builds the wheel from a copy of the sources (`pip wheel --no-deps`;
setuptools comes from the package index, as for any pip build), creates a venv in a
temporary folder (`python -m venv`, no --system-site-packages: only what the wheel
declares gets installed, numpy & co. from the package index) and installs the wheel. Then
each test runs the venv's `tinygrad-rnn` by its full path - the venv is not activated and
its bin/ is not on PATH - in a new empty folder with no checkout around it:
`lesson --list`, lesson 5 on tiny settings (on the Tiny Shakespeare the wheel ships),
`exercises init` + `check all` on the solutions, `render` and the player, and what
happens without matplotlib (the wheel does not bring it).

About 25-30 s on 2 cores, 18 s of it the build, the venv and pip (longer when pip has to
download numpy); deselect with `pytest -m "not wheel"`. Skipped only when this Python
cannot create a venv with pip.
"""

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["pyproject.toml", "README.md", "tinygrad_rnn", "viz", "examples"]  # what the build reads
SOLUTIONS = ROOT / "examples" / "exercises" / "solutions"
DATASETS = ROOT / "tinygrad_rnn" / "data" / "datasets"
TIMEOUT = 600  # seconds for one step (pip may download numpy)


@dataclass
class Installed:
    wheel: Path
    venv: Path
    python: Path
    command: Path  # the venv's tinygrad-rnn console script


def run(args, cwd: Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """Run a program with an environment like a new terminal's: no PYTHON* or
    TINYGRAD_RNN_* variables, no active venv, one BLAS thread (the machine is shared)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PYTHON", "TINYGRAD_RNN", "VIRTUAL_ENV"))
    }
    env["OPENBLAS_NUM_THREADS"] = "1"
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def succeeded(finished: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert finished.returncode == 0, (
        f"{' '.join(finished.args)} exited with {finished.returncode}\n"
        f"{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    )
    return finished


def copy_sources(target: Path) -> Path:
    """The files the build reads, copied away from the checkout (so that the build leaves
    nothing in it: no build/ folder, no egg-info)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    target.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def venv_program(venv: Path, name: str) -> Path:
    folder = venv / ("Scripts" if os.name == "nt" else "bin")
    return folder / (name + ".exe" if os.name == "nt" else name)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    venv = base / "venv"
    made = run([sys.executable, "-m", "venv", venv], cwd=base, timeout=300)
    if made.returncode != 0:  # e.g. Debian's python3 without python3-venv (no ensurepip)
        pytest.skip(f"cannot create a venv with this Python: {made.stderr.strip()[-300:]}")
    source = copy_sources(base / "source")
    dist = base / "dist"
    succeeded(run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source], base))
    (wheel,) = dist.glob("tinygrad_rnn-*.whl")
    python = venv_program(venv, "python")
    succeeded(run([python, "-m", "pip", "install", "--disable-pip-version-check", wheel], base))
    return Installed(wheel, venv, python, venv_program(venv, "tinygrad-rnn"))


@pytest.fixture
def empty_folder(tmp_path) -> Path:
    """A new empty folder, outside the checkout: nothing of the repository around it."""
    folder = tmp_path / "work"
    folder.mkdir()
    assert ROOT not in folder.parents
    return folder


# --------------------------------------------------------------------------------------
# What is in the wheel
# --------------------------------------------------------------------------------------
def test_the_wheel_holds_the_modules_data_lessons_and_stubs_but_no_solutions(installed):
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    for package in ("tinygrad_rnn", "viz"):  # a package folder missing from pyproject fails here
        for path in (ROOT / package).rglob("*.py"):
            assert path.relative_to(ROOT).as_posix() in names, path
    lessons = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))
    stubs = sorted((ROOT / "examples" / "exercises").glob("[0-9][0-9]_*.py"))
    for path in lessons:
        assert f"tinygrad_rnn/_examples/{path.name}" in names
    for path in stubs:
        assert f"tinygrad_rnn/_examples/exercises/{path.name}" in names
    assert "tinygrad_rnn/_examples/exercises/README.md" in names
    assert not [name for name in names if "/solutions/" in name]  # the teachers keep those
    datasets = [path for path in DATASETS.rglob("*") if path.is_file()]
    assert datasets  # Tiny Shakespeare, the labelled sentences and their README
    for path in datasets:
        assert path.relative_to(ROOT).as_posix() in names, path


# --------------------------------------------------------------------------------------
# The commands, in an empty folder
# --------------------------------------------------------------------------------------
def test_lesson_list(installed, empty_folder):
    out = succeeded(run([installed.command, "lesson", "--list"], empty_folder)).stdout
    lessons = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))
    for path in lessons:
        assert f"  {int(path.name[:2]):>2}  " in out
    assert "Scalar autograd" in out
    source = out.split("The lessons' source: ", 1)[1].strip()
    assert Path(source).is_relative_to(installed.venv)  # the wheel's copy, not the checkout's
    assert list(empty_folder.iterdir()) == []


def test_a_data_lesson_on_tiny_settings(installed, empty_folder):
    """Lesson 5 (char-LSTM) on the Tiny Shakespeare the wheel ships, with a tiny model."""
    flags = ["--steps", "5", "--eval-every", "5", "--embedding", "8", "--hidden", "8"]
    # big batches on purpose: validation walks the whole held-out text in batches of this size
    flags += ["--batch-size", "64", "--seq-len", "32", "--sample-length", "20"]
    out = succeeded(run([installed.command, "lesson", "5", *flags], empty_folder)).stdout
    text_line = next(line for line in out.splitlines() if line.startswith("text: "))
    assert "tinyshakespeare" in text_line and str(installed.venv) in text_line  # packaged
    assert "validation loss after 5 steps" in out
    assert list(empty_folder.rglob("samples.txt"))  # its output lands in the current folder


def test_exercises_init_and_check_all_on_the_solutions(installed, empty_folder):
    init = run([installed.command, "exercises", "init", "mine"], empty_folder)
    out = succeeded(init).stdout
    stubs = sorted((ROOT / "examples" / "exercises").glob("[0-9][0-9]_*.py"))
    assert out.count("wrote mine/") == len(stubs) + 1  # and README.md
    mine = empty_folder / "mine"
    assert (mine / "README.md").is_file() and not (mine / "solutions").exists()
    untouched = run([installed.command, "check", "all", "mine"], empty_folder)
    assert untouched.returncode == 1 and untouched.stdout.count("not implemented yet") == 10
    for path in SOLUTIONS.glob("[0-9][0-9]_*.py"):
        shutil.copy(path, mine / path.name)
    out = succeeded(run([installed.command, "check", "all", "mine"], empty_folder)).stdout
    assert out.count("cases passed ✓") == 10
    one = succeeded(run([installed.command, "check", "6"], mine)).stdout  # ./06_lstm_cell.py
    assert "All 5 cases passed" in one


def test_render_and_player(installed, empty_folder):
    succeeded(
        run([installed.command, "render", "rnn", "--steps", "2", "-o", "x.svg"], empty_folder)
    )
    assert "<svg" in (empty_folder / "x.svg").read_text(encoding="utf-8")
    player = ["render", "elman", "--steps", "2", "--player", "-o", "p.html"]
    succeeded(run([installed.command, *player], empty_folder))
    page = (empty_folder / "p.html").read_text(encoding="utf-8")
    assert "render.py:" in page and "tinygrad-rnn:" not in page  # made by the model's code


def test_without_matplotlib_plots_name_the_extra(installed, empty_folder):
    """The wheel does not bring matplotlib (the `plot` extra): what needs it says so."""
    vanishing = run([installed.command, "vanishing"], empty_folder)
    assert vanishing.returncode == 1
    assert vanishing.stderr.strip().endswith("pip install 'tinygrad-rnn[plot]'")
    assert vanishing.stderr.count("\n") == 1
    lesson = run(
        [installed.command, "lesson", "4", "--steps", "20", "--train-steps", "10"], empty_folder
    )
    assert "Traceback" not in lesson.stderr
    if lesson.returncode != 0:  # (a lesson may also skip its plot and say so)
        last = lesson.stderr.strip().splitlines()[-1]  # after the progress bars
        assert last.startswith("tinygrad-rnn: error: ") and "matplotlib" in last
        assert "pip install 'tinygrad-rnn[plot]'" in last
