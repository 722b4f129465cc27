"""PyTorch's dtypes, devices and tensor factories, with PyTorch's spellings and meanings
(issue 15, items 3 and 4): checked against numpy and hand values, never against torch."""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn.errors import ArgumentError, DTypeError, ShapeError


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, numpy_dtype",
    [
        ("float32", np.float32),
        ("float", np.float32),  # PyTorch's float is float32, not Python's float
        ("float64", np.float64),
        ("double", np.float64),
        ("int64", np.int64),
        ("long", np.int64),
        ("int32", np.int32),
        ("int", np.int32),
        ("bool", np.bool_),
        ("uint8", np.uint8),
    ],
)
def test_dtype_names_are_numpy_dtypes_with_pytorchs_meaning(name, numpy_dtype):
    dtype = getattr(tg, name)
    assert dtype == np.dtype(numpy_dtype)
    x = tg.tensor([1, 0, 2], dtype=dtype)
    assert x.dtype == dtype and x.dtype == np.dtype(numpy_dtype)


def test_float16_has_a_name_but_is_refused_with_the_reason():
    with pytest.raises(DTypeError, match="float16 is not supported"):
        tg.tensor([1.0], dtype=tg.float16)
    with pytest.raises(DTypeError, match="float16"):
        tg.zeros(2, dtype=tg.half)
    with pytest.raises(DTypeError, match="float16"):
        tg.tensor([1.0]).to(tg.float16)


def test_set_default_dtype_takes_pytorchs_names():
    before = tg.get_default_dtype()
    try:
        tg.set_default_dtype(tg.float32)
        assert tg.get_default_dtype() == tg.float32
        assert tg.tensor([1.5]).dtype == np.float32
        assert tg.arange(0, 1, 0.5).dtype == np.float32
        with pytest.raises(DTypeError):
            tg.set_default_dtype(tg.long)
    finally:
        tg.set_default_dtype(before)


def test_type_and_to_accept_dtype_names_and_tensor_types():
    x = tg.tensor([1.7, -2.2], requires_grad=True)
    assert x.type(tg.float32).dtype == np.float32
    assert x.to(tg.float32).dtype == np.float32
    assert x.type(tg.LongTensor).tolist() == [1, -2]  # truncation toward zero
    y = x.to(tg.float32) * 2.0  # the cast keeps the graph
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0])


def test_typed_tensor_callables_from_data_and_from_sizes():
    ids = tg.LongTensor([1, 2])
    assert ids.dtype == np.int64 and ids.tolist() == [1, 2]
    floats = tg.FloatTensor(2, 3)  # sizes: PyTorch leaves them unset, here zeros
    assert floats.shape == (2, 3) and floats.dtype == np.float32
    assert floats.numpy().sum() == 0
    assert tg.FloatTensor([[1, 2]]).dtype == np.float32
    assert tg.DoubleTensor((3,)).tolist() == [3.0]  # a tuple is data, as in PyTorch
    assert tg.BoolTensor([1, 0]).tolist() == [True, False]
    assert tg.LongTensor(4).shape == (4,)
    assert repr(tg.LongTensor) == "tg.LongTensor"


def test_is_tensor_and_is_floating_point():
    assert tg.is_tensor(tg.zeros(1)) and not tg.is_tensor(np.zeros(1))
    assert tg.is_floating_point(tg.zeros(1)) and not tg.is_floating_point(tg.tensor([1]))
    assert tg.tensor([1.0]).is_floating_point() and not tg.tensor([True]).is_floating_point()


# --------------------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------------------
def test_device_class():
    cpu = tg.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None
    assert cpu == "cpu" and cpu == tg.device("cpu") and cpu != "cuda"
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu"
    gpu = tg.device("cuda:1")  # naming a GPU is allowed, as in PyTorch ...
    assert gpu.type == "cuda" and gpu.index == 1 and str(gpu) == "cuda:1"
    assert repr(tg.device("cuda", 0)) == "device(type='cuda', index=0)"
    assert len({tg.device("cpu"), tg.device("cpu")}) == 1
    with pytest.raises(ArgumentError, match="unknown device type"):
        tg.device("tpu")


