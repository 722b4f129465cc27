"""Where the backward loop collects gradients: `PendingGradients`, and `IndexedGrad`.

The backward loop in graph.py reads like the textbook:

    pending[parent] = pending.get(parent, 0) + parent_grad

`PendingGradients.add` is exactly that sum, done without the costs the plain version has:

- **In place.** A weight used at every time step receives one gradient per step. The
  plain sum makes a new array for each of them; here, from the second gradient on, the
  total is an array that only this object holds, so later ones are added into it (`+=`).
  The first gradient to arrive is kept as it is and never changed in place: another node
  may hold the same array (Add sends its grad_out to both inputs).
- **Sparse slices.** `GetItem.backward` (ops.py) sends an `IndexedGrad`: "these values
  at this index, zero elsewhere". It is added only where it is nonzero, so slicing a
  (T, B, 4H) input once per time step does not make backward O(T²). The slices wait,
  and are written into one full array when backward reaches the node (or once they
  hold as many numbers as it): lean mode then never holds the (T, B, 4H) gradient
  while every forward value is still alive.
- **One matmul per weight.** `MatMul.backward` sends a weight a `ProductGrad`: "aᵀ @ g,
  not multiplied out yet". A recurrent weight used at all T steps collects T of them,
  and `pop` multiplies them out as one large product, [a_1; …; a_T]ᵀ @ [g_1; …; g_T],
  which is the same sum Σ_t a_tᵀ g_t (what a hand-written BPTT does after its loop).

A leaf's gradient becomes its `.grad`, which clipping and optimizers change in place, so
`pop` hands a leaf an array no other node holds.

This module imports no op and no node: graph.py uses it, ops_shape.py imports IndexedGrad
from it. Read next: graph.py (`backward_steps`, the loop that uses this).
"""

from __future__ import annotations

import math

import numpy as np


