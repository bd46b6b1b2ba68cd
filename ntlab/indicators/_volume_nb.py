"""Volume kernels: OBV, VWAP (rolling or cumulative), volume ratio; batch and streaming.

Same layout and gap protocol as ``_ma_nb``. OBV follows TA-Lib (starts at the first
bar's volume). Rolling VWAP sums are recomputed from scratch on the first full window
and every ``8 * w`` bars (no drift); the cumulative form keeps running sums.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import (
    edges_nb,
    n_bad_nb,
    nan_fill_nb,
    span1_nb,
    span2_nb,
    span4_nb,
)
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


@njit(cache=True, error_model="numpy")
def _signed_volume(cur, prev, vol, o):
    # o[i] = +vol, -vol or -0.0 (adding -0.0 leaves any sum as it is) by the close's move;
    # True on a NaN. Branch-free: vectorises.
    bad = False
    for i in range(o.shape[0]):
        x = cur[i]
        u = vol[i]
        bad |= (x != x) | (u != u)
        o[i] = u if x > prev[i] else (-u if x < prev[i] else -0.0)
    return bad


@njit(cache=True, error_model="numpy")
def _obv_row(c, v, o):
    # signed volumes into o, then their running sum from the first volume (TA-Lib's
    # if/else additions, in the same order); True on a NaN
    bad = _signed_volume(c[1:], c[:-1], v[1:], o[1:])
    acc = v[0]
    o[0] = acc
    for i in range(1, o.shape[0]):
        acc += o[i]
        o[i] = acc
    return bad


@njit(cache=True, error_model="numpy")
def obv_nb(c, v, out, ok):
    """On-balance volume of each row: +volume on up closes, -volume on down closes."""
    for j in range(c.shape[0]):
        s, e = span2_nb(c[j], v[j])
        edges_nb(out[j], s, e)
        ok[j] = e <= s or not _obv_row(c[j, s:e], v[j, s:e], out[j, s:e])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy", inline="always")
def _tp(h, lo, c):
    return ((h + lo) + c) / 3.0


@njit(cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
def vwap_nb(h, lo, c, v, w, out, ok):
    """Volume-weighted typical price over w bars (w = 0: cumulative from the first bar)."""
    for j in range(c.shape[0]):
        s, e = span4_nb(h[j], lo[j], c[j], v[j])
        edges_nb(out[j], s, e)
        ok[j] = _vwap_col(h[j], lo[j], c[j], v[j], s, e, w, out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def volume_ratio_nb(v, w, out, ok):
    """Volume divided by its w-bar SMA (NaN where that mean is 0)."""
    for j in range(v.shape[0]):
        s, e = span1_nb(v[j])
        o = out[j]
        edges_nb(o, s, e)
        ok[j] = sma_col_nb(v[j], s, e, w, o)
        for i in range(s + w - 1, e):
            o[i] = v[j, i] / o[i] if o[i] != 0.0 else np.nan
    return n_bad_nb(ok)


# ---------------------------------------------------------------- streaming steps


@njit(cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
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


@njit(cache=True, error_model="numpy")
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
