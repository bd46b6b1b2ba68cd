"""Moving-average kernels (SMA, EMA, WMA): batch over rows and one-bar streaming steps.

Arrays are (n_symbols, n_bars), C-contiguous (see ``_common_nb``). Each batch kernel
fills ``out`` and ``ok`` (``ok[j]`` False when row j has a NaN inside its span and must
be re-run packed) and returns the number of such rows. The arithmetic follows TA-Lib 0.8 operation by operation (running
sums for SMA/WMA, SMA seed and fused multiply-add for EMA), so results agree bit for
bit where TA-Lib uses the same CPU path.

Streaming steps take the state arrays of a stream object: ``F`` (float state, one
column per symbol), ``C`` (int state), ``R`` (ring buffers, (k, length, n_symbols)),
the bar ``X`` (n_inputs, n_symbols) and write ``Y`` (n_outputs, n_symbols).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import edges_nb, fma_nb, n_bad_nb, nan_fill_nb, span1_nb

__all__ = [
    "sma_nb",
    "ema_nb",
    "wma_nb",
    "sma_col_nb",
    "ema_col_nb",
    "sma_step_nb",
    "ema_step_nb",
    "wma_step_nb",
]


@njit(cache=True, error_model="numpy")
def sma_col_nb(x, s, e, w, o):
    """TA-Lib SMA of ``x[s:e]`` into ``o[s:e]`` (NaN for the first w - 1); False on a NaN."""
    nan_fill_nb(o, s, min(s + w - 1, e))
    total = 0.0
    for i in range(s, min(s + w - 1, e)):
        v = x[i]
        if v != v:
            return False
        total += v
    for i in range(s + w - 1, e):
        v = x[i]
        if v != v:
            return False
        total += v
        tmp = total
        total -= x[i - w + 1]
        o[i] = tmp / w
    return True


@njit(cache=True, error_model="numpy")
def sma_nb(x, w, out, ok):
    """Simple moving average of each row."""
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        edges_nb(out[j], s, e)
        ok[j] = sma_col_nb(x[j], s, e, w, out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def ema_col_nb(x, s, e, w, k, o):
    """EMA seeded with the SMA of the first w values (TA-Lib), smoothing ``k``."""
    nan_fill_nb(o, s, min(s + w - 1, e))
    if e - s < w:
        return True
    total = 0.0
    for i in range(s, s + w):
        v = x[i]
        if v != v:
            return False
        total += v
    prev = total / w
    o[s + w - 1] = prev
    for i in range(s + w, e):
        v = x[i]
        if v != v:
            return False
        prev = fma_nb(v - prev, k, prev)
        o[i] = prev
    return True


@njit(cache=True, error_model="numpy")
def ema_nb(x, w, out, ok):
    """Exponential moving average (k = 2 / (w + 1)) of each row."""
    k = 2.0 / (w + 1)
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        edges_nb(out[j], s, e)
        ok[j] = ema_col_nb(x[j], s, e, w, k, out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def wma_window_nb(x, lo, w):
    """Fresh (weighted sum, plain sum) of ``x[lo:lo + w]`` with weights 1..w."""
    sub = 0.0
    acc = 0.0
    for k in range(w):
        v = x[lo + k]
        sub += v
        acc += v * (k + 1)
    return acc, sub


@njit(cache=True, error_model="numpy", inline="always")
def _wma_step(v, nxt, w, acc, sub, trailing):
    # one bar of TA-Lib's running sums (v = x[i], nxt = x[i - w + 1]): returns the weighted
    # sum before its division by the divider, and the next (acc, sub, trailing)
    sub += v
    sub -= trailing
    acc += v * w
    return acc, acc - sub, sub, nxt


@njit(cache=True, error_model="numpy")
def _wma_run(cur, nxt, o, w, acc, sub, trailing):
    # _wma_step over 0-based views (no wrap-around tests); returns the final state
    for t in range(o.shape[0]):
        o[t], acc, sub, trailing = _wma_step(cur[t], nxt[t], w, acc, sub, trailing)
    return acc, sub, trailing


@njit(cache=True, error_model="numpy", inline="always")
def _wma_anchor(x, r, w):
    # bar r re-anchors: both sums from scratch over its window; returns the weighted sum
    # before its division, and the next (acc, sub, trailing)
    acc, sub = wma_window_nb(x, r - w + 1, w)
    return acc, acc - sub, sub, x[r - w + 1]


@njit(cache=True, error_model="numpy")
def _divide(src, divider, o):
    for i in range(o.shape[0]):  # vectorises (one division per bar bounds a scalar loop)
        o[i] = src[i] / divider


@njit(cache=True, error_model="numpy")
def _wma_segments4(x, o, r, w, divider, buf):
    # four whole segments (8 * w bars from a re-anchoring bar each) side by side: four
    # independent chains of adds instead of one; True on a NaN (it poisons the sums of its
    # segment up to the segment's end). The sums go to the small buffer ``buf`` (4 * 8 * w)
    # and reach ``o`` divided, in one vectorised pass: four store streams into ``o`` beside
    # eight load streams from ``x`` would fall into 4K aliasing for some placements of the
    # two arrays (measured: 1.25 to 1.8 ms on 1M bars by the offset of ``o``).
    n = 8 * w
    b1, b2, b3, b4 = buf[:n], buf[n : 2 * n], buf[2 * n : 3 * n], buf[3 * n : 4 * n]
    b1[0], a1, s1, t1 = _wma_anchor(x, r, w)
    b2[0], a2, s2, t2 = _wma_anchor(x, r + n, w)
    b3[0], a3, s3, t3 = _wma_anchor(x, r + 2 * n, w)
    b4[0], a4, s4, t4 = _wma_anchor(x, r + 3 * n, w)
    c1, c2, c3, c4 = (
        x[r + 1 : r + n],
        x[r + n + 1 : r + 2 * n],
        x[r + 2 * n + 1 : r + 3 * n],
        x[r + 3 * n + 1 : r + 4 * n],
    )
    q = r + 2 - w  # x[i - w + 1] for i = r + 1
    n1, n2, n3, n4 = (
        x[q : q + n - 1],
        x[q + n : q + 2 * n - 1],
        x[q + 2 * n : q + 3 * n - 1],
        x[q + 3 * n : q + 4 * n - 1],
    )
    for t in range(n - 1):
        b1[t + 1], a1, s1, t1 = _wma_step(c1[t], n1[t], w, a1, s1, t1)
        b2[t + 1], a2, s2, t2 = _wma_step(c2[t], n2[t], w, a2, s2, t2)
        b3[t + 1], a3, s3, t3 = _wma_step(c3[t], n3[t], w, a3, s3, t3)
        b4[t + 1], a4, s4, t4 = _wma_step(c4[t], n4[t], w, a4, s4, t4)
    _divide(buf, divider, o[r : r + 4 * n])
    total = a1 + s1 + a2 + s2 + a3 + s3 + a4 + s4
    return total != total


@njit(cache=True, error_model="numpy")
def _wma_col(x, s, e, w, o):
    # TA-Lib 0.8: running sums, re-anchored from scratch every 8 * w outputs (drift fix).
    # The sums restart at every re-anchoring bar, so the segments between them are
    # independent: whole segments run four at a time. A NaN input makes its segment's sums
    # NaN, found at the segment's end.
    f = s + w - 1
    nan_fill_nb(o, s, min(f, e))
    divider = float(w) * float(w + 1) * 0.5
    sub = 0.0
    acc = 0.0
    for i in range(s, min(f, e)):
        v = x[i]
        if v != v:
            return False
        sub += v
        acc += v * (i - s + 1)
    trailing = 0.0
    n = 8 * w  # bars per segment
    r = f + n - 1  # the first re-anchoring bar
    if e > f:
        g = min(e, r)
        acc, sub, trailing = _wma_run(x[f:g], x[s : g - w + 1], o[f:g], w, acc, sub, trailing)
    if acc != acc or sub != sub:
        return False
    if e > f:
        _divide(o[f : min(e, r)], divider, o[f : min(e, r)])
    buf = np.empty(4 * n)
    while r + 4 * n <= e:
        if _wma_segments4(x, o, r, w, divider, buf):
            return False
        r += 4 * n
    while r < e:
        o[r], acc, sub, trailing = _wma_anchor(x, r, w)
        g = min(e, r + n)
        acc, sub, trailing = _wma_run(
            x[r + 1 : g], x[r + 2 - w : g - w + 1], o[r + 1 : g], w, acc, sub, trailing
        )
        if acc != acc or sub != sub:
            return False
        _divide(o[r:g], divider, o[r:g])
        r += n
    return True


@njit(cache=True, error_model="numpy")
def wma_nb(x, w, out, ok):
    """Linearly weighted moving average (weights 1..w, newest heaviest) of each row."""
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        edges_nb(out[j], s, e)
        ok[j] = _wma_col(x[j], s, e, w, out[j])
    return n_bad_nb(ok)


# ---------------------------------------------------------------- streaming steps
# C[0] = valid bars seen; F and R as documented per step.


@njit(cache=True, error_model="numpy")
def sma_step_nb(F, C, R, X, Y, w):
    """F[0] = running total, R[0] = last w values."""
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
        Y[0, j] = tmp / w


@njit(cache=True, error_model="numpy")
def ema_step_nb(F, C, R, X, Y, w, k):
    """F[0] = seed total, then the EMA."""
    for j in range(X.shape[1]):
        v = X[0, j]
        if v != v:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        C[0, j] = c + 1
        if c < w - 1:
            F[0, j] += v
            Y[0, j] = np.nan
        elif c == w - 1:
            F[0, j] = (F[0, j] + v) / w
            Y[0, j] = F[0, j]
        else:
            F[0, j] = fma_nb(v - F[0, j], k, F[0, j])
            Y[0, j] = F[0, j]


@njit(cache=True, error_model="numpy")
def wma_step_nb(F, C, R, X, Y, w):
    """F[0] = weighted sum, F[1] = plain sum, F[2] = trailing value, R[0] = last w values."""
    divider = float(w) * float(w + 1) * 0.5
    period = 8 * w
    for j in range(X.shape[1]):
        v = X[0, j]
        if v != v:
            Y[0, j] = np.nan
            continue
        c = C[0, j]
        R[0, c % w, j] = v
        C[0, j] = c + 1
        if c < w - 1:
            F[1, j] += v
            F[0, j] += v * (c + 1)
            Y[0, j] = np.nan
            continue
        if (c - w + 2) % period == 0:
            acc = 0.0
            sub = 0.0
            for k in range(w):
                u = R[0, (c + 1 + k) % w, j]
                sub += u
                acc += u * (k + 1)
            F[1, j] = sub
        else:
            F[1, j] = (F[1, j] + v) - F[2, j]
            acc = F[0, j] + v * w
        F[2, j] = R[0, (c + 1) % w, j]
        Y[0, j] = acc / divider
        F[0, j] = acc - F[1, j]
