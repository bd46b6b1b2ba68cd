"""Range-based kernels: true range, ATR, ADX/+DI/-DI, Stochastic, CCI.

Inputs are high, low, close rows of shape (n_symbols, n_bars); same gap protocol as
``_ma_nb``. Operation order follows TA-Lib 0.8: ATR smooths with
``fma(atr, (w - 1) / w, tr * (1 - (w - 1) / w))``; the DM/TR Wilder sums of ADX use
``x - x / w``; Stochastic %K treats ``hh - ll <= 1e-14 * (|hh| + |ll|)`` as no range; CCI
sums its circular buffer in slot order and uses TA-Lib's scaled zero tests.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import empty_nb, fma_nb, nan_fill_nb, span3_nb
from ntlab.indicators._ma_nb import sma_col_nb

__all__ = [
    "true_range_nb",
    "atr_nb",
    "adx_nb",
    "stoch_nb",
    "cci_nb",
]

_ZERO_EPS = 1e-14  # TA-Lib 0.8 TA_EPSILON


@njit(cache=True, inline="always")
def _tr(h, lo, pc):
    r = h - lo
    a = abs(h - pc)
    if a > r:
        r = a
    b = abs(lo - pc)
    if b > r:
        r = b
    return r


@njit(cache=True, inline="always")
def _gap3(h, lo, c):
    # scalars only: passing arrays to a helper in a hot loop costs reference counting
    return h != h or lo != lo or c != c


@njit(cache=True)
def _tr_atr_col(h, lo, c, s, e, w, smooth, o):
    first = s + (w if smooth else 1)
    nan_fill_nb(o, s, min(first, e))
    if e - s < 1:
        return True
    if _gap3(h[s], lo[s], c[s]):
        return False
    if not smooth:
        for i in range(s + 1, e):
            if _gap3(h[i], lo[i], c[i]):
                return False
            o[i] = _tr(h[i], lo[i], c[i - 1])
        return True
    total = 0.0
    for i in range(s + 1, min(first, e)):
        if _gap3(h[i], lo[i], c[i]):
            return False
        total += _tr(h[i], lo[i], c[i - 1])
    if e <= first:
        return True
    if _gap3(h[first], lo[first], c[first]):
        return False
    prev = (total + _tr(h[first], lo[first], c[first - 1])) / w
    o[first] = prev
    a = float(w - 1) / float(w)
    b = 1.0 - a
    for i in range(first + 1, e):
        if _gap3(h[i], lo[i], c[i]):
            return False
        prev = fma_nb(prev, a, _tr(h[i], lo[i], c[i - 1]) * b)
        o[i] = prev
    return True


@njit(cache=True)
def _rows3(h, lo, c, w, smooth):
    m, n = c.shape
    out = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span3_nb(h[j], lo[j], c[j])
        nan_fill_nb(out[j], 0, s)
        nan_fill_nb(out[j], e, n)
        ok[j] = _tr_atr_col(h[j], lo[j], c[j], s, e, w, smooth, out[j])
    return out, ok


@njit(cache=True)
def true_range_nb(h, lo, c):
    """True range max(h - l, |h - c[-1]|, |l - c[-1]|) of each row (NaN on the first bar)."""
    return _rows3(h, lo, c, 1, False)


@njit(cache=True)
def atr_nb(h, lo, c, w):
    """Average true range (Wilder, seeded with the mean of the first w true ranges)."""
    return _rows3(h, lo, c, w, True)


@njit(cache=True, inline="always")
def _dm(h, pH, lo, pL):
    dp = h - pH
    dm = pL - lo
    if dm > 0.0 and dp < dm:
        return 0.0, dm
    if dp > 0.0 and dp > dm:
        return dp, 0.0
    return 0.0, 0.0


@njit(cache=True, inline="always")
def _di(pdm, mdm, tr):
    if tr > 0.0:
        return (pdm / tr) * 100.0, (mdm / tr) * 100.0, True
    return 0.0, 0.0, False


@njit(cache=True, inline="always")
def _dx(p, m):
    t = m + p
    if -_ZERO_EPS < t < _ZERO_EPS:
        return 0.0, False
    return (abs(m - p) / t) * 100.0, True


@njit(cache=True)
def _adx_col(h, lo, c, s, e, w, adx, pdi, mdi):
    nan_fill_nb(adx, s, min(s + 2 * w - 1, e))
    nan_fill_nb(pdi, s, min(s + w, e))
    nan_fill_nb(mdi, s, min(s + w, e))
    for i in range(s, e):
        if _gap3(h[i], lo[i], c[i]):
            return False
    if e - s < 1:
        return True
    pdm = 0.0
    mdm = 0.0
    tr = 0.0
    sum_dx = 0.0
    prev_adx = 0.0
    wm1 = float(w - 1)
    for i in range(s + 1, e):
        p, q = _dm(h[i], h[i - 1], lo[i], lo[i - 1])
        t = _tr(h[i], lo[i], c[i - 1])
        k = i - s
        if k < w:
            pdm += p
            mdm += q
            tr += t
            continue
        pdm = pdm - pdm / w + p
        mdm = mdm - mdm / w + q
        tr = tr - tr / w + t
        pd, md, has = _di(pdm, mdm, tr)
        pdi[i] = pd
        mdi[i] = md
        dx, has_dx = _dx(pd, md)
        use = has and has_dx
        if k < 2 * w - 1:
            if use:
                sum_dx += dx
        elif k == 2 * w - 1:
            if use:
                sum_dx += dx
            prev_adx = sum_dx / w
            adx[i] = prev_adx
        else:
            if use:
                prev_adx = (prev_adx * wm1 + dx) / w
            adx[i] = prev_adx
    return True


@njit(cache=True)
def adx_nb(h, lo, c, w):
    """ADX, +DI and -DI of each row (TA-Lib ADX / PLUS_DI / MINUS_DI)."""
    m, n = c.shape
    adx = empty_nb(m, n)
    pdi = empty_nb(m, n)
    mdi = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span3_nb(h[j], lo[j], c[j])
        for arr in (adx[j], pdi[j], mdi[j]):
            nan_fill_nb(arr, 0, s)
            nan_fill_nb(arr, e, n)
        ok[j] = _adx_col(h[j], lo[j], c[j], s, e, w, adx[j], pdi[j], mdi[j])
    return adx, pdi, mdi, ok


@njit(cache=True, inline="always")
def _fastk(c, hh, ll):
    diff = hh - ll
    if abs(diff) <= (abs(hh) + abs(ll)) * _ZERO_EPS:
        return 0.0
    return ((c - ll) / diff) * 100.0


@njit(cache=True)
def _stoch_col(h, lo, c, s, e, fk, sk, sd, k_out, d_out, tmp):
    start = s + fk + sk + sd - 3
    nan_fill_nb(k_out, s, min(start, e))
    nan_fill_nb(d_out, s, min(start, e))
    for i in range(s, e):
        if _gap3(h[i], lo[i], c[i]):
            return False
    first = s + fk - 1
    if e <= first:
        return True
    hi_i = -1
    lo_i = -1
    hh = 0.0
    ll = 0.0
    for i in range(first, e):
        trail = i - fk + 1
        if hi_i < trail:
            hi_i = trail
            hh = h[trail]
            for q in range(trail + 1, i + 1):
                if h[q] >= hh:
                    hi_i = q
                    hh = h[q]
        elif h[i] >= hh:
            hi_i = i
            hh = h[i]
        if lo_i < trail:
            lo_i = trail
            ll = lo[trail]
            for q in range(trail + 1, i + 1):
                if lo[q] <= ll:
                    lo_i = q
                    ll = lo[q]
        elif lo[i] <= ll:
            lo_i = i
            ll = lo[i]
        tmp[i] = _fastk(c[i], hh, ll)
    sma_col_nb(tmp, first, e, sk, k_out)
    sma_col_nb(k_out, first + sk - 1, e, sd, d_out)
    nan_fill_nb(k_out, s, min(start, e))
    return True


@njit(cache=True)
def stoch_nb(h, lo, c, fk, sk, sd):
    """Slow stochastic %K (SMA of fast %K over sk) and %D (SMA of %K over sd)."""
    m, n = c.shape
    k_out = empty_nb(m, n)
    d_out = empty_nb(m, n)
    tmp = np.empty(n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span3_nb(h[j], lo[j], c[j])
        for arr in (k_out[j], d_out[j]):
            nan_fill_nb(arr, 0, s)
            nan_fill_nb(arr, e, n)
        ok[j] = _stoch_col(h[j], lo[j], c[j], s, e, fk, sk, sd, k_out[j], d_out[j], tmp)
    return k_out, d_out, ok


@njit(cache=True, inline="always")
def _cci_value(tp, avg, dev, w):
    scale = abs(avg) * _ZERO_EPS
    t = tp - avg
    if abs(t) <= scale:
        return 0.0
    md = dev / w
    if abs(md) <= scale:
        return 0.0
    q = md * 0.015
    if q == 0.0:
        return 0.0
    return t / q


@njit(cache=True)
def _cci_col(h, lo, c, s, e, w, o, tp):
    nan_fill_nb(o, s, min(s + w - 1, e))
    for i in range(s, e):
        if _gap3(h[i], lo[i], c[i]):
            return False
        tp[i] = ((h[i] + lo[i]) + c[i]) / 3.0
    for i in range(s + w - 1, e):
        base = i - w + 1
        cut = base + (w - (base - s) % w) % w  # time held by slot 0
        total = 0.0
        for q in range(cut, i + 1):
            total += tp[q]
        for q in range(base, cut):
            total += tp[q]
        avg = total / w
        dev = 0.0
        for q in range(cut, i + 1):
            dev += abs(tp[q] - avg)
        for q in range(base, cut):
            dev += abs(tp[q] - avg)
        o[i] = _cci_value(tp[i], avg, dev, w)
    return True


@njit(cache=True)
def cci_nb(h, lo, c, w):
    """Commodity channel index: (tp - mean) / (0.015 * mean deviation) over w bars."""
    m, n = c.shape
    out = empty_nb(m, n)
    tp = np.empty(n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span3_nb(h[j], lo[j], c[j])
        nan_fill_nb(out[j], 0, s)
        nan_fill_nb(out[j], e, n)
        ok[j] = _cci_col(h[j], lo[j], c[j], s, e, w, out[j], tp)
    return out, ok
