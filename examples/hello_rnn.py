"""The "hello" character model: a vanilla RNN learns to predict "ello" from "hell".

The textbook recurrent network, theta = {U, W, V, b, c}, written directly with Tensor ops:

    h_t = tanh(U x_t + W h_{t-1} + b)      hidden state (h_0 = 0)
    o_t = V h_t + c                        scores for the next character
    y_t = softmax(o_t)                     its probabilities
    J   = sum_t -log y_t[target_t]         summed cross-entropy

Each time step runs inside `tg.scope(t=t)`, so every node knows its step and h_t is a
labelled node you can find in the graph. Trained with plain gradient descent.

    python examples/hello_rnn.py            # about a second
"""

import argparse

import numpy as np

import tinygrad_rnn as tg

VOCAB = ["h", "e", "l", "o"]


def one_hot(char: str) -> tg.Tensor:
    """x_t: a column of zeros with a 1 at the character's index, shape (4,)."""
    x = np.zeros(len(VOCAB))
    x[VOCAB.index(char)] = 1.0
    return tg.tensor(x, label=f"x({char})")


def log_softmax(o: tg.Tensor) -> tg.Tensor:
    """log y = o - log Σ exp(o), shifted by max(o) so exp never overflows."""
    shifted = o - o.max().detach()
    return shifted - shifted.exp().sum().log()


def forward(params: dict, inputs: str, targets: str):
    """Unroll the RNN over the characters; returns (J, list of o_t)."""
    U, W, V, b, c = (params[name] for name in "UWVbc")
    h = tg.zeros(W.shape[0], label="h_0")
    loss = tg.tensor(0.0)
    scores = []
    for t, (char, target) in enumerate(zip(inputs, targets), start=1):
        with tg.scope(t=t):
            x = one_hot(char)
            h = (U @ x + W @ h + b).tanh().named(f"h_{t}")  # (H,)
            o = (V @ h + c).named(f"o_{t}")  # (4,)
            loss = loss - log_softmax(o)[VOCAB.index(target)]
            scores.append(o)
    return loss.named("J"), scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=8, help="hidden units H")
    parser.add_argument("--steps", type=int, default=200, help="gradient descent steps")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    H, D = args.hidden, len(VOCAB)
    params = {
        "U": tg.tensor(rng.normal(0, 0.5, (H, D)), requires_grad=True, label="U"),
        "W": tg.tensor(rng.normal(0, 0.5, (H, H)), requires_grad=True, label="W"),
        "V": tg.tensor(rng.normal(0, 0.5, (D, H)), requires_grad=True, label="V"),
        "b": tg.zeros(H, requires_grad=True, label="b"),
        "c": tg.zeros(D, requires_grad=True, label="c"),
    }
    inputs, targets = "hell", "ello"
    print(f"vanilla RNN, H={H}: learn {inputs!r} -> {targets!r}")
    for step in range(1, args.steps + 1):
        loss, _ = forward(params, inputs, targets)
        for p in params.values():
            p.zero_grad()
        loss.backward()
        for p in params.values():
            p.data -= args.lr * p.grad  # gradient descent: theta <- theta - lr * dJ/dtheta
        if step == 1 or step % (args.steps // 5) == 0:
            print(f"step {step:4d}  loss J = {loss.item():.4f}")

    with tg.no_grad():
        loss, scores = forward(params, inputs, targets)
    predicted = "".join(VOCAB[int(np.argmax(o.numpy()))] for o in scores)
    accuracy = np.mean([p == t for p, t in zip(predicted, targets)])
    print(f"final loss {loss.item():.4f}")
    for t, (char, o) in enumerate(zip(inputs, scores), start=1):
        probs = np.exp(o.numpy() - o.numpy().max())
        probs /= probs.sum()
        shown = "  ".join(f"{v}:{p:.2f}" for v, p in zip(VOCAB, probs))
        print(f"t={t}  input {char!r} -> predicts {VOCAB[int(np.argmax(probs))]!r}   ({shown})")
    print(f"predicted {predicted!r} for {inputs!r}: next-character accuracy {accuracy:.0%}")


if __name__ == "__main__":
    main()
