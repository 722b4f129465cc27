"""The headline benchmark: one char-LSTM training step, engine against hand-written numpy.

    python -m benchmarks.bench_lstm                 # T=40 and T=400, B=32, V=60, D=H=128
    python -m benchmarks.bench_lstm --steps 40 --repeats 15
    python -m benchmarks.bench_lstm --profile       # cProfile top of the engine step

One step = forward + full BPTT of the mean softmax cross-entropy, no optimizer, float32.
Three contenders get the very same weights and batch:

- `numpy`: benchmarks/numpy_lstm.py, forward and manual backward by hand (the baseline);
- `engine (raw ops)`: the same model written with Tensor primitives, as in a lesson: an
  embedding gather, the input projection for all T in one matmul, W_hhᵀ once, then per
  step one matmul + four gate slices + σ/tanh, the vocabulary projection after the loop
  on the stacked h_t, and cross-entropy composed from max/exp/sum/log/indexing;
- `engine (nn)`: what a student writes: nn.Embedding + nn.LSTM + nn.Linear +
  F.cross_entropy (when those modules exist). The targets apply to this one.

Read next: bench_gru_rnn.py, bench_scalar.py, bench_memory.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

import numpy as np

import tinygrad_rnn as tg
from benchmarks.common import add_common_args, apply_common_args, compare, print_table
from benchmarks.numpy_lstm import PARAM_NAMES, init_params, lstm_lm_step, random_batch

BATCH, VOCAB, EMBED, HIDDEN = 32, 60, 128, 128


# --------------------------------------------------------------------------------------
# The engine, raw ops
# --------------------------------------------------------------------------------------
def as_tensors(params: dict) -> dict:
    """The numpy parameters as leaf Tensors that require grad (sharing the arrays)."""
    return {name: tg.Tensor(params[name], requires_grad=True, label=name) for name in PARAM_NAMES}


def cross_entropy_from_primitives(scores: tg.Tensor, labels: np.ndarray) -> tg.Tensor:
    """Mean of -log softmax(scores)[label] over rows; scores (N, V), labels (N,).

    log softmax(z) = (z - m) - log Σ exp(z - m), with m = max(z) as a constant (detached)
    so exp never overflows.
    """
    shifted = scores - scores.amax(axis=1, keepdims=True).detach()  # (N, V)
    log_sum = shifted.exp().sum(axis=1, keepdims=True).log()  # (N, 1)
    log_probs = shifted - log_sum  # (N, V)
    picked = log_probs[np.arange(len(labels)), labels]  # (N,)
    return -picked.mean()


def lstm_lm_loss_raw(p: dict, inputs: np.ndarray, targets: np.ndarray) -> tg.Tensor:
    """The loss of numpy_lstm.lstm_lm_step, built from Tensor primitives (no nn)."""
    B, T = inputs.shape
    H = p["weight_hh"].shape[1]
    D = p["embedding"].shape[1]
    x = tg.gather(p["embedding"], inputs.T)  # (T, B, D), time major
    b = p["bias_ih"] + p["bias_hh"]  # (4H,)
    xw = (x.reshape(T * B, D) @ p["weight_ih"].T + b).reshape(T, B, 4 * H)  # all steps
    W_hhT = p["weight_hh"].T  # (H, 4H), transposed once
    h = tg.zeros(B, H, dtype=W_hhT.dtype, label="h_0")
    c = tg.zeros(B, H, dtype=W_hhT.dtype, label="c_0")
    hs = []
    for t in range(1, T + 1):
        with tg.scope(t=t):
            a = xw[t - 1] + h @ W_hhT  # (B, 4H)
            i = a[:, :H].sigmoid().named(f"i_{t}")
            f = a[:, H : 2 * H].sigmoid().named(f"f_{t}")
            g = a[:, 2 * H : 3 * H].tanh().named(f"g_{t}")
            o = a[:, 3 * H :].sigmoid().named(f"o_{t}")
            c = (f * c + i * g).named(f"c_{t}")
            h = (o * c.tanh()).named(f"h_{t}")
        hs.append(h)
    hs = tg.stack(hs).reshape(T * B, H)  # (T·B, H)
    scores = hs @ p["fc_weight"].T + p["fc_bias"]  # (T·B, V)
    return cross_entropy_from_primitives(scores, targets.T.reshape(T * B))


# --------------------------------------------------------------------------------------
# The engine, nn modules (what a student writes)
# --------------------------------------------------------------------------------------
def nn_available() -> bool:
    """True once tinygrad_rnn.nn has Embedding, LSTM, Linear and functional has
    cross_entropy."""
    try:
        import tinygrad_rnn.functional as F
        from tinygrad_rnn import nn
    except ImportError:
        return False
    return all(hasattr(nn, name) for name in ("Embedding", "LSTM", "Linear")) and hasattr(
        F, "cross_entropy"
    )


def build_nn_model(params: dict, cell: str = "LSTM"):
    """nn.Embedding + nn.LSTM/GRU/RNN + nn.Linear holding copies of `params`' arrays."""
    from tinygrad_rnn import nn

    vocab, embed = params["embedding"].shape
    hidden = params["weight_hh"].shape[1]
    model = nn.Module()
    model.embedding = nn.Embedding(vocab, embed)
    model.rnn = getattr(nn, cell)(embed, hidden)
    model.fc = nn.Linear(hidden, vocab)
    for name, parameter in nn_parameters(model).items():
        parameter.data = params[name].copy()
    return model


