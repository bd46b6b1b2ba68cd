"""Numba kernels for VaR and expected shortfall (arrays in, scalars or arrays out).

One definition of each estimator: :func:`ntlab.risk.var.value_at_risk` calls
:func:`var_es_nb` on the whole series and the VaR back-test calls
:func:`rolling_var_es_nb`, which calls the same kernel on each trailing window.

Sign convention: VaR and ES are returned as positive losses (``-quantile``), in the units of
the input (fractions for returns, currency for P&L).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["HISTORICAL", "NORMAL", "CORNISH_FISHER", "moments_nb", "var_es_nb", "rolling_var_es_nb"]

HISTORICAL = 0
NORMAL = 1
CORNISH_FISHER = 2


@njit(cache=True)
def moments_nb(r: np.ndarray) -> tuple[float, float, float, float]:
    """Mean, sample std (ddof=1), skewness and excess kurtosis (both biased, scipy's default)."""
    n = r.size
    mean = 0.0
    for i in range(n):
        mean += r[i]
    mean /= n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    for i in range(n):
        d = r[i] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    std = np.sqrt(m2 / (n - 1)) if n > 1 else np.nan
    m2 /= n
    m3 /= n
    m4 /= n
    if m2 > 0:
        skew = m3 / m2**1.5
        kurt = m4 / (m2 * m2) - 3.0
    else:
        skew = np.nan
        kurt = np.nan
    return mean, std, skew, kurt


@njit(cache=True)
def var_es_nb(
    r: np.ndarray, p: float, z: float, pdf_z: float, method: int, horizon: float
) -> tuple[float, float]:
    """VaR and ES of the sample ``r`` (shape (n,)) as positive losses.

    Parameters
    ----------
    r : ndarray of shape (n,)
        Returns (or P&L) per bar, finite.
    p : float
        Tail probability ``1 - level`` (0.05 for 95% VaR).
    z, pdf_z : float
        ``Phi^-1(p)`` (negative) and ``phi(z)``, computed by the caller.
    method : int
        ``HISTORICAL`` (linear-interpolated empirical quantile, numpy's default; ES is the
        mean of the returns at or below it), ``NORMAL`` or ``CORNISH_FISHER``.
    horizon : float
        Bars ahead for the parametric methods: mean scales with ``h``, std with ``sqrt(h)``,
        skewness with ``1/sqrt(h)`` and excess kurtosis with ``1/h`` (i.i.d. cumulants).
    """
    n = r.size
    if method == HISTORICAL:
        x = np.sort(r)
        h = (n - 1) * p
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        q = x[lo] + (h - lo) * (x[hi] - x[lo])
        total = 0.0
        count = 0
        for i in range(n):
            if x[i] > q:
                break
            total += x[i]
            count += 1
        return -q, -total / count
    mean, std, skew, kurt = moments_nb(r)
    if r.max() == r.min():
        return np.nan, np.nan  # zero volatility: the parametric methods are undefined
    mu_h = mean * horizon
    sd_h = std * np.sqrt(horizon)
    if method == NORMAL:
        return -(mu_h + sd_h * z), -mu_h + sd_h * pdf_z / p
    s = skew / np.sqrt(horizon)
    k = kurt / horizon
    z2 = z * z
    zc = (
        z
        + (z2 - 1.0) * s / 6.0
        + (z2 * z - 3.0 * z) * k / 24.0
        - (2.0 * z2 * z - 5.0 * z) * s * s / 36.0
    )
    # ES = mean of the Cornish-Fisher quantile over the tail, integrated in closed form
    tail = 1.0 + s * z / 6.0 + k * (z2 - 1.0) / 24.0 + s * s * (1.0 - 2.0 * z2) / 36.0
    return -(mu_h + sd_h * zc), -mu_h + sd_h * pdf_z / p * tail


@njit(cache=True)
def rolling_var_es_nb(
    r: np.ndarray, window: int, p: float, z: float, pdf_z: float, method: int, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Forecast VaR/ES for each bar from the ``window`` bars *before* it (NaN for the first ones).

    Returns two arrays of shape (n,): ``var[t]`` and ``es[t]`` use ``r[t - window:t]`` only,
    so comparing them with ``r[t]`` is an honest out-of-sample back-test.
    """
    n = r.size
    var = np.full(n, np.nan)
    es = np.full(n, np.nan)
    for t in range(window, n):
        var[t], es[t] = var_es_nb(r[t - window : t], p, z, pdf_z, method, horizon)
    return var, es
