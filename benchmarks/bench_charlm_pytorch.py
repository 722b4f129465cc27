"""End to end: lesson 5's training loop, steps per second, engine against plain PyTorch (CPU).

    PYTHONPATH=. /tmp/torchvenv/bin/python -m benchmarks.bench_charlm_pytorch
    ... -m benchmarks.bench_charlm_pytorch --repeats 15 --block 10
    ... -m benchmarks.bench_charlm_pytorch --blas-threads 1      # one pass, one thread

Needs torch (a CPU wheel, installed outside the project: torch is never a dependency and
this is the only file of the project that imports it outside an optional test). Without
torch it exits with status 2 and says how to install it.

One training step of lesson 5 (examples/05_char_lstm.py, tinygrad_rnn/charlm/) at its
default settings: Tiny Shakespeare, B = 32 windows of T = 40 characters, Embedding(V, 128)
-> LSTM(128, 128) -> Linear(128, V), mean cross-entropy, backward, gradient norm clipped
at 5, Adam(lr 3e-3), float32. Every window starts from h_0 = c_0 = 0 (the lesson carries
no state between training batches, so there is nothing to detach). Five contenders start
from the very same weights (the engine's seeded model, copied into PyTorch) and train on
the very same batches (charlm.batch_at, step 1, 2, 3 ...):

- `engine, lesson 5`: charlm.train_step, exactly as the lesson calls it; its backward is
  `retain_graph=False` (lean: arrays freed as backward passes them);
- `engine, default mode`: the same step with `loss.backward()`, every node keeps .grad;
- `torch nn.LSTM`: torch.nn.Embedding + torch.nn.LSTM + torch.nn.Linear, PyTorch's
  fused LSTM (the whole sequence in one C++ call forward, one backward);
- `torch nn.LSTMCell loop`: a Python loop over t of torch.nn.LSTMCell;
- `torch gates by hand`: the engine's own loop written in torch ops from Python - x W_ihᵀ
  + (b_ih + b_hh) for all T at once, then per step addmm, four gate slices, σ/tanh,
  c_t = f ⊙ c + i ⊙ g, h_t = o ⊙ tanh(c_t) - the same primitives the engine records.

Each contender's timed unit is a block of `--block` steps; the contenders alternate block
by block (benchmarks/common.py's harness), and the tables give the median ms per step and
steps per second. Two passes: the machine's default threads first (numpy's BLAS and
torch's intra-op threads), then one thread for both (threadpoolctl and
torch.set_num_threads(1); lesson 5 itself sets OPENBLAS_NUM_THREADS=1, so this is the
engine as the lesson runs it). Before timing, the first batch's loss is checked to be the
same for every contender (tests/test_bench_charlm_pytorch.py checks it too).

Read next: benchmarks/README.md (the figures), bench_lstm.py (the step without Adam).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from contextlib import contextmanager

import numpy as np

from benchmarks.common import (
    add_common_args,
    apply_common_args,
    compare,
    median_ms,
    record_table,
)
from benchmarks.results import settings_text
from tinygrad_rnn import charlm, data
from tinygrad_rnn.nn.utils import clip_grad_norm_

TORCH_MISSING = (
    "bench_charlm_pytorch needs PyTorch, which is not installed in this Python.\n"
    "Install a CPU wheel OUTSIDE the project's venv and run from the repository root:\n"
    "    python3.11 -m venv /tmp/torchvenv\n"
    "    /tmp/torchvenv/bin/pip install torch numpy tqdm threadpoolctl\n"
    "    PYTHONPATH=. /tmp/torchvenv/bin/python -m benchmarks.bench_charlm_pytorch"
)
TORCH_LSTMS = ("nn.LSTM", "nn.LSTMCell loop", "gates by hand")


# --------------------------------------------------------------------------------------
# Lesson 5's run and its batches
# --------------------------------------------------------------------------------------
def lesson_corpus(config: charlm.CharLMConfig) -> charlm.Corpus:
    """Tiny Shakespeare, as lesson 5 reads it: vocabulary and the 90/10 split."""
    text = data.load_text(data.resolve_data_path("tinyshakespeare.txt", None))
    return charlm.prepare_corpus(text, config)


def lesson_batches(train_ids: np.ndarray, config: charlm.CharLMConfig, count: int) -> list:
    """The (x, y) batches of steps 1 .. count, each (B, T) int64 (charlm.batch_at)."""
    return [charlm.batch_at(train_ids, step, config) for step in range(1, count + 1)]


def engine_step_default(run: charlm.CharLMRun, x, y) -> tuple[float, float]:
    """charlm.train_step with `loss.backward()`: every node keeps its .grad (default mode)."""
    run.optimizer.zero_grad()
    loss = charlm.lm_loss(run.model, x, y)
    loss.backward()
    norm = clip_grad_norm_(run.model.parameters(), run.config.clip).item()
    if math.isfinite(norm):
        run.optimizer.step()
    return loss.item(), norm


# --------------------------------------------------------------------------------------
# The same model in PyTorch, holding the engine's weights
# --------------------------------------------------------------------------------------
def torch_model(engine_model: charlm.CharLM, lstm: str):
    """torch Embedding -> LSTM (`lstm`, one of TORCH_LSTMS) -> Linear with the engine's
    weights copied in. nn.LSTM has the engine's names (lstm.weight_ih_l0 ...); the
    LSTMCell of the two loops has the same four tensors without the _l0."""
    import torch

    V, E = engine_model.embedding.weight.shape
    H = engine_model.lstm.hidden_size
    model = torch.nn.Module()
    model.embedding = torch.nn.Embedding(V, E)
    if lstm == "nn.LSTM":
        model.lstm = torch.nn.LSTM(E, H, batch_first=True)
    else:
        model.lstm = torch.nn.LSTMCell(E, H)
    model.fc = torch.nn.Linear(H, V)
    weights = {}
    for name, array in engine_model.state_dict().items():
        if lstm != "nn.LSTM":
            name = name.replace("_l0", "")
        weights[name] = torch.tensor(np.array(array, dtype=np.float32))
    model.load_state_dict(weights)  # strict: every name must match
    return model


def fused_scores(model, x):
    """nn.LSTM over the whole window in one call: x (B, T) -> scores (B, T, V)."""
    e = model.embedding(x)  # (B, T, E)
    h, _ = model.lstm(e)  # (B, T, H), from h_0 = c_0 = 0
    return model.fc(h)  # (B, T, V)


def cell_loop_scores(model, x):
    """A Python loop of nn.LSTMCell: h_t, c_t = cell(e_t, (h_{t-1}, c_{t-1}))."""
    import torch

    e = model.embedding(x)  # (B, T, E)
    B, T, _ = e.shape
    h = e.new_zeros(B, model.lstm.hidden_size)  # (B, H)
    c = e.new_zeros(B, model.lstm.hidden_size)  # (B, H)
    hs = []
    for t in range(T):
        h, c = model.lstm(e[:, t], (h, c))
        hs.append(h)
    return model.fc(torch.stack(hs, dim=1))  # (B, T, H) -> (B, T, V)


def gate_loop_scores(model, x):
    """The engine's nn.LSTM loop (nn/recurrent.py, cells.lstm_step) in torch ops:

    x_proj = x W_ihᵀ + (b_ih + b_hh)              one addmm for all T: (T·B, 4H)
    a_t = x_proj_t + h_{t-1} W_hhᵀ                 one addmm per step: (B, 4H), rows i f g o
    c_t = σ(a_f) ⊙ c_{t-1} + σ(a_i) ⊙ tanh(a_g),   h_t = σ(a_o) ⊙ tanh(c_t)
    """
    import torch

    cell = model.lstm
    H = cell.hidden_size
    e = model.embedding(x).transpose(0, 1)  # (T, B, E), time major as the engine
    T, B, E = e.shape
    x_proj = torch.addmm(cell.bias_ih + cell.bias_hh, e.reshape(T * B, E), cell.weight_ih.t())
    x_proj = x_proj.reshape(T, B, 4 * H)  # (T, B, 4H)
    weight_hh_T = cell.weight_hh.t()  # (H, 4H), once
    h = e.new_zeros(B, H)
    c = e.new_zeros(B, H)
    hs = []
    for t in range(T):
        a = torch.addmm(x_proj[t], h, weight_hh_T)  # (B, 4H)
        i = torch.sigmoid(a[:, :H])
        f = torch.sigmoid(a[:, H : 2 * H])
        g = torch.tanh(a[:, 2 * H : 3 * H])
        o = torch.sigmoid(a[:, 3 * H :])
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return model.fc(torch.stack(hs, dim=1))  # (B, T, H) -> (B, T, V)


SCORES = {"nn.LSTM": fused_scores, "nn.LSTMCell loop": cell_loop_scores}
SCORES["gates by hand"] = gate_loop_scores


def torch_loss(model, lstm: str, x, y):
    """Mean cross-entropy of the next-character scores (charlm.lm_loss in torch)."""
    import torch

    scores = SCORES[lstm](model, x)  # (B, T, V)
    B, T, V = scores.shape
    return torch.nn.functional.cross_entropy(scores.reshape(B * T, V), y.reshape(B * T))


def torch_step(model, lstm: str, optimizer, x, y, clip: float) -> tuple[float, float]:
    """charlm.train_step in torch: forward, backward, clip_grad_norm_, Adam (if finite)."""
    import torch

    optimizer.zero_grad()
    loss = torch_loss(model, lstm, x, y)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip).item()
    if math.isfinite(norm):
        optimizer.step()
    return loss.item(), norm


def as_torch_batches(batches: list) -> list:
    """The numpy (x, y) batches as torch int64 tensors (converted once, before timing)."""
    import torch

    return [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]


# --------------------------------------------------------------------------------------
# The contenders: each trains its own copy from the same weights on the same batches
# --------------------------------------------------------------------------------------
def first_losses(run: charlm.CharLMRun, x, y) -> dict[str, float]:
    """The loss of batch (x, y) under the run's weights, engine and each torch model."""
    losses = {"engine": charlm.lm_loss(run.model, x, y).item()}
    tx, ty = as_torch_batches([(x, y)])[0]
    for lstm in TORCH_LSTMS:
        losses[f"torch {lstm}"] = torch_loss(torch_model(run.model, lstm), lstm, tx, ty).item()
    return losses


