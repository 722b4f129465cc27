"""nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d (nn/conv.py): PyTorch's names, shapes, init and
reprs, a PyTorch CNN's state_dict, gradients in float64, errors; the CNN benchmark's
numpy baseline against finite differences; torch itself when it is installed."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.functional as F
from tinygrad_rnn import nn


def images(*shape, seed=0):
    return tg.tensor(np.random.default_rng(seed).standard_normal(shape))


class LeNet(nn.Module):
    """PyTorch's tutorial CNN (the "Training a classifier" CIFAR-10 net), written the same way."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 10)

    def forward(self, x):
        x = self.pool(self.conv1(x).relu())
        x = self.pool(self.conv2(x).relu())
        x = x.reshape(x.shape[0], -1)
        return self.fc2(self.fc1(x).relu())


# --------------------------------------------------------------------------------------
# Names, shapes, init, reprs
# --------------------------------------------------------------------------------------
def test_conv2d_parameters_and_output_shape():
    conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)
    assert conv.weight.shape == (16, 3, 3, 3) and conv.bias.shape == (16,)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv(images(2, 3, 32, 32)).shape == (2, 16, 32, 32)
    assert conv(images(3, 8, 8)).shape == (16, 8, 8)  # unbatched, as in PyTorch
    strided = nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=(0, 1), dilation=2, bias=False)
    assert strided.bias is None and strided.weight.shape == (4, 3, 3, 2)
    assert strided(images(1, 3, 9, 6)).shape == (1, 4, 3, 6)  # (9−2·2−1)//2+1, 6+2−2·1−1+1


def test_conv2d_init_is_uniform_within_one_over_root_fan_in():
    """kaiming_uniform_(a=√5) = U(−b, b) with b = √3 · √(2/6) / √fan_in = 1/√fan_in."""
    tg.manual_seed(0)
    conv = nn.Conv2d(8, 64, 5)  # fan_in = 8·25 = 200, 12 800 weights
    bound = 1 / np.sqrt(200)
    w = conv.weight.data
    assert np.all(np.abs(w) <= bound) and np.abs(w).max() > 0.99 * bound
    assert abs(w.mean()) < 0.02 * bound  # σ of the mean: bound/√3/√12800 ≈ 0.005·bound
    np.testing.assert_allclose(w.var(), bound**2 / 3, rtol=0.05)  # variance of U(−b, b)
    assert np.all(np.abs(conv.bias.data) <= bound)
    tg.manual_seed(0)
    np.testing.assert_array_equal(nn.Conv2d(8, 64, 5).weight.data, w)  # seeded


def test_reprs_are_pytorchs():
    assert repr(nn.Conv2d(3, 16, 3, padding=1)) == (
        "Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    )
    assert repr(nn.Conv2d(3, 16, (3, 5), stride=2, dilation=2, bias=False)) == (
        "Conv2d(3, 16, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), bias=False)"
    )
    assert repr(nn.Conv2d(1, 2, 3, padding="same")) == (
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    )
    assert repr(nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.MaxPool2d((3, 2), stride=1, padding=1)) == (
        "MaxPool2d(kernel_size=(3, 2), stride=1, padding=1, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"


def test_dtype_and_device_arguments():
    conv = nn.Conv2d(2, 3, 3, dtype=np.float32, device="cpu")
    assert conv.weight.dtype == np.float32 and conv.bias.dtype == np.float32
    x = tg.tensor(np.ones((1, 2, 4, 4), np.float32))
    assert conv(x).dtype == np.float32
    with pytest.raises(Exception, match="cuda"):
        nn.Conv2d(2, 3, 3, device="cuda")


def test_a_pytorch_state_dict_loads_unchanged():
    """The keys and shapes torch's LeNet has: conv1.weight (6, 3, 5, 5), ..., fc2.bias (10,)."""
    rng = np.random.default_rng(1)
    shapes = {
        "conv1.weight": (6, 3, 5, 5), "conv1.bias": (6,),
        "conv2.weight": (16, 6, 5, 5), "conv2.bias": (16,),
        "fc1.weight": (120, 400), "fc1.bias": (120,),
        "fc2.weight": (10, 120), "fc2.bias": (10,),
    }  # fmt: skip
    state = {name: rng.standard_normal(shape) * 0.1 for name, shape in shapes.items()}
    model = LeNet()
    assert {name: tuple(p.shape) for name, p in model.state_dict().items()} == shapes
    model.load_state_dict(state)
    x = images(2, 3, 32, 32, seed=2)
    h = F.max_pool2d(F.conv2d(x, state["conv1.weight"], state["conv1.bias"]).relu(), 2)
    h = F.max_pool2d(F.conv2d(h, state["conv2.weight"], state["conv2.bias"]).relu(), 2)
    h = (h.reshape(2, 400) @ state["fc1.weight"].T + state["fc1.bias"]).relu()
    expected = h @ state["fc2.weight"].T + state["fc2.bias"]
    np.testing.assert_allclose(model(x).data, expected.data, rtol=1e-12)


def test_flatten_after_a_cnn_is_pytorchs_start_dim_1():
    x = images(2, 3, 4, 5)
    flat = nn.Flatten()(x)
    assert flat.shape == (2, 60)
    np.testing.assert_array_equal(flat.data, x.data.reshape(2, 60))


# --------------------------------------------------------------------------------------
# Gradients and agreement with the functions
# --------------------------------------------------------------------------------------
def test_conv2d_layer_gradcheck_of_input_and_parameters():
    tg.manual_seed(3)
    conv = nn.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=1)
    x = tg.tensor(np.random.default_rng(4).standard_normal((2, 2, 5, 4)), requires_grad=True)
    assert tg.gradcheck(lambda x, w, b: conv(x), [x, conv.weight, conv.bias])


def test_a_small_cnn_gradcheck():
    tg.manual_seed(5)
    model = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(3, 2, 3, padding="same"), nn.AvgPool2d(2, count_include_pad=False),
        nn.Flatten(), nn.Linear(2, 1),
    )  # fmt: skip
    x = tg.tensor(np.random.default_rng(6).standard_normal((2, 2, 4, 4)), requires_grad=True)
    assert tg.gradcheck(lambda x, *params: model(x), [x, *model.parameters()])


