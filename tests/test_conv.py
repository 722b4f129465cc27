"""Convolution and pooling (functional_conv.py, ops_conv.py): against direct numpy loops
written from the definitions, gradients by finite differences, PyTorch's layouts.
nn.Conv2d / nn.MaxPool2d / nn.AvgPool2d and the viz grouping: tests/test_conv_nn.py."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn.ops_conv import fold_columns

fast = settings(max_examples=20, deadline=None)


def leaf(shape, seed, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.uniform(low, high, size=shape), requires_grad=True)


def padded(x: np.ndarray, pad, value=0.0) -> np.ndarray:
    (top, bottom), (left, right) = pad
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=value)


def out_size(size, k, s, pads, d):
    return (size + pads[0] + pads[1] - d * (k - 1) - 1) // s + 1


# --------------------------------------------------------------------------------------
# The definitions, written out as loops
# --------------------------------------------------------------------------------------
def conv2d_loop(x, w, b, stride, pad, dilation):
    """y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q]·x[n,c,i·s+p·d−pad, j·s+q·d−pad] (0 outside)."""
    N, C, H, W = x.shape
    O, _, kH, kW = w.shape
    H_out = out_size(H, kH, stride[0], pad[0], dilation[0])
    W_out = out_size(W, kW, stride[1], pad[1], dilation[1])
    y = np.zeros((N, O, H_out, W_out))
    for n, o, i, j in itertools.product(range(N), range(O), range(H_out), range(W_out)):
        total = 0.0 if b is None else b[o]
        for c, p, q in itertools.product(range(C), range(kH), range(kW)):
            row = i * stride[0] + p * dilation[0] - pad[0][0]
            col = j * stride[1] + q * dilation[1] - pad[1][0]
            if 0 <= row < H and 0 <= col < W:
                total += w[o, c, p, q] * x[n, c, row, col]
        y[n, o, i, j] = total
    return y


def pool_loop(x, kernel, stride, pad, dilation, reduce, include_pad=True):
    """y[n,c,i,j] = reduce over the window's pixels (padding: -inf for max, 0 for mean)."""
    N, C, H, W = x.shape
    H_out = out_size(H, kernel[0], stride[0], (pad[0], pad[0]), dilation[0])
    W_out = out_size(W, kernel[1], stride[1], (pad[1], pad[1]), dilation[1])
    y = np.zeros((N, C, H_out, W_out))
    for n, c, i, j in itertools.product(range(N), range(C), range(H_out), range(W_out)):
        values, inside = [], 0
        for p, q in itertools.product(range(kernel[0]), range(kernel[1])):
            row = i * stride[0] + p * dilation[0] - pad[0]
            col = j * stride[1] + q * dilation[1] - pad[1]
            if 0 <= row < H and 0 <= col < W:
                values.append(x[n, c, row, col])
                inside += 1
            else:
                values.append(-np.inf if reduce == "max" else 0.0)
        if reduce == "max":
            y[n, c, i, j] = max(values)
        else:
            y[n, c, i, j] = sum(values) / (len(values) if include_pad else inside)
    return y


geometry = st.fixed_dictionaries(
    {
        "image": st.tuples(
            st.integers(1, 2), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6)
        ),
        "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "stride": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "padding": st.tuples(st.integers(0, 2), st.integers(0, 2)),
        "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    }
)


def fits(g) -> bool:
    _, _, H, W = g["image"]
    spans = [g["dilation"][k] * (g["kernel"][k] - 1) + 1 for k in (0, 1)]
    return spans[0] <= H + 2 * g["padding"][0] and spans[1] <= W + 2 * g["padding"][1]


def symmetric(padding):
    return ((padding[0], padding[0]), (padding[1], padding[1]))


# --------------------------------------------------------------------------------------
# unfold: the layout, the adjoint, the gradient
# --------------------------------------------------------------------------------------
@fast
@given(g=geometry, seed=st.integers(0, 2**16))
def test_unfold_layout_is_pytorchs(g, seed):
    """out[n, (c·kH + p)·kW + q, i·W_out + j] = x_pad[n, c, i·s_h + p·d_h, j·s_w + q·d_w]."""
    if not fits(g):
        return
    x = leaf(g["image"], seed)
    kernel, stride, dilation = g["kernel"], g["stride"], g["dilation"]
    cols = F.unfold(x, kernel, dilation=dilation, padding=g["padding"], stride=stride).data
    x_pad = padded(x.data, symmetric(g["padding"]))
    N, C, H, W = g["image"]
    H_out = out_size(H, kernel[0], stride[0], symmetric(g["padding"])[0], dilation[0])
    W_out = out_size(W, kernel[1], stride[1], symmetric(g["padding"])[1], dilation[1])
    assert cols.shape == (N, C * kernel[0] * kernel[1], H_out * W_out)
    for n, c, p, q, i, j in itertools.product(
        range(N), range(C), range(kernel[0]), range(kernel[1]), range(H_out), range(W_out)
    ):
        expected = x_pad[n, c, i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]]
        assert cols[n, (c * kernel[0] + p) * kernel[1] + q, i * W_out + j] == expected