def block_runner(step, batches: list, block: int):
    """A zero-argument function that runs `step(x, y)` on the next `block` batches."""
    cursor = {"next": 0}

    def run_block() -> None:
        start = cursor["next"]
        for x, y in batches[start : start + block]:
            step(x, y)
        cursor["next"] = start + block

    return run_block


def contenders(config: charlm.CharLMConfig, corpus, batches: list, block: int) -> dict:
    """{name: block of training steps}, all from the seeded weights of charlm.new_run."""
    import torch

    lesson = charlm.new_run(corpus.vocab, config)
    default = charlm.new_run(corpus.vocab, config)
    runs = {
        "engine, lesson 5 (lean backward)": block_runner(
            lambda x, y: charlm.train_step(lesson.model, lesson.optimizer, x, y, config.clip),
            batches,
            block,
        ),
        "engine, default mode (keeps .grad)": block_runner(
            lambda x, y: engine_step_default(default, x, y), batches, block
        ),
    }
    torch_batches = as_torch_batches(batches)
    for lstm in TORCH_LSTMS:
        model = torch_model(lesson.model, lstm)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)

        def step(x, y, model=model, lstm=lstm, optimizer=optimizer):
            return torch_step(model, lstm, optimizer, x, y, config.clip)

        runs[f"torch {lstm}"] = block_runner(step, torch_batches, block)
    return runs