def nn_parameters(model) -> dict:
    """{baseline parameter name: the model's Parameter}."""
    return {
        "embedding": model.embedding.weight,
        "weight_ih": model.rnn.weight_ih_l0,
        "weight_hh": model.rnn.weight_hh_l0,
        "bias_ih": model.rnn.bias_ih_l0,
        "bias_hh": model.rnn.bias_hh_l0,
        "fc_weight": model.fc.weight,
        "fc_bias": model.fc.bias,
    }


def nn_lm_loss(model, inputs: np.ndarray, targets: np.ndarray) -> tg.Tensor:
    """Embedding (T, B, D) -> recurrent layer (T, B, H) -> Linear (T·B, V) -> cross-entropy."""
    import tinygrad_rnn.functional as F

    B, T = inputs.shape
    x = model.embedding(inputs.T)  # (T, B, D)
    output, _ = model.rnn(x)  # (T, B, H)
    scores = model.fc(output.reshape(T * B, -1))  # (T·B, V)
    return F.cross_entropy(scores, targets.T.reshape(T * B))


# --------------------------------------------------------------------------------------
# One timed step each
# --------------------------------------------------------------------------------------
def engine_step(loss_fn, leaves, *args, retain_graph: bool = True) -> float:
    """Clear the gradients, build the graph, backpropagate; the graph is dropped on return."""
    for leaf in leaves:
        leaf.grad = None
    loss = loss_fn(*args)
    loss.backward(retain_graph=retain_graph)
    return loss.item()


def contenders(steps: int, dtype=np.float32, seed: int = 0) -> dict:
    """{name: zero-argument step function} on one batch and one set of weights."""
    params = init_params(VOCAB, EMBED, HIDDEN, rng=seed, dtype=dtype)
    inputs, targets = random_batch(BATCH, steps, VOCAB, rng=seed + 1)
    tensors = as_tensors(params)
    leaves = list(tensors.values())
    runs = {
        "numpy (hand-written BPTT)": lambda: lstm_lm_step(params, inputs, targets),
        "engine raw ops": lambda: engine_step(lstm_lm_loss_raw, leaves, tensors, inputs, targets),
        "engine raw ops, lean": lambda: engine_step(
            lstm_lm_loss_raw, leaves, tensors, inputs, targets, retain_graph=False
        ),
    }
    if nn_available():
        model = build_nn_model(params)
        model_leaves = list(model.parameters())
        runs["engine nn.LSTM"] = lambda: engine_step(
            nn_lm_loss, model_leaves, model, inputs, targets
        )
        runs["engine nn.LSTM, lean"] = lambda: engine_step(
            nn_lm_loss, model_leaves, model, inputs, targets, retain_graph=False
        )
    return runs


def profile_engine(steps: int, top: int = 25, use_nn: bool = True) -> str:
    """cProfile of 10 engine steps; the `top` functions by own time, as text."""
    runs = contenders(steps)
    name = "engine nn.LSTM" if use_nn and "engine nn.LSTM" in runs else "engine raw ops"
    fn = runs[name]
    fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        fn()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    return f"profile of 10 steps of '{name}', T={steps}\n" + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="*", default=[40, 400], help="values of T")
    parser.add_argument("--profile", action="store_true", help="print a cProfile top instead")
    add_common_args(parser)
    args = parser.parse_args()
    apply_common_args(args)
    if args.profile:
        for steps in args.steps:
            print(profile_engine(steps))
        return
    for steps in args.steps:
        repeats = args.repeats if steps <= 100 else max(7, args.repeats // 2 + 3)
        times = compare(contenders(steps), repeats=repeats)
        title = f"char-LSTM step, B={BATCH}, T={steps}, V={VOCAB}, D=H={HIDDEN}, float32"
        print_table(title, times, baseline="numpy (hand-written BPTT)")


if __name__ == "__main__":
    main()