@fast
@given(g=geometry, seed=st.integers(0, 2**16))
def test_fold_is_the_adjoint_of_unfold(g, seed):
    """<unfold(x), y> = <x, fold(y)> for every x and y: fold is unfold's transpose."""
    if not fits(g):
        return
    x = leaf(g["image"], seed).data
    geometry_args = (g["kernel"], g["stride"], symmetric(g["padding"]), g["dilation"])
    cols = F.unfold(x, g["kernel"], g["dilation"], g["padding"], g["stride"]).data
    y = np.random.default_rng(seed + 1).standard_normal(cols.shape)
    back = fold_columns(y, x.shape, *geometry_args)
    np.testing.assert_allclose(np.sum(cols * y), np.sum(x * back), rtol=1e-10, atol=1e-10)
    public = F.fold(y, x.shape[2:], g["kernel"], g["dilation"], g["padding"], g["stride"])
    np.testing.assert_array_equal(public.data, back)


@fast
@given(g=geometry, seed=st.integers(0, 2**16), pad_value=st.sampled_from([0.0, -1.5]))
def test_unfold_gradient_by_finite_differences(g, seed, pad_value):
    """The primitive with a nonzero pad value too (max pooling pads with -inf)."""
    from tinygrad_rnn.functional_conv import unfold_columns

    if not fits(g):
        return
    x = leaf(g["image"], seed)
    args = (g["kernel"], g["stride"], symmetric(g["padding"]), g["dilation"], pad_value)
    assert tg.gradcheck(lambda x: unfold_columns(x, *args), [x])


def test_unfold_of_one_pixel_kernel_is_a_copy_not_a_view():
    x = leaf((1, 2, 3, 3), 0)
    cols = F.unfold(x, 1)
    np.testing.assert_array_equal(cols.data, x.data.reshape(1, 2, 9))
    assert not np.shares_memory(cols.data, x.data)


def test_unfold_of_an_unbatched_image():
    x = leaf((2, 4, 3), 1)
    cols = F.unfold(x, 2, padding=1)
    assert cols.shape == (8, 20)
    np.testing.assert_array_equal(cols.data, F.unfold(x.reshape(1, 2, 4, 3), 2, padding=1).data[0])


def test_fold_counts_how_often_each_pixel_is_in_a_window():
    """fold(unfold(ones)) = the number of windows holding each pixel: 1, 2, 1 / 2, 4, 2 ..."""
    ones = np.ones((1, 1, 3, 3))
    counts = F.fold(F.unfold(ones, 2), (3, 3), 2).data[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


# --------------------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------------------
@fast
@given(g=geometry, seed=st.integers(0, 2**16), out_channels=st.integers(1, 3), bias=st.booleans())
def test_conv2d_against_the_definition(g, seed, out_channels, bias):
    if not fits(g):
        return
    x = leaf(g["image"], seed)
    w = leaf((out_channels, g["image"][1]) + g["kernel"], seed + 1)
    b = leaf((out_channels,), seed + 2) if bias else None
    y = F.conv2d(x, w, b, stride=g["stride"], padding=g["padding"], dilation=g["dilation"])
    pad = symmetric(g["padding"])
    expected = conv2d_loop(
        x.data, w.data, None if b is None else b.data, g["stride"], pad, g["dilation"]
    )
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "stride, padding, dilation",
    [(1, 0, 1), (2, 1, 1), ((1, 2), (2, 0), (2, 1)), (3, 2, 2)],
)
def test_conv2d_gradients_of_input_weight_and_bias(stride, padding, dilation):
    x, w, b = leaf((2, 3, 6, 5), 0), leaf((4, 3, 3, 2), 1), leaf((4,), 2)
    conv = lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation)  # noqa: E731
    assert tg.gradcheck(conv, [x, w, b])


