# %% [markdown]
"""Lesson 3 - backpropagation through time by hand, checked against autodiff.

The textbook RNN, θ = {U, W, V, b, c}, reads "hello worl" one character at a time and
predicts the next one ("ello world"):

    h_t = tanh(U x_t + W h_{t-1} + b)       o_t = V h_t + c       ŷ_t = softmax(o_t)
    J   = Σ_t -log ŷ_t[y_t]

Two ways to get the gradients:
  by hand   tinygrad_rnn.bptt: the BPTT equations written out in numpy,
                ∂J/∂o_t = ŷ_t - y_t
                ∂J/∂h_t = Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1}  +  Vᵀ ∂J/∂o_t
                          (from the future)                     (from this step's output)
                ∂J/∂W   = Σ_t diag(1 - h_t²) ∂J/∂h_t h_{t-1}ᵀ   ... (one term per step)
  autodiff  nn.ElmanRNN (the same model built from Tensor ops) and J.backward(); every
            h_t is a node labelled "h_t", so h_t.grad is ∂J/∂h_t.

The script prints ∂J/∂h_t for every step side by side (with the two terms it is made of)
and compares the parameter gradients; then it repeats the comparison on --trials random
RNNs of random sizes and reports the largest difference seen (float64: ~1e-15).
(A picture of this unrolled graph: `tinygrad-rnn render elman --grads -o elman.svg`.)

    python examples/03_bptt_by_hand.py                       # a few seconds
    python examples/03_bptt_by_hand.py --text "abcabcabc" --hidden 4 --trials 10

Read next: examples/04_vanishing_gradients.py (what these products of Jacobians do
over 100 steps), tinygrad_rnn/bptt.py (the equations as code).
"""

# %%
import argparse
import re

import numpy as np
from tqdm import tqdm

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import lesson_kit, nn
from tinygrad_rnn.bptt import bptt

H_LABEL = re.compile(r"^h_(\d+)$")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", default="hello world", help="the sequence (≥ 2 characters)")
    parser.add_argument("--hidden", type=int, default=6, help="hidden size H (6)")
    parser.add_argument("--show", type=int, default=3, help="entries of ∂J/∂h_t to print (3)")
    parser.add_argument("--trials", type=int, default=300, help="random RNNs to compare (300)")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


