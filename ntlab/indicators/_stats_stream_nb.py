"""Streaming steps for the rolling statistics and the multi-horizon return features.

They repeat the arithmetic of ``_stats_nb`` / ``_osc_nb`` in the same order, so a stream
gives exactly the batch values. Window values live in rings of w + 1 slots (the value
leaving the window is still there when the new one arrives).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._stats_nb import bands_nb, pair_value_nb, reanchor_nb

__all__ = [
    "bollinger_step_nb",
    "zscore_step_nb",
    "volatility_step_nb",
    "pair_step_nb",
    "features_step_nb",
]


@njit(cache=True, error_model="numpy")
def _var_push(F, C, R, r, j, v, c, w, ddof, f0):
    """Add value number c of symbol j to the rolling variance; F[f0:f0 + 4] = K, S1, S2, last."""
    L = w + 1
    R[r, c % L, j] = v
    run = C[1, j] + 1 if c > 0 and v == F[f0 + 3, j] else 1
    C[1, j] = run
    F[f0 + 3, j] = v
    q = c - (w - 1)
    if q < 0:
        return np.nan
    if reanchor_nb(q, w):
        t = 0.0
        for p in range(c - w + 1, c + 1):
            t += R[r, p % L, j]
        k = t / w
        s1 = 0.0
        s2 = 0.0
        for p in range(c - w + 1, c + 1):
            d = R[r, p % L, j] - k
            s1 += d
            s2 += d * d
        F[f0, j] = k
    else:
        k = F[f0, j]
        dn = v - k
        do = R[r, (c - w) % L, j] - k
        s1 = F[f0 + 1, j]
        s2 = F[f0 + 2, j]
        s1 += dn
        s1 -= do
        s2 += dn * dn
        s2 -= do * do
    F[f0 + 1, j] = s1
    F[f0 + 2, j] = s2
    if run >= w:
        return 0.0
    res = (s2 - s1 * (s1 / w)) / (w - ddof)
    return res if res > 0.0 else 0.0


@njit(cache=True, error_model="numpy", inline="always")
def _sma_push(F, R, r, j, v, c, w, f):
    """TA-Lib SMA of the ring R[r] (value c already stored); F[f] = running total."""
    F[f, j] += v
    if c < w - 1:
        return np.nan
    tmp = F[f, j]
    F[f, j] = tmp - R[r, (c - w + 1) % (w + 1), j]
    return tmp / w


@njit(cache=True, error_model="numpy")
def bollinger_step_nb(F, C, R, X, Y, w, k):
    """Y = (upper, middle, lower, %B, bandwidth); F[0:4] variance state, F[4] SMA total."""
    for j in range(X.shape[1]):
        v = X[0, j]
        for q in range(5):
            Y[q, j] = np.nan
        if v != v:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        var = _var_push(F, C, R, 0, j, v, c, w, 0, 0)
        mid = _sma_push(F, R, 0, j, v, c, w, 4)
        if c < w - 1:
            continue
        up, lo, pb, bw = bands_nb(v, mid, var, k)
        Y[0, j] = up
        Y[1, j] = mid
        Y[2, j] = lo
        Y[3, j] = pb
        Y[4, j] = bw


@njit(cache=True, error_model="numpy")
def zscore_step_nb(F, C, R, X, Y, w):
    for j in range(X.shape[1]):
        v = X[0, j]
        Y[0, j] = np.nan
        if v != v:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        var = _var_push(F, C, R, 0, j, v, c, w, 1, 0)
        mean = _sma_push(F, R, 0, j, v, c, w, 4)
        if c < w - 1:
            continue
        sd = np.sqrt(var)
        Y[0, j] = (v - mean) / sd if sd > 0.0 else np.nan


@njit(cache=True, error_model="numpy")
def volatility_step_nb(F, C, R, X, Y, w, log, scale):
    """F[4] = previous value; returns go through the variance state F[0:4]."""
    for j in range(X.shape[1]):
        v = X[0, j]
        Y[0, j] = np.nan
        if v != v:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        prev = F[4, j]
        F[4, j] = v
        if c == 0:
            continue
        r = np.log(v / prev) if log else v / prev - 1.0
        var = _var_push(F, C, R, 0, j, r, c - 1, w, 1, 0)
        if c - 1 >= w - 1:
            Y[0, j] = np.sqrt(var) * scale


@njit(cache=True, error_model="numpy")
def pair_step_nb(F, C, R, X, Y, w, corr):
    """X = (x, y); R[0], R[1] = last w + 1 values; F = Kx, Ky, Sx, Sy, Sxx, Syy, Sxy."""
    L = w + 1
    for j in range(X.shape[1]):
        x = X[0, j]
        y = X[1, j]
        Y[0, j] = np.nan
        if x != x or y != y:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        R[0, c % L, j] = x
        R[1, c % L, j] = y
        q = c - (w - 1)
        if q < 0:
            continue
        if reanchor_nb(q, w):
            tx = 0.0
            ty = 0.0
            for p in range(c - w + 1, c + 1):
                tx += R[0, p % L, j]
                ty += R[1, p % L, j]
            kx = tx / w
            ky = ty / w
            sx = sy = sxx = syy = sxy = 0.0
            for p in range(c - w + 1, c + 1):
                dx = R[0, p % L, j] - kx
                dy = R[1, p % L, j] - ky
                sx += dx
                sy += dy
                sxx += dx * dx
                syy += dy * dy
                sxy += dx * dy
            F[0, j] = kx
            F[1, j] = ky
        else:
            kx = F[0, j]
            ky = F[1, j]
            dx = x - kx
            dy = y - ky
            ox = R[0, (c - w) % L, j] - kx
            oy = R[1, (c - w) % L, j] - ky
            sx = F[2, j] + dx
            sx -= ox
            sy = F[3, j] + dy
            sy -= oy
            sxx = F[4, j] + dx * dx
            sxx -= ox * ox
            syy = F[5, j] + dy * dy
            syy -= oy * oy
            sxy = F[6, j] + dx * dy
            sxy -= ox * oy
        F[2, j] = sx
        F[3, j] = sy
        F[4, j] = sxx
        F[5, j] = syy
        F[6, j] = sxy
        Y[0, j] = pair_value_nb(sx, sy, sxx, syy, sxy, w, corr)


@njit(cache=True, error_model="numpy")
def features_step_nb(F, C, R, X, Y, horizons, vw):
    """X = (close, volume); Y = one simple return per horizon, then the volume ratio.
    R[0] = last max(h) + 1 closes, R[1] = last vw + 1 volumes; F[0] = volume SMA total;
    C[0] = bars with a close, C[1] = bars with a volume."""
    H = horizons.shape[0]
    L = R.shape[1]
    for j in range(X.shape[1]):
        x = X[0, j]
        v = X[1, j]
        for q in range(H + 1):
            Y[q, j] = np.nan
        if x == x:
            c = C[0, j]
            C[0, j] = c + 1
            R[0, c % L, j] = x
            for q in range(H):
                h = horizons[q]
                if c >= h:
                    Y[q, j] = x / R[0, (c - h) % L, j] - 1.0
        if v == v:
            c = C[1, j]
            C[1, j] = c + 1
            R[1, c % (vw + 1), j] = v
            mean = _sma_push(F, R, 1, j, v, c, vw, 0)
            if c >= vw - 1:
                Y[H, j] = v / mean if mean != 0.0 else np.nan
