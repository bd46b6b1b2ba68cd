"""Range-based kernels: true range, ATR, ADX/+DI/-DI, Stochastic, CCI.

Inputs are high, low, close rows of shape (n_symbols, n_bars); same gap protocol as
``_ma_nb``. Operation order follows TA-Lib 0.8: ATR smooths with
``fma(atr, (w - 1) / w, tr * (1 - (w - 1) / w))``; the DM/TR Wilder sums of ADX use
``x - x / w``; Stochastic %K treats ``hh - ll <= 1e-14 * (|hh| + |ll|)`` as no range; CCI
sums its circular buffer in slot order and uses TA-Lib's scaled zero tests.

Speed without changing a bit: true range is a branch-free loop that LLVM vectorises;
Stochastic works pass by pass inside its two output rows (no temporary row); CCI
computes its window sums for many bars side by side (bars w apart fill the circular
buffer's slots in the same order), each bar adding in TA-Lib's slot order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import (
    any_nan3_nb,
    edges_nb,
    fma_nb,
    n_bad_nb,
    nan_fill_nb,
    span3_nb,
)
from ntlab.indicators._ma_nb import sma_col_nb

__all__ = [
    "true_range_nb",
    "atr_nb",
    "adx_nb",
    "stoch_nb",
    "cci_nb",
]

_ZERO_EPS = 1e-14  # TA-Lib 0.8 TA_EPSILON


@njit(cache=True, error_model="numpy", inline="always")
def _tr(h, lo, pc):
    r = h - lo
    a = abs(h - pc)
    if a > r:
        r = a
    b = abs(lo - pc)
    if b > r:
        r = b
    return r


@njit(cache=True, error_model="numpy", inline="always")
def _gap3(h, lo, c):
    # scalars only: passing arrays to a helper in a hot loop costs reference counting
    return (h != h) | (lo != lo) | (c != c)


@njit(cache=True, error_model="numpy")
def _tr_row(h, lo, pc, o):
    # o[i] = true range from h[i], lo[i] and the previous close pc[i]; True on a NaN in h/lo/pc
    bad = False
    for i in range(o.shape[0]):
        a = h[i]
        b = lo[i]
        p = pc[i]
        bad |= (a != a) | (b != b) | (p != p)
        o[i] = _tr(a, b, p)
    return bad


@njit(cache=True, error_model="numpy")
def _wilder_tr(h, lo, pc, o, prev, a, b):
    # o[i] = fma(o[i - 1], a, tr[i] * b) with the true range computed on the fly (it runs
    # beside the fma chain); True on a NaN. A NaN high or low makes the true range, hence
    # every later value, NaN (found from the last value); a NaN close must be tested.
    bad = False
    for i in range(o.shape[0]):
        p = pc[i]
        bad |= p != p
        prev = fma_nb(prev, a, _tr(h[i], lo[i], p) * b)
        o[i] = prev
    return bad or prev != prev


@njit(cache=True, error_model="numpy")
def _atr_col(h, lo, c, s, e, w, o):
    first = s + w
    nan_fill_nb(o, s, min(first, e))
    if w == 1:  # ATR(1) is the true range (TA-Lib)
        return e - s < 2 or not _tr_row(h[s + 1 : e], lo[s + 1 : e], c[s : e - 1], o[s + 1 : e])
    total = 0.0
    bad = False
    for i in range(s + 1, min(first + 1, e)):
        bad |= _gap3(h[i], lo[i], c[i - 1])
        if i < first:
            total += _tr(h[i], lo[i], c[i - 1])
    if e <= first:
        return not bad
    o[first] = (total + _tr(h[first], lo[first], c[first - 1])) / w
    a = float(w - 1) / float(w)
    r = first + 1
    return not (bad or _wilder_tr(h[r:e], lo[r:e], c[first : e - 1], o[r:e], o[first], a, 1.0 - a))


@njit(cache=True, error_model="numpy")
def true_range_nb(h, lo, c, out, ok):
    """True range max(h - l, |h - c[-1]|, |l - c[-1]|) of each row (NaN on the first bar)."""
    for j in range(c.shape[0]):
        s, e = span3_nb(h[j], lo[j], c[j])
        o = out[j]
        edges_nb(o, s, e)
        nan_fill_nb(o, s, min(s + 1, e))
        ok[j] = e - s < 2 or not _tr_row(
            h[j, s + 1 : e], lo[j, s + 1 : e], c[j, s : e - 1], o[s + 1 : e]
        )
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def atr_nb(h, lo, c, w, out, ok):
    """Average true range (Wilder, seeded with the mean of the first w true ranges)."""
    for j in range(c.shape[0]):
        s, e = span3_nb(h[j], lo[j], c[j])
        edges_nb(out[j], s, e)
        ok[j] = _atr_col(h[j], lo[j], c[j], s, e, w, out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy", inline="always")
def _dm(h, pH, lo, pL):
    dp = h - pH
    dm = pL - lo
    if dm > 0.0 and dp < dm:
        return 0.0, dm
    if dp > 0.0 and dp > dm:
        return dp, 0.0
    return 0.0, 0.0


@njit(cache=True, error_model="numpy", inline="always")
def _di(pdm, mdm, tr):
    if tr > 0.0:
        return (pdm / tr) * 100.0, (mdm / tr) * 100.0, True
    return 0.0, 0.0, False


@njit(cache=True, error_model="numpy", inline="always")
def _dx(p, m):
    t = m + p
    if -_ZERO_EPS < t < _ZERO_EPS:
        return 0.0, False
    return (abs(m - p) / t) * 100.0, True


@njit(cache=True, error_model="numpy")
def _adx_col(h, lo, c, s, e, w, adx, pdi, mdi):
    nan_fill_nb(adx, s, min(s + 2 * w - 1, e))
    nan_fill_nb(pdi, s, min(s + w, e))
    nan_fill_nb(mdi, s, min(s + w, e))
    if any_nan3_nb(h[s:e], lo[s:e], c[s:e]):
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


@njit(cache=True, error_model="numpy")
def adx_nb(h, lo, c, w, adx, pdi, mdi, ok):
    """ADX, +DI and -DI of each row (TA-Lib ADX / PLUS_DI / MINUS_DI)."""
    for j in range(c.shape[0]):
        s, e = span3_nb(h[j], lo[j], c[j])
        for arr in (adx[j], pdi[j], mdi[j]):
            edges_nb(arr, s, e)
        ok[j] = _adx_col(h[j], lo[j], c[j], s, e, w, adx[j], pdi[j], mdi[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy", inline="always")
def _fastk(c, hh, ll):
    diff = hh - ll
    k = ((c - ll) / diff) * 100.0
    return 0.0 if abs(diff) <= (abs(hh) + abs(ll)) * _ZERO_EPS else k  # a select: vectorises


@njit(cache=True, error_model="numpy")
def _max_into(acc, src):
    # acc[t] = src[t] if src[t] >= acc[t] (the newer bar wins ties, as TA-Lib); vectorises
    for t in range(acc.shape[0]):
        v = src[t]
        acc[t] = v if v >= acc[t] else acc[t]


@njit(cache=True, error_model="numpy")
def _min_into(acc, src):
    for t in range(acc.shape[0]):
        v = src[t]
        acc[t] = v if v <= acc[t] else acc[t]


@njit(cache=True, error_model="numpy")
def _extremes_direct(h, lo, fk, hh, ll):
    # hh[t] = max(h[t:t + fk]), ll[t] = min(lo[t:t + fk]), branch-free: blocks of windows
    # updated one offset at a time, oldest first
    n = hh.shape[0]
    for b0 in range(0, n, 512):
        b1 = min(b0 + 512, n)
        hh[b0:b1] = h[b0:b1]
        ll[b0:b1] = lo[b0:b1]
        for k in range(1, fk):
            _max_into(hh[b0:b1], h[b0 + k : b1 + k])
            _min_into(ll[b0:b1], lo[b0 + k : b1 + k])


@njit(cache=True, error_model="numpy")
def _extremes_scan(h, lo, fk, hh, ll):
    # the same by TA-Lib's method: keep the extreme's bar, rescan the window when it leaves
    hi_i = -1
    lo_i = -1
    top = 0.0
    bot = 0.0
    for t in range(hh.shape[0]):
        i = t + fk - 1
        if hi_i < t:
            hi_i = t
            top = h[t]
            for q in range(t + 1, i + 1):
                if h[q] >= top:
                    hi_i = q
                    top = h[q]
        elif h[i] >= top:
            hi_i = i
            top = h[i]
        if lo_i < t:
            lo_i = t
            bot = lo[t]
            for q in range(t + 1, i + 1):
                if lo[q] <= bot:
                    lo_i = q
                    bot = lo[q]
        elif lo[i] <= bot:
            lo_i = i
            bot = lo[i]
        hh[t] = top
        ll[t] = bot


_DIRECT_MAX = 48  # longest %K window for the direct (O(window) per bar, branch-free) extremes


@njit(cache=True, error_model="numpy")
def _fastk_row(c, hh, ll):
    # hh[t] = fast %K from c[t], hh[t] and ll[t]
    for t in range(c.shape[0]):
        hh[t] = _fastk(c[t], hh[t], ll[t])


@njit(cache=True, error_model="numpy")
def _stoch_col(h, lo, c, s, e, fk, sk, sd, k_out, d_out):
    # in place in the two output rows, pass by pass (all but the SMAs vectorise): highest
    # high -> d_out, lowest low -> k_out; fast %K -> d_out; %K = SMA(fast %K) -> k_out;
    # %D = SMA(%K) -> d_out
    if any_nan3_nb(h[s:e], lo[s:e], c[s:e]):
        return False
    first = s + fk - 1
    start = s + fk + sk + sd - 3
    if e > first:
        hh = d_out[first:e]
        ll = k_out[first:e]
        if fk <= _DIRECT_MAX:
            _extremes_direct(h[s:e], lo[s:e], fk, hh, ll)
        else:
            _extremes_scan(h[s:e], lo[s:e], fk, hh, ll)
        _fastk_row(c[first:e], hh, ll)  # fast %K -> d_out
        sma_col_nb(d_out, first, e, sk, k_out)  # TA-Lib SMA, as TA-Lib STOCH
        sma_col_nb(k_out, first + sk - 1, e, sd, d_out)
    nan_fill_nb(k_out, s, min(start, e))
    nan_fill_nb(d_out, s, min(start, e))
    return True


@njit(cache=True, error_model="numpy")
def stoch_nb(h, lo, c, fk, sk, sd, k_out, d_out, ok):
    """Slow stochastic %K (SMA of fast %K over sk) and %D (SMA of %K over sd)."""
    for j in range(c.shape[0]):
        s, e = span3_nb(h[j], lo[j], c[j])
        for arr in (k_out[j], d_out[j]):
            edges_nb(arr, s, e)
        ok[j] = _stoch_col(h[j], lo[j], c[j], s, e, fk, sk, sd, k_out[j], d_out[j])
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy", inline="always")
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


@njit(cache=True, error_model="numpy")
def _add_row(acc, row):
    for k in range(acc.shape[0]):
        acc[k] += row[k]


@njit(cache=True, error_model="numpy")
def _add_dev_row(acc, row, avg):
    for k in range(acc.shape[0]):
        acc[k] += abs(row[k] - avg[k])


@njit(cache=True, error_model="numpy")
def _cci_lane(U, nk, r, w, avg, dev):
    # mean (into avg) and sum of absolute deviations (into dev) of lane r of nk rotations,
    # each adding in TA-Lib's slot order: slot q is this rotation's for q <= r, else the
    # previous one's. Each step is one vectorised loop over the rotations.
    t = avg[:nk]
    d = dev[:nk]
    t[:] = 0.0
    for q in range(w):
        _add_row(t, U[q, 1 : nk + 1] if q <= r else U[q, 0:nk])
    for k in range(nk):
        t[k] /= w
    d[:] = 0.0
    for q in range(w):
        _add_dev_row(d, U[q, 1 : nk + 1] if q <= r else U[q, 0:nk], t)


@njit(cache=True, error_model="numpy")
def _cci_col(h, lo, c, s, e, w, o, U, avg, dev):
    # Rotation k = bars s + k*w + q, q < w: the bars TA-Lib's circular buffer holds in
    # slot q; bar s + k*w + r (lane r) sums slots 0..r of rotation k, then slots r+1..w-1
    # of rotation k - 1. Blocks of nk rotations are laid out U[q, 1 + kk] (column 0: the
    # rotation before the block), so every lane's sums vectorise across rotations.
    if any_nan3_nb(h[s:e], lo[s:e], c[s:e]):
        return False
    first = s + w - 1  # first bar with a value
    nan_fill_nb(o, s, min(first, e))
    if e <= first:
        return True
    n_rot = (e - 1 - s) // w + 1
    for k0 in range(0, n_rot, avg.shape[0]):
        nk = min(avg.shape[0], n_rot - k0)
        for kk in range(nk + 1):
            base = s + (k0 + kk - 1) * w
            for q in range(w):
                bar = base + q
                U[q, kk] = ((h[bar] + lo[bar]) + c[bar]) / 3.0 if s <= bar < e else 0.0
        for r in range(w):
            _cci_lane(U, nk, r, w, avg, dev)
            for kk in range(nk):
                bar = s + (k0 + kk) * w + r
                if first <= bar < e:
                    o[bar] = _cci_value(U[r, kk + 1], avg[kk], dev[kk], w)
    return True


@njit(cache=True, error_model="numpy")
def cci_nb(h, lo, c, w, out, ok):
    """Commodity channel index: (tp - mean) / (0.015 * mean deviation) over w bars."""
    block = max(16, min(1024, 8192 // w))  # rotations per block (U stays in cache)
    U = np.empty((w, block + 1))
    avg = np.empty(block)
    dev = np.empty(block)
    for j in range(c.shape[0]):
        s, e = span3_nb(h[j], lo[j], c[j])
        edges_nb(out[j], s, e)
        ok[j] = _cci_col(h[j], lo[j], c[j], s, e, w, out[j], U, avg, dev)
    return n_bad_nb(ok)
