"""The Transformer's pieces: mistakes give one error naming the function or layer, the
shapes and the caller's line; viz draws a block at detail "cells" as one box per
sub-layer and at detail "ops" with a cluster per head; attention_heatmap draws heads."""

import re

import numpy as np
import pytest
from helpers import explained
from viz_graphs import read_dot

import tinygrad_rnn as tg
import viz
from tinygrad_rnn import nn
from tinygrad_rnn.errors import ArgumentError, DTypeError, ShapeError
from tinygrad_rnn.nn import functional as F
from viz.heatmap import heatmap_source


def normal(*shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


Q, K = normal(2, 3, 4), normal(2, 5, 4)


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------
def test_attention_shape_errors_name_the_function_and_shapes():
    with explained(ShapeError, "scaled_dot_product_attention", "(2, 3, 4)", "(2, 5, 3)"):
        F.scaled_dot_product_attention(Q, normal(2, 5, 3), K)
    with explained(ShapeError, "scaled_dot_product_attention", "(2, 4, 4)"):
        F.scaled_dot_product_attention(Q, K, normal(2, 4, 4))
    with explained(ShapeError, "batch axes", "(3, 5, 4)", "do not broadcast"):
        F.scaled_dot_product_attention(Q, normal(3, 5, 4), normal(3, 5, 4))
    with explained(ShapeError, "attn_mask of shape (4, 5)", "(2, 3, 5)"):
        F.scaled_dot_product_attention(Q, K, K, attn_mask=np.ones((4, 5), bool))


def test_attention_mask_errors():
    with explained(DTypeError, "attn_mask must be bool", "int64"):
        F.scaled_dot_product_attention(Q, K, K, attn_mask=np.ones((3, 5), np.int64))
    keep = np.ones((3, 5), bool)
    keep[1] = False
    with explained(ArgumentError, "leaves no key for the queries at [(0, 1), (1, 1)]"):
        F.scaled_dot_product_attention(Q, K, K, attn_mask=keep)
    with explained(ArgumentError, "not both"):
        F.scaled_dot_product_attention(Q, K, K, attn_mask=np.ones((3, 5), bool), is_causal=True)


def test_gelu_and_layer_norm_errors():
    with explained(ArgumentError, "gelu: approximate must be 'none' or 'tanh'", "'erf'"):
        F.gelu(Q, approximate="erf")
    with explained(ShapeError, "layer_norm: normalized_shape (3,)", "(2, 3, 4)"):
        F.layer_norm(tg.Tensor(Q), 3)
    with explained(ArgumentError, "nn.GELU", "approximate"):
        nn.GELU("exact")
    with explained(ArgumentError, "nn.LayerNorm", "normalized_shape"):
        nn.LayerNorm(0)
    with explained(ShapeError, "LayerNorm((4,), eps=1e-05", "(2, 3)"):
        nn.LayerNorm(4)(normal(2, 3))


def test_multihead_attention_errors_name_the_layer():
    with explained(ArgumentError, "nn.MultiheadAttention", "divisible by num_heads", "7 and 2"):
        nn.MultiheadAttention(7, 2)
    layer = nn.MultiheadAttention(4, 2, batch_first=True)
    name = "nn.MultiheadAttention(embed_dim=4, num_heads=2)"
    with explained(ShapeError, name, "(N, L, E)", "E = 4", "query (2, 3, 5)"):
        layer(normal(2, 3, 5), K, K)
    with explained(ShapeError, name, "attn_mask must have shape (3, 5) or (4, 3, 5)", "(3, 3)"):
        layer(Q, K, K, attn_mask=np.zeros((3, 3), bool))
    with explained(ShapeError, name, "key_padding_mask must have shape (2, 5)", "(5,)"):
        layer(Q, K, K, key_padding_mask=np.zeros(5, bool))
    with explained(ArgumentError, name, "is_causal=True", "needs attn_mask"):
        layer(Q, K, K, is_causal=True)
    with explained(DTypeError, name, "key_padding_mask", "int64"):
        layer(Q, K, K, key_padding_mask=np.zeros((2, 5), np.int64))
    with explained(ArgumentError, "kdim=3"):
        nn.MultiheadAttention(4, 2, kdim=3)


def test_encoder_layer_errors():
    with explained(ArgumentError, "nn.TransformerEncoderLayer", "activation", "'swish'"):
        nn.TransformerEncoderLayer(4, 2, activation="swish")
    with explained(ArgumentError, "divisible by num_heads"):
        nn.TransformerEncoderLayer(6, 4)
    layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)
    with explained(ShapeError, "E = 4", "(2, 3, 6)"):
        layer(normal(2, 3, 6))


# --------------------------------------------------------------------------------------
# pictures
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def block_loss():
    tg.manual_seed(0)
    block = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True, norm_first=True)
    x = tg.Tensor(normal(1, 3, 4), requires_grad=True, label="x")
    y = block(x, src_mask=np.triu(np.ones((3, 3), bool), k=1))
    return (y * y).mean()


def box_titles(dot) -> list[str]:
    return [dot.label_of(name) for name in dot.nodes]


def test_cells_draw_one_box_per_sublayer(block_loss):
    dot = read_dot(viz.draw(block_loss, detail="cells").source)
    titles = box_titles(dot)
    for title in ("self-attention", "feed-forward"):
        assert titles.count(title) == 1, titles
    assert titles.count("LayerNorm") == 2 and titles.count("residual") == 2
    assert not any(title in ("matmul", "softmax", "alpha", "relu") for title in titles)


def test_ops_draw_a_cluster_per_head_inside_self_attention(block_loss):
    dot = read_dot(viz.draw(block_loss, detail="ops").source)
    label = {
        name: re.sub("<[^>]*>", "", c["attrs"].get("label", "")) for name, c in dot.clusters.items()
    }
    heads = [name for name, text in label.items() if text.startswith("head=")]
    assert sorted(label[name] for name in heads) == ["head=1", "head=2"]
    for name in heads:
        assert label[dot.clusters[name]["parent"]] == "self_attn"
        inside = [n for n, node in dot.nodes.items() if name in node["clusters"]]
        assert [dot.label_of(n) for n in inside].count("alpha") == 1


def test_heatmap_draws_each_head_side_by_side():
    weights = np.full((3, 2, 4), 0.25)  # (heads, L, S) of one example
    source = heatmap_source(weights, "abcd", "xy")
    assert source.count("<TABLE") == 3 + 1  # one per head and the legend
    assert all(f"<B>head {k}</B>" in source for k in (1, 2, 3))
    assert "rank=same; heatmap0; heatmap1; heatmap2;" in source
    several = heatmap_source([weights[0], weights[1]], ["abcd", "efgh"], ["xy", "zw"])
    assert "rank=same" not in several and "heatmap0 -> heatmap1 -> legend" in several
