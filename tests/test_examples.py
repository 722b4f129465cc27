"""The examples run end to end (small settings) and reach what they promise."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_example(name: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_hello_rnn_learns_ello():
    out = run_example("hello_rnn.py", "--steps", "150")
    assert "predicted 'ello' for 'hell': next-character accuracy 100%" in out
