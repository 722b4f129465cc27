"""Attention: F.attention / F.attend / F.masked_softmax and nn.Attention against the
lessons' formulas written out in numpy, masks, gradients (float64 gradcheck), labels and
scopes; and viz.heatmap's pictures (real SVG and PNG files)."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tg
from tinygrad_rnn import functional as F
from tinygrad_rnn import nn
from viz.backend import find_renderer
from viz.heatmap import attention_heatmap, heatmap_source, weight_colour


# --------------------------------------------------------------------------------------
# numpy references: the formulas as the lessons write them
# --------------------------------------------------------------------------------------
def np_softmax_masked(e, mask):
    """α_i = exp(e_i) / Σ_{j kept} exp(e_j), 0 where masked; one row at a time."""
    alpha = np.zeros_like(e)
    for b in range(e.shape[0]):
        keep = mask[b]
        z = np.exp(e[b, keep] - e[b, keep].max())
        alpha[b, keep] = z / z.sum()
    return alpha


def np_attention(scores, values, mask):
    """α = masked softmax(e), a = Σ_i α_i v_i (an explicit loop over i)."""
    alpha = np_softmax_masked(scores, mask)
    context = np.zeros((values.shape[0], values.shape[2]))
    for i in range(values.shape[1]):
        context += alpha[:, i : i + 1] * values[:, i, :]
    return context, alpha


def np_dot_scores(s, h):
    """e_i = s · h_i."""
    B, T, _ = h.shape
    return np.array([[s[b] @ h[b, i] for i in range(T)] for b in range(B)])


def np_general_scores(s, h, W):
    """e_i = s · (W h_i)."""
    B, T, _ = h.shape
    return np.array([[s[b] @ (W @ h[b, i]) for i in range(T)] for b in range(B)])


def np_additive_scores(s, h, W1, W2, v):
    """e_i = vᵀ tanh(W1 s + W2 h_i)."""
    B, T, _ = h.shape
    return np.array([[v @ np.tanh(W1 @ s[b] + W2 @ h[b, i]) for i in range(T)] for b in range(B)])


def lengths_mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def tensors(rng, *shapes, requires_grad=True):
    return [tg.tensor(rng.normal(size=shape), requires_grad=requires_grad) for shape in shapes]


# --------------------------------------------------------------------------------------
# F.attention against the formulas
# --------------------------------------------------------------------------------------
def test_attention_without_mask_matches_formula():
    rng = np.random.default_rng(0)
    q, k, v = tensors(rng, (3, 4), (3, 5, 4), (3, 5, 6))
    context, weights = F.attention(q, k, v)
    ref_context, ref_alpha = np_attention(
        np_dot_scores(q.data, k.data), v.data, np.ones((3, 5), bool)
    )
    np.testing.assert_allclose(weights.data, ref_alpha, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(context.data, ref_context, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(weights.data.sum(axis=1), 1.0, rtol=1e-14)
    assert context.shape == (3, 6) and weights.shape == (3, 5)


def test_attention_with_mask_matches_formula_and_masked_weight_is_exactly_zero():
    rng = np.random.default_rng(1)
    q, k = tensors(rng, (3, 4), (3, 6, 4))
    mask = lengths_mask([6, 2, 4], 6)
    context, weights = F.attention(q, k, k, mask)
    ref_context, ref_alpha = np_attention(np_dot_scores(q.data, k.data), k.data, mask)
    np.testing.assert_allclose(weights.data, ref_alpha, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(context.data, ref_context, rtol=1e-12, atol=1e-14)
    assert np.all(weights.data[~mask] == 0.0)
    np.testing.assert_allclose(weights.data.sum(axis=1), 1.0, rtol=1e-14)


def test_masked_steps_get_no_gradient_and_do_not_change_the_result():
    rng = np.random.default_rng(2)
    q, k, v = tensors(rng, (2, 3), (2, 5, 3), (2, 5, 3))
    mask = lengths_mask([3, 5], 5)
    context, _ = F.attention(q, k, v, mask)
    context.sum().backward()
    assert np.all(k.grad[0, 3:] == 0.0) and np.all(v.grad[0, 3:] == 0.0)
    assert np.abs(k.grad[1]).sum() > 0  # the full-length row does get gradients
    # garbage (even huge numbers) in the masked steps changes nothing
    k2, v2 = k.data.copy(), v.data.copy()
    k2[0, 3:] = 1e6
    v2[0, 3:] = -1e6
    context2, weights2 = F.attention(q, tg.tensor(k2), tg.tensor(v2), mask)
    np.testing.assert_array_equal(context2.data, context.data)
    assert np.all(np.isfinite(weights2.data))


@settings(max_examples=40, deadline=None)
@given(
    B=st.integers(1, 4),
    T=st.integers(1, 7),
    H=st.integers(1, 5),
    scale=st.sampled_from([1.0, 30.0, 1e3]),
    seed=st.integers(0, 10_000),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_weights_sum_to_one_over_kept_steps_property(B, T, H, scale, seed, dtype):
    rng = np.random.default_rng(seed)
    q = tg.tensor((rng.normal(size=(B, H)) * scale).astype(dtype))
    k = tg.tensor(rng.normal(size=(B, T, H)).astype(dtype))
    mask = rng.random((B, T)) < 0.6
    mask[np.arange(B), rng.integers(0, T, size=B)] = True  # at least one kept step per row
    context, weights = F.attention(q, k, k, mask)
    assert weights.dtype == dtype and context.dtype == dtype
    assert np.all(np.isfinite(weights.data)) and np.all(np.isfinite(context.data))
    assert np.all(weights.data[~mask] == 0.0)
    assert np.all(weights.data >= 0)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(weights.data.sum(axis=1), 1.0, atol=tolerance)


def test_masked_softmax_plain_and_large_scores():
    scores = tg.tensor(np.array([[1000.0, 999.0, -5.0], [3.0, 1e6, 2.0]]))
    mask = np.array([[True, True, False], [True, False, True]])
    alpha = F.masked_softmax(scores, mask)
    e = np.exp(-1.0)
    np.testing.assert_allclose(alpha.data[0], [1 / (1 + e), e / (1 + e), 0.0], rtol=1e-14)
    np.testing.assert_allclose(alpha.data[1], [1 / (1 + e), 0.0, e / (1 + e)], rtol=1e-14)
    # without a mask it is the ordinary softmax
    plain = F.masked_softmax(scores, None)
    np.testing.assert_allclose(plain.data, F.softmax(scores, axis=-1).data)


def test_fully_masked_row_is_a_clear_error():
    rng = np.random.default_rng(3)
    q, k = tensors(rng, (3, 2), (3, 4, 2))
    mask = lengths_mask([4, 0, 2], 4)
    with pytest.raises(ValueError, match=r"attention: mask rows \[1\] are all False"):
        F.attention(q, k, k, mask)


def test_bad_inputs_are_explained():
    rng = np.random.default_rng(4)
    q, k = tensors(rng, (2, 3), (2, 4, 3))
    with pytest.raises(tg.DTypeError, match="mask must be a boolean array"):
        F.attention(q, k, k, np.ones((2, 4), dtype=int))
    with pytest.raises(tg.ShapeError, match=r"mask of shape \(2, 3\) must match"):
        F.attention(q, k, k, np.ones((2, 3), dtype=bool))
    with pytest.raises(tg.ShapeError, match="must agree on B and H"):
        F.attention(tg.randn(2, 5), k, k)
    with pytest.raises(tg.ShapeError, match=r"expected query \(B, H\)"):
        F.attention(tg.randn(3), k, k)
    with pytest.raises(tg.ShapeError, match="one value per key"):
        F.attention(q, k, tg.randn(2, 3, 3))


def test_attention_gradcheck_float64():
    rng = np.random.default_rng(5)
    q, k, v = tensors(rng, (2, 3), (2, 4, 3), (2, 4, 2))
    mask = lengths_mask([4, 2], 4)
    assert tg.gradcheck(lambda q, k, v: F.attention(q, k, v, mask), [q, k, v])
    assert tg.gradcheck(lambda q, k, v: F.attention(q, k, v), [q, k, v])


def test_labels_and_scope_inside_a_time_step():
    rng = np.random.default_rng(6)
    q, k = tensors(rng, (2, 3), (2, 4, 3))
    with tg.scope("decoder"), tg.scope(t=3):
        context, weights = F.attention(q, k, k)
    assert weights.label == "alpha_3" and context.label == "context_3"
    assert weights.scope == ("decoder", "t=3", "attention") and weights.time_step == 3
    labels = {node.label for node in tg.topological_order(context.sum())}
    assert "score_3" in labels
    context, weights = F.attention(q, k, k)  # outside any time step: plain names
    assert (weights.label, context.label) == ("alpha", "context")
    assert weights.scope == ("attention",)


# --------------------------------------------------------------------------------------
# nn.Attention: dot, general, additive
# --------------------------------------------------------------------------------------
def reference_scores(attention, s, h):
    if attention.kind == "dot":
        return np_dot_scores(s, h)
    if attention.kind == "general":
        return np_general_scores(s, h, attention.W.data)
    return np_additive_scores(s, h, attention.W1.data, attention.W2.data, attention.v.data)


@pytest.mark.parametrize(
    "kind, key_size", [("dot", 4), ("general", 4), ("general", 6), ("additive", 4), ("additive", 6)]
)
def test_nn_attention_matches_formulas(kind, key_size):
    tg.manual_seed(0)
    attention = nn.Attention(4, kind=kind, key_size=key_size, attention_size=5)
    rng = np.random.default_rng(7)
    s, h, values = tensors(rng, (3, 4), (3, 5, key_size), (3, 5, 2))
    mask = lengths_mask([5, 1, 3], 5)
    context, weights = attention(s, h, values, mask=mask)
    ref_context, ref_alpha = np_attention(
        reference_scores(attention, s.data, h.data), values.data, mask
    )
    np.testing.assert_allclose(weights.data, ref_alpha, rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(context.data, ref_context, rtol=1e-11, atol=1e-14)
    assert np.all(weights.data[~mask] == 0.0)
    # values default to the keys
    context_kk, _ = attention(s, h, mask=mask)
    _, alpha = np_attention(reference_scores(attention, s.data, h.data), h.data, mask)
    np.testing.assert_allclose(context_kk.data, np.einsum("bt,bth->bh", alpha, h.data), rtol=1e-11)


def test_nn_dot_attention_equals_functional():
    rng = np.random.default_rng(8)
    s, h = tensors(rng, (2, 3), (2, 4, 3))
    mask = lengths_mask([2, 4], 4)
    a1, w1 = nn.Attention(3)(s, h, mask=mask)
    a2, w2 = F.attention(s, h, h, mask)
    np.testing.assert_array_equal(w1.data, w2.data)
    np.testing.assert_array_equal(a1.data, a2.data)


@pytest.mark.parametrize("kind", ["dot", "general", "additive"])
def test_nn_attention_gradcheck_all_inputs_and_parameters(kind):
    tg.manual_seed(1)
    key_size = 3 if kind == "dot" else 4
    attention = nn.Attention(3, kind=kind, key_size=key_size, attention_size=2)
    rng = np.random.default_rng(9)
    s, h, values = tensors(rng, (2, 3), (2, 4, key_size), (2, 4, 2))
    mask = lengths_mask([4, 3], 4)
    params = list(attention.parameters())
    assert len(params) == {"dot": 0, "general": 1, "additive": 3}[kind]

    def fn(s, h, values, *params):
        return attention(s, h, values, mask=mask)

    assert tg.gradcheck(fn, [s, h, values, *params])


def test_nn_attention_parameters_names_and_errors():
    assert [name for name, _ in nn.Attention(4, "general", key_size=6).named_parameters()] == ["W"]
    additive = nn.Attention(4, "additive", key_size=6, attention_size=5)
    shapes = {name: p.shape for name, p in additive.named_parameters()}
    assert shapes == {"W1": (5, 4), "W2": (5, 6), "v": (5,)}
    assert list(nn.Attention(4).parameters()) == []
    with pytest.raises(ValueError, match="kind must be one of"):
        nn.Attention(4, kind="cosine")
    with pytest.raises(ValueError, match="kind='general' or 'additive'"):
        nn.Attention(4, kind="dot", key_size=8)
    with pytest.raises(tg.ShapeError, match=r"keys must have shape \(B, T, 6\)"):
        additive(tg.randn(2, 4), tg.randn(2, 3, 4))
    with pytest.raises(tg.ShapeError, match=r"query must have shape \(B, 4\)"):
        additive(tg.randn(2, 5), tg.randn(2, 3, 6))


def test_projected_keys_computed_once_give_the_same_result():
    tg.manual_seed(2)
    attention = nn.Attention(3, "additive", key_size=4)
    rng = np.random.default_rng(10)
    s, h = tensors(rng, (2, 3), (2, 5, 4))
    projected = attention.project_keys(h)
    a1, w1 = attention(s, h, projected_keys=projected)
    a2, w2 = attention(s, h)
    np.testing.assert_array_equal(a1.data, a2.data)
    np.testing.assert_array_equal(w1.data, w2.data)


def test_nn_attention_scope_is_not_doubled_when_registered_as_attention():
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.Attention(3, "general")

        def forward(self, s, h):
            with tg.scope(t=2):
                return self.attention(s, h)

    rng = np.random.default_rng(11)
    s, h = tensors(rng, (2, 3), (2, 4, 3))
    context, weights = Holder()(s, h)
    assert weights.scope == ("holder", "t=2", "attention")
    assert (weights.label, context.label) == ("alpha_2", "context_2")


# --------------------------------------------------------------------------------------
# viz.attention_heatmap
# --------------------------------------------------------------------------------------
needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer")


def test_weight_colour_scale():
    assert weight_colour(0.0) == "#f7fbff" and weight_colour(1.0) == "#08306b"
    assert weight_colour(2.0) == weight_colour(1.0) and weight_colour(-1) == weight_colour(0)


def test_heatmap_dot_text_has_one_cell_per_weight_and_escaped_tokens():
    weights = np.array([[0.0, 1.0, 0.0, 0.0], [0.5, 0.25, 0.25, 0.0]])  # 4th column: padding
    source = heatmap_source(weights, "a<b", ["&", "<eos>"])
    assert source.count('BGCOLOR="#') == 6 + 5  # 2 x 3 cells (4th column dropped) + legend
    assert "&amp;" in source and "&lt;eos&gt;" in source and "&lt;" in source
    assert f'BGCOLOR="{weight_colour(1.0)}"' in source


@needs_renderer
def test_heatmap_writes_real_svg_and_png(tmp_path):
    rng = np.random.default_rng(12)
    src, tgt = "nov 23", list("11-23") + ["<eos>"]
    weights = rng.dirichlet(np.ones(len(src)), size=len(tgt))
    svg_path = attention_heatmap(weights, src, tgt, tmp_path / "a.svg", titles=["nov -> 11"])
    root = ET.parse(svg_path).getroot()
    assert root.tag.endswith("svg")
    texts = ["".join(node.itertext()).strip() for node in root.iter() if node.tag.endswith("text")]
    for token in ["n", "o", "v", "2", "3", "-", "<eos>", "nov -> 11"]:
        assert token in texts, token
    png_path = attention_heatmap(
        [weights, weights[:2, :3]], [src, src[:3]], [tgt, tgt[:2]], tmp_path / "a.png"
    )
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary file left behind


def test_heatmap_errors(tmp_path):
    with pytest.raises(tg.TinygradError, match="cannot hold 3 output tokens"):
        attention_heatmap(np.ones((2, 2)), "ab", "abc", tmp_path / "x.svg")
    with pytest.raises(tg.TinygradError, match="2-D"):
        attention_heatmap(np.ones(4), "ab", "ab", tmp_path / "x.svg")
    with pytest.raises(tg.TinygradError, match="cannot tell the format"):
        attention_heatmap(np.ones((2, 2)), "ab", "ab", tmp_path / "x.bmp")
    path = attention_heatmap(np.ones((2, 2)) / 2, "ab", "ab", tmp_path / "x.dot")
    assert path.read_text().startswith("digraph attention {")
