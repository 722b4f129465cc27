"""The exercise checker cannot be fooled: whatever a student's file does - exit, crash,
hang, print over the report, close stdout, change directory, patch numpy or the engine,
return objects that claim to be equal, reach for the checker's own arrays, talk on the
checker's pipes - every case it touches fails with a message saying what happened, the
other cases still run, and `tinygrad-rnn check` exits with status 1.

Each test writes a student file into tmp_path and runs the real command on it."""

import os
import subprocess
import sys
import textwrap
import time

import pytest
from helpers import run_cli

from tinygrad_rnn.classroom import check_file, find_exercise
from tinygrad_rnn.errors import ArgumentError

POSIX = os.name == "posix"

# A right answer to exercise 2 (12 cases), the base of most files below.
UNBROADCAST = """
import numpy as np

def right(grad, shape):
    extra = grad.ndim - len(shape)
    summed = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and summed.shape[i] != 1)
    if stretched:
        summed = summed.sum(axis=stretched, keepdims=True)
    return summed.reshape(shape)
"""

# unbroadcast misbehaves in case 5 only (grad (2, 3, 4) -> shape (1, 4)); `{action}` is
# what it does there.
CASE_5 = (
    UNBROADCAST
    + """
def unbroadcast(grad, shape):
    if grad.shape == (2, 3, 4) and tuple(shape) == (1, 4):
        {action}
    return right(grad, shape)
"""
)
LINE = CASE_5.splitlines().index("        {action}") + 1  # the line of `action` in mine.py


