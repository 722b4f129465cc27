"""Module's PyTorch API: register_buffer, apply, double/float/to/cpu, requires_grad_,
zero_grad(set_to_none=False), the module walks, and the containers ModuleDict,
ParameterList, ParameterDict; the loss modules' weights as buffers."""

import numpy as np
import pytest

import tinygrad_rnn as tg
import tinygrad_rnn.nn as nn
from tinygrad_rnn import optim
from tinygrad_rnn.errors import ArgumentError


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("scale", tg.tensor([2.0, 3.0]))
        self.register_buffer("cache", tg.tensor([0.0]), persistent=False)
        self.head = nn.Sequential(nn.Linear(2, 2), nn.Tanh())

    def forward(self, x):
        return self.head(self.fc(x) * self.scale)


def test_buffers_are_listed_saved_and_loaded():
    model = Scaled()
    assert [name for name, _ in model.named_buffers()] == ["scale", "cache"]
    assert list(model.state_dict()) == [
        "scale",
        "fc.weight",
        "fc.bias",
        "head.0.weight",
        "head.0.bias",
    ]  # PyTorch's order: own parameters, own buffers, then submodules; cache not saved
    assert all(not isinstance(b, nn.Parameter) for b in model.buffers())
    assert "scale" not in [name for name, _ in model.named_parameters()]
    other = Scaled()
    state = model.state_dict()
    state["scale"] = np.array([5.0, 7.0])
    other.load_state_dict(state)
    np.testing.assert_array_equal(other.scale.numpy(), [5.0, 7.0])
    x = tg.tensor(np.ones((1, 3)))
    assert not np.allclose(model(x).numpy(), other(x).numpy())
    other.scale = tg.tensor([2.0, 3.0])  # assigning a Tensor replaces the buffer
    np.testing.assert_allclose(model(x).numpy(), other(x).numpy())
    assert model._buffers["scale"] is model.scale


def test_register_buffer_rules():
    model = Scaled()
    with pytest.raises(ArgumentError):
        model.register_buffer("fc", tg.tensor([1.0]))  # already a submodule
    with pytest.raises(ArgumentError):
        model.register_buffer("a.b", tg.tensor([1.0]))
    with pytest.raises(ArgumentError):
        model.register_buffer("names", ["a", "b"])
    model.cache = nn.Parameter([1.0])  # PyTorch: a Parameter replaces the buffer
    assert "cache" in dict(model.named_parameters())
    assert "cache" not in dict(model.named_buffers())
    model.register_buffer("empty", None)
    assert "empty" not in model.state_dict()
    del model.scale
    assert "scale" not in model.state_dict()


def test_apply_visits_children_before_parents_and_returns_self():
    model = Scaled()
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Linear", "Tanh", "Sequential", "Scaled"]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            m.weight.data[...] = 0.5
            m.bias.data[...] = 0.0

    model.apply(init_weights)
    np.testing.assert_array_equal(model.head[0].weight.numpy(), np.full((2, 2), 0.5))


def test_module_walks():
    model = Scaled()
    assert [name for name, _ in model.named_modules()] == ["", "fc", "head", "head.0", "head.1"]
    assert [name for name, _ in model.named_children()] == ["fc", "head"]
    assert list(model.children()) == [model.fc, model.head]
    assert len(list(model.modules())) == 5


def test_double_and_float_convert_in_place_and_keep_parameters():
    model = Scaled().float()
    weight = model.fc.weight
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model.scale.dtype == np.float32
    model.fc.weight.grad = np.ones((2, 3), dtype=np.float32)
    assert model.double() is model
    assert model.fc.weight is weight and isinstance(weight, nn.Parameter)
    assert weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert model.scale.dtype == np.float64
    before = weight.numpy().copy()
    optimizer.step()  # the optimizer still holds the model's own parameters
    np.testing.assert_allclose(weight.numpy(), before - 0.1)


def test_to_and_cpu():
    model = Scaled()
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(np.float32).fc.weight.dtype == np.float32
    assert model.to(device="cpu", dtype="float64").fc.weight.dtype == np.float64
    with pytest.raises(ArgumentError, match="numpy on the CPU"):
        model.to("cuda")
    with pytest.raises(ArgumentError, match="floats"):
        model.to(np.int64)


def test_requires_grad_freezes_and_zero_grad_zeroes():
    model = Scaled()
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    out = model(tg.tensor(np.ones((1, 3)))).sum()
    out.backward()
    assert model.fc.weight.grad is not None
    model.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(model.fc.weight.grad, np.zeros((2, 3)))
    model.zero_grad()
    assert model.fc.weight.grad is None


def test_module_dict():
    heads = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Linear(2, 1)})
    heads["c"] = nn.Tanh()
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert heads["a"].out_features == 3
    del heads["b"]
    assert list(heads.keys()) == ["a", "c"]

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"out": nn.Linear(2, 2)})

    model = Model()
    x = tg.tensor(np.ones((1, 2)), requires_grad=True)
    y = model.heads["out"](x)
    assert "heads.out" in y.scope


def test_parameter_list_and_dict():
    scales = nn.ParameterList([np.ones(2), nn.Parameter(np.zeros(3))])
    scales.append(tg.tensor([4.0]))
    assert len(scales) == 3 and all(isinstance(p, nn.Parameter) for p in scales)
    assert list(scales.state_dict()) == ["0", "1", "2"]
    assert scales[2].item() == 4.0
    table = nn.ParameterDict({"alpha": np.ones(2)})
    table["beta"] = nn.Parameter([3.0])
    assert list(table.keys()) == ["alpha", "beta"] and "beta" in table
    assert [name for name, _ in table.named_parameters()] == ["alpha", "beta"]
    assert len(list(optim.Adam(table.parameters()).param_groups[0]["params"])) == 2


def test_loss_weights_are_buffers():
    weight = np.array([1.0, 2.0, 0.5])
    criterion = nn.CrossEntropyLoss(weight=weight)
    assert isinstance(criterion.weight, tg.Tensor)
    assert list(criterion.state_dict()) == ["weight"]
    np.testing.assert_array_equal(criterion.state_dict()["weight"], weight)
    assert nn.CrossEntropyLoss().state_dict() == {}
    logits = tg.tensor(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]]))
    target = tg.tensor([1, 2])
    log_p = logits.numpy() - np.log(np.exp(logits.numpy()).sum(axis=1, keepdims=True))
    expected = -(2.0 * log_p[0, 1] + 0.5 * log_p[1, 2]) / 2.5
    assert criterion(logits, target).item() == pytest.approx(expected)
    bce = nn.BCEWithLogitsLoss(pos_weight=tg.tensor([2.0])).double()
    assert [name for name, _ in bce.named_buffers()] == ["pos_weight"]
