"""`tinygrad-rnn lesson` and `tinygrad-rnn exercises init`, and `check` outside a checkout:
the lessons are listed from their docstrings, a lesson runs with its own flags passed on
untouched, mistakes are one line; the stubs (not the solutions) go into a student's
folder, which `check` then grades without any project folder around it."""

import shutil
import sys
from pathlib import Path

import pytest
from helpers import run_cli

from tinygrad_rnn.commands import lesson as lesson_command

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
STUBS = EXAMPLES / "exercises"
SOLUTIONS = STUBS / "solutions"

FAKE_LESSON = '''"""Lesson 1 - a fake lesson: prints what it was given.

    python examples/01_fake.py          # no time at all
"""
import sys

import tinygrad_rnn as tg

if __name__ == "__main__":
    print("argv", sys.argv[1:])
    print("first on the path", sys.path[0])
    print("source", (tg.tensor([1.0], requires_grad=True) * 2).source)
'''

PLOTTING_LESSON = '''"""Lesson 2: draws a plot."""
from matplotlib.figure import Figure
'''


@pytest.fixture
def fake_lessons(tmp_path, monkeypatch):
    """An examples folder with two small lessons of our own, used by the command."""
    folder = tmp_path / "examples"
    (folder / "exercises").mkdir(parents=True)
    (folder / "01_fake.py").write_text(FAKE_LESSON)
    (folder / "02_plotting.py").write_text(PLOTTING_LESSON)
    monkeypatch.setattr(lesson_command, "examples_folder", lambda: folder)
    return folder


# --------------------------------------------------------------------------------------
# lesson --list
# --------------------------------------------------------------------------------------
def test_list_names_every_lesson_with_its_title_and_time(capsys):
    status, out, err = run_cli(["lesson", "--list"], capsys)
    assert status == 0 and err == ""
    scripts = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
    assert len(scripts) >= 11
    for script in scripts:
        number = int(script.name[:2])
        docstring = lesson_command.lesson_docstring(script)
        title = lesson_command.lesson_title(docstring)
        assert title and not title.startswith("Lesson")
        assert f"  {number:>2}  {title}" in out
    assert "Scalar autograd" in out and "[a few seconds]" in out  # lesson 1's own words
    assert "tinygrad-rnn lesson N --help" in out


def test_without_a_number_it_lists_too(capsys):
    status, out, _ = run_cli(["lesson"], capsys)
    assert status == 0 and "Scalar autograd" in out


def test_the_running_time_comes_from_the_line_that_runs_the_defaults(fake_lessons):
    lessons = lesson_command.find_lessons(fake_lessons)
    assert [(lesson.number, lesson.name) for lesson in lessons] == [(1, "fake"), (2, "plotting")]
    docstring = lesson_command.lesson_docstring(lessons[0].path)
    assert lesson_command.lesson_title(docstring) == "A fake lesson: prints what it was given"
    assert lesson_command.lesson_duration(docstring, lessons[0]) == "no time at all"
    plotting = lesson_command.lesson_docstring(lessons[1].path)
    assert lesson_command.lesson_title(plotting) == "Draws a plot"
    assert lesson_command.lesson_duration(plotting, lessons[1]) == ""


# --------------------------------------------------------------------------------------
# lesson N [flags]
# --------------------------------------------------------------------------------------
def test_a_lesson_gets_its_flags_untouched_and_runs_as_main(fake_lessons, capsys):
    argv, path = sys.argv[:], sys.path[:]
    status, out, err = run_cli(["lesson", "1", "--steps", "5", "--out", "x y", "-v"], capsys)
    assert status == 0, err
    assert "argv ['--steps', '5', '--out', 'x y', '-v']" in out
    assert f"first on the path {fake_lessons}" in out  # as for `python examples/01_fake.py`
    assert "source 01_fake.py:" in out  # its nodes name the lesson's lines
    assert sys.argv == argv and sys.path == path  # put back afterwards


@pytest.mark.parametrize("key", ["01", "fake", "01_fake", "01_fake.py"])
def test_a_lesson_is_found_by_number_or_name(fake_lessons, capsys, key):
    status, out, _ = run_cli(["lesson", key], capsys)
    assert status == 0 and "argv []" in out


def test_an_unknown_lesson_is_one_line(capsys):
    status, out, err = run_cli(["lesson", "42"], capsys)
    assert status == 1 and out == ""
    assert err.count("\n") == 1
    assert "no lesson '42'; the lessons are 1-" in err and "tinygrad-rnn lesson --list" in err


