"""Streaming steps for the range-based indicators (see ``_range_nb`` for the maths)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import fma_nb
from ntlab.indicators._range_nb import _cci_value, _di, _dm, _dx, _fastk, _tr

__all__ = ["atr_step_nb", "adx_step_nb", "stoch_step_nb", "cci_step_nb"]


@njit(cache=True, error_model="numpy", inline="always")
def _bar_gap(X, j):
    return X[0, j] != X[0, j] or X[1, j] != X[1, j] or X[2, j] != X[2, j]


@njit(cache=True, error_model="numpy")
def atr_step_nb(F, C, R, X, Y, w, smooth):
    """F[0] = previous close, F[1] = ATR (seed total first). ``smooth`` False: true range."""
    a = float(w - 1) / float(w)
    b = 1.0 - a
    for j in range(X.shape[1]):
        Y[0, j] = np.nan
        if _bar_gap(X, j):
            continue
        c = C[0, j]
        C[0, j] = c + 1
        pc = F[0, j]
        F[0, j] = X[2, j]
        if c == 0:
            continue
        tr = _tr(X[0, j], X[1, j], pc)
        if not smooth:
            Y[0, j] = tr
        elif c < w:
            F[1, j] += tr
        elif c == w:
            F[1, j] = (F[1, j] + tr) / w
            Y[0, j] = F[1, j]
        else:
            F[1, j] = fma_nb(F[1, j], a, tr * b)
            Y[0, j] = F[1, j]


@njit(cache=True, error_model="numpy")
def adx_step_nb(F, C, R, X, Y, w):
    """F: 0 prev high, 1 prev low, 2 prev close, 3 +DM, 4 -DM, 5 TR, 6 sum DX / ADX."""
    wm1 = float(w - 1)
    for j in range(X.shape[1]):
        Y[0, j] = np.nan
        Y[1, j] = np.nan
        Y[2, j] = np.nan
        if _bar_gap(X, j):
            continue
        h = X[0, j]
        lo = X[1, j]
        k = C[0, j]
        C[0, j] = k + 1
        pH = F[0, j]
        pL = F[1, j]
        pc = F[2, j]
        F[0, j] = h
        F[1, j] = lo
        F[2, j] = X[2, j]
        if k == 0:
            continue
        p, q = _dm(h, pH, lo, pL)
        t = _tr(h, lo, pc)
        if k < w:
            F[3, j] += p
            F[4, j] += q
            F[5, j] += t
            continue
        F[3, j] = F[3, j] - F[3, j] / w + p
        F[4, j] = F[4, j] - F[4, j] / w + q
        F[5, j] = F[5, j] - F[5, j] / w + t
        pd, md, has = _di(F[3, j], F[4, j], F[5, j])
        Y[1, j] = pd
        Y[2, j] = md
        dx, has_dx = _dx(pd, md)
        use = has and has_dx
        if k < 2 * w - 1:
            if use:
                F[6, j] += dx
        elif k == 2 * w - 1:
            if use:
                F[6, j] += dx
            F[6, j] = F[6, j] / w
            Y[0, j] = F[6, j]
        else:
            if use:
                F[6, j] = (F[6, j] * wm1 + dx) / w
            Y[0, j] = F[6, j]


@njit(cache=True, error_model="numpy")
def stoch_step_nb(F, C, R, X, Y, fk, sk, sd):
    """R[0]/R[1] = last fk highs/lows, R[2] = last sk fast %K, R[3] = last sd slow %K;
    F: 0 highest, 1 lowest, 2 %K total, 3 %D total; C: 0 bars, 1 highest bar, 2 lowest bar."""
    for j in range(X.shape[1]):
        Y[0, j] = np.nan
        Y[1, j] = np.nan
        if _bar_gap(X, j):
            continue
        c = C[0, j]
        C[0, j] = c + 1
        R[0, c % fk, j] = X[0, j]
        R[1, c % fk, j] = X[1, j]
        if c < fk - 1:
            continue
        trail = c - fk + 1
        if C[1, j] < trail or c == fk - 1:
            C[1, j] = trail
            F[0, j] = R[0, trail % fk, j]
            for q in range(trail + 1, c + 1):
                if R[0, q % fk, j] >= F[0, j]:
                    C[1, j] = q
                    F[0, j] = R[0, q % fk, j]
        elif X[0, j] >= F[0, j]:
            C[1, j] = c
            F[0, j] = X[0, j]
        if C[2, j] < trail or c == fk - 1:
            C[2, j] = trail
            F[1, j] = R[1, trail % fk, j]
            for q in range(trail + 1, c + 1):
                if R[1, q % fk, j] <= F[1, j]:
                    C[2, j] = q
                    F[1, j] = R[1, q % fk, j]
        elif X[1, j] <= F[1, j]:
            C[2, j] = c
            F[1, j] = X[1, j]
        fast = _fastk(X[2, j], F[0, j], F[1, j])
        q = c - (fk - 1)  # index of this fast %K
        R[2, q % sk, j] = fast
        F[2, j] += fast
        if q < sk - 1:
            continue
        tot = F[2, j]
        F[2, j] = tot - R[2, (q + 1) % sk, j]
        slow_k = tot / sk
        r = q - (sk - 1)  # index of this slow %K
        R[3, r % sd, j] = slow_k
        F[3, j] += slow_k
        if r < sd - 1:
            continue
        tot = F[3, j]
        F[3, j] = tot - R[3, (r + 1) % sd, j]
        Y[0, j] = slow_k
        Y[1, j] = tot / sd


@njit(cache=True, error_model="numpy")
def cci_step_nb(F, C, R, X, Y, w):
    """R[0] = circular buffer of typical prices (slot = bar % w, as TA-Lib)."""
    for j in range(X.shape[1]):
        Y[0, j] = np.nan
        if _bar_gap(X, j):
            continue
        c = C[0, j]
        C[0, j] = c + 1
        tp = ((X[0, j] + X[1, j]) + X[2, j]) / 3.0
        R[0, c % w, j] = tp
        if c < w - 1:
            continue
        total = 0.0
        for q in range(w):
            total += R[0, q, j]
        avg = total / w
        dev = 0.0
        for q in range(w):
            dev += abs(R[0, q, j] - avg)
        Y[0, j] = _cci_value(tp, avg, dev, w)
