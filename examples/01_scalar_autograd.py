# %% [markdown]
"""Lesson 1 - scalar autograd: a neuron and a 2-unit RNN built from single numbers.

Every number is a `tg.Value` node: a float, the op that made it and its parents. After
`backward()` every node holds ∂L/∂node in `.grad`. Two small graphs:

1. One neuron, y = tanh(w1·x1 + w2·x2 + b). By the chain rule
       ∂y/∂w1 = (1 - y²)·x1      ∂y/∂x1 = (1 - y²)·w1      ∂y/∂b = 1 - y²
   and the script prints autodiff next to these hand-derived values. It also walks
   the backward pass one node at a time with `y.backward_steps()` - the same loop
   `backward()` runs - and prints what each node receives and sends to its parents.

2. A recurrent network with 2 hidden units, unrolled over T steps, scalar by scalar:
       h_t[j] = tanh(U[j]·x_t + Σ_k W[j,k]·h_{t-1}[k] + b[j])      (h_0 = 0)
       o = V[0]·h_T[0] + V[1]·h_T[1] + c,      L = ½ (o - target)²
   The weights are shared by all time steps, so ∂L/∂W[j,k] is a SUM over t of one
   contribution per step (the heart of backpropagation through time); the script
   collects those contributions from `backward_steps()` and prints the sum.

Both graphs are drawn with viz, every multiply a box, arrows coloured by gradient,
to --out as SVG and PNG (open neuron.svg / scalar_rnn.svg in a browser).

    python examples/01_scalar_autograd.py                  # a few seconds
    python examples/01_scalar_autograd.py --steps 2 --formats svg --out /tmp/lesson1

Read next: examples/02_hello.py (the same RNN on Tensors), 03_bptt_by_hand.py.
"""

# %%
import argparse
from pathlib import Path

import numpy as np

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import lesson_kit


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="time steps T of the RNN (3)")
    parser.add_argument("--hidden", type=int, default=2, help="hidden units of the RNN (2)")
    parser.add_argument(
        "--show-steps", type=int, default=10, help="backward steps of the neuron to print (all 10)"
    )
    parser.add_argument("--formats", default="svg,png", help="picture formats, e.g. svg,png")
    parser.add_argument("--out", default="./lesson01-out", help="folder for the pictures")
    parser.add_argument("--seed", type=int, default=0)
    return lesson_kit.parse_args(parser)


# %% [markdown]
# ## 1. One neuron


# %%
def build_neuron() -> tuple[tg.Value, dict[str, tg.Value]]:
    """y = tanh(w1·x1 + w2·x2 + b), with b chosen so that y = tanh(0.8814) = 1/√2."""
    leaves = {
        "x1": tg.Value(2.0, label="x1"),
        "x2": tg.Value(0.0, label="x2"),
        "w1": tg.Value(-3.0, label="w1"),
        "w2": tg.Value(1.0, label="w2"),
        "b": tg.Value(6.8813735870195432, label="b"),
    }
    x1w1 = (leaves["x1"] * leaves["w1"]).named("x1·w1")
    x2w2 = (leaves["x2"] * leaves["w2"]).named("x2·w2")
    n = (x1w1 + x2w2 + leaves["b"]).named("n")  # the pre-activation w·x + b
    y = n.tanh().named("y")
    return y, leaves


def node_name(node) -> str:
    """'tanh y', 'mul x1·w1', or a leaf's label."""
    if node.op is None:
        return node.label or f"{node.data:g}"
    return f"{node.op} {node.label}" if node.label else node.op


def print_backward_steps(y: tg.Value, count: int) -> None:
    """Run the backward pass one node at a time and print the first `count` steps."""
    print(f"\nthe backward pass, one node per step (y.backward_steps(); first {count}):")
    for step in y.backward_steps():
        if step.index < count:
            sent = [
                f"{grad:+.4f} to {node_name(parent)}"
                for parent, grad in zip(step.node.parents, step.parent_grads)
                if grad is not None and parent.requires_grad
            ]
            arrow = ("  sends " + ", ".join(sent)) if sent else "  (a leaf: its .grad)"
            name = node_name(step.node)
            print(f"  step {step.index}: {name:14s} ∂y/∂node = {step.grad:+.4f}{arrow}")
    # the loop above ran the whole backward pass: every node now has its .grad


