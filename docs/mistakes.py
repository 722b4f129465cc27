"""Three mistakes and what tinygrad_rnn says about them: the README's "Mistakes get
explanations" shows this script's output (tests/test_readme_mistakes.py checks that).

    python docs/mistakes.py
"""

import warnings

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import nn


def show(error: Exception) -> None:
    print(f"{type(error).__name__}: {error}")


def wrong_shapes():
    try:
        tg.randn(32, 64) @ tg.randn(128, 512)
    except tg.ShapeError as error:
        show(error)


def mask_of_the_wrong_length():
    scores = tg.zeros(3, 4)
    try:
        scores[np.array([True, False])]  # 2 flags for 3 rows
    except tg.TensorIndexError as error:
        show(error)


def truncated_bptt_without_detach():
    tg.manual_seed(0)
    rnn = nn.RNNCell(2, 3)
    h = tg.zeros(1, 3)
    for _batch in range(2):
        x = tg.randn(1, 2)
        h = rnn(x, h)  # forgot: h = rnn(x, h.detach())
        loss = h.sum()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss.backward()
        for warning in caught:
            print(f"{warning.category.__name__}: {warning.message}")


if __name__ == "__main__":
    wrong_shapes()
    mask_of_the_wrong_length()
    truncated_bptt_without_detach()