def is_basic_index(index) -> bool:
    """True if `index` only uses ints, slices, None and Ellipsis (numpy returns a view)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:  # a loop, not all(generator): this runs for every slice node
        if not (item is None or item is Ellipsis or isinstance(item, (int, np.integer, slice))):
            return False
    return True


class LazyGrad:
    """A gradient not written out as a full array yet (IndexedGrad, ProductGrad).

    Outside the backward loop it behaves as its full array: numpy functions and `+`
    (summing the gradients a node sent, as viz does) see `dense()`.
    """

    __slots__ = ()

    def dense(self) -> np.ndarray:
        raise NotImplementedError

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        grad = self.dense()
        return grad if dtype is None else grad.astype(dtype)

    def __add__(self, other) -> np.ndarray:
        return self.dense() + np.asarray(other)

    __radd__ = __add__


class IndexedGrad(LazyGrad):
    """A gradient that is `values` at `index` and zero everywhere else, of shape `shape`.

    This is what `GetItem.backward` sends instead of a full array of zeros. Why: a
    recurrent layer slices its (T, B, 4H) input projection once per time step, and an
    LSTM slices its (B, 4H) gate matmul four times per step. Written out in full, each
    slice's gradient would be a mostly-zero array of the whole input: T steps times a
    (T, B, 4H) array makes backward O(T²). `PendingGradients` instead adds `values` into
    the one gradient it collects for the input (when backward reaches the input).

    `g.dense()` (or `np.asarray(g)`) gives the full array, e.g. in `backward_steps()`.
    """

    __slots__ = ("shape", "dtype", "index", "values")

    def __init__(self, shape: tuple, dtype, index, values: np.ndarray) -> None:
        self.shape = shape
        self.dtype = dtype
        self.index = index
        self.values = values

    def add_to(self, grad: np.ndarray) -> None:
        """grad[index] += values, in place (repeated integer indices add up)."""
        if is_basic_index(self.index):
            grad[self.index] += self.values  # slices and ints: numpy adds in place
        else:
            np.add.at(grad, self.index, self.values)

    def dense(self) -> np.ndarray:
        """The full gradient: zeros of `shape` with `values` added at `index`."""
        grad = np.zeros(self.shape, dtype=self.dtype)
        self.add_to(grad)
        return grad

    def astype(self, dtype) -> IndexedGrad:
        """The same gradient in `dtype` (as `ndarray.astype`): its values converted."""
        return IndexedGrad(self.shape, dtype, self.index, self.values.astype(dtype))

    def __repr__(self) -> str:
        return (
            f"IndexedGrad(shape={self.shape}, index={self.index!r}, "
            f"values of shape {np.shape(self.values)}; zero elsewhere)"
        )


class ProductGrad(LazyGrad):
    """The gradient aᵀ @ g of the weight b in out = a @ b (a (N, K), g = dL/dout (N, M)),
    not multiplied out yet: `PendingGradients` collects one per use of the weight and
    multiplies them out together (`multiply_out`) when backward reaches the weight.

    Why: W_hh is used at every time step, so its gradient is Σ_t h_{t-1}ᵀ g_t. T small
    products of (H, B) @ (B, 4H) take longer than one (H, T·B) @ (T·B, 4H) product of
    the stacked rows - and no product is computed for a weight that needs no gradient.
    `g.dense()` (or `np.asarray(g)`) gives the array.
    """

    __slots__ = ("a", "g", "shape", "dtype")

    def __init__(self, a: np.ndarray, g: np.ndarray) -> None:
        self.a = a  # (N, K)
        self.g = g  # (N, M)
        self.shape = (a.shape[1], g.shape[1])  # (K, M), the weight's shape
        self.dtype = np.result_type(a, g)

    def dense(self) -> np.ndarray:
        return self.a.T @ self.g  # (K, N) @ (N, M)

    def astype(self, dtype) -> np.ndarray:
        return self.dense().astype(dtype)

    def __repr__(self) -> str:
        return f"ProductGrad(aᵀ @ g: a of shape {self.a.shape}, g of shape {self.g.shape})"


def multiply_out(products: list[ProductGrad]) -> np.ndarray:
    """Σ_k a_kᵀ @ g_k as one product: [a_1; a_2; …]ᵀ @ [g_1; g_2; …] (rows stacked)."""
    if len(products) == 1:
        return products[0].dense()
    a = np.concatenate([product.a for product in products])  # (ΣN, K)
    g = np.concatenate([product.g for product in products])  # (ΣN, M)
    return a.T @ g  # (K, M)


# How many ProductGrads of one weight wait to be multiplied out together. One product
# of 8 time steps' rows is nearly as fast as one of all T, and the waiting shares (each
# step's h_{t-1} and gate gradient) then hold memory for 8 steps, not for all T.
PRODUCTS_AT_ONCE = 8


class PendingGradients:
    """dL/d(node) summed so far, for each node the backward loop has not reached yet.

    total     node -> the sum of the gradients that arrived at it
    owned     the nodes whose total is an array made here, which no one else holds, so
              later gradients can be added into it in place
    products  node -> the ProductGrads that arrived at it and wait to be multiplied out
              (PRODUCTS_AT_ONCE at a time, the rest in `pop`)
    slices    node -> the IndexedGrads that arrived at it and wait to be added into its
              total, and how many numbers they hold (written out in `pop`, or once they
              hold as many as the node's whole gradient)
    """

    __slots__ = ("total", "owned", "products", "slices")

    def __init__(self, root, seed) -> None:
        self.total = {root: seed}  # dL/dL = 1: where the backward pass starts
        self.owned = set()
        self.products = {}
        self.slices = {}

    def add(self, node, grad) -> None:
        """pending[node] = pending.get(node, 0) + grad, in place where that is safe.
        The same three cases for floats (a Value's gradients) and arrays: a float is
        never owned, so it is always summed into a new float."""
        if isinstance(grad, ProductGrad):  # a weight's share: multiplied out with others
            self._add_product(node, grad)
            return
        if isinstance(grad, IndexedGrad):  # a slice's share: written out with the others
            self._add_slice(node, grad)
            return
        total = self.total.get(node)
        if total is None:  # the first gradient to arrive: kept as it is (not ours to change)
            self.total[node] = grad
        elif node in self.owned:  # an array only this object holds: add into it
            total += grad
        else:  # someone else may hold `total`: the sum is a new array, ours from now on
            total = total + grad
            self.total[node] = total
            if isinstance(total, np.ndarray):  # (a float, or a 0-d numpy scalar: not owned)
                self.owned.add(node)

    def _add_product(self, node, grad: ProductGrad) -> None:
        waiting = self.products.setdefault(node, [])
        waiting.append(grad)
        if len(waiting) == PRODUCTS_AT_ONCE:  # bound the memory the waiting ones hold
            self._multiply_out(node)

    def _add_slice(self, node, grad: IndexedGrad) -> None:
        """Why wait: the first slice's gradient would otherwise make the full array of
        zeros at once - for an LSTM's input projection (T, B, 4H) at the start of
        backward, when every forward value is still alive (lean mode's peak of memory)."""
        waiting = self.slices.setdefault(node, [[], 0])  # [the IndexedGrads, their numbers]
        waiting[0].append(grad)
        waiting[1] += np.size(grad.values)
        if waiting[1] >= math.prod(grad.shape):  # as many numbers as the whole gradient
            self._write_out_slices(node)

    def _write_out_slices(self, node) -> None:
        """Add the IndexedGrads waiting at `node` into its total (a full array we own)."""
        waiting, _ = self.slices.pop(node)
        total = self.total.get(node)
        if total is None:
            total = np.zeros(waiting[0].shape, dtype=waiting[0].dtype)
        elif node not in self.owned:
            total = np.array(total)  # a copy we own
        for grad in waiting:
            grad.add_to(total)
        self.total[node] = total
        self.owned.add(node)

    def _multiply_out(self, node) -> None:
        """Add the ProductGrads waiting at `node`, as one product, into its total."""
        product = multiply_out(self.products.pop(node))  # a new array, which only we hold
        total = self.total.get(node)
        if total is None:
            self.total[node] = product
        elif node in self.owned:
            total += product
        else:
            product += total  # `total` may be held elsewhere: add it into our array instead
            self.total[node] = product
        self.owned.add(node)

    def pop(self, node):
        """The total gradient of `node`, now complete (None if none arrived); forgotten here.

        A leaf gets an array that no other node holds: its `.grad` will be changed in
        place (clipping, optimizers) and must not change another node's gradient.
        """
        if node in self.products:  # the last of them, as one matmul
            self._multiply_out(node)
        if node in self.slices:
            self._write_out_slices(node)
        grad = self.total.pop(node, None)
        if node in self.owned:
            self.owned.remove(node)
        elif node.op is None and isinstance(grad, (np.ndarray, np.generic)):
            grad = np.array(grad)  # a leaf's own copy
        return grad
