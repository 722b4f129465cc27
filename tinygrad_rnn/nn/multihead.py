"""nn.MultiheadAttention: h attention heads side by side (PyTorch's names, shapes, masks).

    attn = nn.MultiheadAttention(embed_dim=64, num_heads=4, batch_first=True)
    out, weights = attn(x, x, x, attn_mask=causal)    # x (N, L, 64): self-attention
    out.shape, weights.shape                          # (N, L, 64), (N, L, L)

One projection makes every head's query, key and value (in_proj_weight (3E, E) holds
W_Q, W_K, W_V one under the other, PyTorch's layout); head k reads its own d = E/h
columns of them and attends on its own; the heads' outputs, side by side, go through
out_proj:

    Q = x W_Qᵀ + b_Q,  K = ...,  V = ...                         (N, L, E)
    head_k = softmax(Q_k K_kᵀ / √d + mask) V_k                    (N, L, d)  k = 1..h
    out    = [head_1, ..., head_h] W_Oᵀ + b_O                     (N, L, E)

The heads are a Python loop, each inside tg.scope("head=k"), so a picture at detail
"ops" shows one cluster per head - as the recurrent layers loop over time steps.

Masks are PyTorch's conventions *for this layer*: in attn_mask (L, S) or (N·h, L, S) and
key_padding_mask (N, S), a bool True means NOT allowed (the opposite of
F.scaled_dot_product_attention); a float mask is added to the scores.

Read next: transformer.py (TransformerEncoderLayer).
"""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..devices import check_device
from ..errors import DTypeError, ShapeError
from ..functional_transformer import attention_weights
from ..graph import scope
from ..roles import mark
from ..tensor import Tensor, cat, get_default_dtype, stack
from . import init
from .activation import as_tensor
from .checks import check_flag, check_float_input, check_int, check_probability, fail, layer_name
from .layers import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear"]


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear (PyTorch's name for MultiheadAttention's out_proj, kept for its repr)."""


class MultiheadAttention(Module):
    """h heads of scaled dot-product attention over d = embed_dim / num_heads columns each.

    embed_dim E, num_heads h (E must be a multiple of h), dropout on the weights α
    (training only), bias, batch_first: (N, L, E) instead of (L, N, E).
    Parameters: in_proj_weight (3E, E) (xavier_uniform_), in_proj_bias (3E,) (zeros),
    out_proj.weight (E, E) (Linear's init), out_proj.bias (E,) (zeros) - PyTorch's.
    kdim/vdim other than E, add_bias_kv and add_zero_attn are not supported.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        owner = layer_name(self)
        check_device(device, owner)
        self.embed_dim = check_int(owner, "embed_dim", embed_dim, 1)
        self.num_heads = check_int(owner, "num_heads", num_heads, 1)
        if self.embed_dim % self.num_heads:
            fail(
                owner, f"embed_dim must be divisible by num_heads, got {embed_dim} and {num_heads}"
            )
        self.head_dim = self.embed_dim // self.num_heads
        self.dropout = check_probability(owner, "dropout", dropout)
        self.batch_first = check_flag(owner, "batch_first", batch_first)
        self._refuse_options(owner, add_bias_kv, add_zero_attn, kdim, vdim)
        self.kdim = self.vdim = self.embed_dim
        bias = check_flag(owner, "bias", bias)
        E = self.embed_dim
        dtype = get_default_dtype() if dtype is None else dtype
        self.in_proj_weight = Parameter(np.zeros((3 * E, E), dtype=dtype))
        init.xavier_uniform_(self.in_proj_weight)
        self.in_proj_bias = Parameter(np.zeros(3 * E, dtype=dtype)) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(E, E, bias=bias)
        self.out_proj.to(dtype)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _refuse_options(self, owner: str, add_bias_kv, add_zero_attn, kdim, vdim) -> None:
        """PyTorch's options this layer does not have, refused by name."""
        if check_flag(owner, "add_bias_kv", add_bias_kv) or check_flag(
            owner, "add_zero_attn", add_zero_attn
        ):
            fail(owner, "add_bias_kv and add_zero_attn are not supported here")
        for name, size in (("kdim", kdim), ("vdim", vdim)):
            if size is not None and size != self.embed_dim:
                fail(owner, f"{name}={size!r} other than embed_dim is not supported here")

    # --- forward --------------------------------------------------------------------------
    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights: bool = True,
        attn_mask=None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ):
        """(attn_output, attn_weights or None), PyTorch's shapes:

        query (L, N, E) (batch_first: (N, L, E); unbatched: (L, E)), key/value (S, N, E)
        attn_output like query; attn_weights (N, L, S), or (N, h, L, S) when
        average_attn_weights=False (unbatched: without N); None if need_weights=False.
        is_causal is PyTorch's hint that attn_mask is the causal mask: it needs attn_mask.
        """
        q_in, k_in, v_in, unbatched = self._batch_first_inputs(query, key, value)
        N, L, S = q_in.shape[0], q_in.shape[1], k_in.shape[1]
        if is_causal and attn_mask is None:
            fail(
                repr_name(self),
                "is_causal=True is a hint that attn_mask is the causal mask, so it needs "
                "attn_mask: np.triu(np.ones((L, L), dtype=bool), k=1) (True = not allowed)",
            )
        keep, bias = self._merged_masks(attn_mask, key_padding_mask, N, L, S, unbatched)
        q, k, v = self._in_projection(q_in, k_in, v_in)
        outputs, weights = [], []
        for h in range(self.num_heads):
            with scope(f"head={h + 1}"):
                head_out, alpha = self._head(q, k, v, h, keep, bias)
            outputs.append(head_out)
            weights.append(alpha)
        heads = outputs[0] if len(outputs) == 1 else cat(outputs, axis=-1)  # (N, L, E)
        out = self.out_proj(heads)
        out = self._caller_layout(out, unbatched)
        if not need_weights:
            return out, None
        return out, self._weights(weights, average_attn_weights, unbatched)

    def _head(self, q, k, v, h: int, keep, bias):
        """Head h (0-based): its d columns of Q, K, V; α = softmax(Q_h K_hᵀ/√d + mask);
        returns (α V_h (N, L, d), α (N, L, S))."""
        columns = slice(h * self.head_dim, (h + 1) * self.head_dim)
        q_h, k_h, v_h = q[..., columns], k[..., columns], v[..., columns]  # (N, L|S, d)
        keep_h = None if keep is None else keep[:, h]  # (N, L, S)
        bias_h = None if bias is None else bias[:, h]
        scale = 1.0 / math.sqrt(self.head_dim)
        alpha = attention_weights(q_h, k_h, keep_h, bias_h, scale, repr_name(self))
        if self.dropout > 0:
            alpha = F.dropout(alpha, self.dropout, training=self.training)
        return mark(alpha @ v_h, "step", "head"), alpha  # (N, L, S) @ (N, S, d)

    def _in_projection(self, q_in, k_in, v_in):
        """Q, K, V (N, L|S, E): one matmul for self-attention (query is key is value),
        else each with its rows of in_proj_weight (W_Q, W_K, W_V)."""
        E = self.embed_dim
        W, b = self.in_proj_weight, self.in_proj_bias
        if q_in is k_in and k_in is v_in:
            qkv = q_in @ W.T  # (N, L, E) @ (E, 3E) -> (N, L, 3E)
            qkv = qkv if b is None else qkv + b
            return qkv[..., :E], qkv[..., E : 2 * E], qkv[..., 2 * E :]
        projected = []
        for part, x in enumerate((q_in, k_in, v_in)):
            rows = slice(part * E, (part + 1) * E)
            y = x @ W[rows].T  # (N, L, E) @ (E, E)
            projected.append(y if b is None else y + b[rows])
        return tuple(projected)

    def _weights(self, weights: list, average: bool, unbatched: bool) -> Tensor:
        """The heads' α stacked (N, h, L, S), or their mean over the heads (N, L, S)."""
        stacked = stack(weights, axis=1)
        result = stacked.mean(axis=1) if average else stacked
        return result[0] if unbatched else result

    # --- layouts and checks ---------------------------------------------------------------
    def _batch_first_inputs(self, query, key, value):
        """query, key, value as (N, L|S, E) float Tensors (the same Tensor where the
        caller passed the same one), and whether they were unbatched (L, E)."""
        name = repr_name(self)
        q = check_float_input(name, as_tensor(query), "query")
        k = q if key is query else check_float_input(name, as_tensor(key), "key")
        v = k if value is key else check_float_input(name, as_tensor(value), "value")
        self._check_shapes(q, k, v)
        unbatched = q.ndim == 2
        q_in = self._batch_first(q, unbatched)
        k_in = q_in if k is q else self._batch_first(k, unbatched)
        v_in = k_in if v is k else self._batch_first(v, unbatched)
        return q_in, k_in, v_in, unbatched

    def _batch_first(self, x: Tensor, unbatched: bool) -> Tensor:
        """(L, E) -> (1, L, E); (L, N, E) -> (N, L, E) unless batch_first."""
        if unbatched:
            return x.reshape(1, *x.shape)
        return x if self.batch_first else x.transpose(0, 1)

    def _check_shapes(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        """ShapeError unless query, key, value are (L, N, E) / (N, L, E) / (L, E) with this
        E, one batch size, and as many values as keys."""
        E, ndim = self.embed_dim, query.ndim
        ok = ndim in (2, 3) and key.ndim == ndim == value.ndim
        ok = ok and query.shape[-1] == key.shape[-1] == value.shape[-1] == E
        if ok and ndim == 3:
            batch = 0 if self.batch_first else 1
            ok = query.shape[batch] == key.shape[batch] == value.shape[batch]
        keys = 1 if (ndim == 3 and self.batch_first) else 0
        if not (ok and key.shape[keys] == value.shape[keys] > 0):
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ShapeError(
                f"{repr_name(self)}: expected query, key and value {layout} (or unbatched "
                f"(L, E)) with E = {E}, one batch size, and as many values as keys; got "
                f"query {query.shape}, key {key.shape}, value {value.shape}"
            )

    def _caller_layout(self, out: Tensor, unbatched: bool) -> Tensor:
        """(N, L, E) back to the caller's layout: (L, E), (N, L, E) or (L, N, E)."""
        if unbatched:
            return out[0]
        return out if self.batch_first else out.transpose(0, 1)

    def _merged_masks(self, attn_mask, key_padding_mask, N, L, S, unbatched):
        """(keep (N, h, L, S) bool or None, bias (N, h, L, S) float or None) from
        PyTorch's masks (bool True = NOT allowed; float added)."""
        name = repr_name(self)
        parts = []
        if attn_mask is not None:
            parts.append(self._attn_mask_part(attn_mask, N, L, S, unbatched, name))
        if key_padding_mask is not None:
            array = mask_array(key_padding_mask, "key_padding_mask", name)
            expected = (S,) if unbatched else (N, S)
            if array.shape != expected:
                raise ShapeError(
                    f"{name}: key_padding_mask must have shape {expected} (batch, keys), "
                    f"got {array.shape}"
                )
            parts.append(array.reshape(N, 1, 1, S))
        shape = (N, self.num_heads, L, S)
        keep = [np.broadcast_to(~part, shape) for part in parts if part.dtype == np.bool_]
        bias = [np.broadcast_to(part, shape) for part in parts if part.dtype != np.bool_]
        keep = np.logical_and.reduce(keep) if keep else None
        bias = np.add.reduce(bias) if bias else None
        return keep, bias

    def _attn_mask_part(self, attn_mask, N, L, S, unbatched, name) -> np.ndarray:
        """attn_mask (L, S) or (N·h, L, S) as an array that broadcasts to (N, h, L, S)."""
        array = mask_array(attn_mask, "attn_mask", name)
        heads = self.num_heads * (1 if unbatched else N)
        if array.shape == (L, S):
            return array.reshape(1, 1, L, S)
        if array.shape == (heads, L, S):
            return array.reshape(N, self.num_heads, L, S)
        raise ShapeError(
            f"{name}: attn_mask must have shape {(L, S)} or {(heads, L, S)} "
            f"(batch·heads, queries, keys), got {array.shape}"
        )

    def extra_repr(self) -> str:
        return ""


def repr_name(layer: MultiheadAttention) -> str:
    """ "nn.MultiheadAttention(embed_dim=8, num_heads=2)": how errors name the layer."""
    return f"{layer_name(layer)}(embed_dim={layer.embed_dim}, num_heads={layer.num_heads})"


def mask_array(mask, what: str, name: str) -> np.ndarray:
    """A mask's array: bool (True = not allowed) or float (added to the scores)."""
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype.kind not in "bf":
        raise DTypeError(
            f"{name}: {what} must be bool (True = NOT allowed to attend) or float (added to "
            f"the scores), got dtype {array.dtype}"
        )
    return array
