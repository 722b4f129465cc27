"""What several test files share: running an example script or the CLI, importing a script."""

import importlib.util
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tinygrad_rnn import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load_script(path):
    """A script (a lesson in examples/, a tool in docs/) imported as a module named after
    its file; its main() does not run. (A lesson's name starts with a digit, so no
    `import` statement can name it.)"""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(script, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a script (a path, or a file name in examples/) in a fresh Python process,
    from the project root, with one BLAS thread; `check` asserts it exited with 0."""
    path = Path(script) if Path(script).is_absolute() else EXAMPLES / script
    result = subprocess.run(
        [sys.executable, str(path), *[str(a) for a in args]],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def run_example(script, *args: str) -> str:
    """What a successful run of the example prints."""
    return run_script(script, *args).stdout


def run_cli(args, capsys) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `tinygrad-rnn ARGS`, also for argparse exits."""
    try:
        status = cli.main([str(a) for a in args])
    except SystemExit as stop:
        status = stop.code
    out, err = capsys.readouterr()
    return status, out, err


def line_in_file(traceback, filename: str) -> int | None:
    """The line of `filename` that the exception passed through last (the mistake)."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


@contextmanager
def explained(error_class, *phrases, located: bool = True):
    """Expect `error_class` whose message holds every phrase and - unless `located=False`
    - ends with `at TEST_FILE.py:N`, N being the line of the test file (the one using
    `with explained(...)`) where the mistake was made."""
    test_file = sys._getframe(2).f_code.co_filename  # the test's frame (past contextmanager)
    with pytest.raises(error_class) as info:
        yield info
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} is not in the message:\n{message}"
    if located:
        where = f"at {os.path.basename(test_file)}:{line_in_file(info.tb, test_file)}"
        assert where in message, f"{where!r} is not in the message:\n{message}"
