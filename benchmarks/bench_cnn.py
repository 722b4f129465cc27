"""A small CNN's forward + backward: the engine (nn.Conv2d, nn.MaxPool2d) against the same
network written by hand in numpy with im2col.

    python -m benchmarks.bench_cnn                         # B=32 RGB 32×32, float32
    python -m benchmarks.bench_cnn --clock cpu --blas-threads 1
    python -m benchmarks.bench_cnn --profile               # cProfile top of the engine step

The network: conv 3→16 (3×3, padding 1) → ReLU → max pool 2×2 → conv 16→32 (3×3,
padding 1) → ReLU → max pool 2×2, (32, 3, 32, 32) -> (32, 32, 8, 8); the "loss" is
Σ out · G for a fixed random G, so that backward starts from a dense gradient. One step
= forward + backward to every weight and bias, no optimizer.

The numpy baseline does what a fast hand-written im2col network does: the columns by
stride tricks and one copy, one matmul per convolution, col2im as a loop over the 9
kernel offsets, and the pooling as the maximum of the four strided slices
x[:, :, p::2, q::2] (faster than im2col for a 2×2 window).
Both contenders get the very same weights and batch, and `check_agreement` compares
their gradients (float64, relative 1e-5) before anything is timed.

Read next: README.md in this folder (the results).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

import numpy as np

import tinygrad_rnn as tg
from benchmarks.common import add_common_args, apply_common_args, compare, print_table
from tinygrad_rnn import nn

BATCH, CHANNELS, SIZE = 32, (3, 16, 32), 32
PARAM_NAMES = ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias")


# --------------------------------------------------------------------------------------
# The numpy baseline
# --------------------------------------------------------------------------------------
def init_params(rng=0, dtype=np.float32) -> dict:
    """PyTorch's init: U(−1/√fan_in, 1/√fan_in), fan_in = C_in·3·3, for weights and biases."""
    rng = np.random.default_rng(rng)
    params = {}
    for layer, (c_in, c_out) in enumerate(zip(CHANNELS[:-1], CHANNELS[1:]), start=1):
        bound = 1.0 / np.sqrt(c_in * 9)
        params[f"conv{layer}.weight"] = rng.uniform(-bound, bound, (c_out, c_in, 3, 3))
        params[f"conv{layer}.bias"] = rng.uniform(-bound, bound, (c_out,))
    return {name: value.astype(dtype) for name, value in params.items()}


