"""Special functions on numpy arrays: erf, vectorised and accurate to float64.

    erf(x) = 2/√π ∫₀^x e^{-s²} ds          erfc(x) = 1 - erf(x)

The standard library's `math.erf` is accurate to the last bit or so, but it takes one
Python number at a time; on a (64, 128, 256) activation that is two million calls.
`erf_array` computes the same values with whole-array numpy operations, from
W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for
the error function", Math. Comp. 23, 1969, pp. 631-638), one per range of y = |x|:

    y ≤ 0.5          erf(y)  = y · P1(y²) / Q1(y²)
    0.5 < y ≤ 4      erfc(y) = e^{-y²} · P2(y) / Q2(y)
    4 < y < 6        erfc(y) = e^{-y²} / y · (1/√π - y⁻² · P3(y⁻²) / Q3(y⁻²))
    y ≥ 6            erf(y)  = 1   (erfc(6) ≈ 2·10⁻¹⁷, below half an ulp of 1)

with erf = 1 - erfc outside the first range. erf is odd, so everything is computed for
y = |x| and the sign put back at the end (which also gives erf(-0.0) = -0.0).

Three choices keep the rounding errors of float64 small (tests/test_special.py checks
the result against `math.erf`: within 3 ulp for 0.5 < y < 1, within 1 ulp elsewhere):

- The first range is written erf(y) = y + y · D1(y²) / Q1(y²) with D1 = P1 - Q1, so the
  rational part is the small P1/Q1 - 1 ≈ 2/√π - 1 and its rounding errors shrink.
- The first range goes up to 0.5 (Cody's CALERF switches at 0.46875). erf(y) passes ½
  at y ≈ 0.477; beyond it erf's ulp is at least erfc's, so 1 - erfc carries erfc's
  rounding errors at their own size in ulp (just below ½, each would count double).
- e^{-y²} is computed as it stands. The rounding of y² (relative error ε ≈ 1.1·10⁻¹⁶)
  makes e^{-y²} off by y²ε relatively, so erf = 1 - erfc off by erfc(y) · y² · ε, which
  is at most 0.17 ε (near y = 0.85). Splitting y² into exact parts, as an erfc routine
  must for its relative accuracy at large y, would change nothing for erf.

Nothing here is a Tensor: functional_transformer.erf takes its value from `erf_array`
and puts erf's slope on the graph itself.

Read next: functional_transformer.py (erf and gelu).
"""

from __future__ import annotations

import numpy as np

# Range boundaries, in |x|.
SMALL_END = 0.5  # first range: y ≤ 0.5
MIDDLE_END = 4.0  # second range: 0.5 < y ≤ 4
ERF_IS_ONE = 6.0  # from here on erf(y) rounds to 1.0 in float64

INV_SQRT_PI = 0.56418958354775628695  # 1/√π

# Cody's coefficients, highest power first (the Q's are monic: leading 1.0).
# First range, in t = x²:  erf(x) = x · P1(t) / Q1(t)
P1 = (
    1.85777706184603153e-1,
    3.16112374387056560e00,
    1.13864154151050156e02,
    3.77485237685302021e02,
    3.20937758913846947e03,
)
Q1 = (
    1.0,
    2.36012909523441209e01,
    2.44024637934444173e02,
    1.28261652607737228e03,
    2.84423683343917062e03,
)
# The same as erf(x) = x + x · D1(t) / Q1(t), D1 = P1 - Q1: the ratio is then the small
# P1/Q1 - 1 ≈ 2/√π - 1 = 0.128…, so its rounding errors shrink eightfold, and what is
# left is the rounding of the final sum. D1's constant term is set from 2/√π itself:
# P1/Q1 at t = 0 is 2/√π, but P1 and Q1's constants rounded to float64 miss it by ~1 ulp.
TWO_OVER_SQRT_PI_MINUS_1 = 0.12837916709551257390  # 2/√π - 1
D1 = tuple(p - q for p, q in zip(P1[:-1], Q1[:-1])) + (Q1[-1] * TWO_OVER_SQRT_PI_MINUS_1,)
# Second range, in y = |x|:  erfc(y) = e^{-y²} · P2(y) / Q2(y)
P2 = (
    2.15311535474403846e-8,
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
    1.23033935479799725e03,
)
Q2 = (
    1.0,
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
    1.23033935480374942e03,
)
# Third range, in t = 1/y²:  erfc(y) = e^{-y²} / y · (1/√π - t · P3(t) / Q3(t))
P3 = (
    1.63153871373020978e-2,
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
    6.58749161529837803e-4,
)
Q3 = (
    1.0,
    2.56852019228982242e00,
    1.87295284992346047e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
    2.33520497626869185e-3,
)


def polynomial(coefficients: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    """c₀ tⁿ + c₁ tⁿ⁻¹ + … + cₙ by Horner's rule: (((c₀ t + c₁) t + c₂) t + …) + cₙ."""
    result = np.full_like(t, coefficients[0])
    for c in coefficients[1:]:
        result *= t
        result += c
    return result


def erf_small(y: np.ndarray) -> np.ndarray:
    """erf(y) = y · P1(y²) / Q1(y²) = y + y · D1(y²) / Q1(y²), for 0 ≤ y ≤ 0.5 (Cody's
    first range, rewritten so that the rounded part is the small P1/Q1 - 1)."""
    t = y * y
    return y + y * (polynomial(D1, t) / polynomial(Q1, t))


def erfc_middle(y: np.ndarray) -> np.ndarray:
    """erfc(y) = e^{-y²} · P2(y) / Q2(y), for 0.5 < y ≤ 4 (Cody's second range)."""
    return np.exp(-y * y) * polynomial(P2, y) / polynomial(Q2, y)


def erfc_large(y: np.ndarray) -> np.ndarray:
    """erfc(y) = e^{-y²} / y · (1/√π - t · P3(t) / Q3(t)), t = 1/y², for y > 4 (Cody's
    third range: the bracket is a rational fit to the tail's series 1/√π (1 - t/2 + …))."""
    t = 1.0 / (y * y)
    bracket = INV_SQRT_PI - t * polynomial(P3, t) / polynomial(Q3, t)
    return np.exp(-y * y) * bracket / y


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf(x) element-wise, to float64 accuracy (Cody's three ranges, see the module).

    Computed in float64 and returned in x's float dtype (float64 for integer input).
    erf(±0) = ±0, erf(±inf) = ±1, erf(nan) = nan; any shape, 0-d and empty included.
    """
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.dtype(np.float64)
    x64 = x.astype(np.float64)
    y = np.abs(x64).reshape(-1)  # flat: each range is picked by an index array (fast)
    small = np.flatnonzero(y <= SMALL_END)
    middle = np.flatnonzero((y > SMALL_END) & (y <= MIDDLE_END))
    large = np.flatnonzero((y > MIDDLE_END) & (y < ERF_IS_ONE))
    saturated = np.flatnonzero(y >= ERF_IS_ONE)  # inf included
    erf_y = np.full(y.shape, np.nan)  # nan stays nan: it is in none of the ranges
    # a tiny y gives a tiny (even subnormal) y² or erf: underflow is expected, not an error
    with np.errstate(under="ignore"):
        erf_y[small] = erf_small(y[small])
    erf_y[middle] = 1.0 - erfc_middle(y[middle])
    erf_y[large] = 1.0 - erfc_large(y[large])
    erf_y[saturated] = 1.0
    erf_y = erf_y.reshape(x.shape)
    np.copysign(erf_y, x64, out=erf_y)  # erf is odd: erf(x) = sign(x) · erf(|x|)
    return erf_y.astype(dtype)
