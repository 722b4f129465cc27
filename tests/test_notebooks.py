"""Every lesson also runs as a Jupyter notebook.

Each notebook is generated from its lesson script (tinygrad_rnn/notebooks.py reads the
script's `# %%` cells with jupytext) into tmp_path, then executed cell by cell in a real
Jupyter kernel (nbclient + ipykernel) on tiny settings, passed as in a notebook through
$TINYGRAD_RNN_LESSON_ARGS. A cell that raises fails the test with the cell's traceback.
"""

import json
import re
import sys
import time
from pathlib import Path

import pytest
from helpers import EXAMPLES, ROOT

from tinygrad_rnn import notebooks

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")
pytest.importorskip("ipykernel")

# The lessons' flags in the notebook runs: the smoke tests' tiny settings (tests/test_examples*.py)
# or smaller - these runs check that every cell works, not what the lesson measures.
# {out} is the test's output folder.
TINY = {
    "01_scalar_autograd.py": "--steps 2 --formats svg --out {out}",
    "02_hello.py": "--steps 20",
    "03_bptt_by_hand.py": "--trials 3 --hidden 4",
    "04_vanishing_gradients.py": "--steps 10 --hidden 8 --train-steps 5 --train-T 5 --out {out}",
    "05_char_lstm.py": (
        "--steps 4 --eval-every 2 --hidden 8 --embedding 8 --batch-size 128 --seq-len 8"
        " --sample-length 10 --out {out}"
    ),
    "06_sentiment.py": "--epochs 1 --limit 200 --bow-epochs 1 --examples 2 --out {out}",
    "07_teacher_forcing.py": "--steps 10 --T 8 --val 50 --out {out}",
    "08_bidirectional.py": "--steps 5 --T 6 --train 100 --val 50 --out {out}",
    "09_seq2seq_attention.py": (
        "--steps 3 --train 100 --val 10 --no-compare --beam 2 --heatmaps 1 --out {out}"
    ),
    "10_word2vec.py": "--steps 3 --limit 20000 --min-count 3 --out {out}",
    "11_modelling_guideline.py": (
        "--epochs-short 1 --epochs-long 1 --train 64 --val 32 --short-T 4 --long-T 6"
        " --hidden 4 --out {out}"
    ),
    "12_ngram_lm.py": (
        "--max-chars 20000 --orders 2 --smoothings kneser-ney --steps 2 --models LSTM"
        " --sample-length 10 --out {out}"
    ),
    "13_image_captioning.py": (
        "--steps 2 --train 40 --test 4 --beam-pictures 2 --examples 2 --batch-size 8"
        " --hidden 8 --embedding 4 --out {out}"
    ),
    "14_vqa.py": (
        "--steps 2 --train-images 12 --test-images 6 --pictures 4 --embedding 4 --hidden 8"
        " --fused 8 --examples 2 --embeddings none --out {out}"
    ),
    "15_transformer.py": (
        "--max-chars 20000 --seconds 0.3 --evals 1 --val-chars 300 --seq-len 8 --batch-size 2"
        " --d-model 4 --heads 2 --layers 1 --feedforward 8 --hidden 4 --embedding 4"
        " --sample-length 10 --out {out}"
    ),
}
# lessons that draw pictures: each must show at least one inline
DRAWS = {"01", "04", "07", "08", "09", "10", "11", "12", "13", "14", "15"}
NOTEBOOK_TIMEOUT = 120  # seconds for all the cells of one notebook


def lesson_number(script: str) -> str:
    return script[:2]


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch):
    """A kernel spec "python3" that starts this test's Python, found before any other
    Jupyter installation's (Jupyter looks in $JUPYTER_PATH first)."""
    folder = tmp_path / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "python3"


def time_left(seconds: float):
    """nbclient's per-cell timeout, counted down from one deadline for the whole notebook."""
    deadline = time.monotonic() + seconds

    def timeout_for(cell) -> int:
        return max(1, int(deadline - time.monotonic()))

    return timeout_for


def execute(path: Path, kernel: str) -> "nbformat.NotebookNode":
    """Run every cell of the notebook at `path` (from the project folder, as the lessons'
    data and output defaults expect); raises CellExecutionError at the first failing cell."""
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=kernel,
        timeout_func=time_left(NOTEBOOK_TIMEOUT),
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    return notebook


def output_kinds(notebook) -> set[str]:
    """The MIME types and stream names of every output in the notebook."""
    kinds = set()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            kinds.update(output.get("data", {}))
            if output.get("output_type") == "stream":
                kinds.add(output["name"])
    return kinds


def test_every_lesson_has_notebook_settings():
    scripts = [path.name for path in notebooks.lesson_scripts(EXAMPLES)]
    assert scripts and scripts == sorted(TINY), "add the new lesson's tiny flags to TINY"


@pytest.mark.parametrize("script", sorted(TINY))
def test_lesson_runs_as_a_notebook(script, tmp_path, monkeypatch, this_python_kernel):
    path = notebooks.write_notebook(EXAMPLES / script, tmp_path)
    flags = TINY[script].format(out=tmp_path / "out")
    monkeypatch.setenv("TINYGRAD_RNN_LESSON_ARGS", flags)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = execute(path, this_python_kernel)
    kinds = output_kinds(notebook)
    assert "stdout" in kinds  # the lesson printed what it measured
    if lesson_number(script) in DRAWS:
        assert kinds & {"image/png", "image/svg+xml"}, "no picture shown inline"


@pytest.mark.parametrize("script", sorted(TINY))
def test_notebook_cells_follow_the_script(script):
    """The install cell first, then the docstring as the title, prose between code cells."""
    notebook = notebooks.lesson_notebook(EXAMPLES / script)
    nbformat.validate(notebook)
    first, title = notebook.cells[0], notebook.cells[1]
    assert first.cell_type == "code" and "%pip install" in first.source
    assert title.cell_type == "markdown"
    assert re.match(rf"# Lesson {int(lesson_number(script))}\b", title.source)
    kinds = [cell.cell_type for cell in notebook.cells]
    assert kinds.count("markdown") >= 2 and kinds.count("code") >= 4
    assert notebook.cells[-1].source.startswith('if __name__ == "__main__":')


def test_make_notebooks_writes_one_notebook_per_lesson(tmp_path, capsys):
    scripts = [str(EXAMPLES / name) for name in ("01_scalar_autograd.py", "02_hello.py")]
    assert notebooks.main(["--out", str(tmp_path), *scripts]) == 0
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == ["01_scalar_autograd.ipynb", "02_hello.ipynb"]
    assert capsys.readouterr().out.splitlines() == [str(tmp_path / name) for name in written]
    notebook = nbformat.read(tmp_path / "02_hello.ipynb", as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