def test_pool_layers_call_the_functions():
    x = images(2, 3, 6, 6, seed=7)
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(x).data, F.max_pool2d(x, 3, 2, 1).data)
    avg = nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    expected = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
    np.testing.assert_array_equal(avg(x).data, expected.data)
    assert nn.AvgPool2d(2, divisor_override=1)(x).data[0, 0, 0, 0] == pytest.approx(
        x.data[0, 0, :2, :2].sum()
    )


# --------------------------------------------------------------------------------------
# Errors name the layer, the shapes and the user's line
# --------------------------------------------------------------------------------------
def test_layer_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(3, 16, 3)
    pattern = r"Conv2d\(3, 16, .*\): the input \(2, 4, 8, 8\) .* weight \(16, 3, 3, 3\)"
    with pytest.raises(tg.ShapeError, match=pattern + ".* — at test_conv_nn.py"):
        conv(images(2, 4, 8, 8))
    with pytest.raises(tg.ShapeError, match=r"Conv2d\(3, 16.*expected a 4-D input .* \(8, 8\)"):
        conv(images(8, 8))
    with pytest.raises(tg.ShapeError, match=r"Conv2d\(3, 16.*kernel \(3, 3\).*larger"):
        conv(images(1, 3, 2, 8))
    with pytest.raises(tg.ShapeError, match=r"MaxPool2d\(kernel_size=4.*kernel \(4, 4\)"):
        nn.MaxPool2d(4)(images(1, 1, 3, 3))


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"in_channels": 0}, "in_channels and out_channels must be positive"),
        ({"kernel_size": 0}, "kernel_size must be an int or a pair of positive ints, got 0"),
        ({"stride": 0}, "stride must be an int or a pair of positive ints"),
        ({"padding": -1}, "padding must be an int or a pair of ints >= 0"),
        ({"groups": 2}, "groups=2 is not supported"),
        ({"padding_mode": "reflect"}, "padding_mode must be one of 'zeros'"),
        ({"bias": "False"}, "bias must be True or False"),
        ({"padding": "same", "stride": 2}, "padding='same' is not supported for strided"),
    ],
)
def test_conv2d_constructor_errors(kwargs, pattern):
    args = {"in_channels": 3, "out_channels": 4, "kernel_size": 3, **kwargs}
    with pytest.raises(tg.ArgumentError, match="nn.Conv2d: " + pattern):
        nn.Conv2d(**args)


def test_pool_constructor_errors():
    with pytest.raises(tg.ArgumentError, match="nn.MaxPool2d: stride must be"):
        nn.MaxPool2d(2, stride=0)
    with pytest.raises(tg.ArgumentError, match="nn.MaxPool2d: ceil_mode=True is not supported"):
        nn.MaxPool2d(2, ceil_mode=True)
    with pytest.raises(tg.ArgumentError, match="nn.AvgPool2d: kernel_size must be"):
        nn.AvgPool2d(-1)


# --------------------------------------------------------------------------------------
# The benchmark's numpy baseline is right (so the ratio compares equal work)
# --------------------------------------------------------------------------------------
def test_cnn_benchmark_baseline_against_finite_differences_and_the_engine():
    from benchmarks import bench_cnn

    params = bench_cnn.init_params(dtype=np.float64)
    x, g = bench_cnn.random_batch(dtype=np.float64, batch=2, size=8)
    grads = bench_cnn.numpy_step(params, x, g)
    rng = np.random.default_rng(0)
    for name in bench_cnn.PARAM_NAMES:
        for _ in range(3):
            index = tuple(rng.integers(0, size) for size in params[name].shape)
            shifted = {key: value.copy() for key, value in params.items()}
            shifted[name][index] += 1e-6
            up = bench_cnn.numpy_step(shifted, x, g)["loss"]
            shifted[name][index] -= 2e-6
            down = bench_cnn.numpy_step(shifted, x, g)["loss"]
            assert grads[name][index] == pytest.approx((up - down) / 2e-6, rel=1e-5, abs=1e-8)
    assert bench_cnn.check_agreement(1e-10) <= 1e-10


# --------------------------------------------------------------------------------------
# PyTorch itself, when it is installed
# --------------------------------------------------------------------------------------
def test_against_torch_when_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    ours = F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)).data
    theirs = torch.nn.functional.conv2d(
        torch.tensor(x), torch.tensor(w), torch.tensor(b), (2, 1), (1, 2), (1, 2)
    )
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)
    tx = torch.tensor(x)
    np.testing.assert_allclose(
        F.max_pool2d(x, 3, 2, 1).data, torch.nn.functional.max_pool2d(tx, 3, 2, 1).numpy()
    )
    np.testing.assert_allclose(
        F.avg_pool2d(x, 3, 2, 1, count_include_pad=False).data,
        torch.nn.functional.avg_pool2d(tx, 3, 2, 1, count_include_pad=False).numpy(),
    )
    np.testing.assert_allclose(
        F.unfold(x, (2, 3), 1, 1, 2).data, torch.nn.functional.unfold(tx, (2, 3), 1, 1, 2).numpy()
    )