# --------------------------------------------------------------------------------------
# Timing and the tables
# --------------------------------------------------------------------------------------
@contextmanager
def thread_limit(threads: int | None):
    """Inside the block numpy's BLAS and torch use `threads` threads (None: their defaults)."""
    import torch

    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(limits=threads, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def describe_threads() -> str:
    """'numpy BLAS 2 threads, torch 2 intra-op threads' as they are now."""
    import torch
    from threadpoolctl import threadpool_info

    blas = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return f"numpy/BLAS threads {blas}, torch intra-op threads {torch.get_num_threads()}"


def print_steps_table(title: str, times: dict, block: int, baseline: str, settings: str) -> None:
    """Median, min and max ms per step, steps/s, and the ratio to `baseline`."""
    per_step = {name: [s / block for s in seconds] for name, seconds in times.items()}
    base = median_ms(per_step[baseline])
    print(f"\n{title}  (median of {len(per_step[baseline])} alternating blocks of {block} steps)")
    head = f"  {'contender':<36} {'ms/step':>8} {'min':>7} {'max':>7} {'steps/s':>8} {'ratio':>7}"
    print(head)
    rows = {}
    for name, seconds in per_step.items():
        med = median_ms(seconds)
        low, high = 1000.0 * min(seconds), 1000.0 * max(seconds)
        line = f"  {name:<36} {med:>8.2f} {low:>7.2f} {high:>7.2f} {1000.0 / med:>8.1f}"
        print(f"{line} {med / base:>6.2f}x")
        rows[name] = {"median_ms": round(med, 3), "ratio": round(med / base, 4)}
    record_table(title + " (ms per step)", rows, settings)  # with --record


def run_pass(args, config, corpus, threads: int | None) -> None:
    """Time every contender under one thread setting and print its table."""
    batches = lesson_batches(corpus.train, config, (args.warmup + args.repeats) * args.block)
    with thread_limit(threads):
        runs = contenders(config, corpus, batches, args.block)
        print(f"\nthreads: {describe_threads()}")
        times = compare(runs, repeats=args.repeats, warmup=args.warmup)
    title = (
        f"lesson 5 training step: B={config.batch_size}, T={config.seq_len}, "
        f"E=H={config.hidden_size}, V={len(corpus.vocab)}, Adam + clip {config.clip:g}, "
        f"{config.dtype}, {'default threads' if threads is None else f'{threads} thread(s)'}"
    )
    settings = settings_text(args.clock, threads, args.malloc)
    print_steps_table(title, times, args.block, "torch nn.LSTM", settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=int, default=10, help="training steps per timed block")
    parser.add_argument("--warmup", type=int, default=2, help="untimed blocks first")
    add_common_args(parser)
    args = parser.parse_args()
    if importlib.util.find_spec("torch") is None:
        print(TORCH_MISSING, file=sys.stderr)
        raise SystemExit(2)
    import torch

    passes = [None, 1] if args.blas_threads is None else [args.blas_threads]
    args.blas_threads = None  # the passes set the limits themselves (numpy and torch)
    apply_common_args(args)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op threads by default")
    config = charlm.CharLMConfig()  # lesson 5's defaults
    corpus = lesson_corpus(config)
    x, y = lesson_batches(corpus.train, config, 1)[0]
    losses = first_losses(charlm.new_run(corpus.vocab, config), x, y)
    print("loss of the first batch: " + ", ".join(f"{k} {v:.6f}" for k, v in losses.items()))
    for threads in passes:
        run_pass(args, config, corpus, threads)


if __name__ == "__main__":
    main()
