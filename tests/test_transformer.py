"""The Transformer's pieces against their equations written out in numpy, and gradchecked
in float64: F.gelu (both approximations), F.layer_norm / nn.LayerNorm,
F.scaled_dot_product_attention (bool, float and causal masks), nn.MultiheadAttention
(attn_mask, key_padding_mask, every layout) and nn.TransformerEncoderLayer (post-norm and
pre-norm, relu and gelu). Errors and pictures are in tests/test_transformer_errors.py."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import nn
from tinygrad_rnn import nn as tnn
from tinygrad_rnn.nn import functional as F


def leaf(array) -> tg.Tensor:
    return tg.Tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def normal(*shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


# --------------------------------------------------------------------------------------
# numpy, from the equations
# --------------------------------------------------------------------------------------
def np_softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_layer_norm(x, weight=1.0, bias=0.0, eps=1e-5, axes=(-1,)):
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * weight + bias


def np_attention(q, k, v, keep=None, bias=None):
    """softmax(q kᵀ / √E + bias) v, masked (keep False) scores -> -inf."""
    scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
    if bias is not None:
        scores = scores + bias
    if keep is not None:
        scores = np.where(keep, scores, -np.inf)
    alpha = np_softmax(scores)
    return alpha @ v, alpha


def np_mha(layer, query, key, value, not_allowed=None):
    """PyTorch's MultiheadAttention for batch-first (N, L, E) inputs, one head at a time;
    not_allowed (N, L, S) bool: True = masked."""
    E, h = layer.embed_dim, layer.num_heads
    d = E // h
    W, b = layer.in_proj_weight.data, layer.in_proj_bias.data
    q = query @ W[:E].T + b[:E]
    k = key @ W[E : 2 * E].T + b[E : 2 * E]
    v = value @ W[2 * E :].T + b[2 * E :]
    keep = None if not_allowed is None else ~not_allowed
    heads, alphas = [], []
    for head in range(h):
        cols = slice(head * d, (head + 1) * d)
        out, alpha = np_attention(q[..., cols], k[..., cols], v[..., cols], keep)
        heads.append(out)
        alphas.append(alpha)
    out = np.concatenate(heads, axis=-1) @ layer.out_proj.weight.data.T
    return out + layer.out_proj.bias.data, np.stack(alphas, axis=1)


def np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def np_encoder_layer(layer, x, not_allowed=None, activation="relu"):
    """PyTorch's TransformerEncoderLayer (batch_first, no dropout) from its equations."""

    def norm(module, y):
        return np_layer_norm(y, module.weight.data, module.bias.data, module.eps)

    def sa(y):
        return np_mha(layer.self_attn, y, y, y, not_allowed)[0]

    def ff(y):
        hidden = y @ layer.linear1.weight.data.T + layer.linear1.bias.data
        hidden = np.maximum(hidden, 0) if activation == "relu" else np_gelu(hidden)
        return hidden @ layer.linear2.weight.data.T + layer.linear2.bias.data

    if layer.norm_first:
        x = x + sa(norm(layer.norm1, x))
        return x + ff(norm(layer.norm2, x))
    x = norm(layer.norm1, x + sa(x))
    return norm(layer.norm2, x + ff(x))


# --------------------------------------------------------------------------------------
# GELU
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_is_its_formula_and_its_derivative(approximate):
    x = np.linspace(-4, 4, 17)
    y = F.gelu(leaf(x), approximate=approximate)
    np.testing.assert_allclose(y.data, np_gelu(x, approximate), rtol=1e-13, atol=1e-15)
    assert tg.gradcheck(lambda t: F.gelu(t, approximate=approximate), [leaf(x + 0.01)])


def test_exact_gelu_gradient_is_phi_plus_x_times_density():
    x = leaf(np.linspace(-3, 3, 13))
    F.gelu(x).sum().backward()
    z = x.data
    Phi = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    phi = np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad, Phi + z * phi, rtol=1e-13, atol=1e-15)


