"""docs/stepping-through-bptt.md stays true: its pdb commands, taken from the page itself,
are run through a real `python -m pdb` and every output line the page shows must appear,
in order, in what pdb printed for that command (`...` in a line stands for any text)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "stepping-through-bptt.md"
PROMPT = "(Pdb) "


def session_from_doc(text: str):
    """(launch command, [(pdb command, [expected output lines])]) from the ```pdb blocks.

    The first entry of the list has command None: what pdb prints before its first prompt.
    """
    blocks = re.findall(r"^```pdb\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)
    assert blocks, "no ```pdb blocks in the page"
    launch = None
    steps = [(None, [])]
    for block in blocks:
        for line in block.splitlines():
            if line.startswith("$ "):
                assert launch is None, "the session is started once"
                launch = line[2:].strip()
            elif line.startswith(PROMPT):
                steps.append((line[len(PROMPT) :].strip(), []))
            elif line.strip():
                steps[-1][1].append(line)
    return launch, steps


def line_pattern(expected: str) -> re.Pattern:
    """`...` in the page matches anything; the rest literally (spaces at the ends ignored)."""
    parts = [re.escape(part) for part in expected.strip().split("...")]
    return re.compile(".*".join(parts))


def assert_shown_in(command, expected_lines, printed: str) -> None:
    """Every line the page shows appears in pdb's output for that command, in order."""
    lines = [line.strip() for line in printed.splitlines()]
    position = 0
    for expected in expected_lines:
        if expected.strip() == "...":
            continue
        pattern = line_pattern(expected)
        while position < len(lines) and not pattern.fullmatch(lines[position]):
            position += 1
        assert position < len(lines), (
            f"after `{command}` the page shows\n    {expected}\nbut pdb printed:\n{printed}"
        )
        position += 1


@pytest.fixture(scope="module")
def session():
    launch, steps = session_from_doc(DOC.read_text(encoding="utf-8"))
    commands = [command for command, _ in steps[1:]]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONIOENCODING="utf-8")
    env.pop("PYTHONBREAKPOINT", None)
    env["HOME"] = str(ROOT / "docs")  # no ~/.pdbrc of the machine's user
    finished = subprocess.run(
        [sys.executable, "-m", "pdb", "docs/bptt_debug_example.py"],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    return launch, steps, finished


def test_the_page_starts_the_script_under_pdb(session):
    launch, steps, finished = session
    assert launch == "python -m pdb docs/bptt_debug_example.py"
    assert (ROOT / "docs" / "bptt_debug_example.py").is_file()
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""
    assert steps[-1][0] == "quit"


def test_every_output_the_page_shows_is_what_pdb_prints(session):
    _, steps, finished = session
    printed = finished.stdout.split(PROMPT)
    assert len(printed) == len(steps), (
        f"pdb read {len(printed) - 1} commands, the page has {len(steps) - 1}:\n" + finished.stdout
    )
    for (command, expected), output in zip(steps, printed):
        assert_shown_in(command, expected, output)


def test_the_walk_stops_at_h3_h2_h1_and_checks_the_equation(session):
    _, steps, _ = session
    commands = [command for command, _ in steps[1:]]
    assert "break tg.ops.Tanh.backward" in commands
    assert commands.count("continue") == 5  # main, h_3, h_2, h_1, the end
    shown = "\n".join(line for _, lines in steps for line in lines)
    assert "(9, 'h_3', 3)" in shown
    # the seeds' equation, typed into pdb at t = 2 and t = 1
    assert "p W.data.T @ ((1 - h[3].data ** 2) * h[3].grad) + V.data.T @ o[2].grad" in commands
    assert "p W.data.T @ ((1 - h[2].data ** 2) * h[2].grad) + V.data.T @ o[1].grad" in commands
    assert "dJ/dW by autodiff equals hand-derived BPTT: True" in shown


def test_each_gradient_shown_equals_the_equation_shown_after_it(session):
    """On the page itself: the `p grad_out` at h_t and the equation's value agree."""
    _, steps, _ = session
    values = {command: lines[0] for command, lines in steps[1:] if lines}
    grad_outs = [lines[0] for command, lines in steps[1:] if command == "p grad_out"]
    assert len(grad_outs) == 3  # h_3, h_2, h_1
    assert grad_outs[0] == values["p V.data.T @ o[3].grad"]
    assert (
        grad_outs[1]
        == values["p W.data.T @ ((1 - h[3].data ** 2) * h[3].grad) + V.data.T @ o[2].grad"]
    )
    assert (
        grad_outs[2]
        == values["p W.data.T @ ((1 - h[2].data ** 2) * h[2].grad) + V.data.T @ o[1].grad"]
    )
