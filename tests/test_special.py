"""special.erf_array against the standard library's math.erf, value by value: random
float64 values over the whole range (hypothesis), a dense grid on [-7, 7], the edges
(±0, subnormals, the range boundaries, ±6, huge, ±inf, nan), float32 input, and shapes
(0-d and empty). Then F.gelu's exact form, whose value now comes from erf_array.

Errors are counted in ulp of math.erf's value: np.spacing(|erf(x)|) is the gap from it
to the next float64, so "within 3 ulp" reads the same at 1e-300 as at 0.9.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_rnn as tg
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.special import erf_array

MAX_ULP = 3  # the most any value may be off (measured: 3 for 0.5 < |x| < 1, else 1)

EDGES = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, 1e-160, 1e-20]
EDGES += [1e-8, 0.46875, 0.4769362762044699, 0.5, np.nextafter(0.5, 1.0), 1.0, 3.999]
EDGES += [4.0, np.nextafter(4.0, 5.0), 5.9, 5.921, 6.0, 6.5, 26.55, 1e10, 1e300]
EDGES += [1.7976931348623157e308]


def math_erf(x: np.ndarray) -> np.ndarray:
    """The reference: math.erf on every element, in float64."""
    return np.array([math.erf(v) for v in np.ravel(x)], dtype=np.float64).reshape(np.shape(x))


def ulp_error(got: np.ndarray, x: np.ndarray) -> np.ndarray:
    """|erf_array(x) - math.erf(x)| in units of the last place of math.erf(x)."""
    expected = math_erf(x)
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def assert_close_to_math_erf(x: np.ndarray) -> None:
    errors = ulp_error(erf_array(x), x)
    worst = int(np.argmax(errors)) if errors.size else 0
    assert errors.size == 0 or errors.max() <= MAX_ULP, (
        f"erf({np.ravel(x)[worst]!r}) is {np.ravel(errors)[worst]} ulp off"
    )


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------
any_finite_float64 = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=any_finite_float64))
def test_erf_array_is_math_erf_within_a_few_ulp_anywhere(x):
    assert_close_to_math_erf(x)


@given(hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-7.0, 7.0)))
def test_erf_array_is_math_erf_within_a_few_ulp_where_erf_bends(x):
    assert_close_to_math_erf(x)


def test_erf_array_on_a_dense_grid_is_math_erf_within_a_few_ulp():
    x = np.linspace(-7.0, 7.0, 280_001)  # steps of 5e-5, every range and boundary
    errors = ulp_error(erf_array(x), x)
    assert errors.max() <= MAX_ULP
    assert np.mean(errors == 0) > 0.9  # and most values are math.erf's to the bit
    outside = (np.abs(x) <= 0.5) | (np.abs(x) >= 1.0)
    assert errors[outside].max() <= 1


def test_erf_array_near_zero_is_two_over_root_pi_times_x():
    x = np.array([1e-300, 1e-200, 1e-100, 1e-20, 1e-10])
    np.testing.assert_allclose(erf_array(x), 2.0 / math.sqrt(math.pi) * x, rtol=3e-16)


def test_erf_array_at_the_edges():
    x = np.array(EDGES + [-value for value in EDGES])
    assert_close_to_math_erf(x)
    assert np.signbit(erf_array(np.array([-0.0]))[0])  # erf(-0) = -0, as math.erf
    assert not np.signbit(erf_array(np.array([0.0]))[0])


def test_erf_array_is_one_from_six_on_and_at_infinity():
    x = np.array([6.0, 7.0, 30.0, 1e300, np.inf])
    np.testing.assert_array_equal(erf_array(x), np.ones(5))
    np.testing.assert_array_equal(erf_array(-x), -np.ones(5))
    assert math.erf(6.0) == 1.0  # the reason the last range can stop at 6


def test_erf_array_keeps_nan_and_raises_no_floating_point_warning():
    x = np.array([np.nan, -np.inf, np.inf, 5e-324, 1e-300, 1e300, -0.0, 0.3, 2.0, 5.0])
    with np.errstate(all="raise"):
        y = erf_array(x)
    assert np.isnan(y[0]) and not np.isnan(y[1:]).any()


def test_erf_array_is_odd():
    x = np.linspace(0.0, 7.0, 7001)
    np.testing.assert_array_equal(erf_array(-x), -erf_array(x))


# --------------------------------------------------------------------------------------
# dtypes and shapes
# --------------------------------------------------------------------------------------
def test_erf_array_of_float32_is_computed_in_float64_and_returned_in_float32():
    x32 = np.linspace(-7.0, 7.0, 1001, dtype=np.float32)
    y = erf_array(x32)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, math_erf(x32.astype(np.float64)).astype(np.float32))


def test_erf_array_of_integers_is_float64():
    x = np.array([-1, 0, 2])
    y = erf_array(x)
    assert y.dtype == np.float64
    assert ulp_error(y, x.astype(np.float64)).max() <= MAX_ULP


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (1,), (2, 3), (2, 1, 4)])
def test_erf_array_keeps_the_shape(shape):
    x = np.linspace(-3.0, 3.0, int(np.prod(shape))).reshape(shape)
    y = erf_array(x)
    assert isinstance(y, np.ndarray) and y.shape == shape and y.dtype == np.float64
    np.testing.assert_array_equal(ulp_error(y, x) <= MAX_ULP, np.ones(shape, dtype=bool))


def test_erf_array_of_a_0d_array_is_a_0d_array():
    y = erf_array(np.array(0.75))
    assert y.shape == () and abs(float(y) - math.erf(0.75)) <= 3 * np.spacing(math.erf(0.75))


# --------------------------------------------------------------------------------------
# gelu, which takes its value from erf_array
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_gelu_values_come_from_erf_array(dtype):
    x = np.linspace(-8.0, 8.0, 161).astype(dtype)
    y = F.gelu(tg.tensor(x))
    expected = 0.5 * x.astype(np.float64) * (1.0 + math_erf(x.astype(np.float64) / math.sqrt(2)))
    assert y.dtype == dtype
    # 1 + erf(x/√2) cancels for x ≪ 0: there only an absolute bound makes sense
    tolerance = (
        {"rtol": 1e-15, "atol": 1e-15} if dtype == np.float64 else {"rtol": 1e-6, "atol": 1e-6}
    )
    np.testing.assert_allclose(y.data, expected, **tolerance)


def test_exact_gelu_gradient_is_unchanged_by_the_new_values():
    """d gelu/dx = Φ(x) + x φ(x): Φ from erf_array's values, φ from the slope term."""
    x = tg.tensor(np.linspace(-6.0, 6.0, 121), requires_grad=True)
    F.gelu(x).sum().backward()
    z = x.data
    Phi = 0.5 * (1.0 + math_erf(z / math.sqrt(2)))
    phi = np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(x.grad, Phi + z * phi, rtol=1e-14, atol=1e-16)
    assert tg.gradcheck(F.gelu, [tg.tensor(np.linspace(-3.0, 3.0, 13) + 0.01, requires_grad=True)])