def test_missing_matplotlib_names_the_plot_extra(fake_lessons, capsys, monkeypatch):
    for name in list(sys.modules):  # an earlier test may have imported matplotlib.figure
        if name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    status, _, err = run_cli(["lesson", "2"], capsys)
    assert status == 1 and err.count("\n") == 1
    assert "lesson 2 draws its plots with matplotlib" in err
    assert "pip install 'tinygrad-rnn[plot]'" in err


def test_a_real_lesson_shows_its_own_help(capsys):
    status, out, _ = run_cli(["lesson", "5", "--help"], capsys)
    assert status == 0
    assert "--steps" in out and "--resume" in out and "--eval-every" in out


def test_a_real_lesson_runs_with_its_flags(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(["lesson", "3", "--text", "abcabcab", "--trials", "2"], capsys)
    assert status == 0, err
    assert "abcabcab" in out or "'a'" in out  # it read our text, not its default


# --------------------------------------------------------------------------------------
# exercises init
# --------------------------------------------------------------------------------------
def stub_names() -> list[str]:
    return sorted(path.name for path in STUBS.glob("[0-9][0-9]_*.py")) + ["README.md"]


def test_init_writes_the_stubs_and_readme_one_line_each(tmp_path, capsys):
    target = tmp_path / "mine"
    status, out, err = run_cli(["exercises", "init", target], capsys)
    assert status == 0 and err == ""
    assert sorted(path.name for path in target.iterdir()) == sorted(stub_names())
    for name in stub_names():
        assert (target / name).read_bytes() == (STUBS / name).read_bytes()
        assert f"wrote {target / name}\n" in out
    assert not (target / "solutions").exists()


def test_init_refuses_to_overwrite_unless_forced(tmp_path, capsys):
    target = tmp_path / "mine"
    run_cli(["exercises", "init", target], capsys)
    (target / "06_lstm_cell.py").write_text("my work")
    status, out, err = run_cli(["exercises", "init", target], capsys)
    assert status == 1 and out == "" and err.count("\n") == 1
    assert "already exists and 10 more; nothing was written" in err and "--force" in err
    assert (target / "06_lstm_cell.py").read_text() == "my work"
    status, out, _ = run_cli(["exercises", "init", target, "--force"], capsys)
    assert status == 0 and out.count("wrote ") == len(stub_names())
    assert (target / "06_lstm_cell.py").read_bytes() == (STUBS / "06_lstm_cell.py").read_bytes()


@pytest.mark.parametrize(
    "args, words",
    [
        (["exercises"], "exercises init DIR"),
        (["exercises", "init", "{file}"], "is a file, not a folder"),
    ],
)
def test_exercises_mistakes_are_one_line(args, words, tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    args = [arg.replace("{file}", str(a_file)) for arg in args]
    status, out, err = run_cli(args, capsys)
    assert status == 1 and out == "" and err.count("\n") == 1 and words in err


# --------------------------------------------------------------------------------------
# check, in a student's folder (no examples/ around)
# --------------------------------------------------------------------------------------
def test_check_in_a_students_folder_uses_the_files_there(tmp_path, capsys, monkeypatch):
    target = tmp_path / "mine"
    run_cli(["exercises", "init", target], capsys)
    monkeypatch.chdir(target)
    status, out, _ = run_cli(["check", "2"], capsys)  # ./02_unbroadcast.py: untouched
    assert status == 1 and "not implemented yet" in out
    shutil.copy(SOLUTIONS / "02_unbroadcast.py", target)
    status, out, _ = run_cli(["check", "2"], capsys)
    assert status == 0 and "checking unbroadcast in 02_unbroadcast.py" in out


def test_check_all_in_a_students_folder(tmp_path, capsys, monkeypatch):
    for path in SOLUTIONS.glob("[0-9][0-9]_*.py"):
        shutil.copy(path, tmp_path)
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_cli(["check", "all"], capsys)
    assert status == 0 and out.count("cases passed ✓") == 10


def test_check_with_no_stub_anywhere_points_to_init(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(["check", "6"], capsys)
    assert status == 1 and "tinygrad-rnn exercises init DIR" in err
    status, _, err = run_cli(["check", "all"], capsys)
    assert status == 1 and "no folder examples/exercises" in err
    assert "tinygrad-rnn exercises init DIR" in err


def test_a_lessons_usage_line_names_the_command_that_ran_it(capsys):
    """`tinygrad-rnn lesson 2 --help` says how it was started, not the script's file name;
    run directly, the lesson names its file again."""
    from tinygrad_rnn import lesson_kit

    status, out, _ = run_cli(["lesson", "2", "--help"], capsys)
    assert status == 0
    assert out.startswith("usage: tinygrad-rnn lesson 2 ")
    assert lesson_kit.shown_as is None  # restored after the run