def test_conv2d_padding_same_and_valid_as_pytorch():
    """'same' keeps H, W at stride 1; an even kernel puts the extra row/column at the end."""
    x, w = leaf((1, 2, 5, 6), 3), leaf((3, 2, 2, 4), 4)
    y = F.conv2d(x, w, padding="same", dilation=(2, 1))
    assert y.shape == (1, 3, 5, 6)
    pads = ((1, 1), (1, 2))  # totals d·(k−1) = 2 and 3, the odd one at the bottom/right
    np.testing.assert_allclose(y.data, conv2d_loop(x.data, w.data, None, (1, 1), pads, (2, 1)))
    assert F.conv2d(x, w, padding="valid").shape == (1, 3, 4, 3)
    assert tg.gradcheck(lambda x, w: F.conv2d(x, w, padding="same"), [x, w])


def test_conv2d_of_an_unbatched_image():
    x, w, b = leaf((2, 4, 4), 5), leaf((3, 2, 3, 3), 6), leaf((3,), 7)
    y = F.conv2d(x, w, b, padding=1)
    assert y.shape == (3, 4, 4)
    np.testing.assert_allclose(y.data, F.conv2d(x.reshape(1, 2, 4, 4), w, b, padding=1).data[0])


def test_conv2d_keeps_float32():
    x = tg.tensor(np.ones((1, 1, 4, 4), np.float32), requires_grad=True)
    w = tg.tensor(np.ones((2, 1, 3, 3), np.float32), requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert y.data[0, 0, 1, 1] == 9 and y.data[0, 0, 0, 0] == 4  # a corner sees 4 pixels


def test_conv2d_hand_values():
    """A 2×2 kernel of ones sums each 2×2 block; the gradient of the sum counts windows."""
    x = tg.tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    w = tg.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = F.conv2d(x, w)
    np.testing.assert_array_equal(y.data[0, 0], [[8, 12], [20, 24]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(w.grad[0, 0], [[8, 12], [20, 24]])


# --------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------
pool_geometry = st.fixed_dictionaries(
    {
        "image": st.tuples(
            st.integers(1, 2), st.integers(1, 3), st.integers(2, 6), st.integers(2, 6)
        ),
        "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
        "stride": st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))),
        "dilation": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    }
)


def pool_args(g, data):
    """A padding of at most half the kernel (PyTorch's rule) and the effective stride."""
    padding = tuple(data.draw(st.integers(0, k // 2)) for k in g["kernel"])
    stride = g["kernel"] if g["stride"] is None else g["stride"]
    return padding, stride


@fast
@given(g=pool_geometry, data=st.data(), seed=st.integers(0, 2**16))
def test_max_pool2d_against_the_definition_and_its_gradient(g, data, seed):
    padding, stride = pool_args(g, data)
    if not fits({**g, "padding": padding}):
        return
    x = leaf(g["image"], seed)
    pool = lambda x: F.max_pool2d(x, g["kernel"], g["stride"], padding, g["dilation"])  # noqa: E731
    expected = pool_loop(x.data, g["kernel"], stride, padding, g["dilation"], "max")
    np.testing.assert_array_equal(pool(x).data, expected)
    assert tg.gradcheck(pool, [x])


@fast
@given(g=pool_geometry, data=st.data(), seed=st.integers(0, 2**16), include=st.booleans())
def test_avg_pool2d_against_the_definition_and_its_gradient(g, data, seed, include):
    padding, stride = pool_args(g, data)
    g = {**g, "dilation": (1, 1)}
    if not fits({**g, "padding": padding}):
        return
    x = leaf(g["image"], seed)

    def pool(x):
        return F.avg_pool2d(x, g["kernel"], g["stride"], padding, count_include_pad=include)

    expected = pool_loop(x.data, g["kernel"], stride, padding, (1, 1), "mean", include)
    np.testing.assert_allclose(pool(x).data, expected, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(pool, [x])


def test_pools_hand_values_and_gradients():
    x = tg.tensor(np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 7.0, 6.0]]).reshape(1, 1, 2, 4),
                  requires_grad=True)  # fmt: skip
    y = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.data[0, 0], [[5.0, 7.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[0, 1, 0, 0], [0, 0, 1, 0]])
    x.grad = None
    z = F.avg_pool2d(x, 2)
    np.testing.assert_array_equal(z.data[0, 0], [[13 / 4, 15 / 4]])
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((1, 1, 2, 4), 0.25))
    assert F.avg_pool2d(x, 2, divisor_override=2).data[0, 0, 0, 0] == 13 / 2


