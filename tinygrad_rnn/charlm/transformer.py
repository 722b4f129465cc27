"""Lesson 15's model: a small decoder-only character Transformer, the LSTM's rival.

    x (B, T) ids -> token + position embeddings (B, T, d) -> N pre-norm blocks (B, T, d)
                 -> LayerNorm -> Linear (B, T, V)

Each block is PyTorch's `nn.TransformerEncoderLayer(norm_first=True, batch_first=True)`
with a causal mask - what a PyTorch user writes for a GPT-style model:

    a = x + SelfAttention(LayerNorm_1(x))      position t attends to positions 1..t only
    y = a + FeedForward(LayerNorm_2(a))        Linear(d, 4d) -> ReLU -> Linear(4d, d)

(ReLU is the layer's default. GPT-2 uses GELU - activation="gelu" - but the exact GELU
needs erf, which numpy has no array function for, so here it costs more than the rest
of the feed-forward.)

Nothing in a block loops over time: the T positions of all B windows go through each
Linear as ONE (B·T, d) matmul, and the attention of every position to every earlier one
is one (B, heads, T, T) matmul. The LSTM (model.py) has to compute h_t before h_{t+1}.

The same interface as CharLM, so charlm.train, charlm.evaluate and charlm.sample work
unchanged: `forward(x, state=None) -> (scores, state)`. A Transformer has no hidden state,
only a window of context: here `state` is the ids of the last characters it read (at most
block_size - 1 of them, (B, k) numpy ints), which the next call reads again in front of
its own x. So `evaluate` (windows carried from one to the next) and `sample` (one
character at a time) see up to block_size characters of context, and no more.

Parameter names follow PyTorch: `embedding.weight`, `position.weight`,
`layers.0.self_attn.in_proj_weight`, ..., `norm.weight`, `fc.weight`.

Read next: examples/15_transformer.py (the lesson that trains it against the LSTM).
"""

from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from ..graph import no_grad
from ..nn import Embedding, LayerNorm, Linear, Module, ModuleList, TransformerEncoderLayer
from ..optim import Adam
from ..tensor import Tensor, manual_seed
from .config import DTYPES, CharLMConfig
from .model import default_dtype
from .training import CharLMRun


def causal_mask(T: int) -> np.ndarray:
    """(T, T) bool, True above the diagonal: position t may not attend to s > t.
    PyTorch's convention for a boolean attn_mask of nn.MultiheadAttention and
    nn.TransformerEncoderLayer: True = NOT allowed (the same places as the -inf of
    nn.Transformer.generate_square_subsequent_mask)."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


class CharTransformer(Module):
    """Embeddings -> N pre-norm Transformer blocks (causal) -> LayerNorm -> Linear.

        e_t = embedding.weight[x_t] + position.weight[t]       (d,)   t = 0..T-1
        h = layers[N-1](... layers[0](e) ...)                  (B, T, d)
        o_t = fc(norm(h_t))                                    (V,)  scores
        p(x_{t+1} | x_1..x_t) = softmax(o_t)

    forward(x, state=None) -> (o, state)
      x      (B, T) character ids, T <= block_size
      state  None, or (B, k) ids read before x (what the previous call returned)
      o      (B, T, V) scores of x's positions; state: the last block_size - 1 ids read
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 3,
        dim_feedforward: int = 256,
        block_size: int = 64,
        activation: str = "relu",
    ):
        super().__init__()
        self.vocab_size = vocab_size
        self.block_size = block_size
        self.embedding = Embedding(vocab_size, d_model)
        self.position = Embedding(block_size, d_model)
        self.layers = ModuleList(
            [new_block(d_model, nhead, dim_feedforward, activation) for _ in range(num_layers)]
        )
        self.norm = LayerNorm(d_model)
        self.fc = Linear(d_model, vocab_size)

    def forward(self, x, state=None):
        x = np.asarray(x.data if isinstance(x, Tensor) else x)
        T = x.shape[-1]
        if T > self.block_size:
            raise ShapeError(
                f"CharTransformer: x has {T} positions, more than block_size="
                f"{self.block_size} (the learned positions end there); feed it in windows"
            )
        context = x if state is None else np.concatenate([state, x], axis=1)  # (B, k + T)
        context = context[:, -self.block_size :]  # (B, T_c), T_c <= block_size
        scores = self.from_embeddings(self.embedding(context))  # (B, T_c, V)
        kept = max(context.shape[1] - (self.block_size - 1), 0)  # the oldest ids drop out
        return scores[:, context.shape[1] - T :], context[:, kept:]

    def from_embeddings(self, e: Tensor) -> Tensor:
        """The scores o (B, T, V) from the token embeddings e (B, T, d): everything after
        the token lookup. (Lesson 15 differentiates the loss with respect to e.)"""
        T = e.shape[1]
        h = e + self.position(np.arange(T))  # (B, T, d) + (T, d)
        mask = causal_mask(T)
        for layer in self.layers:
            h = layer(h, src_mask=mask, is_causal=True)  # (B, T, d)
        return self.fc(self.norm(h))  # (B, T, V)

    def attention_weights(self, x) -> list[np.ndarray]:
        """Per block, its (B, nhead, T, T) attention weights α on x (B, T) ids (no graph):
        self_attn called as the pre-norm block calls it - on norm1 of the block's input,
        with the causal mask - but asked for the weights of every head."""
        x = np.asarray(x)
        mask = causal_mask(x.shape[1])
        weights = []
        with no_grad():
            h = self.embedding(x) + self.position(np.arange(x.shape[1]))  # (B, T, d)
            for layer in self.layers:
                z = layer.norm1(h)
                _, alpha = layer.self_attn(
                    z, z, z, attn_mask=mask, need_weights=True, average_attn_weights=False
                )
                weights.append(alpha.numpy())  # (B, nhead, T, T)
                h = layer(h, src_mask=mask, is_causal=True)
        return weights

    def extra_repr(self) -> str:
        return f"vocab_size={self.vocab_size}, block_size={self.block_size}"


def new_block(d_model: int, nhead: int, dim_feedforward: int, activation: str):
    """One pre-norm block as a PyTorch user builds it (no dropout: the runs are short)."""
    return TransformerEncoderLayer(
        d_model,
        nhead,
        dim_feedforward=dim_feedforward,
        dropout=0.0,
        activation=activation,
        batch_first=True,
        norm_first=True,
    )


def new_transformer_run(vocab, config: CharLMConfig, fingerprint=None, **sizes) -> CharLMRun:
    """A CharTransformer (block_size = config.seq_len, `sizes` passed on) with Adam(lr),
    seeded and typed as charlm.new_run builds the LSTM: a run charlm.train can train."""
    manual_seed(config.seed)
    with default_dtype(DTYPES[config.dtype]):
        model = CharTransformer(len(vocab), block_size=config.seq_len, **sizes)
    optimizer = Adam(model.parameters(), lr=config.lr)
    return CharLMRun(model, optimizer, vocab, config, 0, fingerprint)