def neuron_lesson(args: argparse.Namespace, out: Path) -> list[Path]:
    y, v = build_neuron()
    print("1. one neuron: y = tanh(w1·x1 + w2·x2 + b)")
    for name, leaf in v.items():
        print(f"   {name:2s} = {leaf.data:+.4f}")
    print(f"   y  = {y.data:.6f}")
    print_backward_steps(y, args.show_steps)
    slope = 1.0 - y.data**2  # tanh'(n) = 1 - tanh(n)²
    print(f"\ngradients: autodiff vs the chain rule by hand (1 - y² = {slope:.4f})")
    hand = {
        "w1": ("(1 - y²)·x1", slope * v["x1"].data),
        "x1": ("(1 - y²)·w1", slope * v["w1"].data),
        "w2": ("(1 - y²)·x2", slope * v["x2"].data),
        "x2": ("(1 - y²)·w2", slope * v["w2"].data),
        "b": ("(1 - y²)", slope),
    }
    for name, (formula, value) in hand.items():
        print(f"   ∂y/∂{name:2s} = {v[name].grad:+.6f}   by hand {formula:12s} = {value:+.6f}")
    largest = max(abs(v[name].grad - value) for name, (_, value) in hand.items())
    lesson_kit.report("∂y/∂w1", v["w1"].grad, fmt=".4f")
    lesson_kit.report("neuron: autodiff vs by hand, largest difference", largest, fmt=".1g")
    lesson_kit.report("neuron: backward steps", len(tg.topological_order(y)))
    return draw(y, out / "neuron", args.formats, "one neuron: y = tanh(w1·x1 + w2·x2 + b)")


# %% [markdown]
# ## 2. A 2-unit RNN, scalar by scalar


# %%
def make_rnn_weights(hidden: int, rng: np.random.Generator) -> dict:
    """U[j], W[j][k], b[j], V[j], c as Values, small random numbers."""
    return {
        "U": [tg.Value(rng.normal(0, 0.8), label=f"U[{j}]") for j in range(hidden)],
        "W": [
            [tg.Value(rng.normal(0, 0.8), label=f"W[{j},{k}]") for k in range(hidden)]
            for j in range(hidden)
        ],
        "b": [tg.Value(rng.normal(0, 0.1), label=f"b[{j}]") for j in range(hidden)],
        "V": [tg.Value(rng.normal(0, 0.8), label=f"V[{j}]") for j in range(hidden)],
        "c": tg.Value(0.0, label="c"),
    }


def rnn_step(x: tg.Value, h: list, p: dict, t: int) -> list:
    """h_t[j] = tanh(U[j]·x_t + Σ_k W[j,k]·h_{t-1}[k] + b[j]), one Value per unit."""
    new_h = []
    for j in range(len(h)):
        a = p["U"][j] * x + p["b"][j]
        for k in range(len(h)):
            a = a + p["W"][j][k] * h[k]
        new_h.append(a.tanh().named(f"h_{t}[{j}]"))
    return new_h


def run_rnn(xs: list[float], target: float, p: dict) -> tuple[tg.Value, tg.Value]:
    """Unroll over xs; returns (L, o) with o = Σ_j V[j]·h_T[j] + c, L = ½ (o - target)²."""
    hidden = len(p["U"])
    with tg.scope("rnn"):
        h = [tg.Value(0.0, label=f"h_0[{j}]", requires_grad=False) for j in range(hidden)]
        for t, x_value in enumerate(xs, start=1):
            with tg.scope(t=t):
                x = tg.Value(x_value, label=f"x_{t}", requires_grad=False)
                with tg.scope("cell"):
                    h = rnn_step(x, h, p, t)
    o = p["c"]
    for j in range(hidden):
        o = o + p["V"][j] * h[j]
    o = o.named("o")
    loss = (0.5 * (o - target) ** 2).named("L")
    return loss, o


