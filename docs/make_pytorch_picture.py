"""The README's "Bring your PyTorch code" picture: the BPTT graph of one training step of
a PyTorch program that runs here with only its imports changed.

    python docs/make_pytorch_picture.py        # writes docs/images/pytorch_names_rnn.svg

The program is tests/pytorch_programs/names_classifier.py (the char-RNN name classifier in
the style of PyTorch's tutorial). One name is unrolled through its RNN, the NLL loss
backpropagated, and the graph drawn with every arrow's gradient norm.

Read next: tests/pytorch_programs/harness.py (how the programs run on both engines).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "pytorch_programs"))
sys.path.insert(0, str(ROOT))

import harness  # noqa: E402

import viz  # noqa: E402

NAME, CATEGORY = "Rossi", "Italian"
OUTPUT = ROOT / "docs" / "images" / "pytorch_names_rnn.svg"


def training_step_loss(program):
    """The loss of one training example, after backward: the graph the picture shows."""
    torch = program.torch
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    rnn = program.RNN(program.n_letters, 4, program.n_categories)
    line_tensor = program.lineToTensor(NAME)
    category = torch.tensor([program.all_categories.index(CATEGORY)], dtype=torch.long)
    hidden = rnn.initHidden()
    for i in range(line_tensor.size(0)):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = program.nn.NLLLoss()(output, category)
    loss.backward()
    return loss


def draw(path: Path) -> Path:
    """Write the picture (theme "slides", as every README picture) to `path`."""
    loss = training_step_loss(harness.load("names_classifier", "tinygrad_rnn"))
    title = f'names_classifier.py, one step on "{NAME}": its unrolled RNN and the gradients'
    return viz.render(loss, path, detail="ops", grads=True, title=title, theme="slides")


def main(argv=None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    return draw(args.output)


if __name__ == "__main__":
    print(main())
