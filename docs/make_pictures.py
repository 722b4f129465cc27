"""Regenerate every README and demo graph picture in docs/images/, with theme "slides".

    python docs/make_pictures.py              # what `make pictures` runs
    python docs/make_pictures.py --check      # then: does each fit a 1920×1080 slide?
    python docs/make_pictures.py -o /tmp/pics --only rnn_unrolled

Each picture is made the way the README says under it (the same `tinygrad-rnn render`
command, plus `--theme slides`), or the way the demo and lesson 1 draw theirs, so the
pictures always match the code. `PICTURES` lists them: file name -> how it is made.
tests/test_slide_pictures.py renders the same list (at a few small sizes) and checks that
each fits a slide (viz/slides.py); it also measures the committed files.

Not made here: gradient_flow.png (`tinygrad-rnn vanishing -o docs/images/gradient_flow.png`,
a matplotlib plot) and the attention heatmaps (example 9 trains a model first).

Read next: viz/slides.py (what "fits a slide" means).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs"))

IMAGES = ROOT / "docs" / "images"
THEME = ["--theme", "slides"]

# the README's commands (README.md, under each picture), with --theme slides
RENDERED = {
    "rnn_unrolled.svg": ["elman", "--steps", "3", "--grads", "--loss", "all"],
    "lstm_cell_state.svg": ["lstm", "--steps", "3", "--grads", "--highlight", "cell_state"],
    "lstm_20_steps.svg": [
        "lstm", "--steps", "20", "--detail", "cells", "--grads", "--highlight", "cell_state",
    ],
}  # fmt: skip


def render_command(arguments: list[str], path: Path) -> Path:
    """`tinygrad-rnn render ARGUMENTS --theme slides -o PATH`, in this process."""
    from tinygrad_rnn.cli import main

    status = main(["render", *arguments, *THEME, "-o", str(path)])
    if status:
        raise SystemExit(f"make_pictures: tinygrad-rnn render {' '.join(arguments)} failed")
    return path


def demo_picture(kind: str, path: Path) -> Path:
    """The demo's picture of training step 1 (tinygrad-rnn demo: rnn_bptt.svg for the
    vanilla RNN, lstm_cell_state.svg for the LSTM), H = 3, seed 0 as the demo's defaults."""
    import viz
    from tinygrad_rnn.commands import demo
    from tinygrad_rnn.commands.lesson import import_lesson

    hello = import_lesson("2")
    if kind == "rnn":
        model, highlight, note = demo.TextbookRNN(hello, 3, 0), "hidden_state", "h_0 -> h_4"
    else:
        model, highlight, note = demo.LessonLSTM(hello, 3, 0), "cell_state", "c_0 -> c_4"
    what = f"hello {model.kind}"
    picture = demo.first_backward_picture(model, highlight, what, f"{note} highlighted")
    return viz.render(picture, path)


def lesson01_picture(which: str, path: Path) -> Path:
    """Lesson 1's neuron or 2-unit scalar RNN (examples/01_scalar_autograd.py), drawn as
    the lesson draws it (every op, gradients on the arrows), with theme slides."""
    import numpy as np

    import viz
    from tinygrad_rnn.commands.lesson import import_lesson

    lesson = import_lesson("1")
    if which == "neuron":
        root, _ = lesson.build_neuron()
        title, shared = "one neuron: y = tanh(w1·x1 + w2·x2 + b)", None
    else:  # the lesson's defaults: H = 2, T = 3, seed 0
        rng = np.random.default_rng(0)
        weights = lesson.make_rnn_weights(2, rng)
        xs = [round(float(x), 2) for x in rng.normal(0, 1, 3)]
        root, _ = lesson.run_rnn(xs, 0.5, weights)
        title = (
            "a 2-unit RNN over T = 3 steps, scalar by scalar "
            "(the gold weights are shared by every step; their arrows are left out)"
        )
        shared = False
    root.backward()
    options = dict(detail="ops", grads=True, title=title, shared_arrows=shared, theme="slides")
    return viz.render(root, path, **options)


def pytorch_picture(path: Path) -> Path:
    """The README's "Bring your PyTorch code" picture, as docs/make_pytorch_picture.py
    draws it."""
    import make_pytorch_picture

    return make_pytorch_picture.draw(path)


def pictures() -> dict:
    """File name in docs/images -> a function(path) that writes it."""
    made = {name: (lambda path, a=arguments: render_command(a, path))
            for name, arguments in RENDERED.items()}  # fmt: skip
    made["pytorch_names_rnn.svg"] = pytorch_picture
    made["hello_rnn_bptt.svg"] = lambda path: demo_picture("rnn", path)
    made["hello_lstm_cell_state.svg"] = lambda path: demo_picture("lstm", path)
    made["lesson01_neuron.svg"] = lambda path: lesson01_picture("neuron", path)
    made["lesson01_scalar_rnn.svg"] = lambda path: lesson01_picture("rnn", path)
    return made


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=IMAGES, help="folder (docs/images)")
    parser.add_argument("--only", action="append", help="just this picture (name without .svg)")
    parser.add_argument("--check", action="store_true", help="measure each on a slide")
    args = parser.parse_args(argv)
    from viz.slides import measure_svg

    args.out.mkdir(parents=True, exist_ok=True)
    misfits = 0
    for name, make in pictures().items():
        if args.only and Path(name).stem not in args.only:
            continue
        path = make(args.out / name)
        fit = measure_svg(path)
        misfits += not fit.fits
        verdict = "fits" if fit.fits else "DOES NOT FIT"
        print(f"wrote {path}: {fit.describe()} - {verdict}" if args.check else f"wrote {path}")
    return 1 if args.check and misfits else 0


if __name__ == "__main__":
    raise SystemExit(main())