def test_gelu_module_and_its_approximation_are_close():
    x = np.linspace(-3, 3, 61)
    exact, tanh = nn.GELU()(x).data, nn.GELU(approximate="tanh")(x).data
    assert np.abs(exact - tanh).max() < 1e-3 and np.abs(exact - tanh).max() > 1e-5
    assert repr(nn.GELU(approximate="tanh")) == "GELU(approximate='tanh')"


# --------------------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------------------
def test_layer_norm_is_its_equations_and_gradchecks():
    x, w, b = normal(2, 3, 4), normal(4, seed=1), normal(4, seed=2)
    y = F.layer_norm(leaf(x), 4, leaf(w), leaf(b))
    np.testing.assert_allclose(y.data, np_layer_norm(x, w, b), rtol=1e-12)
    assert tg.gradcheck(lambda a, c, d: F.layer_norm(a, (4,), c, d), [leaf(x), leaf(w), leaf(b)])


def test_layer_norm_over_two_axes_and_the_module():
    x = normal(2, 3, 4)
    norm = nn.LayerNorm((3, 4), eps=1e-3)
    assert norm.weight.shape == (3, 4) and np.all(norm.weight.data == 1)
    assert np.all(norm.bias.data == 0) and list(norm.state_dict()) == ["weight", "bias"]
    np.testing.assert_allclose(norm(x).data, np_layer_norm(x, eps=1e-3, axes=(1, 2)), rtol=1e-12)
    assert tg.gradcheck(lambda a: norm(a), [leaf(x)])
    assert nn.LayerNorm(4, elementwise_affine=False).weight is None
    assert repr(norm) == "LayerNorm((3, 4), eps=0.001, elementwise_affine=True, bias=True)"


@settings(max_examples=15, deadline=None)
@given(
    rows=st.integers(1, 4),
    width=st.integers(2, 6),
    shift=st.floats(-100, 100),
    scale=st.floats(0.1, 10),
)
def test_layer_norm_output_has_mean_0_and_variance_near_1(rows, width, shift, scale):
    x = normal(rows, width, seed=rows * 7 + width) * scale + shift
    y = nn.LayerNorm(width, eps=0.0)(x).data
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-9)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-9)


# --------------------------------------------------------------------------------------
# scaled_dot_product_attention
# --------------------------------------------------------------------------------------
QKV = (normal(2, 3, 4, seed=3), normal(2, 5, 4, seed=4), normal(2, 5, 2, seed=5))
KEEP = np.random.default_rng(6).random((3, 5)) < 0.6
KEEP[:, 0] = True  # every query keeps a key
BIAS = normal(2, 3, 5, seed=7)


@pytest.mark.parametrize(
    "mask, causal, keep, bias",
    [
        (None, False, None, None),
        (KEEP, False, KEEP, None),  # bool: True = take part
        (BIAS, False, None, BIAS),  # float: added
        (None, True, np.tril(np.ones((3, 5), bool)), None),  # causal, top-left
    ],
    ids=["no mask", "bool", "float", "causal"],
)
def test_scaled_dot_product_attention_is_its_equation(mask, causal, keep, bias):
    q, k, v = QKV
    out = F.scaled_dot_product_attention(
        leaf(q), leaf(k), leaf(v), attn_mask=mask, is_causal=causal
    )
    expected, alpha = np_attention(q, k, v, keep, bias)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    if keep is not None:
        assert np.all(alpha[..., ~keep] == 0)

    def attend(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, attn_mask=mask, is_causal=causal)

    assert tg.gradcheck(attend, [leaf(q), leaf(k), leaf(v)])


@settings(max_examples=10, deadline=None)
@given(batch=st.integers(1, 3), L=st.integers(1, 4), S=st.integers(1, 4), E=st.integers(1, 5))
def test_attention_rows_are_convex_combinations_of_the_values(batch, L, S, E):
    q, k = normal(batch, L, E, seed=1), normal(batch, S, E, seed=2)
    v = np.ones((batch, S, 3))  # every convex combination of ones is one
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == (batch, L, 3)
    np.testing.assert_allclose(out.data, 1.0, rtol=1e-12)


