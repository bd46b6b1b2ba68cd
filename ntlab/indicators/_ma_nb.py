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


@njit(cache=True, error_model="numpy")
def _wma_col(x, s, e, w, o):
    # TA-Lib 0.8: running sums, re-anchored from scratch every 8 * w outputs (drift fix)
    nan_fill_nb(o, s, min(s + w - 1, e))
    divider = float(w) * float(w + 1) * 0.5
    sub = 0.0
    acc = 0.0
    for i in range(s, min(s + w - 1, e)):
        v = x[i]
        if v != v:
            return False
        sub += v
        acc += v * (i - s + 1)
    trailing = 0.0
    countdown = 8 * w  # a modulo per bar would cost more than the rest of the loop
    for i in range(s + w - 1, e):
        v = x[i]
        if v != v:
            return False
        countdown -= 1
        if countdown == 0:
            countdown = 8 * w
            acc, sub = wma_window_nb(x, i - w + 1, w)
        else:
            sub += v
            sub -= trailing
            acc += v * w
        trailing = x[i - w + 1]
        o[i] = acc / divider
        acc -= sub
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