def contributions_per_step(loss: tg.Value, weight: tg.Value) -> dict[int, float]:
    """Run backward and collect, per time step t, the gradient each use of `weight`
    sends to it: ∂L/∂W[j,k] = Σ_t (that amount)."""
    per_step: dict[int, float] = {}
    for step in loss.backward_steps():
        for parent, grad in zip(step.node.parents, step.parent_grads):
            if parent is weight and grad is not None:
                per_step[step.node.time_step] = per_step.get(step.node.time_step, 0.0) + grad
    return per_step


def rnn_lesson(args: argparse.Namespace, out: Path) -> list[Path]:
    rng = np.random.default_rng(args.seed)
    p = make_rnn_weights(args.hidden, rng)
    xs = [round(float(x), 2) for x in rng.normal(0, 1, args.steps)]
    target = 0.5
    loss, o = run_rnn(xs, target, p)
    W01 = p["W"][0][min(1, args.hidden - 1)]
    per_step = contributions_per_step(loss, W01)  # this is the backward pass

    print(
        f"\n2. an RNN with {args.hidden} hidden units over T = {args.steps} steps, scalar by scalar"
    )
    print(
        f"   x = {xs},  o = {o.data:+.4f},  target {target},  L = ½(o - target)² = {loss.data:.4f}"
    )
    print("   parameters and their gradients ∂L/∂θ:")
    params = p["U"] + [w for row in p["W"] for w in row] + p["b"] + p["V"] + [p["c"]]
    for param in params:
        print(f"     {param.label:7s} = {param.data:+.4f}   grad {param.grad:+.6f}")
    terms = " + ".join(f"({per_step[t]:+.6f} at t={t})" for t in sorted(per_step))
    total = sum(per_step.values())
    print(f"\n   {W01.label} is used at every step, so its gradient is a sum over t:")
    print(f"   ∂L/∂{W01.label} = {terms}")
    print(f"             = {total:+.6f}   ({W01.label}.grad = {W01.grad:+.6f})")
    print("   (nothing at t=1: there W multiplies h_0 = 0, and ∂(W·h_0)/∂W = h_0 = 0)")
    print("\n" + str(viz.gradient_flow(loss)))
    nodes = len(tg.topological_order(loss))
    print(f"   the graph has {nodes} nodes that need a gradient")
    lesson_kit.report(f"RNN (T = {args.steps}): nodes that need a gradient", nodes)
    difference = abs(total - W01.grad)
    lesson_kit.report(f"RNN: Σ_t terms vs {W01.label}.grad, difference", difference, fmt=".1g")
    title = (
        f"a {args.hidden}-unit RNN over T = {args.steps} steps, scalar by scalar "
        f"(the gold weights are shared by every step; their arrows are left out)"
    )
    return draw(loss, out / "scalar_rnn", args.formats, title, shared_arrows=False)


def draw(root, stem: Path, formats: str, title: str, shared_arrows=None) -> list[Path]:
    """Render the graph (every op, gradients on the arrows) once per format."""
    paths = []
    for fmt in formats.split(","):
        if fmt.strip():
            path = stem.with_suffix("." + fmt.strip())
            options = dict(detail="ops", grads=True, title=title, shared_arrows=shared_arrows)
            paths.append(viz.render(root, path, **options))
    if paths:
        lesson_kit.show_picture(paths[0])  # inline in a notebook
    return paths


# %% [markdown]
# ## Run the lesson


# %%
def main() -> None:
    args = parse_args()
    if args.steps < 1 or args.hidden < 1:
        raise SystemExit("--steps and --hidden must be at least 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = neuron_lesson(args, out)
    paths += rnn_lesson(args, out)
    print("\npictures: " + ", ".join(str(path) for path in paths))


# %%
if __name__ == "__main__":
    main()
