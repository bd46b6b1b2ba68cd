"""Numba kernels for VaR and expected shortfall (arrays in, scalars or arrays out).

One definition of each estimator: :func:`ntlab.risk.var.value_at_risk` calls
:func:`var_es_nb` on the whole series and the VaR back-test calls
:func:`rolling_var_es_nb`, which calls the same kernel on each trailing window.

Sign convention: VaR and ES are returned as positive losses (``-quantile``), in the units of
the input (fractions for returns, currency for P&L).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "HISTORICAL",
    "NORMAL",
    "CORNISH_FISHER",
    "moments_nb",
    "historical_sorted_nb",
    "var_es_nb",
    "rolling_var_es_nb",
    "gaussian_pnl_nb",
]

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
def historical_sorted_nb(x: np.ndarray, p: float) -> tuple[float, float]:
    """Historical VaR and ES of an ascending-sorted sample ``x`` (shape (n,)) at tail ``p``.

    VaR is minus the linear-interpolated ``p`` quantile (numpy's default); ES is minus the mean
    of the values at or below that quantile.
    """
    n = x.size
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
    if method == HISTORICAL:
        return historical_sorted_nb(np.sort(r), p)
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
    if method != HISTORICAL:
        for t in range(window, n):
            var[t], es[t] = var_es_nb(r[t - window : t], p, z, pdf_z, method, horizon)
        return var, es
    # historical: keep the window sorted, replacing one value per bar (O(window) per step)
    buf = np.sort(r[:window])
    for t in range(window, n):
        var[t], es[t] = historical_sorted_nb(buf, p)
        if t == n - 1:
            break
        old = r[t - window]
        new = r[t]
        i = np.searchsorted(buf, old)  # a position holding ``old``
        if new >= old:  # shift left the values in (old, new], then place new
            while i + 1 < window and buf[i + 1] < new:
                buf[i] = buf[i + 1]
                i += 1
        else:  # shift right the values in [new, old)
            while i > 0 and buf[i - 1] > new:
                buf[i] = buf[i - 1]
                i -= 1
        buf[i] = new
    return var, es


@njit(cache=True, parallel=True)
def gaussian_pnl_nb(rngs: tuple, loadings: np.ndarray, n_paths: int) -> np.ndarray:
    """``n_paths`` draws of ``z @ loadings`` with ``z ~ N(0, I_k)``, shape (n_paths,).

    ``loadings`` (shape (k,)) is the factor times the position values, so each draw is the P&L
    of one simulated vector of correlated asset returns (less its mean). The paths are cut into
    ``len(rngs)`` consecutive blocks of ``ceil(n_paths / len(rngs))``; block ``b`` draws its
    normals from ``rngs[b]`` in the order ``rngs[b].standard_normal((rows, k))`` would give them,
    so the result equals the concatenation of ``rngs[b].standard_normal((rows_b, k)) @ loadings``
    (up to summation order) without storing a (n_paths, k) matrix. The blocks run on parallel
    threads; the numbers depend on the blocks, never on the thread count.
    """
    n_blocks = len(rngs)
    k = loadings.size
    out = np.empty(n_paths)
    per = (n_paths + n_blocks - 1) // n_blocks
    for b in prange(n_blocks):
        rng = rngs[b]
        for i in range(b * per, min(n_paths, (b + 1) * per)):
            acc = 0.0
            for j in range(k):
                acc += rng.standard_normal() * loadings[j]
            out[i] = acc
    return out