def random_batch(rng=1, dtype=np.float32, batch=BATCH, size=SIZE) -> tuple:
    """Images (B, 3, S, S) and the fixed output gradient G (B, 32, S/4, S/4)."""
    rng = np.random.default_rng(rng)
    images = rng.standard_normal((batch, CHANNELS[0], size, size)).astype(dtype)
    grad_out = rng.standard_normal((batch, CHANNELS[-1], size // 4, size // 4)).astype(dtype)
    return images, grad_out


def im2col(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N, C·9, H·W): 3×3 windows, padding 1, stride 1."""
    N, C, H, W = x.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    s = x_pad.strides
    view = np.lib.stride_tricks.as_strided(
        x_pad, (N, C, 3, 3, H, W), (s[0], s[1], s[2], s[3], s[2], s[3]), writeable=False
    )
    return view.reshape(N, C * 9, H * W)


def col2im(cols: np.ndarray, shape: tuple) -> np.ndarray:
    """The adjoint of im2col: (N, C·9, H·W) -> (N, C, H, W), overlaps summed."""
    N, C, H, W = shape
    blocks = cols.reshape(N, C, 3, 3, H, W)
    x_pad = np.zeros((N, C, H + 2, W + 2), dtype=cols.dtype)
    for p in range(3):
        for q in range(3):
            x_pad[:, :, p : p + H, q : q + W] += blocks[:, :, p, q]
    return x_pad[:, :, 1:-1, 1:-1]


def conv_forward(x, weight, bias):
    cols = im2col(x)  # (N, C·9, H·W)
    y = weight.reshape(weight.shape[0], -1) @ cols + bias[:, None]  # (N, C_out, H·W)
    return y.reshape(x.shape[0], weight.shape[0], x.shape[2], x.shape[3]), cols


def conv_backward(grad_y, x_shape, weight, cols, need_dx=True):
    """(dx, dweight, dbias) of y = W cols + b; dx is None when not needed (the images)."""
    N, C_out = grad_y.shape[:2]
    g = grad_y.reshape(N, C_out, -1)  # (N, C_out, L)
    grad_w = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
    grad_b = g.sum(axis=(0, 2))
    if not need_dx:
        return None, grad_w, grad_b
    grad_cols = weight.reshape(C_out, -1).T @ g  # (N, C·9, L)
    return col2im(grad_cols, x_shape), grad_w, grad_b


OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))  # the four pixels of a 2×2 window


def pool_forward(x):
    """2×2 max pooling: the largest of the four strided slices x[:, :, p::2, q::2]."""
    corners = [x[:, :, p::2, q::2] for p, q in OFFSETS]
    return np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))


def pool_backward(grad_y, x, y):
    """The gradient to the maximum of each window (split evenly among ties)."""
    masks = [x[:, :, p::2, q::2] == y for p, q in OFFSETS]
    share = grad_y / (masks[0].astype(x.dtype) + masks[1] + masks[2] + masks[3])
    grad = np.zeros_like(x)
    for (p, q), mask in zip(OFFSETS, masks):
        grad[:, :, p::2, q::2] = share * mask
    return grad


def numpy_step(params: dict, images: np.ndarray, grad_out: np.ndarray) -> dict:
    """Forward and backward of the network by hand; returns the loss and the gradients."""
    w1, b1, w2, b2 = (params[name] for name in PARAM_NAMES)
    a1, cols1 = conv_forward(images, w1, b1)
    r1 = np.maximum(a1, 0)
    p1 = pool_forward(r1)
    a2, cols2 = conv_forward(p1, w2, b2)
    r2 = np.maximum(a2, 0)
    p2 = pool_forward(r2)
    loss = float(np.sum(p2 * grad_out))
    g_r2 = pool_backward(grad_out, r2, p2) * (a2 > 0)
    g_p1, g_w2, g_b2 = conv_backward(g_r2, p1.shape, w2, cols2)
    g_r1 = pool_backward(g_p1, r1, p1) * (a1 > 0)
    _, g_w1, g_b1 = conv_backward(g_r1, images.shape, w1, cols1, need_dx=False)
    grads = dict(zip(PARAM_NAMES, (g_w1, g_b1, g_w2, g_b2)))
    return {"loss": loss, **grads}


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------
def build_model(params: dict) -> nn.Module:
    """nn.Sequential of the layers, named conv1, relu1, pool1 ... holding copies of params."""
    from collections import OrderedDict

    layers = OrderedDict(
        conv1=nn.Conv2d(CHANNELS[0], CHANNELS[1], 3, padding=1),
        relu1=nn.ReLU(),
        pool1=nn.MaxPool2d(2),
        conv2=nn.Conv2d(CHANNELS[1], CHANNELS[2], 3, padding=1),
        relu2=nn.ReLU(),
        pool2=nn.MaxPool2d(2),
    )
    model = nn.Sequential(layers)
    model.load_state_dict({name: value.copy() for name, value in params.items()})
    return model


def engine_step(model, images: np.ndarray, grad_out: np.ndarray) -> dict:
    """Clear the gradients, forward, backward; returns the loss and the gradients."""
    for parameter in model.parameters():
        parameter.grad = None
    out = model(tg.Tensor(images))
    loss = (out * grad_out).sum()
    loss.backward(retain_graph=False)
    grads = {name: p.grad for name, p in model.named_parameters()}
    return {"loss": loss.item(), **grads}


def check_agreement(tolerance: float = 1e-5) -> float:
    """The largest relative difference between the two contenders' gradients, float64
    on a smaller batch; AssertionError if above `tolerance`."""
    params = init_params(dtype=np.float64)
    images, grad_out = random_batch(dtype=np.float64, batch=4, size=16)
    ours = engine_step(build_model(params), images, grad_out)
    theirs = numpy_step(params, images, grad_out)
    worst = 0.0
    for name, expected in theirs.items():
        scale = max(np.max(np.abs(expected)), 1e-12)
        worst = max(worst, float(np.max(np.abs(np.asarray(ours[name]) - expected)) / scale))
    assert worst <= tolerance, f"engine and numpy disagree: relative difference {worst:.2e}"
    return worst


def contenders(dtype=np.float32) -> dict:
    """{name: zero-argument step function} on one batch and one set of weights."""
    params = init_params(dtype=dtype)
    images, grad_out = random_batch(dtype=dtype)
    model = build_model(params)
    model.to(dtype)
    return {
        "numpy im2col (by hand)": lambda: numpy_step(params, images, grad_out),
        "engine nn.Conv2d + nn.MaxPool2d": lambda: engine_step(model, images, grad_out),
    }


def profile_engine(top: int = 20) -> str:
    """cProfile of 10 engine steps; the `top` functions by own time, as text."""
    fn = contenders()["engine nn.Conv2d + nn.MaxPool2d"]
    fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return "profile of 10 engine steps\n" + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="print a cProfile top instead")
    add_common_args(parser)
    args = parser.parse_args()
    apply_common_args(args)
    worst = check_agreement()
    print(f"gradients agree with the numpy baseline (float64): max relative diff {worst:.1e}")
    if args.profile:
        print(profile_engine())
        return
    times = compare(contenders(), repeats=args.repeats)
    title = f"CNN forward + backward, B={BATCH}, 3×{SIZE}×{SIZE}, float32"
    print_table(title, times, baseline="numpy im2col (by hand)")


if __name__ == "__main__":
    main()