def one_hot_text(text: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """vocab, inputs x_1..x_T (T, K) one-hot of text[:-1], targets y_1..y_T of text[1:]."""
    vocab = sorted(set(text))
    index = {char: i for i, char in enumerate(vocab)}
    xs = np.eye(len(vocab))[[index[char] for char in text[:-1]]]  # (T, K)
    targets = np.array([index[char] for char in text[1:]])  # (T,)
    return vocab, xs, targets


# %% [markdown]
# ## The gradients two ways: autodiff and by hand


# %%
def autodiff(model: nn.ElmanRNN, xs: np.ndarray, targets: np.ndarray):
    """J and the engine's gradients: returns (J, {name: ∂J/∂θ}, (T, H) array of ∂J/∂h_t)."""
    model.zero_grad()
    o, _ = model(xs)  # o (T, K): the scores o_1 ... o_T
    J = F.cross_entropy(o, targets, reduction="sum").named("J")  # Σ_t -log ŷ_t[y_t]
    J.backward()
    dh = {}
    for node in tg.topological_order(J):
        match = H_LABEL.match(node.label or "")
        if match and int(match.group(1)) >= 1:
            dh[int(match.group(1))] = node.grad.reshape(-1)  # h_t is (1, H): one sequence
    dh_rows = np.stack([dh[t] for t in range(1, len(xs) + 1)])  # (T, H)
    grads = {name: getattr(model, name).grad for name in "UWVbc"}
    return J, grads, dh_rows


def by_hand(model: nn.ElmanRNN, xs: np.ndarray, targets: np.ndarray):
    """The same numbers from the BPTT equations (tinygrad_rnn.bptt)."""
    return bptt(**model.state_dict(), xs=xs, targets=targets)


# %% [markdown]
# ## Side by side, step by step


# %%
def print_step_table(result, dh_auto, model, xs, targets, vocab, text, show: int) -> float:
    """∂J/∂h_t per step, hand vs autodiff, from t = T back to 1; returns the max difference."""
    T = len(xs)
    W, V = model.W.data, model.V.data
    show = min(show, dh_auto.shape[1])
    print(f"\n∂J/∂h_t step by step, from t = T back to 1 (first {show} of H entries):")
    header = f"{'t':>3}  {'x_t→y_t':8}  {'by hand (bptt.py)':{9 * show}}  "
    header += f"{'autodiff (h_t.grad)':{9 * show}}  {'max|diff|':>9}  ‖from o_t‖  ‖from h_t+1‖"
    print(header)
    worst = 0.0
    for t in range(T, 0, -1):
        hand, auto = result.dh[t - 1], dh_auto[t - 1]
        difference = float(np.max(np.abs(hand - auto)))
        worst = max(worst, difference)
        y_t = np.eye(len(vocab))[targets[t - 1]]
        from_output = V.T @ (result.y_hat[t - 1] - y_t)  # Vᵀ ∂J/∂o_t
        from_future = hand - from_output  # Wᵀ diag(1 - h_{t+1}²) ∂J/∂h_{t+1}
        if t < T:  # check the recurrence itself, not just the difference of two numbers
            h_next = result.h[t]
            assert np.allclose(from_future, W.T @ ((1 - h_next**2) * result.dh[t]))
        pair = f"{text[t - 1]!r}→{text[t]!r}"
        print(
            f"{t:>3}  {pair:8}  {vector(hand[:show])}  {vector(auto[:show])}  {difference:9.1e}"
            f"  {np.linalg.norm(from_output):10.4f}  {np.linalg.norm(from_future):11.4f}"
        )
    return worst


def vector(values: np.ndarray) -> str:
    return " ".join(f"{value:+8.4f}" for value in values)


def print_parameter_table(result, grads_auto: dict) -> float:
    """∂J/∂θ for θ in U, W, V, b, c: hand vs autodiff; returns the max difference."""
    print("\nparameter gradients (each a sum over the T steps):")
    print(f"  θ  {'shape':8}  {'‖∂J/∂θ‖':>9}  max|bptt - autodiff|")
    worst = 0.0
    for name, hand in result.gradients().items():
        difference = float(np.max(np.abs(hand - grads_auto[name])))
        worst = max(worst, difference)
        shape = "x".join(str(n) for n in hand.shape)
        print(f"  {name}  {shape:8}  {np.linalg.norm(hand):9.4f}  {difference:.1e}")
    return worst


# %% [markdown]
# ## Many random RNNs


# %%
def random_trials(count: int, seed: int) -> tuple[float, int]:
    """Compare bptt.py with autodiff on `count` random RNNs (random T, D, H, K, weights);
    returns the largest difference over every gradient entry, and the entries compared."""
    rng = np.random.default_rng(seed + 1)
    worst, entries = 0.0, 0
    for _ in tqdm(range(count), desc="random RNNs", unit="rnn", leave=False):
        T, D, H, K = (int(n) for n in rng.integers(1, [20, 6, 9, 6], endpoint=True))
        tg.manual_seed(int(rng.integers(2**31)))
        model = nn.ElmanRNN(D, H, K)
        xs = rng.normal(size=(T, D))
        targets = rng.integers(0, K, size=T)
        _, grads_auto, dh_auto = autodiff(model, xs, targets)
        result = by_hand(model, xs, targets)
        for name, hand in result.gradients().items():
            worst = max(worst, float(np.max(np.abs(hand - grads_auto[name]))))
            entries += hand.size
        worst = max(worst, float(np.max(np.abs(result.dh - dh_auto))))
        entries += result.dh.size
    return worst, entries


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    if len(args.text) < 2:
        raise SystemExit("--text needs at least 2 characters (an input and its next character)")
    tg.set_default_dtype(np.float64)  # gradients are compared: full precision
    vocab, xs, targets = one_hot_text(args.text)
    T, K = xs.shape
    tg.manual_seed(args.seed)
    model = nn.ElmanRNN(K, args.hidden, K)
    print(
        f"the textbook RNN on {args.text[:-1]!r} -> {args.text[1:]!r}: T = {T}, "
        f"vocabulary K = {K}, hidden H = {args.hidden}"
    )

    J_auto, grads_auto, dh_auto = autodiff(model, xs, targets)
    result = by_hand(model, xs, targets)
    print(f"J = Σ_t -log ŷ_t[y_t]:  by hand {result.J:.12f}   autodiff {J_auto.item():.12f}")
    worst_h = print_step_table(result, dh_auto, model, xs, targets, vocab, args.text, args.show)
    worst_theta = print_parameter_table(result, grads_auto)

    if args.trials > 0:
        worst_random, entries = random_trials(args.trials, args.seed)
        print(
            f"\n{args.trials} random RNNs (T ≤ 20, D, K ≤ 6, H ≤ 9): {entries} gradient entries "
            f"compared, max |bptt - autodiff| = {worst_random:.1e}"
        )
        name = f"{args.trials} random RNNs: largest difference"
        lesson_kit.report(name, worst_random, fmt=".1e", average="geometric")
    print(
        f"\nresult: max |difference| ∂J/∂h_t {worst_h:.1e}, ∂J/∂θ {worst_theta:.1e} "
        "(float64 round-off: the hand-derived BPTT and autodiff agree)"
    )
    for what, worst in (("∂J/∂h_t", worst_h), ("∂J/∂θ", worst_theta)):
        name = f"{what}: bptt.py vs autodiff, largest difference"
        lesson_kit.report(name, worst, fmt=".1e", average="geometric")


# %%
if __name__ == "__main__":
    main()