# --------------------------------------------------------------------------------------
# MultiheadAttention
# --------------------------------------------------------------------------------------
def test_multihead_attention_parameters_and_init_are_pytorchs():
    tg.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2)
    assert list(layer.state_dict()) == [
        "in_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    assert layer.in_proj_weight.shape == (24, 8) and layer.head_dim == 4
    assert np.all(layer.in_proj_bias.data == 0) and np.all(layer.out_proj.bias.data == 0)
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_: fan_in 8, fan_out 24
    assert np.abs(layer.in_proj_weight.data).max() <= bound
    assert np.abs(layer.in_proj_weight.data).max() > 0.8 * bound
    assert np.abs(layer.out_proj.weight.data).max() <= 1 / math.sqrt(8)  # Linear's
    assert repr(layer).startswith("MultiheadAttention(\n  (out_proj): NonDynamically")


def masks(N=2, L=3, S=4, heads=2, seed=0):
    rng = np.random.default_rng(seed)
    attn_mask = rng.random((L, S)) < 0.3  # True = NOT allowed
    padding = np.zeros((N, S), bool)
    padding[0, -1] = True  # the first sequence is one key shorter
    attn_mask[:, 0] = False
    return attn_mask, padding


def test_multihead_attention_with_masks_is_its_equations_and_gradchecks():
    tg.manual_seed(1)
    layer = nn.MultiheadAttention(4, 2, batch_first=True)
    nn.init.normal_(layer.in_proj_bias)
    nn.init.normal_(layer.out_proj.bias)
    query, kv = normal(2, 3, 4, seed=8), normal(2, 4, 4, seed=9)
    attn_mask, padding = masks()
    out, weights = layer(query, kv, kv, key_padding_mask=padding, attn_mask=attn_mask,
                         average_attn_weights=False)  # fmt: skip
    not_allowed = attn_mask[None] | padding[:, None, :]
    expected, alphas = np_mha(layer, query, kv, kv, not_allowed)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    np.testing.assert_allclose(weights.data, alphas, rtol=1e-12, atol=1e-15)
    assert np.all(weights.data[0, :, :, -1] == 0)  # the padded key: weight 0 exactly

    def attend(q, k):
        return layer(q, k, k, key_padding_mask=padding, attn_mask=attn_mask)[0]

    assert tg.gradcheck(attend, [leaf(query), leaf(kv)])
    assert tg.gradcheck(lambda *p: attend(query, kv), list(layer.parameters()))


def test_multihead_attention_float_and_per_head_masks():
    layer = nn.MultiheadAttention(4, 2)  # (L, N, E)
    x = normal(3, 2, 4, seed=10)
    bias = normal(2 * 2, 3, 3, seed=11)  # (N * heads, L, S), added
    out, _ = layer(x, x, x, attn_mask=bias)
    q = x.transpose(1, 0, 2)
    E, W, b = 4, layer.in_proj_weight.data, layer.in_proj_bias.data
    projected = [q @ W[i * E : (i + 1) * E].T + b[i * E : (i + 1) * E] for i in range(3)]
    heads = [np_attention(*(p[..., h * 2 : h * 2 + 2] for p in projected),
                          bias=bias.reshape(2, 2, 3, 3)[:, h])[0] for h in range(2)]  # fmt: skip
    expected = np.concatenate(heads, -1) @ layer.out_proj.weight.data.T
    np.testing.assert_allclose(out.data, expected.transpose(1, 0, 2), rtol=1e-12)
    assert tg.gradcheck(lambda t: layer(t, t, t, attn_mask=bias)[0], [leaf(x)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_multihead_attention_shapes(batch_first):
    layer = nn.MultiheadAttention(6, 3, batch_first=batch_first)
    L, S, N = 4, 5, 2
    q = normal(N, L, 6) if batch_first else normal(L, N, 6)
    k = normal(N, S, 6) if batch_first else normal(S, N, 6)
    out, weights = layer(q, k, k)
    assert out.shape == q.shape and weights.shape == (N, L, S)
    assert layer(q, k, k, average_attn_weights=False)[1].shape == (N, 3, L, S)
    assert layer(q, k, k, need_weights=False)[1] is None
    out, weights = layer(normal(L, 6), normal(S, 6), normal(S, 6), average_attn_weights=False)
    assert out.shape == (L, 6) and weights.shape == (3, L, S)
    np.testing.assert_allclose(weights.data.sum(axis=-1), 1.0)


def test_multihead_attention_dropout_follows_train_and_eval():
    tg.manual_seed(2)
    layer = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True)
    x = normal(2, 6, 4)
    first, second = layer(x, x, x)[1].data, layer(x, x, x)[1].data
    assert not np.allclose(first, second)  # a new dropout mask each call
    layer.eval()
    np.testing.assert_allclose(layer(x, x, x)[1].data, np_mha(layer, x, x, x)[1].mean(1))


# --------------------------------------------------------------------------------------
# TransformerEncoderLayer
# --------------------------------------------------------------------------------------
def test_encoder_layer_has_pytorchs_submodules_and_keys():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    assert [name for name, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"
    ]  # fmt: skip
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
        "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ]  # fmt: skip
    assert layer.dropout.p == 0.1 and layer.linear1.out_features == 16
    assert nn.TransformerEncoderLayer(8, 2).linear1.out_features == 2048


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_layer_is_its_equations_and_gradchecks(norm_first, activation):
    tg.manual_seed(3)
    layer = nn.TransformerEncoderLayer(
        4, 2, 6, dropout=0.0, activation=activation, batch_first=True, norm_first=norm_first
    )
    for norm in (layer.norm1, layer.norm2):  # not the identity: weights and biases count
        nn.init.normal_(norm.weight)
        nn.init.normal_(norm.bias)
    x = normal(2, 3, 4, seed=12)
    causal = np.triu(np.ones((3, 3), bool), k=1)  # True = NOT allowed: the future
    y = layer(x, src_mask=causal, is_causal=True)
    expected = np_encoder_layer(layer, x, np.broadcast_to(causal, (2, 3, 3)), activation)
    np.testing.assert_allclose(y.data, expected, rtol=1e-11, atol=1e-12)
    assert tg.gradcheck(lambda t: layer(t, src_mask=causal), [leaf(x)])
    assert tg.gradcheck(lambda *p: layer(x, src_mask=causal), list(layer.parameters()))


def test_encoder_layer_with_padding_and_a_callable_activation():
    layer = nn.TransformerEncoderLayer(4, 1, 5, dropout=0.0, activation=nn.Tanh())
    x = normal(3, 2, 4, seed=13)  # (L, N, E)
    padding = np.array([[False, False, True], [False, False, False]])
    y = layer(x, src_key_padding_mask=padding)
    assert y.shape == (3, 2, 4)
    changed = x.copy()
    changed[2, 0] += 10.0  # the padded position of sequence 0: nobody attends to it
    y2 = layer(changed, src_key_padding_mask=padding)
    np.testing.assert_allclose(y2.data[:2, 0], y.data[:2, 0], rtol=1e-12)


def test_encoder_layer_dropout_only_in_training():
    tg.manual_seed(4)
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.3, batch_first=True)
    x = normal(2, 5, 4)
    assert not np.allclose(layer(x).data, layer(x).data)
    layer.eval()
    np.testing.assert_allclose(layer(x).data, np_encoder_layer(layer, x), rtol=1e-11)


def test_encoder_layer_state_dict_round_trip():
    first = tnn.TransformerEncoderLayer(4, 2, 6, norm_first=True)
    second = tnn.TransformerEncoderLayer(4, 2, 6, norm_first=True)
    second.load_state_dict(first.state_dict())
    first.eval(), second.eval()
    x = normal(3, 2, 4)
    np.testing.assert_array_equal(first(x).data, second(x).data)
