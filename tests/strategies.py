"""Hypothesis strategies shared by the tests: shapes, broadcasting pairs, float64 arrays."""

import os

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg

small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
nonempty_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
broadcast_pairs = hnp.mutually_broadcastable_shapes(
    num_shapes=2, min_dims=0, max_dims=3, max_side=4
)


def arrays(shape, low=-2.0, high=2.0):
    """float64 arrays of `shape` with values in [low, high] (no NaN/inf)."""
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(low, high, allow_nan=False, allow_infinity=False, width=64),
    )


def away_from_zero(shape, low=0.3, high=2.0):
    """float64 arrays whose entries have |x| in [low, high] (safe for 1/x, relu kinks)."""
    magnitude = arrays(shape, low, high)
    signs = hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))
    return st.tuples(magnitude, signs).map(lambda pair: pair[0] * pair[1])


def distinct_values(shape):
    """float64 arrays with all entries different (so max has no ties): a shuffled grid."""
    size = int(np.prod(shape))
    return st.permutations(list(range(size))).map(
        lambda perm: (np.array(perm, dtype=np.float64) / max(size, 1) - 0.5).reshape(shape)
    )


def leaf(array, label=None):
    """A float64 leaf that requires grad."""
    return tg.tensor(array, requires_grad=True, dtype=np.float64, label=label)


def fuzz_examples(fast: int) -> int:
    """Examples for a fuzzer: `fast` in the normal suite, 2000 under `make fuzz`."""
    return 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else fast
