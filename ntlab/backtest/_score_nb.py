"""Numba kernel scoring an equity curve with the risk module's definitions, in one pass.

Sweeps score thousands of curves; :func:`score_nb` gives the same numbers as
:mod:`ntlab.risk.measures` (the tests compare them) without pandas on the way.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["score_nb", "SCORE_NAMES"]

SCORE_NAMES = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "volatility")


@njit(cache=True)
def score_nb(equity: np.ndarray, periods: float) -> np.ndarray:
    """Total return, CAGR, Sharpe, Sortino, max drawdown and volatility of an equity curve.

    Parameters
    ----------
    equity : ndarray of shape (n_bars,)
        Portfolio values; returns are ``equity[t] / equity[t-1] - 1`` with 0 for the first bar.
    periods : float
        Bars per year.

    Returns
    -------
    ndarray of shape (6,)
        In the order of ``SCORE_NAMES``; Sharpe/Sortino are NaN without variance/downside
        (the risk module's ``undefined="nan"``).
    """
    n = equity.shape[0]
    out = np.full(6, np.nan)
    r = np.zeros(n)
    for t in range(1, n):
        r[t] = equity[t] / equity[t - 1] - 1.0
    lo = np.inf
    hi = -np.inf
    for t in range(n):
        lo = min(lo, r[t])
        hi = max(hi, r[t])
    growth = 1.0
    peak = 1.0
    mdd = 0.0
    total = 0.0
    down = 0.0
    for t in range(n):
        growth *= 1.0 + r[t]
        peak = max(peak, growth)
        mdd = min(mdd, growth / peak - 1.0)
        total += r[t]
        d = min(r[t], 0.0)
        down += d * d
    mean = total / n
    ss = 0.0
    for t in range(n):
        ss += (r[t] - mean) ** 2
    sd = np.sqrt(ss / (n - 1)) if n > 1 else np.nan
    out[0] = growth - 1.0
    out[1] = growth ** (periods / n) - 1.0 if growth > 0.0 else -1.0
    if hi > lo:  # all-equal returns have no Sharpe (their std may round to 1e-19, not 0)
        out[2] = mean / sd * np.sqrt(periods)
    downside = np.sqrt(down / n)
    if downside > 0.0:
        out[3] = mean / downside * np.sqrt(periods)
    out[4] = mdd
    out[5] = sd * np.sqrt(periods)
    return out
