"""Numba kernels shared by the strategies (arrays in, arrays out).

Window kernels (``..._last_nb``) compute the value of the last row of a trailing
window, so a live stream that keeps the last rows and a batch loop that passes the
same rows get the same numbers. A window holding any NaN gives NaN.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "hold_state_nb",
    "ols_last_nb",
    "entry_levels_nb",
    "logistic_proba_nb",
    "pair_z_last_nb",
    "kalman_pair_nb",
]


@njit(cache=True)
def hold_state_nb(
    enter_long: np.ndarray,
    exit_long: np.ndarray,
    enter_short: np.ndarray,
    exit_short: np.ndarray,
    init: np.ndarray,
) -> np.ndarray:
    """Positions (-1, 0, 1) of shape (n_bars, n_symbols) from boolean entry/exit conditions.

    A long is entered when ``enter_long`` is true while flat and held until ``exit_long``;
    likewise shorts. ``init`` (n_symbols,) is the state before the first row (zeros for a
    fresh start; a live stream passes its last state). Row t depends only on rows <= t.
    """
    n, m = enter_long.shape
    out = np.zeros((n, m), dtype=np.float64)
    for j in range(m):
        state = init[j]
        for i in range(n):
            if state > 0 and exit_long[i, j]:
                state = 0.0
            elif state < 0 and exit_short[i, j]:
                state = 0.0
            if state == 0.0:
                if enter_long[i, j]:
                    state = 1.0
                elif enter_short[i, j]:
                    state = -1.0
            out[i, j] = state
    return out


@njit(cache=True, inline="always")
def _window_mean_std(x, i, w, j):
    """Mean and sample std (ddof=1) of x[i-w+1 : i+1, j]; NaN when short or any NaN."""
    if i + 1 < w:
        return np.nan, np.nan
    s = 0.0
    for k in range(i - w + 1, i + 1):
        v = x[k, j]
        if v != v:
            return np.nan, np.nan
        s += v
    mean = s / w
    ss = 0.0
    for k in range(i - w + 1, i + 1):
        d = x[k, j] - mean
        ss += d * d
    return mean, np.sqrt(ss / (w - 1))


@njit(cache=True, inline="always")
def _z(x, i, w, j):
    mean, std = _window_mean_std(x, i, w, j)
    if std > 0.0:
        return (x[i, j] - mean) / std
    return np.nan


@njit(cache=True, inline="always")
def _window_ols(y, x, i, w):
    """Intercept and slope of y on x over rows i-w+1..i (1-D arrays); NaN when undefined."""
    if i + 1 < w:
        return np.nan, np.nan
    sx = 0.0
    sy = 0.0
    for k in range(i - w + 1, i + 1):
        if y[k] != y[k] or x[k] != x[k]:
            return np.nan, np.nan
        sx += x[k]
        sy += y[k]
    mx = sx / w
    my = sy / w
    sxx = 0.0
    sxy = 0.0
    for k in range(i - w + 1, i + 1):
        dx = x[k] - mx
        sxx += dx * dx
        sxy += dx * (y[k] - my)
    if sxx <= 0.0:
        return np.nan, np.nan
    beta = sxy / sxx
    return my - beta * mx, beta


@njit(cache=True)
def ols_last_nb(y: np.ndarray, x: np.ndarray, w: int) -> tuple[float, float]:
    """The last row of :func:`rolling_ols_nb` from trailing windows of y and x."""
    return _window_ols(y, x, y.shape[0] - 1, w)


@njit(cache=True)
def entry_levels_nb(
    target: np.ndarray, close: np.ndarray, stop_pct: float, take_pct: float, init_side: np.ndarray, init_entry: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stop-loss and take-profit fixed at each position's entry close, shape (n, m) each.

    Long: stop ``entry * (1 - stop_pct)``, take ``entry * (1 + take_pct)``; short mirrored;
    NaN where flat. ``init_side``/``init_entry`` (m,) carry a live stream's state; the
    third output is the entry price of the last row (the state to carry on).
    """
    n, m = target.shape
    stop = np.full((n, m), np.nan)
    take = np.full((n, m), np.nan)
    entry_out = init_entry.copy()
    for j in range(m):
        side = init_side[j]
        entry = init_entry[j]
        for i in range(n):
            t = target[i, j]
            s = 1.0 if t > 0 else (-1.0 if t < 0 else 0.0)
            if s != 0.0 and s != side:
                entry = close[i, j]
            side = s
            if s != 0.0 and entry == entry:
                stop[i, j] = entry * (1.0 - s * stop_pct)
                take[i, j] = entry * (1.0 + s * take_pct)
            elif s == 0.0:
                entry = np.nan
        entry_out[j] = entry
    return stop, take, entry_out


@njit(cache=True)
def logistic_proba_nb(X: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    """P(class 1) of a fitted binary logistic model for rows of X (k, p); NaN rows give NaN."""
    k, p = X.shape
    out = np.empty(k)
    for r in range(k):
        z = intercept
        for c in range(p):
            z += X[r, c] * coef[c]
        if z != z:
            out[r] = np.nan
        elif z >= 0:
            out[r] = 1.0 / (1.0 + np.exp(-z))
        else:
            e = np.exp(z)
            out[r] = e / (1.0 + e)
    return out


@njit(cache=True)
def pair_z_last_nb(y: np.ndarray, x: np.ndarray, hedge_window: int, z_window: int) -> tuple[float, float]:
    """Spread z-score and hedge ratio of the last bar of a pair (1-D log prices, >= both windows).

    The hedge ratio b is the OLS slope of y on x over the last ``hedge_window`` rows; the
    spread ``y - b x`` over the last ``z_window`` rows is standardised (ddof=1).
    """
    n = y.shape[0]
    _, b = _window_ols(y, x, n - 1, hedge_window)
    if b != b or n < z_window:
        return np.nan, b
    s = np.empty((z_window, 1))
    for k in range(z_window):
        s[k, 0] = y[n - z_window + k] - b * x[n - z_window + k]
    return _z(s, z_window - 1, z_window, 0), b


@njit(cache=True)
def kalman_pair_nb(y: np.ndarray, x: np.ndarray, state: np.ndarray, delta: float, obs_var: float) -> np.ndarray:
    """Kalman filter of ``y = a + b x`` with (a, b) a random walk; updates ``state`` in place.

    ``state`` is ``[a, b, P00, P01, P11]`` (zeros for a fresh filter). State noise is
    ``delta / (1 - delta)`` times the identity, observation noise ``obs_var``. Returns the
    standardised one-step forecast errors ``e / sqrt(Q)``, shape (n,); a bar with NaN input
    leaves the state untouched and gives NaN.
    """
    n = y.shape[0]
    out = np.empty(n)
    vw = delta / (1.0 - delta)
    for i in range(n):
        yi, xi = y[i], x[i]
        if yi != yi or xi != xi:
            out[i] = np.nan
            continue
        a, b = state[0], state[1]
        r00, r01, r11 = state[2] + vw, state[3], state[4] + vw
        e = yi - (a + b * xi)
        # F R F' with F = [1, x]
        q = r00 + 2.0 * xi * r01 + xi * xi * r11 + obs_var
        k0 = (r00 + xi * r01) / q
        k1 = (r01 + xi * r11) / q
        state[0] = a + k0 * e
        state[1] = b + k1 * e
        # P = R - K F R
        fr0 = r00 + xi * r01
        fr1 = r01 + xi * r11
        state[2] = r00 - k0 * fr0
        state[3] = r01 - k0 * fr1
        state[4] = r11 - k1 * fr1
        out[i] = e / np.sqrt(q)
    return out
