"""nn.TransformerEncoderLayer: one block of "Attention is All you Need" (PyTorch's layout).

    block = nn.TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256,
                                       batch_first=True, norm_first=True)
    y = block(x, src_mask=causal)          # x (N, L, 64) -> y (N, L, 64)

Two sub-layers, each wrapped in a residual connection and a LayerNorm:

    self-attention   sa(x) = dropout1(self_attn(x, x, x))
    feed-forward     ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))

    post-norm (norm_first=False, the paper's):   x = norm1(x + sa(x));  x = norm2(x + ff(x))
    pre-norm  (norm_first=True, GPT-2's):        x = x + sa(norm1(x));  x = x + ff(norm2(x))

Every position goes through the same two sub-layers at once (one matmul over all L
positions); attention is the only place where positions meet, and each is one step from
every other - no chain of T multiplications for the gradient to cross.

The sub-layers are made inside tg.scope("self_attention") and tg.scope("feed_forward"),
and LayerNorm inside "layer_norm", so viz draws a block at detail "cells" as one box per
sub-layer, norm and residual add.

Read next: nothing - this is the last layer.
"""

from __future__ import annotations

from .. import functional as F
from ..devices import check_device
from ..graph import scope
from ..tensor import Tensor
from .activation import as_tensor
from .checks import Bounds, check_flag, check_int, check_number, check_probability, fail, layer_name
from .layers import Dropout, Linear
from .module import Module
from .multihead import MultiheadAttention
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer"]


def relu(x: Tensor) -> Tensor:
    """max(x, 0): the feed-forward's default activation."""
    return x.relu()


def activation_function(owner: str, activation):
    """ "relu" or "gelu" as a function, or the callable itself (a function or a Module)."""
    if activation == "relu":
        return relu
    if activation == "gelu":
        return F.gelu
    if callable(activation) and not isinstance(activation, str):
        return activation
    fail(owner, f'activation must be "relu", "gelu" or a callable, got {activation!r}')


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward network, each with a residual add and a LayerNorm.

    d_model          E, the width of every position's vector
    nhead            heads of the self-attention (E must be a multiple of nhead)
    dim_feedforward  width of the feed-forward's hidden layer (default 2048)
    dropout          after the attention, inside and after the feed-forward (default 0.1)
    activation       "relu", "gelu" or a callable
    norm_first       False: post-norm (the paper); True: pre-norm (GPT-2)

    Submodules (PyTorch's names, so a state_dict moves unchanged): self_attn, linear1,
    dropout, linear2, norm1, norm2, dropout1, dropout2.
    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False): src_mask and
    src_key_padding_mask are nn.MultiheadAttention's attn_mask and key_padding_mask
    (bool True = NOT allowed; float added).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation="relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        check_device(device, owner)
        d_model = check_int(owner, "d_model", d_model, 1)
        dim_feedforward = check_int(owner, "dim_feedforward", dim_feedforward, 1)
        dropout = check_probability(owner, "dropout", dropout)
        eps = check_number(owner, "layer_norm_eps", layer_norm_eps, Bounds(low=0.0))
        self.batch_first = check_flag(owner, "batch_first", batch_first)
        self.norm_first = check_flag(owner, "norm_first", norm_first)
        bias = check_flag(owner, "bias", bias)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm1 = LayerNorm(d_model, eps=eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation_function(owner, activation)
        if dtype is not None:
            self.to(dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        """post-norm: x = norm1(x + sa(x)); x = norm2(x + ff(x)).
        pre-norm:  x = x + sa(norm1(x)); x = x + ff(norm2(x))."""
        x = as_tensor(src)
        masks = (src_mask, src_key_padding_mask, is_causal)
        if self.norm_first:
            x = (x + self._sa_block(self.norm1(x), *masks)).named("residual")
            return (x + self._ff_block(self.norm2(x))).named("residual")
        x = self.norm1((x + self._sa_block(x, *masks)).named("residual"))
        return self.norm2((x + self._ff_block(x)).named("residual"))

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        """sa(x) = dropout1(self_attn(x, x, x)), inside tg.scope("self_attention")."""
        with scope("self_attention"):
            out, _ = self.self_attn(
                x,
                x,
                x,
                attn_mask=attn_mask,
                key_padding_mask=key_padding_mask,
                need_weights=False,
                is_causal=is_causal,
            )
            return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        """ff(x) = dropout2(linear2(dropout(activation(linear1(x))))), in "feed_forward"."""
        with scope("feed_forward"):
            hidden = self.dropout(self.activation(self.linear1(x)))
            return self.dropout2(self.linear2(hidden))
