"""Volume kernels: OBV, VWAP (rolling or cumulative), volume ratio; batch and streaming.

Same layout and gap protocol as ``_ma_nb``. OBV follows TA-Lib (starts at the first
bar's volume). Rolling VWAP sums are recomputed from scratch on the first full window
and every ``8 * w`` bars (no drift); the cumulative form keeps running sums.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import empty_nb, nan_fill_nb, span2_nb, span4_nb
from ntlab.indicators._ma_nb import sma_col_nb
from ntlab.indicators._stats_nb import reanchor_nb

__all__ = [
    "obv_nb",
    "vwap_nb",
    "volume_ratio_nb",
    "obv_step_nb",
    "vwap_step_nb",
    "volume_ratio_step_nb",
]


@njit(cache=True)
def obv_nb(c, v):
    """On-balance volume of each row: +volume on up closes, -volume on down closes."""
    m, n = c.shape
    out = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        cj = c[j]
        vj = v[j]
        o = out[j]
        s, e = span2_nb(cj, vj)
        nan_fill_nb(o, 0, s)
        nan_fill_nb(o, e, n)
        if e <= s:
            continue
        acc = vj[s]
        prev = cj[s]
        o[s] = acc
        for i in range(s + 1, e):
            x = cj[i]
            if x != x or vj[i] != vj[i]:
                ok[j] = False
                break
            if x > prev:
                acc += vj[i]
            elif x < prev:
                acc -= vj[i]
            prev = x
            o[i] = acc
    return out, ok


@njit(cache=True, inline="always")
def _tp(h, lo, c):
    return ((h + lo) + c) / 3.0


@njit(cache=True)
def _vwap_col(h, lo, c, v, s, e, w, o):
    nan_fill_nb(o, s, min(s + max(w, 1) - 1, e))
    spv = 0.0
    sv = 0.0
    countdown = 1
    for i in range(s, e):
        if h[i] != h[i] or lo[i] != lo[i] or c[i] != c[i] or v[i] != v[i]:
            return False
        pv = _tp(h[i], lo[i], c[i]) * v[i]
        if w == 0:
            spv += pv
            sv += v[i]
        else:
            if i < s + w - 1:
                continue
            countdown -= 1
            if countdown == 0:
                countdown = 8 * w
                spv = 0.0
                sv = 0.0
                for p in range(i - w + 1, i + 1):
                    spv += _tp(h[p], lo[p], c[p]) * v[p]
                    sv += v[p]
            else:
                p = i - w
                spv += pv
                spv -= _tp(h[p], lo[p], c[p]) * v[p]
                sv += v[i]
                sv -= v[p]
        o[i] = spv / sv if sv > 0.0 else np.nan
    return True


@njit(cache=True)
def vwap_nb(h, lo, c, v, w):
    """Volume-weighted typical price over w bars (w = 0: cumulative from the first bar)."""
    m, n = c.shape
    out = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span4_nb(h[j], lo[j], c[j], v[j])
        nan_fill_nb(out[j], 0, s)
        nan_fill_nb(out[j], e, n)
        ok[j] = _vwap_col(h[j], lo[j], c[j], v[j], s, e, w, out[j])
    return out, ok


@njit(cache=True)
def volume_ratio_nb(v, w):
    """Volume divided by its w-bar SMA (NaN where that mean is 0)."""
    m, n = v.shape
    out = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s = 0
        while s < n and v[j, s] != v[j, s]:
            s += 1
        e = n
        while e > s and v[j, e - 1] != v[j, e - 1]:
            e -= 1
        o = out[j]
        nan_fill_nb(o, 0, s)
        nan_fill_nb(o, e, n)
        ok[j] = sma_col_nb(v[j], s, e, w, o)
        for i in range(s + w - 1, e):
            o[i] = v[j, i] / o[i] if o[i] != 0.0 else np.nan
    return out, ok


# ---------------------------------------------------------------- streaming steps


@njit(cache=True)
def obv_step_nb(F, C, R, X, Y):
    """X = (close, volume); F[0] = OBV, F[1] = previous close."""
    for j in range(X.shape[1]):
        x = X[0, j]
        vol = X[1, j]
        if x != x or vol != vol:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        C[0, j] = c + 1
        if c == 0:
            F[0, j] = vol
        elif x > F[1, j]:
            F[0, j] += vol
        elif x < F[1, j]:
            F[0, j] -= vol
        F[1, j] = x
        Y[0, j] = F[0, j]


@njit(cache=True)
def vwap_step_nb(F, C, R, X, Y, w):
    """X = (high, low, close, volume); R[0] = price*volume, R[1] = volume (w + 1 slots);
    F[0] = sum pv, F[1] = sum v."""
    L = w + 1
    for j in range(X.shape[1]):
        Y[0, j] = np.nan
        h = X[0, j]
        lo = X[1, j]
        cl = X[2, j]
        vol = X[3, j]
        if h != h or lo != lo or cl != cl or vol != vol:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        pv = _tp(h, lo, cl) * vol
        if w == 0:
            F[0, j] += pv
            F[1, j] += vol
        else:
            R[0, c % L, j] = pv
            R[1, c % L, j] = vol
            q = c - (w - 1)
            if q < 0:
                continue
            if reanchor_nb(q, w):
                F[0, j] = 0.0
                F[1, j] = 0.0
                for p in range(c - w + 1, c + 1):
                    F[0, j] += R[0, p % L, j]
                    F[1, j] += R[1, p % L, j]
            else:
                F[0, j] += pv
                F[0, j] -= R[0, (c - w) % L, j]
                F[1, j] += vol
                F[1, j] -= R[1, (c - w) % L, j]
        Y[0, j] = F[0, j] / F[1, j] if F[1, j] > 0.0 else np.nan


@njit(cache=True)
def volume_ratio_step_nb(F, C, R, X, Y, w):
    """X = (volume,); SMA state as ``sma_step_nb`` (F[0] total, R[0] last w volumes)."""
    for j in range(X.shape[1]):
        v = X[0, j]
        if v != v:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        R[0, c % w, j] = v
        C[0, j] = c + 1
        F[0, j] += v
        if c < w - 1:
            Y[0, j] = np.nan
            continue
        tmp = F[0, j]
        F[0, j] = tmp - R[0, (c + 1) % w, j]
        mean = tmp / w
        Y[0, j] = v / mean if mean != 0.0 else np.nan