def test_the_usual_device_line_picks_the_cpu():
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert device == "cpu"
    assert tg.cuda.device_count() == 0
    assert tg.backends.mps.is_available() is False
    tg.cuda.manual_seed(0)  # ignored, as PyTorch does without CUDA
    tg.backends.cudnn.deterministic = True  # a seed-everything helper may set this


def test_default_device():
    tg.set_default_device("cpu")
    tg.set_default_device(tg.device("cpu"))
    assert tg.get_default_device() == tg.device("cpu")
    with pytest.raises(ArgumentError, match="runs on the CPU only"):
        tg.set_default_device("cuda")


@pytest.mark.parametrize(
    "make",
    [
        lambda d: tg.zeros(2, device=d),
        lambda d: tg.ones(2, device=d),
        lambda d: tg.randn(2, device=d),
        lambda d: tg.rand(2, device=d),
        lambda d: tg.tensor([1.0], device=d),
        lambda d: tg.arange(3, device=d),
        lambda d: tg.full((2,), 1.0, device=d),
        lambda d: tg.eye(2, device=d),
        lambda d: tg.randint(0, 3, (2,), device=d),
        lambda d: tg.randperm(3, device=d),
        lambda d: tg.zeros_like(tg.zeros(2), device=d),
        lambda d: tg.linspace(0, 1, 3, device=d),
        lambda d: tg.empty(2, device=d),
        lambda d: tg.as_tensor([1.0], device=d),
        lambda d: tg.zeros(2).new_zeros(3, device=d),
    ],
)
def test_every_factory_takes_device_cpu_and_refuses_cuda(make):
    assert make("cpu").device == "cpu"
    assert make(tg.device("cpu")).device == tg.device("cpu")
    with pytest.raises(ArgumentError, match="computes with numpy and runs on the CPU only"):
        make("cuda:0")


def test_tensor_device_methods():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert x.device == tg.device("cpu") and x.is_cuda is False
    assert x.cpu() is x and x.pin_memory() is x
    assert x.to("cpu") is x and x.to(tg.device("cpu")) is x
    y = x.to(tg.device("cpu"), tg.float32)  # to(device, dtype)
    assert y.dtype == np.float32
    assert x.to(device="cpu", dtype=tg.float64, non_blocking=True) is x
    for move in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to(tg.device("cuda", 0))):
        with pytest.raises(ArgumentError, match="drop .cuda\\(\\) or use device='cpu'"):
            move()


# --------------------------------------------------------------------------------------
# factories
# --------------------------------------------------------------------------------------
def test_arange_dtypes_follow_pytorch():
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == np.int64
    assert tg.arange(2, 8, 3).tolist() == [2, 5]
    x = tg.arange(0, 1, 0.25)
    assert x.dtype == tg.get_default_dtype() and x.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(3, dtype=tg.float32).dtype == np.float32


