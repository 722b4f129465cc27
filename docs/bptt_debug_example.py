"""The 3-step RNN that docs/stepping-through-bptt.md debugs with pdb.

    python -m pdb docs/bptt_debug_example.py        # the walk-through
    python docs/bptt_debug_example.py               # just run it

The lessons' vanilla RNN, θ = {U, W, V, b, c}, reads T = 3 inputs with targets y_t:

    h_t = tanh(U x_t + W h_{t-1} + b)      o_t = V h_t + c      J = Σ_t -log softmax(o_t)[y_t]

written with raw Tensor ops, vectors as 1-D arrays (U @ x is U x_t), so that every h_t
and o_t is a named node kept in the dicts `h` and `o` (h[2] is h_2). main() builds the
graph, calls J.backward() - where the debugger stops - and compares ∂J/∂W with the
hand-derived BPTT of tinygrad_rnn/bptt.py.
"""

import numpy as np

import tinygrad_rnn as tg
from tinygrad_rnn import bptt
from tinygrad_rnn import functional as F

np.set_printoptions(precision=4, suppress=True)  # short numbers in the debugger

T, D, H, K = 3, 2, 2, 2  # time steps, input size, hidden size, classes


def parameters(rng):
    """U (H, D), W (H, H), V (K, H), b (H,), c (K,), drawn from N(0, 1)."""
    shapes = {"U": (H, D), "W": (H, H), "V": (K, H), "b": (H,), "c": (K,)}
    return [
        tg.tensor(rng.normal(size=shape), requires_grad=True, label=name)
        for name, shape in shapes.items()
    ]


def main():
    rng = np.random.default_rng(0)
    U, W, V, b, c = parameters(rng)
    xs = rng.normal(size=(T, D))  # x_1, x_2, x_3
    ys = [1, 0, 1]  # y_1, y_2, y_3
    h = {0: tg.zeros(H, label="h_0")}
    o = {}
    J = tg.tensor(0.0)
    for t in range(1, T + 1):
        with tg.scope(t=t):
            x = tg.tensor(xs[t - 1], label=f"x_{t}")
            h[t] = (U @ x + W @ h[t - 1] + b).tanh().named(f"h_{t}")
            o[t] = (V @ h[t] + c).named(f"o_{t}")
            J = J - F.log_softmax(o[t])[ys[t - 1]]
    J = J.named("J")
    J.backward()
    by_hand = bptt.bptt(U, W, V, b, c, xs, np.array(ys))
    print(f"J = {J.item():.4f}")
    print("dJ/dW by autodiff equals hand-derived BPTT:", np.allclose(W.grad, by_hand.dW))


if __name__ == "__main__":
    main()