def test_max_pool2d_padding_never_wins():
    """All-negative pixels with padding: the -inf padding is never the maximum."""
    x = tg.tensor(-np.ones((1, 1, 2, 2)) - np.arange(4.0).reshape(1, 1, 2, 2))
    y = F.max_pool2d(x, 3, stride=1, padding=1)
    np.testing.assert_array_equal(y.data[0, 0], [[-1.0, -1.0], [-1.0, -1.0]])


def test_pools_of_an_unbatched_image():
    x = leaf((2, 4, 4), 8)
    assert F.max_pool2d(x, 2).shape == (2, 2, 2)
    np.testing.assert_allclose(
        F.avg_pool2d(x, 2).data, F.avg_pool2d(x.reshape(1, 2, 4, 4), 2).data[0]
    )


# --------------------------------------------------------------------------------------
# Errors: the op, the shapes, the user's line
# --------------------------------------------------------------------------------------
def test_wrong_rank_is_named():
    with pytest.raises(
        tg.ShapeError,
        match=r"F.conv2d: expected a 4-D input .* got shape \(4, 4\) — at test_conv.py",
    ):
        F.conv2d(np.ones((4, 4)), np.ones((1, 1, 3, 3)))
    with pytest.raises(tg.ShapeError, match=r"F.conv2d: expected a 4-D weight"):
        F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 3, 3)))
    with pytest.raises(tg.ShapeError, match=r"F.max_pool2d: expected a 4-D input"):
        F.max_pool2d(np.ones((2, 1, 1, 4, 4)), 2)
    with pytest.raises(tg.ShapeError, match=r"F.unfold: expected a 4-D input"):
        F.unfold(np.ones((4, 4)), 2)
    with pytest.raises(tg.ArgumentError, match=r"F.fold: columns \(1, 4, 4\) require grad"):
        F.fold(tg.ones(1, 4, 4, requires_grad=True), 3, 2)


def test_channel_mismatch_names_both_shapes():
    pattern = r"input \(2, 3, 8, 8\) .* 3 channels, but the weight \(16, 4, 3, 3\) .* C_in=4 — at "
    with pytest.raises(tg.ShapeError, match=pattern):
        F.conv2d(np.ones((2, 3, 8, 8)), np.ones((16, 4, 3, 3)))
    with pytest.raises(tg.ShapeError, match=r"bias must have shape \(C_out,\) = \(16,\)"):
        F.conv2d(np.ones((2, 4, 8, 8)), np.ones((16, 4, 3, 3)), np.ones(4))


def test_kernel_larger_than_the_padded_input():
    pattern = r"F.conv2d: the kernel \(5, 5\) .* larger than the padded input \(4, 6\)"
    with pytest.raises(tg.ShapeError, match=pattern):
        F.conv2d(np.ones((1, 1, 2, 4)), np.ones((1, 1, 5, 5)), padding=1)
    with pytest.raises(tg.ShapeError, match=r"spanning \(5, 5\) with dilation \(2, 2\)"):
        F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), dilation=2)
    with pytest.raises(tg.ShapeError, match="F.max_pool2d: the kernel"):
        F.max_pool2d(np.ones((1, 1, 2, 2)), 3)


@pytest.mark.parametrize("stride", [0, -1, (1, 0), 1.5, (1, 2, 3)])
def test_stride_must_be_positive(stride):
    with pytest.raises(
        tg.ArgumentError, match=r"F.conv2d: stride must be an int or a pair of positive ints"
    ):
        F.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=stride)
    with pytest.raises(tg.ArgumentError, match="F.max_pool2d: stride"):
        F.max_pool2d(np.ones((1, 1, 4, 4)), 2, stride=stride)


