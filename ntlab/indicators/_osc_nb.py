"""Oscillator kernels: RSI, MACD, ROC, momentum (batch over rows + streaming steps).

Same layout and gap protocol as ``_ma_nb``. Operation order follows TA-Lib 0.8: RSI's
Wilder averages multiply by 1/w and test ``gain + loss > 0``; MACD seeds the fast EMA
at the slow EMA's first bar (TA-Lib's convention) and uses fused multiply-add. MACD runs
its three EMAs in one pass; ROC/momentum/returns are branch-free loops over shifted views
of the row, which LLVM vectorises.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import (
    any_nan1_nb,
    edges_nb,
    fma_nb,
    n_bad_nb,
    nan_fill_nb,
    span1_nb,
)

__all__ = ["rsi_nb", "macd_nb", "roc_nb", "mom_nb", "rsi_step_nb", "macd_step_nb", "roc_step_nb"]


@njit(cache=True, error_model="numpy", inline="always")
def _rsi_value(gain, loss):
    t = loss + gain
    return (gain / t) * 100.0 if t > 0.0 else 0.0


@njit(cache=True, error_model="numpy")
def _rsi_col(x, s, e, w, o):
    nan_fill_nb(o, s, min(s + w, e))
    if e - s <= w:
        for i in range(s, e):
            if x[i] != x[i]:
                return False
        return True
    inv = 1.0 / w
    wm1 = float(w - 1)
    gain = 0.0
    loss = 0.0
    prev = x[s]
    if prev != prev:
        return False
    for i in range(s + 1, s + w + 1):
        v = x[i]
        if v != v:
            return False
        d = v - prev
        prev = v
        g = d if d > 0.0 else 0.0
        gain += g
        loss += g - d
    gain *= inv
    loss *= inv
    o[s + w] = _rsi_value(gain, loss)
    for i in range(s + w + 1, e):
        v = x[i]
        if v != v:
            return False
        d = v - prev
        prev = v
        g = d if d > 0.0 else 0.0
        gain = (gain * wm1 + g) * inv
        loss = ((g - d) + loss * wm1) * inv
        o[i] = _rsi_value(gain, loss)
    return True


@njit(cache=True, error_model="numpy")
def rsi_nb(x, w, out, ok):
    """Wilder RSI of each row (TA-Lib seeding: mean gain/loss of the first w changes)."""
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        edges_nb(out[j], s, e)
        ok[j] = _rsi_col(x[j], s, e, w, out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def _macd_run(x, ps, pf, pg, ks, kf, kg, line, signal, hist):
    # the three EMAs from bar start + 1 on, one pass without a branch (0-based views); a
    # NaN input makes every later value NaN, which the caller finds in the last one
    for t in range(x.shape[0]):
        v = x[t]
        ps = fma_nb(v - ps, ks, ps)
        pf = fma_nb(v - pf, kf, pf)
        d = pf - ps
        pg = fma_nb(d - pg, kg, pg)
        line[t] = d
        signal[t] = pg
        hist[t] = d - pg


@njit(cache=True, error_model="numpy")
def _macd_col(x, s, e, fast, slow, sig, line, signal, hist):
    # slow EMA seeded on x[s:s+slow], fast EMA seeded on x[first-fast+1:first+1] (both
    # first valued on bar `first`), signal EMA seeded on the first sig MACD values
    first = s + slow - 1
    start = first + sig - 1  # first output bar
    for arr in (line, signal, hist):
        nan_fill_nb(arr, s, min(start, e))
    if e - s < slow:
        return True
    if any_nan1_nb(x[s : min(start + 1, e)]):
        return False
    ts = 0.0
    for i in range(s, first + 1):
        ts += x[i]
    tf = 0.0
    for i in range(first - fast + 1, first + 1):
        tf += x[i]
    ps = ts / slow
    pf = tf / fast
    kf = 2.0 / (fast + 1)
    ks = 2.0 / (slow + 1)
    kg = 2.0 / (sig + 1)
    total = 0.0
    for i in range(first, min(start + 1, e)):
        if i > first:
            v = x[i]
            ps = fma_nb(v - ps, ks, ps)
            pf = fma_nb(v - pf, kf, pf)
        d = pf - ps
        if i < start:
            total += d
            continue
        pg = (total + d) / sig
        line[i] = d
        signal[i] = pg
        hist[i] = d - pg
        r = start + 1
        _macd_run(x[r:e], ps, pf, pg, ks, kf, kg, line[r:e], signal[r:e], hist[r:e])
        return line[e - 1] == line[e - 1]
    return True


@njit(cache=True, error_model="numpy")
def macd_nb(x, fast, slow, sig, line, signal, hist, ok):
    """MACD line, signal and histogram of each row (TA-Lib MACD conventions)."""
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        for arr in (line[j], signal[j], hist[j]):
            edges_nb(arr, s, e)
        ok[j] = _macd_col(x[j], s, e, fast, slow, sig, line[j], signal[j], hist[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def _change(cur, old, o, kind):
    # o[i] from cur[i] and old[i] (= cur[i - w]); True when some cur[i] is NaN. Index 0 up
    # and no branch but selects: the loops vectorise.
    bad = False
    if kind == 0:
        for i in range(o.shape[0]):
            v = cur[i]
            bad |= v != v
            o[i] = v - old[i]
    elif kind == 1:
        for i in range(o.shape[0]):
            v = cur[i]
            p = old[i]
            bad |= v != v
            o[i] = ((v / p) - 1.0) * 100.0 if p != 0.0 else v - v
    elif kind == 2:
        for i in range(o.shape[0]):
            v = cur[i]
            bad |= v != v
            o[i] = v / old[i] - 1.0
    else:
        for i in range(o.shape[0]):
            v = cur[i]
            bad |= v != v
            o[i] = np.log(v / old[i])
    return bad


@njit(cache=True, error_model="numpy")
def roc_nb(x, w, kind, out, ok):
    """Change over w bars: kind 0 = x - x[-w] (MOM), 1 = percent ROC (TA-Lib, 0 when x[-w] == 0),
    2 = simple return x / x[-w] - 1, 3 = log return log(x / x[-w])."""
    for j in range(x.shape[0]):
        xj = x[j]
        o = out[j]
        s, e = span1_nb(xj)
        edges_nb(o, s, e)
        nan_fill_nb(o, s, min(s + w, e))
        bad = False
        for i in range(s, min(s + w, e)):
            bad |= xj[i] != xj[i]
        if e - s > w:
            bad |= _change(xj[s + w : e], xj[s : e - w], o[s + w : e], kind)
        ok[j] = not bad
    return n_bad_nb(ok)


mom_nb = roc_nb


# ---------------------------------------------------------------- streaming steps


@njit(cache=True, error_model="numpy")
def rsi_step_nb(F, C, R, X, Y, w):
    """F[0] = gain, F[1] = loss, F[2] = previous value."""
    inv = 1.0 / w
    wm1 = float(w - 1)
    for j in range(X.shape[1]):
        v = X[0, j]
        if v != v:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        C[0, j] = c + 1
        if c == 0:
            F[2, j] = v
            Y[0, j] = np.nan
            continue
        d = v - F[2, j]
        F[2, j] = v
        g = d if d > 0.0 else 0.0
        if c <= w:
            F[0, j] += g
            F[1, j] += g - d
            if c < w:
                Y[0, j] = np.nan
                continue
            F[0, j] *= inv
            F[1, j] *= inv
        else:
            F[0, j] = (F[0, j] * wm1 + g) * inv
            F[1, j] = ((g - d) + F[1, j] * wm1) * inv
        Y[0, j] = _rsi_value(F[0, j], F[1, j])


@njit(cache=True, error_model="numpy")
def macd_step_nb(F, C, R, X, Y, fast, slow, sig):
    """F: 0 slow EMA (seed total first), 1 fast EMA (seed total first), 2 signal (seed total first)."""
    kf = 2.0 / (fast + 1)
    ks = 2.0 / (slow + 1)
    kg = 2.0 / (sig + 1)
    for j in range(X.shape[1]):
        v = X[0, j]
        Y[0, j] = np.nan
        Y[1, j] = np.nan
        Y[2, j] = np.nan
        if v != v:
            continue
        c = C[0, j]
        C[0, j] = c + 1
        if c < slow - 1:
            F[0, j] += v
            if c >= slow - fast:
                F[1, j] += v
            continue
        if c == slow - 1:
            F[0, j] = (F[0, j] + v) / slow
            F[1, j] = (F[1, j] + v) / fast
        else:
            F[0, j] = fma_nb(v - F[0, j], ks, F[0, j])
            F[1, j] = fma_nb(v - F[1, j], kf, F[1, j])
        d = F[1, j] - F[0, j]
        q = c - (slow - 1)
        if q < sig - 1:
            F[2, j] += d
            continue
        if q == sig - 1:
            F[2, j] = (F[2, j] + d) / sig
        else:
            F[2, j] = fma_nb(d - F[2, j], kg, F[2, j])
        Y[0, j] = d
        Y[1, j] = F[2, j]
        Y[2, j] = d - F[2, j]


@njit(cache=True, error_model="numpy")
def roc_step_nb(F, C, R, X, Y, w, kind):
    """R[0] = last w + 1 values; kinds as in :func:`roc_nb`."""
    L = w + 1
    for j in range(X.shape[1]):
        v = X[0, j]
        if v != v:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        R[0, c % L, j] = v
        C[0, j] = c + 1
        if c < w:
            Y[0, j] = np.nan
            continue
        p = R[0, (c + 1) % L, j]
        if kind == 0:
            Y[0, j] = v - p
        elif kind == 1:
            Y[0, j] = ((v / p) - 1.0) * 100.0 if p != 0.0 else 0.0
        elif kind == 2:
            Y[0, j] = v / p - 1.0
        else:
            Y[0, j] = np.log(v / p)
