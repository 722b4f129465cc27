"""What several test files share: running an example script or the CLI."""

import os
import subprocess
import sys
from pathlib import Path

from tinygrad_rnn import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


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