def test_linspace_full_eye_empty():
    np.testing.assert_allclose(tg.linspace(-1, 1, 5).numpy(), [-1, -0.5, 0, 0.5, 1])
    assert tg.full((2, 3), 7).dtype == np.int64 and tg.full((2, 3), 7).numpy().sum() == 42
    assert tg.full((2,), 0.5).dtype == tg.get_default_dtype()
    assert tg.full((2,), True).dtype == np.bool_
    assert tg.full_like(tg.zeros(2, 2), 3.0).numpy().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert tg.full_like(tg.tensor([1, 2]), 9).dtype == np.int64
    np.testing.assert_array_equal(tg.eye(2, 3).numpy(), np.eye(2, 3))
    assert tg.empty(2, 3).numpy().tolist() == [[0.0] * 3] * 2
    assert tg.empty_like(tg.tensor([1, 2])).tolist() == [0, 0]
    assert tg.ones_like(tg.tensor([1, 2]), dtype=tg.float32).dtype == np.float32
    w = tg.zeros(2, 2, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_random_factories_use_the_generator_they_are_given():
    g = tg.Generator().manual_seed(3)
    a = tg.rand(2, 3, generator=g)
    b = tg.rand(2, 3, generator=tg.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a.numpy(), np.random.default_rng(3).random((2, 3)))
    assert ((a.numpy() >= 0) & (a.numpy() < 1)).all()
    n = tg.randn(size=(2, 3), generator=tg.Generator().manual_seed(1))
    np.testing.assert_array_equal(n.numpy(), np.random.default_rng(1).standard_normal((2, 3)))
    assert tg.randn((2, 3)).shape == (2, 3) and tg.randn(2, 3).shape == (2, 3)
    perm = tg.randperm(6, generator=tg.Generator().manual_seed(0))
    assert sorted(perm.tolist()) == list(range(6)) and perm.dtype == np.int64


def test_randint_both_call_forms():
    g = tg.Generator().manual_seed(0)
    x = tg.randint(10, (50,), generator=g)
    assert x.dtype == np.int64 and x.shape == (50,)
    assert 0 <= x.numpy().min() and x.numpy().max() < 10
    y = tg.randint(5, 7, size=(3, 4))
    assert set(np.unique(y.numpy())) <= {5, 6}
    with pytest.raises(ArgumentError, match="randint"):
        tg.randint(5)


def test_manual_seed_repeats_rand_and_randint():
    tg.manual_seed(11)
    first = (tg.rand(3).numpy(), tg.randint(0, 100, (3,)).numpy())
    tg.manual_seed(11)
    second = (tg.rand(3).numpy(), tg.randint(0, 100, (3,)).numpy())
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


def test_from_numpy_and_as_tensor():
    array = np.arange(4, dtype=np.int32)
    x = tg.from_numpy(array)
    assert x.dtype == np.int32 and x.tolist() == [0, 1, 2, 3]
    array[0] = 9  # a copy here (PyTorch shares memory): documented
    assert x.tolist()[0] == 0
    assert tg.from_numpy(np.ones(2, dtype=np.float32)).dtype == np.float32
    with pytest.raises(DTypeError, match="numpy array"):
        tg.from_numpy([1, 2])
    t = tg.tensor([1.0])
    assert tg.as_tensor(t) is t
    assert tg.as_tensor(t, dtype=tg.float32).dtype == np.float32
    assert tg.as_tensor(np.arange(3)).dtype == np.int64


def test_sizes_must_be_ints():
    with pytest.raises(ShapeError):
        tg.rand(2.5)
    with pytest.raises(ShapeError):
        tg.empty(-1)


def test_normal_scalar_and_elementwise():
    x = tg.normal(2.0, 0.5, size=(2, 3), generator=tg.Generator().manual_seed(4))
    expected = np.random.default_rng(4).normal(2.0, 0.5, size=(2, 3))
    np.testing.assert_array_equal(x.numpy(), expected)
    means = tg.tensor([0.0, 100.0])
    y = tg.normal(means, tg.tensor([1e-9, 1e-9]))
    np.testing.assert_allclose(y.numpy(), [0.0, 100.0], atol=1e-6)
    assert tg.normal(0.0, 1.0, (4,), dtype=tg.float32).dtype == np.float32


def test_multinomial_draws_in_proportion_to_the_weights():
    g = tg.Generator().manual_seed(0)
    probs = tg.tensor([0.0, 0.25, 0.75])  # a char-RNN's next-character distribution
    draws = tg.multinomial(probs, 4000, replacement=True, generator=g)
    assert draws.dtype == np.int64 and draws.shape == (4000,)
    counts = np.bincount(draws.numpy(), minlength=3) / 4000
    assert counts[0] == 0 and abs(counts[2] - 0.75) < 0.03
    one = tg.multinomial(tg.tensor([[1.0, 0.0], [0.0, 5.0]]), 1)  # unnormalised rows
    assert one.tolist() == [[0], [1]]
    no_repeat = tg.multinomial(tg.ones(5), 5, generator=g)
    assert sorted(no_repeat.tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ArgumentError, match="non-negative"):
        tg.multinomial(tg.tensor([0.5, -0.1]), 1)
