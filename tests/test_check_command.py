"""`tinygrad-rnn check`: lists the exercises, checks a stub or any file, exit status 0 only
when every case passes; mistakes in the command line are one-line errors."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "examples" / "exercises" / "solutions"


def test_list_shows_every_exercise_in_order(capsys):
    status, out, _ = run_cli(["check", "--list"], capsys)
    assert status == 0
    names = ["backward", "unbroadcast", "topological_sort", "rnn_step", "bptt", "lstm_cell"]
    names += ["lstm_backward", "gru_cell", "attention", "clip_grad_norm"]
    positions = [out.index(f"{number:>2}  {name}") for number, name in enumerate(names, 1)]
    assert positions == sorted(positions)


def test_the_default_file_is_the_stub_under_the_current_folder(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, err = run_cli(["check", "6"], capsys)
    assert status == 1 and err == ""
    assert "checking lstm_cell in examples/exercises/06_lstm_cell.py" in out
    assert "not implemented yet" in out and "tinygrad-rnn check 6\n" in out


def test_a_solution_passes_with_status_0(capsys):
    path = SOLUTIONS / "06_lstm_cell.py"
    status, out, _ = run_cli(["check", "lstm_cell", str(path)], capsys)
    assert status == 0
    assert out.count("PASS") == 5 and "All 5 cases passed" in out
    assert "tinygrad_rnn/nn/cells.py: lstm_step" in out  # where to read next


def test_a_wrong_file_fails_with_status_1(tmp_path, capsys):
    source = (SOLUTIONS / "08_gru_cell.py").read_text()
    path = tmp_path / "my_gru.py"
    path.write_text(source.replace("return (1 - z) * n + z * h_prev", "return n"))
    status, out, _ = run_cli(["check", "gru_cell", str(path)], capsys)
    assert status == 1
    assert "FAIL" in out and "h_t[" in out and "hint:" in out


def test_check_all_summarises_a_folder(capsys):
    status, out, _ = run_cli(["check", "all", str(SOLUTIONS)], capsys)
    assert status == 0
    assert out.count("cases passed ✓") == 10


def test_check_all_on_the_stubs_fails(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    status, out, _ = run_cli(["check", "all"], capsys)
    assert status == 1 and out.count("not implemented yet") == 10


@pytest.mark.parametrize(
    "args, words",
    [
        (["check"], "name an exercise"),
        (["check", "lstm"], "no exercise 'lstm'; use a number 1-10 or a name"),
        (["check", "6", "nowhere/06_lstm_cell.py"], "no file nowhere/06_lstm_cell.py"),
        (["check", "all", "nowhere"], "no folder nowhere"),
    ],
)
def test_mistakes_are_one_line_errors(args, words, capsys):
    status, out, err = run_cli(args, capsys)
    assert status == 1 and out == ""
    assert err.startswith("tinygrad-rnn: error: ") and words in err
    assert err.count("\n") == 1


def test_missing_stub_says_where_to_run_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli(["check", "3"], capsys)
    assert status == 1
    assert "run from the project folder, or give the path" in err


def test_the_console_script_runs_as_a_module(tmp_path):
    """`python -m tinygrad_rnn check ...` in a fresh process: the exit status is the shell's."""
    finished = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "check", "2", str(SOLUTIONS / "02_unbroadcast.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "All 12 cases passed" in finished.stdout


def test_check_all_passes_the_time_limit_on(tmp_path, capsys):
    source = (SOLUTIONS / "10_clip_grad_norm.py").read_text()
    endless = source.replace(
        "    return total\n", "    while max_norm < 1:\n        pass\n    return total\n"
    )
    assert endless != source
    (tmp_path / "10_clip_grad_norm.py").write_text(endless)
    status, out, _ = run_cli(["check", "all", str(tmp_path), "--timeout", "1"], capsys)
    assert status == 1
    assert "10  clip_grad_norm    3/5 cases passed" in out  # max_norm 0.5 in cases 4, 5


def test_check_help_names_the_time_limit(capsys):
    status, out, _ = run_cli(["check", "--help"], capsys)
    assert status == 0
    assert "--timeout SECONDS" in out and "time limit per case" in " ".join(out.split())