def student_file(tmp_path, source: str, name: str = "mine.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def check(capsys, number, path, *flags) -> tuple[int, str]:
    """(exit status, the report with its line wrapping undone) of `tinygrad-rnn check`."""
    status, out, err = run_cli(["check", str(number), str(path), *flags], capsys)
    assert err == "", err
    return status, " ".join(out.split())


def case_5(tmp_path, capsys, action: str, *flags) -> tuple[int, str]:
    path = student_file(tmp_path, CASE_5.format(action=action))
    return check(capsys, 2, path, *flags)


def assert_only_case_5_failed(report: str, label: str = "ERROR") -> None:
    assert f"{label} case 5: grad (2, 3, 4) -> shape (1, 4)" in report
    assert report.count("PASS") == 11 and "11 of 12 cases passed." in report


# --------------------------------------------------------------------------------------
# Exits and exceptions: a failed case, never a silent exit 0
# --------------------------------------------------------------------------------------
def test_sys_exit_0_at_import_fails_the_file(tmp_path, capsys):
    path = student_file(tmp_path, "import sys\n\nsys.exit(0)\n" + UNBROADCAST)
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "importing mine.py failed: SystemExit: 0 (mine.py:3 in <module>)" in report
    assert 'under `if __name__ == "__main__":`' in report


@pytest.mark.parametrize(
    "action, words",
    [
        ("import sys; sys.exit(0)", f"SystemExit: 0 (mine.py:{LINE} in unbroadcast)"),
        ("exit()", f"SystemExit: None (mine.py:{LINE} in unbroadcast)"),
        ("raise KeyboardInterrupt", f"KeyboardInterrupt (mine.py:{LINE} in unbroadcast)"),
        ("raise GeneratorExit('bye')", f"GeneratorExit: bye (mine.py:{LINE} in unbroadcast)"),
        (
            "raise type('Sneaky', (BaseException,), {})('gotcha')",
            f"Sneaky: gotcha (mine.py:{LINE} in unbroadcast)",
        ),
    ],
)
def test_an_exit_or_base_exception_in_a_function_fails_that_case(tmp_path, capsys, action, words):
    status, report = case_5(tmp_path, capsys, action)
    assert status == 1
    assert f"your code raised {words}" in report
    assert_only_case_5_failed(report)


def test_sys_exit_in_a_function_says_return_instead(tmp_path, capsys):
    status, report = case_5(tmp_path, capsys, "raise SystemExit(3)")
    assert status == 1
    assert "SystemExit: 3" in report and "a function gives its answer with `return`" in report


def test_os_exit_at_import_fails_the_file(tmp_path, capsys):
    path = student_file(tmp_path, "import os\n\nos._exit(0)\n")
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "importing mine.py ended the process that ran it (exit status 0)" in report


def test_os_exit_in_a_function_fails_that_case_and_the_rest_still_run(tmp_path, capsys):
    status, report = case_5(tmp_path, capsys, "import os; os._exit(0)")
    assert status == 1
    assert "unbroadcast ended the process that ran it (exit status 0)" in report
    assert "started a new process for the remaining cases" in report
    assert_only_case_5_failed(report)


@pytest.mark.skipif(not POSIX, reason="signal names are POSIX")
def test_a_crash_in_a_function_fails_that_case(tmp_path, capsys):
    status, report = case_5(tmp_path, capsys, "import ctypes; ctypes.string_at(0)")
    assert status == 1
    assert "unbroadcast ended the process that ran it (killed by SIGSEGV, a crash)" in report
    assert_only_case_5_failed(report)


def test_input_does_not_wait_for_a_keyboard(tmp_path, capsys):
    status, report = case_5(tmp_path, capsys, "input('shape? ')")
    assert status == 1
    assert f"raised EOFError: EOF when reading a line (mine.py:{LINE} in unbroadcast)" in report
    assert "your code printed: | shape?" in report
    assert_only_case_5_failed(report)


def test_the_exit_status_of_the_command_itself_is_1(tmp_path):
    """In a fresh process, as a shell or a grading script sees it."""
    path = student_file(tmp_path, "import sys\nsys.exit(0)\n")
    finished = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "check", "2", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "importing mine.py failed: SystemExit: 0" in finished.stdout


# --------------------------------------------------------------------------------------
# Time limits
# --------------------------------------------------------------------------------------
def test_an_endless_loop_is_stopped_and_the_other_cases_still_run(tmp_path, capsys):
    started = time.monotonic()
    status, report = case_5(tmp_path, capsys, "while True: pass", "--timeout", "1")
    assert status == 1
    assert "unbroadcast took longer than 1 s and was stopped" in report
    assert "is there a loop that never ends" in report and "--timeout SECONDS" in report
    assert_only_case_5_failed(report)
    assert time.monotonic() - started < 20


def test_an_endless_loop_at_import_is_stopped(tmp_path, capsys):
    path = student_file(tmp_path, "while True:\n    pass\n")
    status, report = check(capsys, 2, path, "--timeout", "1")
    assert status == 1
    assert "importing mine.py took longer than 1 s and was stopped" in report


def test_an_endless_backward_is_stopped_and_named(tmp_path, capsys):
    """A Tensor whose backward never ends (a student's own Op), in case 2 of exercise 4."""
    path = student_file(
        tmp_path,
        """
        from tinygrad_rnn.ops import Op
        from tinygrad_rnn.tensor import apply

        class Stuck(Op):
            def forward(ctx, x):
                return x

            def backward(ctx, grad_out):
                while True:
                    pass

        def rnn_step(x, h_prev, U, W, V, b, c):
            h = (x @ U.T + h_prev @ W.T + b).tanh()
            if x.shape == (1, 1):
                h = apply(Stuck, h)
            return h, h @ V.T + c
        """,
    )
    status, report = check(capsys, 4, path, "--timeout", "1")
    assert status == 1
    assert "ERROR case 2: B=1, D=1, H=1, K=1" in report
    assert "the backward pass through what rnn_step returned took longer than 1 s" in report
    assert "4 of 5 cases passed." in report


def test_printing_in_an_endless_loop_shows_the_start_of_it(tmp_path, capsys):
    action = "i = 0\n        while True:\n            print('step', i); i += 1"
    status, report = case_5(tmp_path, capsys, action, "--timeout", "1")
    assert status == 1
    assert "took longer than 1 s" in report
    assert "your code printed: | step 0 | step 1 |" in report and "more lines)" in report
    assert_only_case_5_failed(report)


@pytest.mark.skipif(not POSIX, reason="process groups are POSIX")
def test_a_process_the_student_started_is_stopped_with_it(tmp_path, capsys):
    pid_file = tmp_path / "pid.txt"
    action = (
        "import subprocess, sys\n"
        "        child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"        open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "        child.wait()"
    )
    status, report = case_5(tmp_path, capsys, action, "--timeout", "1")
    assert status == 1 and "took longer than 1 s" in report
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_time_limit_is_a_keyword_of_check_file(tmp_path):
    path = student_file(tmp_path, CASE_5.format(action="while True: pass"))
    report = check_file(find_exercise(2), path, timeout=0.5)
    assert not report.passed
    assert report.results[4].status == "error"
    assert "unbroadcast took longer than 0.5 s and was stopped" in report.results[4].what


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10", True, None])
def test_a_bad_time_limit_is_an_argument_error(tmp_path, timeout):
    path = student_file(tmp_path, UNBROADCAST)
    with pytest.raises(ArgumentError) as caught:
        check_file(find_exercise(2), path, timeout=timeout)
    message = str(caught.value)
    assert f"check_file: timeout must be a number of seconds > 0, got {timeout!r}" in message
    assert message.endswith(f"— at test_checker_trust.py:{caught.traceback[0].lineno + 1}")


@pytest.mark.parametrize(
    "value, words", [("0", "0 must be a number > 0"), ("soon", "'soon' is not a number")]
)
def test_a_bad_timeout_flag_is_a_one_line_error(tmp_path, capsys, value, words):
    path = student_file(tmp_path, UNBROADCAST)
    status, out, err = run_cli(["check", "2", str(path), "--timeout", value], capsys)
    assert status == 2 and out == ""
    assert "argument --timeout" in err and words in err


# --------------------------------------------------------------------------------------
# Output: nothing the student prints passes for the report
# --------------------------------------------------------------------------------------
def test_printed_lines_are_marked_and_cannot_rewrite_the_report(tmp_path, capsys):
    fake = "\\x1b[2J\\r  PASS   case 1\\nAll 12 cases passed. Well done!"
    path = student_file(
        tmp_path,
        f"""
        import os, sys
        print("{fake}")
        os.write(1, b"All 12 cases passed. Well done!\\n")
        sys.__stdout__.write("All 12 cases passed. Well done!\\n")

        def unbroadcast(grad, shape):
            print("{fake}", file=sys.stderr)
            return grad
        """,
    )
    status, out, _ = run_cli(["check", "2", str(path)], capsys)
    assert status == 1
    assert "\x1b" not in out and "\r" not in out
    lines = out.splitlines()
    fakes = [line for line in lines if "All 12 cases passed" in line]
    assert len(fakes) > 2 and all(line.lstrip().startswith("| ") for line in fakes)
    assert "  while it was imported, your file printed:" in lines
    assert "| \\x1b[2J\\r  PASS   case 1" in out  # shown, escaped, marked
    assert lines[-1] == "2 of 12 cases passed."  # cases 1 and 10: shapes already equal


def test_closing_stdout_and_stderr_does_not_silence_the_checker(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import os, sys
        sys.stdout.close()
        sys.stderr.close()
        os.close(1)
        os.close(2)

        def unbroadcast(grad, shape):
            return grad
        """,
    )
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "PASS case 1: grad (3, 4) -> shape (3, 4)" in report
    assert "FAIL case 2: grad (2, 3, 4) -> shape (3, 4)" in report
    assert "2 of 12 cases passed." in report


def test_a_right_answer_that_prints_still_passes(tmp_path, capsys):
    source = UNBROADCAST + "\ndef unbroadcast(grad, shape):\n    print('debugging', grad.shape)\n"
    path = student_file(tmp_path, source + "    return right(grad, shape)\n")
    status, report = check(capsys, 2, path)
    assert status == 0 and "All 12 cases passed." in report
    assert (
        "PASS case 1: grad (3, 4) -> shape (3, 4) your code printed: | debugging (3, 4)" in report
    )


# --------------------------------------------------------------------------------------
# The reference answers and the verdict are out of the student's reach
# --------------------------------------------------------------------------------------
def test_patching_numpy_and_the_engine_does_not_change_the_reference(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import numpy as np
        import tinygrad_rnn.ops as ops
        import tinygrad_rnn.classroom.compare as compare
        import tinygrad_rnn.classroom.report as report

        ops.unbroadcast = lambda grad, shape: np.zeros(shape)
        np.isclose = lambda a, b, **k: np.ones(np.broadcast(a, b).shape, dtype=bool)
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        compare.compare = lambda *a, **k: None
        report.Report.passed = property(lambda self: True)

        def unbroadcast(grad, shape):
            return np.zeros(shape)
        """,
    )
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "FAIL case 1: grad (3, 4) -> shape (3, 4)" in report
    assert "got 0 (12 of 12 elements differ) - all zeros" in report
    assert "0 of 12 cases passed." in report and "Now compare" not in report


def test_patching_the_reference_layer_and_gradcheck_does_not_help(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import numpy as np
        import tinygrad_rnn as tg
        import tinygrad_rnn.gradcheck
        import tinygrad_rnn.classroom.composite as composite
        import tinygrad_rnn.nn.lessons as lessons

        class Zeros(lessons.ElmanRNN):
            def forward(self, x, h0=None):
                T, B, _ = x.shape
                return tg.zeros(T, B, self.V.shape[0]), tg.zeros(T, B, self.W.shape[0])

        lessons.ElmanRNN = Zeros
        tinygrad_rnn.gradcheck.gradcheck = lambda *a, **k: True
        composite.gradcheck = lambda *a, **k: True

        def rnn_step(x, h_prev, U, W, V, b, c):
            return tg.zeros(x.shape[0], W.shape[0]), tg.zeros(x.shape[0], V.shape[0])
        """,
    )
    status, report = check(capsys, 4, path)
    assert status == 1
    assert "h_t[0, 3] differs: expected 0.831961, got 0" in report
    assert "FAIL case 5: gradcheck" in report and "0 of 5 cases passed." in report


@pytest.mark.parametrize(
    "answer, words",
    [
        ("Equal()", "got a Equal that is not an array of numbers"),
        ("np.zeros(shape).view(EqualArray)", "all zeros: nothing arrived there"),
        ("Lazy()", "got a Lazy that is not an array of numbers"),
        ("(x for x in grad)", "got a generator that is not an array of numbers"),
    ],
)
def test_objects_that_claim_to_be_right_are_judged_by_their_numbers(
    tmp_path, capsys, answer, words
):
    path = student_file(
        tmp_path,
        f"""
        import sys
        import numpy as np

        class Equal:
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

        class EqualArray(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(other), dtype=bool)

            def __array_ufunc__(self, *args, **kwargs):
                return True

        class Lazy:
            def __array__(self, *args, **kwargs):
                frame = sys._getframe(1)  # read the checker's expected answer, if any
                while frame is not None:
                    if "expected" in frame.f_locals:
                        return np.asarray(frame.f_locals["expected"])
                    frame = frame.f_back
                raise LookupError("no expected answer in reach")

        def unbroadcast(grad, shape):
            return {answer}
        """,
    )
    status, report = check(capsys, 2, path)
    assert status == 1
    assert words in report and "FAIL case 1:" in report


def test_a_tensor_subclass_that_claims_equality_fails(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import numpy as np
        import tinygrad_rnn as tg

        class Liar(tg.Tensor):
            def __eq__(self, other):
                return True

            __hash__ = object.__hash__

        def rnn_step(x, h_prev, U, W, V, b, c):
            B, H, K = x.shape[0], W.shape[0], V.shape[0]
            h = Liar(np.zeros((B, H)), requires_grad=True)
            return h, Liar(np.zeros((B, K)), requires_grad=True)
        """,
    )
    status, report = check(capsys, 4, path)
    assert status == 1
    assert "h_t[0, 3] differs: expected 0.831961, got 0" in report
    assert "FAIL case 4:" in report and "1 of 5 cases passed." in report  # case 5: gradcheck
    # of a constant function, whose derivative 0 is consistent


def test_the_checkers_variables_are_out_of_reach(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import sys

        def unbroadcast(grad, shape):
            frame = sys._getframe(1)
            while frame is not None:
                if "expected" in frame.f_locals:
                    return frame.f_locals["expected"]
                frame = frame.f_back
            raise LookupError("no expected answer in reach")
        """,
    )
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "your code raised LookupError: no expected answer in reach (mine.py:10" in report
    assert "0 of 12 cases passed." in report


def test_the_checkers_own_arrays_are_out_of_reach(tmp_path, capsys):
    """Taking the reference's already clipped gradients (found with gc) worked when the
    student's code ran in the checker's process."""
    path = student_file(
        tmp_path,
        """
        import gc
        import numpy as np
        import tinygrad_rnn as tg

        def clip_grad_norm(parameters, max_norm):
            grads = [p.grad for p in parameters if p.grad is not None]
            total = float(np.sqrt(sum((g.astype(np.float64) ** 2).sum() for g in grads)))
            mine = {id(p) for p in parameters}
            for other in gc.get_objects():
                if isinstance(other, tg.Tensor) and id(other) not in mine:
                    for p in parameters:
                        if p.label == other.label and other.grad is not None:
                            p.grad = other.grad
            return total
        """,
    )
    status, report = check(capsys, 10, path)
    assert status == 1
    assert "FAIL case 1: total norm above max_norm" in report and "p0.grad[" in report
    assert "1 of 5 cases passed." in report  # case 2: nothing to clip


def test_an_answer_changed_after_it_was_returned_does_not_count(tmp_path, capsys):
    """The answer is what the function returned when it returned: a thread that fixes
    (or spoils) it afterwards changes nothing."""
    path = student_file(
        tmp_path,
        UNBROADCAST
        + """
import threading, time

def unbroadcast(grad, shape):
    answer = np.zeros(shape)
    def fix_later():
        time.sleep(0.2)
        answer[...] = right(grad, shape)
    threading.Thread(target=fix_later, daemon=True).start()
    return answer
""",
    )
    status, report = check(capsys, 2, path)
    assert status == 1 and "all zeros" in report


def test_changes_in_place_are_seen_across_the_process_boundary(tmp_path, capsys):
    path = student_file(
        tmp_path,
        """
        import numpy as np

        def tanh_backward(out, grad_out):
            grad_out *= 1 - out * out
            return grad_out

        def sigmoid_forward(x):
            return 1 / (1 + np.exp(-x))

        def sigmoid_backward(out, grad_out):
            return grad_out * out * (1 - out)
        """,
    )
    status, report = check(capsys, 1, path)
    assert status == 1
    assert "FAIL case 1: tanh_backward: random (3, 4) array" in report
    assert "tanh_backward changed grad_out in place" in report


# --------------------------------------------------------------------------------------
# The checker's own process and pipes
# --------------------------------------------------------------------------------------
def test_changing_the_working_directory_does_not_lose_the_other_files(
    tmp_path, capsys, monkeypatch
):
    folder = tmp_path / "folder"
    folder.mkdir()
    student_file(folder, "import os\nos.chdir('/')\nraise SystemExit(0)\n", "01_backward.py")
    student_file(
        folder,
        UNBROADCAST + "\nimport os\n\ndef unbroadcast(grad, shape):\n"
        "    os.chdir('/')\n    return right(grad, shape)\n",
        "02_unbroadcast.py",
    )
    monkeypatch.chdir(tmp_path)
    status, out, _ = run_cli(["check", "all", "folder"], capsys)
    assert status == 1
    assert "1  backward          cannot be checked: importing 01_backward.py failed" in out
    assert "2  unbroadcast       12/12 cases passed ✓" in out
    assert "3  topological_sort  no file 03_topological_sort.py" in out
    assert os.getcwd() == str(tmp_path)


def test_writing_on_the_checkers_pipes_loses_contact_and_fails(tmp_path, capsys):
    action = (
        "import os\n"
        "        for fd in range(3, 64):\n"
        "            try:\n"
        '                os.write(fd, b\'{"done": "call", "result": null}\\nPASS\\n\')\n'
        "            except OSError:\n"
        "                pass"
    )
    status, report = case_5(tmp_path, capsys, action)
    assert status == 1
    assert "the checker lost contact with unbroadcast: its answer made no sense" in report
    assert "file descriptors it did not open" in report
    assert_only_case_5_failed(report)


def test_closing_the_checkers_pipes_fails_the_file(tmp_path, capsys):
    path = student_file(tmp_path, "import os\nos.closerange(3, 1024)\n" + UNBROADCAST)
    status, report = check(capsys, 2, path)
    assert status == 1
    assert "importing mine.py ended the process that ran it (exit status" in report


def test_an_answer_too_large_to_check_fails(tmp_path, capsys):
    status, report = case_5(tmp_path, capsys, "return np.zeros(20_000_000, dtype=np.uint8)")
    assert status == 1
    assert "got a ndarray of shape (20000000,), too large to check" in report
    assert_only_case_5_failed(report, "FAIL")


def test_a_worker_that_cannot_start_is_not_blamed_on_the_student(tmp_path, monkeypatch):
    from tinygrad_rnn.classroom import student_process

    broken = [sys.executable, "-c", "import sys; sys.stderr.write('no numpy here\\n'); sys.exit(3)"]
    monkeypatch.setattr(student_process, "worker_command", lambda: broken)
    monkeypatch.setattr(student_process, "STARTER", student_process.Starter())
    report = check_file(find_exercise(2), student_file(tmp_path, UNBROADCAST))
    assert not report.passed
    assert report.problem == (
        "the checker could not start a Python process for mine.py: exit status 3; its last "
        "words on stderr: no numpy here"
    )
