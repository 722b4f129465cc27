"""The Transformer's pieces against PyTorch itself, when it is installed: the same weights
give the same outputs and the same gradients (float64), and PyTorch's state_dicts load
unchanged. (tests/test_transformer.py checks the same equations in numpy without torch.)"""

import numpy as np
import pytest

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn.nn import functional as F

torch = pytest.importorskip("torch")


def normal(*shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def ours(array) -> tg.Tensor:
    return tg.Tensor(array, requires_grad=True)


def theirs(array):
    return torch.tensor(array, requires_grad=True)


def state_dict_of(module) -> dict:
    return {key: value.detach().numpy() for key, value in module.state_dict().items()}


def assert_close(mine, torch_value, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(mine, torch_value.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    x = normal(20)
    a, b = ours(x), theirs(x)
    y, z = F.gelu(a, approximate=approximate), torch.nn.functional.gelu(b, approximate=approximate)
    assert_close(y.data, z)
    (y * y).sum().backward()
    (z * z).sum().backward()
    assert_close(a.grad, b.grad)


def test_layer_norm_module():
    x = normal(2, 3, 4)
    torch_norm = torch.nn.LayerNorm((3, 4)).double()
    with torch.no_grad():
        torch_norm.weight.normal_()
        torch_norm.bias.normal_()
    norm = nn.LayerNorm((3, 4))
    norm.load_state_dict(state_dict_of(torch_norm))
    a, b = ours(x), theirs(x)
    y, z = norm(a), torch_norm(b)
    assert_close(y.data, z)
    (y**3).sum().backward()
    (z**3).sum().backward()
    assert_close(a.grad, b.grad)
    assert_close(norm.weight.grad, torch_norm.weight.grad)
    assert repr(norm) == repr(torch_norm)


@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_scaled_dot_product_attention(mask):
    q, k, v = normal(2, 3, 4, seed=1), normal(2, 5, 4, seed=2), normal(2, 5, 3, seed=3)
    attn_mask = {"bool": normal(3, 5, seed=4) > -0.5, "float": normal(3, 5, seed=5)}.get(mask)
    if mask == "bool":
        attn_mask[:, 0] = True
    causal = mask == "causal"
    mine = [ours(a) for a in (q, k, v)]
    torchs = [theirs(a) for a in (q, k, v)]
    torch_mask = None if attn_mask is None else torch.tensor(attn_mask)
    y = F.scaled_dot_product_attention(*mine, attn_mask=attn_mask, is_causal=causal)
    z = torch.nn.functional.scaled_dot_product_attention(
        *torchs, attn_mask=torch_mask, is_causal=causal
    )
    assert_close(y.data, z)
    (y * y).sum().backward()
    (z * z).sum().backward()
    for a, b in zip(mine, torchs):
        assert_close(a.grad, b.grad)


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_with_masks(batch_first):
    torch.manual_seed(0)
    torch_layer = torch.nn.MultiheadAttention(6, 3, batch_first=batch_first).double()
    layer = nn.MultiheadAttention(6, 3, batch_first=batch_first)
    assert list(layer.state_dict()) == list(torch_layer.state_dict())
    layer.load_state_dict(state_dict_of(torch_layer))
    L, S, N = 4, 5, 2
    q = normal(N, L, 6, seed=6) if batch_first else normal(L, N, 6, seed=6)
    kv = normal(N, S, 6, seed=7) if batch_first else normal(S, N, 6, seed=7)
    attn_mask = normal(L, S, seed=8) > 0.7  # True = NOT allowed
    attn_mask[:, 0] = False
    padding = np.zeros((N, S), bool)
    padding[1, 3:] = True
    a, b = ours(q), theirs(q)
    kwargs = dict(key_padding_mask=padding, attn_mask=attn_mask, average_attn_weights=False)
    y, w = layer(a, kv, kv, **kwargs)
    torch_kwargs = {**kwargs, "key_padding_mask": torch.tensor(padding)}
    torch_kwargs["attn_mask"] = torch.tensor(attn_mask)
    z, tw = torch_layer(b, torch.tensor(kv), torch.tensor(kv), **torch_kwargs)
    assert_close(y.data, z)
    assert_close(w.data, tw)
    (y * y).sum().backward()
    (z * z).sum().backward()
    assert_close(a.grad, b.grad)
    for p, tp in zip(layer.parameters(), torch_layer.parameters()):
        assert_close(p.grad, tp.grad, atol=1e-11)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer(norm_first, activation):
    torch.manual_seed(1)
    torch_layer = torch.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    ).double()
    layer = nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    )
    assert list(layer.state_dict()) == list(torch_layer.state_dict())
    layer.load_state_dict(state_dict_of(torch_layer))
    x = normal(2, 5, 8, seed=9)
    causal = np.triu(np.ones((5, 5), bool), k=1)
    a, b = ours(x), theirs(x)
    y = layer(a, src_mask=causal, is_causal=True)
    z = torch_layer(b, src_mask=torch.tensor(causal), is_causal=True)
    assert_close(y.data, z)
    (y * y).sum().backward()
    (z * z).sum().backward()
    assert_close(a.grad, b.grad)
    for p, tp in zip(layer.parameters(), torch_layer.parameters()):
        assert_close(p.grad, tp.grad, atol=1e-11)
    back = torch.nn.TransformerEncoderLayer(
        8, 2, 16, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    ).double()  # and back: our state_dict loads into PyTorch's layer
    back.load_state_dict(
        {key: torch.tensor(np.array(value)) for key, value in layer.state_dict().items()}
    )
    assert_close(y.data, back(torch.tensor(x), src_mask=torch.tensor(causal), is_causal=True))
