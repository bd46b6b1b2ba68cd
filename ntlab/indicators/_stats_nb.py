"""Rolling statistics kernels: Bollinger bands, z-score, volatility, correlation, beta.

Same layout and gap protocol as ``_ma_nb``. Window moments use sums of deviations from
an anchor K (the window mean), re-anchored from scratch on the first full window and
every ``8 * w`` bars after it, so the running sums cannot drift on long histories; a
window whose values are all equal has variance exactly 0. The mean of Bollinger and
z-score is TA-Lib's SMA (bit for bit).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.indicators._common_nb import empty_nb, fma_nb, nan_fill_nb, span1_nb, span2_nb
from ntlab.indicators._ma_nb import sma_col_nb

__all__ = ["moments_nb", "bollinger_nb", "zscore_nb", "volatility_nb", "pair_nb", "reanchor_nb"]


@njit(cache=True, inline="always")
def reanchor_nb(q, w):
    """True when output number q (0 = first full window) recomputes its sums from scratch."""
    return q % (8 * w) == 0


@njit(cache=True)
def _var_col(x, s, e, w, ddof, var):
    """Variance (ddof 0 or 1) of x over w bars into var[s + w - 1:e]."""
    nan_fill_nb(var, s, min(s + w - 1, e))
    k = 0.0
    s1 = 0.0
    s2 = 0.0
    run = 0
    countdown = 1  # re-anchor on the first full window, then every 8 * w bars (no modulo)
    for i in range(s, e):
        v = x[i]
        if v != v:
            return False
        run = run + 1 if i > s and v == x[i - 1] else 1
        if i < s + w - 1:
            continue
        countdown -= 1
        if countdown == 0:
            countdown = 8 * w
            t = 0.0
            for p in range(i - w + 1, i + 1):
                t += x[p]
            k = t / w
            s1 = 0.0
            s2 = 0.0
            for p in range(i - w + 1, i + 1):
                d = x[p] - k
                s1 += d
                s2 += d * d
        else:
            dn = v - k
            do = x[i - w] - k
            s1 += dn
            s1 -= do
            s2 += dn * dn
            s2 -= do * do
        if run >= w:
            var[i] = 0.0
        else:
            r = (s2 - s1 * (s1 / w)) / (w - ddof)
            var[i] = r if r > 0.0 else 0.0
    return True


@njit(cache=True)
def moments_nb(x, w, ddof):
    """Rolling SMA (TA-Lib) and variance of each row; returns (mean, var, ok)."""
    m, n = x.shape
    mean = empty_nb(m, n)
    var = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span1_nb(x[j])
        for arr in (mean[j], var[j]):
            nan_fill_nb(arr, 0, s)
            nan_fill_nb(arr, e, n)
        ok[j] = sma_col_nb(x[j], s, e, w, mean[j]) and _var_col(x[j], s, e, w, ddof, var[j])
    return mean, var, ok


@njit(cache=True, inline="always")
def bands_nb(x, mid, var, k):
    """(upper, lower, %B, bandwidth) from the middle band and population variance."""
    sd = np.sqrt(var)
    up = fma_nb(sd, k, mid)
    lo = fma_nb(-sd, k, mid)
    width = up - lo
    pb = (x - lo) / width if width > 0.0 else np.nan
    bw = width / mid if mid != 0.0 else np.nan
    return up, lo, pb, bw


@njit(cache=True)
def bollinger_nb(x, w, k):
    """Upper, middle, lower band, %B and bandwidth (population std, as TA-Lib BBANDS)."""
    mid, var, ok = moments_nb(x, w, 0)
    m, n = x.shape
    up = empty_nb(m, n)
    lo = empty_nb(m, n)
    pb = empty_nb(m, n)
    bw = empty_nb(m, n)
    for j in range(m):
        for i in range(n):
            u, d, p, b = bands_nb(x[j, i], mid[j, i], var[j, i], k)
            up[j, i] = u
            lo[j, i] = d
            pb[j, i] = p
            bw[j, i] = b
    return up, mid, lo, pb, bw, ok


@njit(cache=True)
def zscore_nb(x, w):
    """(x - rolling mean) / rolling std (ddof=1); NaN where the window is constant."""
    mean, var, ok = moments_nb(x, w, 1)
    m, n = x.shape
    for j in range(m):
        for i in range(n):
            sd = np.sqrt(var[j, i])
            mean[j, i] = (x[j, i] - mean[j, i]) / sd if sd > 0.0 else np.nan
    return mean, ok


@njit(cache=True)
def volatility_nb(x, w, log, scale):
    """Rolling std (ddof=1) of one-bar returns (log or simple) over w returns, times ``scale``."""
    m, n = x.shape
    out = empty_nb(m, n)
    r = np.empty(n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        xj = x[j]
        s, e = span1_nb(xj)
        nan_fill_nb(out[j], 0, s + 1)
        nan_fill_nb(out[j], e, n)
        good = True
        for i in range(s + 1, e):
            if xj[i] != xj[i]:
                good = False
                break
            r[i] = np.log(xj[i] / xj[i - 1]) if log else xj[i] / xj[i - 1] - 1.0
        if not good or xj[s] != xj[s]:
            ok[j] = False
            continue
        if e - s > 1:
            _var_col(r, s + 1, e, w, 1, out[j])
            for i in range(s + w, e):
                out[j, i] = np.sqrt(out[j, i]) * scale
    return out, ok


@njit(cache=True)
def _pair_col(x, y, s, e, w, corr, out):
    nan_fill_nb(out, s, min(s + w - 1, e))
    kx = 0.0
    ky = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    syy = 0.0
    sxy = 0.0
    countdown = 1
    for i in range(s, e):
        if x[i] != x[i] or y[i] != y[i]:
            return False
        if i < s + w - 1:
            continue
        countdown -= 1
        if countdown == 0:
            countdown = 8 * w
            tx = 0.0
            ty = 0.0
            for p in range(i - w + 1, i + 1):
                tx += x[p]
                ty += y[p]
            kx = tx / w
            ky = ty / w
            sx = sy = sxx = syy = sxy = 0.0
            for p in range(i - w + 1, i + 1):
                dx = x[p] - kx
                dy = y[p] - ky
                sx += dx
                sy += dy
                sxx += dx * dx
                syy += dy * dy
                sxy += dx * dy
        else:
            dx = x[i] - kx
            dy = y[i] - ky
            ox = x[i - w] - kx
            oy = y[i - w] - ky
            sx += dx
            sx -= ox
            sy += dy
            sy -= oy
            sxx += dx * dx
            sxx -= ox * ox
            syy += dy * dy
            syy -= oy * oy
            sxy += dx * dy
            sxy -= ox * oy
        out[i] = pair_value_nb(sx, sy, sxx, syy, sxy, w, corr)
    return True


@njit(cache=True, inline="always")
def pair_value_nb(sx, sy, sxx, syy, sxy, w, corr):
    """Correlation (corr True) or beta of x on y from centred window sums; NaN if undefined."""
    cxy = sxy - sx * (sy / w)
    vy = syy - sy * (sy / w)
    if corr:
        vx = sxx - sx * (sx / w)
        d = vx * vy
        if not (d > 0.0):
            return np.nan
        r = cxy / np.sqrt(d)
        return min(1.0, max(-1.0, r))
    if not (vy > 0.0):
        return np.nan
    return cxy / vy


@njit(cache=True)
def pair_nb(x, y, w, corr):
    """Rolling Pearson correlation (corr True) or beta cov(x, y) / var(y) of row pairs."""
    m, n = x.shape
    out = empty_nb(m, n)
    ok = np.ones(m, dtype=np.bool_)
    for j in range(m):
        s, e = span2_nb(x[j], y[j])
        nan_fill_nb(out[j], 0, s)
        nan_fill_nb(out[j], e, n)
        ok[j] = _pair_col(x[j], y[j], s, e, w, corr, out[j])
    return out, ok
