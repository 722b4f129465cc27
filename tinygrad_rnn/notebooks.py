"""The lessons as Jupyter notebooks, generated from the lesson scripts so the two never drift.

Each lesson examples/NN_*.py is written in jupytext's "percent" format: `# %%` starts a
code cell, `# %% [markdown]` a prose cell (its `# ` comment lines, or the module docstring
right below it, are the Markdown). Python reads these markers as comments, so the script
runs as it is; jupytext reads them as cell boundaries. This module turns a lesson into
NN_*.ipynb:

    make notebooks                                  # every lesson -> notebooks/NN_*.ipynb
    python -m tinygrad_rnn.notebooks --out notebooks examples/05_char_lstm.py

Every notebook starts with a cell that installs tinygrad-rnn when the kernel lacks it (a
hosted notebook service): from the project's wheel, tinygrad_rnn-*.whl, uploaded beside the
notebook. In a notebook a lesson reads its flags from $TINYGRAD_RNN_LESSON_ARGS (see
tinygrad_rnn/lesson_kit.py) or uses its defaults; the first cell shows how to set them.

Needs jupytext (`pip install jupytext`, part of the `test` extra). The notebooks are not
committed: generate them when you want them (tests/test_notebooks.py runs every one).

Read next: tinygrad_rnn/lesson_kit.py, examples/01_scalar_autograd.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tinygrad_rnn.files import atomic_write

# The first cell of every notebook. A hosted service (Colab, Binder ...) starts without
# tinygrad_rnn; a local Jupyter started from the project's .venv has it and skips the install.
INSTALL_CELL = """\
# Installs tinygrad-rnn when this kernel does not have it (a hosted notebook service):
# upload the project's wheel, tinygrad_rnn-*.whl, beside this notebook first.
import importlib.util
import os
from pathlib import Path

if importlib.util.find_spec("tinygrad_rnn") is None:
    wheels = sorted(Path().glob("tinygrad_rnn-*.whl"))
    if not wheels:
        raise RuntimeError("no tinygrad_rnn: upload tinygrad_rnn-*.whl beside this notebook")
    %pip install "{wheels[-1]}[plot]"

# The lesson's flags, as on its command line (unset: its defaults), for example:
# os.environ["TINYGRAD_RNN_LESSON_ARGS"] = "--steps 50"
"""

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def lesson_scripts(folder: str | Path = "examples") -> list[Path]:
    """The lesson scripts NN_*.py in `folder`, in lesson order."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.py"))


def title_as_heading(notebook) -> None:
    """Make the first line of the first Markdown cell (the docstring's title) a heading."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            if not cell.source.startswith("#"):
                cell.source = "# " + cell.source
            return


def lesson_notebook(script: str | Path):
    """The notebook of one lesson script: its cells, with the install cell first."""
    import jupytext
    import nbformat

    notebook = jupytext.read(script, fmt="py:percent")
    title_as_heading(notebook)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(INSTALL_CELL.rstrip("\n")))
    notebook.metadata.pop("jupytext", None)  # a plain notebook, not paired to the script
    notebook.metadata["kernelspec"] = dict(KERNEL)
    return notebook


def write_notebook(script: str | Path, folder: str | Path) -> Path:
    """Write `folder`/NN_name.ipynb for the lesson script; returns its path."""
    import jupytext

    path = Path(folder) / Path(script).with_suffix(".ipynb").name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = jupytext.writes(lesson_notebook(script), fmt="ipynb")
    with atomic_write(path) as file:
        file.write(text.encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", help="lesson scripts (default: examples/NN_*.py)")
    parser.add_argument("--out", default="notebooks", help="folder for the notebooks")
    args = parser.parse_args(argv)
    scripts = args.scripts or lesson_scripts()
    if not scripts:
        print("no lesson scripts found (run this from the project folder)", file=sys.stderr)
        return 1
    try:
        import jupytext  # noqa: F401
    except ImportError:
        print("making notebooks needs jupytext: pip install jupytext", file=sys.stderr)
        return 1
    for script in scripts:
        print(write_notebook(script, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
