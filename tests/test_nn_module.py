"""nn.Module, Parameter, ModuleList and the feed-forward layers (Linear, Embedding,
Dropout, Sequential): registration, names, state dicts, modes, scopes, printing, and the
layers' values and gradients against numpy and finite differences."""

import sys
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.errors import (
    ArgumentError,
    DTypeError,
    ShapeError,
    StateDictError,
    TensorIndexError,
)


class Block(nn.Module):
    """Two Linear layers and an own parameter, for registration tests."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.fc1 = nn.Linear(2, 3)
        self.fc2 = nn.Linear(3, 1)

    def forward(self, x):
        return self.fc2(self.fc1(x).tanh() * self.scale)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Block()
        self.head = nn.Linear(1, 2, bias=False)

    def forward(self, x):
        return self.head(self.encoder(x))


# --------------------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------------------
def test_parameter_is_a_float_leaf_that_requires_grad():
    p = nn.Parameter([1, 2, 3])
    assert isinstance(p, tg.Tensor)
    assert p.requires_grad and p.is_leaf
    assert p.dtype == np.float64
    assert nn.Parameter.__slots__ == ()
    assert not hasattr(p, "__dict__")


def test_parameter_keeps_float_arrays_dtype_and_copies_the_data():
    array = np.zeros(3, dtype=np.float32)
    p = nn.Parameter(array)
    assert p.dtype == np.float32
    array[0] = 5.0
    assert p.data[0] == 0.0


def test_parameter_follows_the_default_dtype():
    tg.set_default_dtype(np.float32)
    try:
        assert nn.Parameter([1.0, 2.0]).dtype == np.float32
        assert nn.Linear(2, 3).weight.dtype == np.float32
        assert nn.LSTMCell(2, 3).weight_hh.dtype == np.float32
    finally:
        tg.set_default_dtype(np.float64)


# --------------------------------------------------------------------------------------
# Registration and walking the tree
# --------------------------------------------------------------------------------------
def test_named_parameters_are_dotted_and_in_registration_order():
    names = [name for name, _ in Model().named_parameters()]
    assert names == [
        "encoder.scale",
        "encoder.fc1.weight",
        "encoder.fc1.bias",
        "encoder.fc2.weight",
        "encoder.fc2.bias",
        "head.weight",
    ]
    assert len(list(Model().parameters())) == 6


def test_parameters_are_labelled_with_their_dotted_name():
    model = Model()
    assert model.encoder.fc1.weight.label == "encoder.fc1.weight"
    assert model.encoder.scale.label == "encoder.scale"
    assert nn.Linear(2, 3).weight.label == "weight"
    assert dict(model.named_parameters())["head.weight"].label == "head.weight"
    labelled = nn.Parameter([1.0], label="mine")
    model.extra = labelled
    assert labelled.label == "mine"


def test_children_and_modules():
    model = Model()
    assert [name for name, _ in model.named_children()] == ["encoder", "head"]
    assert list(model.children()) == [model.encoder, model.head]
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "encoder", "encoder.fc1", "encoder.fc2", "head"]
    assert list(model.modules())[2] is model.encoder.fc1


def test_assigning_a_plain_tensor_to_a_parameter_slot_is_refused():
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="Parameter"):
        layer.weight = tg.zeros(3, 2)


def test_shared_parameters_are_deduplicated():
    model = Model()
    model.head.weight = model.encoder.fc1.weight  # the same Parameter in two places
    names = [name for name, _ in model.named_parameters()]
    assert "head.weight" not in names
    both = [name for name, _ in model.named_parameters(remove_duplicate=False)]
    assert "head.weight" in both and "encoder.fc1.weight" in both
    assert "head.weight" in model.state_dict()


def test_setting_none_or_deleting_unregisters():
    layer = nn.Linear(2, 3)
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    model = Model()
    del model.head
    assert [name for name, _ in model.named_children()] == ["encoder"]
    model.head = nn.Linear(1, 1)  # registered again, at the end
    assert [name for name, _ in model.named_children()] == ["encoder", "head"]


def test_registering_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
            super().__init__()

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_plain_settings_before_super_init_are_fine():
    class Early(nn.Module):
        def __init__(self):
            self.size = 3
            super().__init__()
            self.fc = nn.Linear(self.size, 1)

    assert Early().size == 3


def deep_chain(depth):
    """A module nested `depth` levels deep (each level holds the next and a parameter)."""
    root = nn.Module()
    node = root
    for _ in range(depth):
        node.w = nn.Parameter([1.0])
        node.next = nn.Module()
        node = node.next
    return root


def test_tree_walks_are_iterative():
    depth = 3 * sys.getrecursionlimit()
    model = deep_chain(depth)
    assert len(list(model.parameters())) == depth
    assert len(list(model.modules())) == depth + 1
    assert len(model.state_dict()) == depth
    model.eval()
    assert not any(module.training for module in model.modules())
    assert repr(model).count("Module(") == depth + 1


# --------------------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------------------
def test_state_dict_holds_copies():
    model = Model()
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    state["head.weight"][...] = 123.0
    assert not np.any(model.head.weight.data == 123.0)


def test_load_state_dict_round_trip_in_place():
    source, target = Model(), Model()
    weight = target.encoder.fc1.weight
    array_before = weight.data
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert target.encoder.fc1.weight is weight  # same Parameter object
    assert weight.data is array_before  # same array: updated in place


def test_load_state_dict_converts_dtypes_and_accepts_tensors_and_lists():
    layer = nn.Linear(2, 2)
    state = {
        "weight": np.array([[1, 2], [3, 4]], dtype=np.int32),
        "bias": tg.tensor(np.array([0.5, 0.25], dtype=np.float32)),
    }
    layer.load_state_dict(state)
    assert layer.weight.dtype == np.float64
    np.testing.assert_array_equal(layer.weight.data, [[1.0, 2.0], [3.0, 4.0]])
    layer.load_state_dict({"weight": [[0.0, 0.0], [0.0, 1.0]], "bias": [1.0, 2.0]})
    np.testing.assert_array_equal(layer.bias.data, [1.0, 2.0])


def test_load_state_dict_lists_every_problem_and_copies_nothing():
    model = Model()
    before = model.state_dict()
    state = model.state_dict()
    del state["encoder.scale"]
    del state["head.weight"]
    state["encoder.fc1.weight"] = np.zeros((5, 5))
    state["encoder.fc2.bias"] = np.zeros(7)
    state["decoder.weight"] = np.zeros(1)
    state["extra"] = np.zeros(1)
    state["encoder.fc1.bias"] = np.full(3, 9.0)  # fine, but must not be copied
    with pytest.raises(StateDictError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    for needle in [
        "missing key 'encoder.scale'",
        "missing key 'head.weight'",
        "unexpected key 'decoder.weight'",
        "unexpected key 'extra'",
        "'encoder.fc1.weight'",
        "(3, 2)",
        "(5, 5)",
        "'encoder.fc2.bias'",
        "6 problem(s)",
    ]:
        assert needle in message, needle
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_load_state_dict_non_strict_reports_keys_but_still_refuses_wrong_shapes():
    model = Model()
    state = {"head.weight": np.full((2, 1), 3.0), "other": np.zeros(2)}
    result = model.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["other"]
    assert "encoder.scale" in result.missing_keys
    np.testing.assert_array_equal(model.head.weight.data, [[3.0], [3.0]])
    with pytest.raises(StateDictError, match="shape mismatch for 'head.weight'"):
        model.load_state_dict({"head.weight": np.zeros((1, 2))}, strict=False)


@settings(max_examples=15)
@given(st.lists(st.sampled_from(["linear", "block", "list"]), min_size=1, max_size=4))
def test_state_dict_round_trip_for_random_trees(kinds):
    def build():
        root = nn.Module()
        for k, kind in enumerate(kinds):
            if kind == "linear":
                root.add_module(f"m{k}", nn.Linear(2, 3))
            elif kind == "block":
                root.add_module(f"m{k}", Block())
            else:
                root.add_module(f"m{k}", nn.ModuleList([nn.Linear(1, 1), Block()]))
        return root

    a, b = build(), build()
    b.load_state_dict(a.state_dict())
    assert a.state_dict().keys() == b.state_dict().keys()
    for name, array in a.state_dict().items():
        np.testing.assert_array_equal(array, b.state_dict()[name])
    assert a.num_parameters() == sum(v.size for v in a.state_dict().values())


# --------------------------------------------------------------------------------------
# train / eval, zero_grad, scopes, repr
# --------------------------------------------------------------------------------------
def test_train_and_eval_are_recursive():
    model = Model()
    assert all(module.training for module in model.modules())
    assert model.eval() is model
    assert not any(module.training for module in model.modules())
    model.train()
    assert all(module.training for module in model.modules())


def test_zero_grad_clears_every_parameter_gradient():
    model = Model()
    model(tg.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_call_enters_the_module_scope():
    model = Model()
    out = model(tg.randn(4, 2))
    assert out.scope == ("model", "head")
    order = tg.topological_order(out)
    assert [n.scope for n in order if n.op == "tanh"] == [("model", "encoder")]
    first_linear = next(n for n in order if n.op == "addmm")  # b + x Wᵀ
    assert first_linear.scope == ("model", "encoder", "fc1")
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    holder = nn.Module()
    holder.layers = layers
    layers.append(nn.Linear(2, 2))
    assert layers[1](tg.randn(1, 2)).scope == ("layers.1",)  # a list is never called itself
    assert layers[2](tg.randn(1, 2)).scope == ("layers.2",)
    assert nn.Linear(2, 2)(tg.randn(1, 2)).scope == ("linear",)


def test_repr_looks_like_pytorch():
    model = Model()
    assert repr(model) == (
        "Model(\n"
        "  (encoder): Block(\n"
        "    (fc1): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (fc2): Linear(in_features=3, out_features=1, bias=True)\n"
        "  )\n"
        "  (head): Linear(in_features=1, out_features=2, bias=False)\n"
        ")"
    )
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3)).extend([nn.Tanh()])
    assert len(layers) == 3
    assert isinstance(layers[1], nn.Linear) and layers[-1] is list(layers)[2]
    assert [name for name, _ in layers.named_parameters()] == [
        "0.weight",
        "0.bias",
        "1.weight",
        "1.bias",
    ]
    with pytest.raises(TypeError):
        layers.append("not a module")


# --------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------
@settings(max_examples=20)
@given(
    lead=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3),
    in_f=st.integers(1, 4),
    out_f=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_linear_matches_numpy_for_any_leading_axes(lead, in_f, out_f, seed):
    tg.manual_seed(seed)
    layer = nn.Linear(in_f, out_f)
    x = np.random.default_rng(seed).normal(size=lead + (in_f,))
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), expected, rtol=1e-12)


def test_linear_gradcheck():
    tg.manual_seed(0)
    layer = nn.Linear(3, 2)
    x = tg.randn(2, 4, 3, requires_grad=True)
    assert tg.gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])


def test_linear_init_is_pytorch_uniform_and_seeded():
    tg.manual_seed(1)
    a = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert a.weight.shape == (50, 100) and a.bias.shape == (50,)
    assert np.abs(a.weight.data).max() <= bound
    assert np.abs(a.weight.data).max() > 0.9 * bound  # spread over the whole interval
    assert abs(a.weight.data.mean()) < 0.1 * bound
    assert 0.45 < np.mean(np.abs(a.weight.data) < bound / 2) < 0.55  # uniform, not normal
    tg.manual_seed(1)
    b = nn.Linear(100, 50)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_linear_wrong_input_size_names_the_layer():
    with pytest.raises(ShapeError, match=r"Linear\(in_features=3.*last axis has 3.*\(4, 5\)"):
        nn.Linear(3, 2)(tg.randn(4, 5))


# --------------------------------------------------------------------------------------
# Embedding
# --------------------------------------------------------------------------------------
def test_embedding_looks_up_rows_and_accumulates_repeated_gradients():
    tg.manual_seed(0)
    emb = nn.Embedding(5, 3)
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    out = emb(idx)
    np.testing.assert_array_equal(out.numpy(), emb.weight.data[idx])
    upstream = np.random.default_rng(0).normal(size=(2, 3, 3))
    out.backward(upstream)
    expected = np.zeros((5, 3))
    np.add.at(expected, idx, upstream)
    np.testing.assert_allclose(emb.weight.grad, expected)


def test_embedding_init_is_standard_normal():
    tg.manual_seed(0)
    weight = nn.Embedding(2000, 10).weight.data
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02


def test_embedding_accepts_int_tensors_and_lists():
    emb = nn.Embedding(4, 2)
    np.testing.assert_array_equal(emb(tg.tensor([1, 3])).numpy(), emb.weight.data[[1, 3]])
    np.testing.assert_array_equal(emb([[0]]).numpy(), emb.weight.data[[[0]]])


def test_embedding_padding_row_is_zero_and_gets_no_gradient():
    emb = nn.Embedding(4, 2, padding_idx=-1)
    assert emb.padding_idx == 3
    np.testing.assert_array_equal(emb.weight.data[3], 0.0)
    emb.weight.data[3] = [5.0, 6.0]  # a loaded, non-zero padding row is still looked up
    out = emb(np.array([3, 1, 3]))
    np.testing.assert_array_equal(out.numpy()[0], [5.0, 6.0])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[3], 0.0)
    np.testing.assert_array_equal(emb.weight.grad[1], 1.0)


def test_embedding_errors_name_the_layer_and_the_range():
    emb = nn.Embedding(10, 3)
    with pytest.raises(TensorIndexError, match=r"Embedding\(10, 3\).*12.*0\.\.9"):
        emb(np.array([1, 12]))
    with pytest.raises(TensorIndexError, match="0..9"):
        emb(np.array([-1]))
    with pytest.raises(DTypeError, match=r"Embedding\(10, 3\).*integers"):
        emb(np.array([1.0, 2.0]))
    with pytest.raises(ArgumentError, match=r"nn.Embedding: padding_idx=3 is out of range"):
        nn.Embedding(3, 2, padding_idx=3)


# --------------------------------------------------------------------------------------
# Dropout, activations, Sequential
# --------------------------------------------------------------------------------------
def test_dropout_in_training_and_eval():
    tg.manual_seed(0)
    drop = nn.Dropout(0.5)
    x = tg.ones(4000)
    out = drop(x).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.45 < (out == 0).mean() < 0.55
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())


def test_model_eval_switches_off_nested_dropout():
    model = nn.Sequential(nn.Linear(3, 50), nn.Dropout(0.9))
    x = tg.randn(2, 3)
    assert np.mean(model(x).numpy() == 0) > 0.5
    model.eval()
    np.testing.assert_array_equal(model(x).numpy(), model[0](x).numpy())
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_sequential_composes_and_indexes():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Sigmoid())
    x = np.random.default_rng(0).normal(size=(5, 3))
    a = np.tanh(x @ model[0].weight.data.T + model[0].bias.data)
    logits = a @ model[2].weight.data.T + model[2].bias.data
    np.testing.assert_allclose(model(tg.tensor(x)).numpy(), 1 / (1 + np.exp(-logits)))
    assert len(model) == 4 and len(model[:2]) == 2
    named = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU(), same=nn.Identity()))
    assert [name for name, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]
    x = tg.tensor([[-1.0, 2.0]])
    np.testing.assert_allclose(named(x).numpy(), np.maximum(named.fc(x).numpy(), 0))
    with pytest.raises(TypeError):
        nn.Sequential(nn.Linear(1, 1), 3)