def test_unsupported_options_are_named():
    x, w = np.ones((1, 2, 4, 4)), np.ones((2, 1, 3, 3))
    with pytest.raises(tg.ArgumentError, match="groups=2 is not supported"):
        F.conv2d(x, w, groups=2)
    with pytest.raises(tg.ArgumentError, match="padding='same' is not supported for strided"):
        F.conv2d(x, np.ones((2, 2, 3, 3)), stride=2, padding="same")
    with pytest.raises(tg.ArgumentError, match="padding must be an int, a pair, 'valid' or 'same'"):
        F.conv2d(x, np.ones((2, 2, 3, 3)), padding="full")
    with pytest.raises(tg.ArgumentError, match="F.max_pool2d: ceil_mode=True is not supported"):
        F.max_pool2d(x, 2, ceil_mode=True)
    with pytest.raises(tg.ArgumentError, match="return_indices=True is not supported"):
        F.max_pool2d(x, 2, return_indices=True)
    with pytest.raises(tg.ArgumentError, match="F.avg_pool2d: ceil_mode=True"):
        F.avg_pool2d(x, 2, ceil_mode=True)
    with pytest.raises(tg.ArgumentError, match="at most half of the kernel size"):
        F.max_pool2d(x, 2, padding=2)


def test_integer_input_is_refused():
    with pytest.raises(tg.DTypeError, match="F.conv2d: input must be a floating-point tensor"):
        F.conv2d(np.ones((1, 1, 4, 4), dtype=np.int64), np.ones((1, 1, 3, 3)))


# --------------------------------------------------------------------------------------
# viz: a convolution is one op at detail="ops", a CNN one box at detail="cells"
# --------------------------------------------------------------------------------------
class Captioner(tg.nn.Module):
    """A tiny CNN (conv, ReLU, pool, flatten) whose features start an RNN of 3 steps."""

    def __init__(self):
        super().__init__()
        nn = tg.nn
        self.cnn = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.flatten = nn.Flatten()
        self.cell = nn.RNNCell(3, 8)

    def forward(self, images, words):
        h = self.flatten(self.cnn(images))  # (B, 2, 2, 2) -> (B, 8)
        for t in range(1, words.shape[0] + 1):
            with tg.scope(t=t):
                h = self.cell(words[t - 1], h)
        return h.sum()


def captioning_loss(image_grad: bool):
    tg.manual_seed(0)
    images = tg.randn(2, 1, 4, 4, requires_grad=image_grad)
    loss = Captioner()(images, tg.randn(3, 2, 3))
    loss.backward()
    return loss


def titles(data) -> list[str]:
    return [box.title for box in data.boxes]


@pytest.mark.parametrize("image_grad", [False, True])
def test_viz_ops_draws_each_convolution_and_pooling_as_one_box(image_grad):
    from viz.extract import extract

    data = extract(captioning_loss(image_grad), detail="ops")
    assert titles(data).count("conv2d") == 1 and titles(data).count("max_pool2d") == 1
    assert not {"unfold", "matmul", "amax"} & set(titles(data))  # no op of theirs alone
    conv = next(box for box in data.boxes if box.title == "conv2d")
    pool = next(box for box in data.boxes if box.title == "max_pool2d")
    # the image, or (needing no gradient) its columns, made as a constant: one op fewer
    first, ops = ("(2, 1, 4, 4)", 6) if image_grad else ("(2, 9, 16)", 5)
    assert conv.subtitle == f"{first}, (2, 1, 3, 3), (2,) → (2, 2, 4, 4) · {ops} ops"
    assert pool.subtitle.startswith("(2, 2, 4, 4) → (2, 2, 2, 2)")
    by_key = {box.key: box.title for box in data.boxes}
    edges = {(by_key[a.tail], by_key[a.head]) for a in data.arrows}
    assert {("conv2d", "relu"), ("relu", "max_pool2d"), ("cnn.0.weight", "conv2d")} <= edges


def test_viz_cells_draws_the_cnn_as_one_box_before_the_decoder_steps():
    from viz.extract import extract

    data = extract(captioning_loss(False), detail="cells")
    assert titles(data).count("CNN") == 1
    groups = [box.title for box in data.boxes if box.kind == "group"]
    assert groups == ["CNN", "RNN cell", "RNN cell", "RNN cell"]
    cnn = next(box for box in data.boxes if box.title == "CNN")
    assert cnn.cluster == ("captioner", "cnn")
    by_key = {box.key: box for box in data.boxes}
    out_of_cnn = [by_key[a.head] for a in data.arrows if a.tail == cnn.key]
    assert [(box.title, box.time_step) for box in out_of_cnn] == [("reshape", None)]
    flatten = out_of_cnn[0]
    into_steps = [by_key[a.head] for a in data.arrows if a.tail == flatten.key]
    assert [(box.title, box.time_step) for box in into_steps] == [("RNN cell", 1)]
    steps = extract(captioning_loss(False), detail="steps")
    assert titles(steps).count("CNN") == 1
