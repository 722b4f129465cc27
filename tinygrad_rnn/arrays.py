"""TensorArray: the numpy array that `x.data` and `x.grad` give you, with PyTorch's names.

`x.data` and `x.grad` are numpy arrays, as the lessons use them: print them, pass them to
numpy functions, `isinstance(x.grad, np.ndarray)` is True. They are of a small subclass,
`TensorArray`, so that the lines PyTorch programs write about them also run:

    p.data.add_(p.grad, alpha=-lr)      # an SGD step, in place        p.grad.zero_()
    p.grad.data.clamp_(-5, 5)           # clip each gradient          p.grad.data.norm()
    p.data.normal_(0, 0.1)              # init code                   p.data.copy_(t)

Each in-place method writes into the array itself, which for `x.data` is the tensor's own
array (a view of it: see `Tensor.data` for what happens when a graph saved that array).
The result of a computation with one (`p.grad * 2`, `np.sum(p.grad ** 2)`) is a plain
numpy array or number again, so the subclass never spreads into your own arrays.

What is not here: `size` stays numpy's attribute (the number of elements, an int); for
PyTorch's `x.size()` ask the tensor (`p.size()`, `p.shape`).

Read next: tensor_base.py (`Tensor.data` and `Tensor.grad` hand these out).
"""

from __future__ import annotations

import numbers

import numpy as np

from .generator import numpy_generator


def numbers_of(value):
    """The numbers in `value`: a Tensor's array (read directly, so a Tensor that requires
    grad is fine here, as in PyTorch's `p.data.copy_(t)`), or an array or number as it is."""
    array = getattr(value, "_data", None)  # a Tensor (a node) keeps its array in `_data`
    return value if array is None else array


def _alpha_first(other, alpha):
    """PyTorch's old spelling `add_(-lr, grad)` (the number first): swap the two."""
    if isinstance(other, numbers.Number) and not isinstance(alpha, numbers.Number):
        return alpha, other
    return other, alpha


class TensorArray(np.ndarray):
    """A numpy array that also answers PyTorch's in-place tensor methods (each returns
    the array itself, changed) and `norm`, `numel`, `dim`, `data`."""

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """What numpy returns from a ufunc on this array: the array itself when the ufunc
        wrote into it (`g += 1`), otherwise a plain ndarray or number (`g * 2`)."""
        if array is self:
            return self
        if return_scalar:
            return array[()]
        if type(array) is not np.ndarray:
            array = array.view(np.ndarray)
        return array

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))  # prints as array([...]), as numpy does

    # --- what PyTorch asks a tensor ------------------------------------------------------
    @property
    def data(self) -> TensorArray:
        """Itself (PyTorch's `p.grad.data`). (numpy's buffer object is `memoryview(a)`.)"""
        return self

    def numel(self) -> int:
        """The number of elements (numpy's `a.size`)."""
        return self.size

    def dim(self) -> int:
        """The number of axes (numpy's `a.ndim`)."""
        return self.ndim

    def norm(self, p=2):
        """The p-norm of all elements, (Σ |a|^p)^(1/p), as a number: ‖g‖₂ by default."""
        values = np.abs(self.view(np.ndarray))
        if p == 2:
            return np.sqrt(np.sum(values * values))
        if p == float("inf"):
            return np.max(values)
        return np.sum(values**p) ** (1.0 / p)

    # --- PyTorch's in-place methods: each changes the array and returns it -----------------
    def add_(self, other, alpha=1):
        """a += alpha * other (also PyTorch's old order `add_(alpha, other)`)."""
        other, alpha = _alpha_first(other, alpha)
        other = numbers_of(other)
        np.add(self, other if alpha == 1 else np.multiply(other, alpha), out=self)
        return self

    def sub_(self, other, alpha=1):
        """a -= alpha * other."""
        other, alpha = _alpha_first(other, alpha)
        other = numbers_of(other)
        np.subtract(self, other if alpha == 1 else np.multiply(other, alpha), out=self)
        return self

    def mul_(self, other):
        """a *= other."""
        np.multiply(self, numbers_of(other), out=self)
        return self

    def div_(self, other):
        """a /= other."""
        np.divide(self, numbers_of(other), out=self)
        return self

    def zero_(self):
        """Every element 0."""
        self.fill(0)
        return self

    def fill_(self, value):
        """Every element `value`."""
        self.fill(numbers_of(value))
        return self

    def copy_(self, source):
        """The numbers of `source` (broadcast to this shape), written into this array."""
        np.copyto(self, numbers_of(source), casting="same_kind")
        return self

    def clamp_(self, min=None, max=None):
        """Every element limited to [min, max] (either may be None)."""
        np.clip(self, min, max, out=self)
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fresh numbers from N(mean, std²), from `generator` or tg's default generator."""
        rng = numpy_generator(generator, "normal_")
        self[...] = rng.normal(mean, std, size=self.shape)
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fresh numbers from U(a, b), from `generator` or tg's default generator."""
        rng = numpy_generator(generator, "uniform_")
        self[...] = rng.uniform(a, b, size=self.shape)
        return self


def as_tensor_array(array):
    """`array` as a TensorArray (a view: no copy); None and other values as they are."""
    if type(array) is np.ndarray:
        return array.view(TensorArray)
    if isinstance(array, np.generic):
        return np.asarray(array).view(TensorArray)
    return array
