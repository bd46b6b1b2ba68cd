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

from ntlab.indicators._common_nb import (
    any_nan1_nb,
    edges_nb,
    fma_nb,
    n_bad_nb,
    nan_fill_nb,
    span1_nb,
    span2_nb,
)

__all__ = ["bollinger_nb", "zscore_nb", "volatility_nb", "pair_nb", "reanchor_nb", "bands_nb"]


@njit(cache=True, error_model="numpy", inline="always")
def reanchor_nb(q, w):
    """True when output number q (0 = first full window) recomputes its sums from scratch."""
    return q % (8 * w) == 0


@njit(cache=True, error_model="numpy", inline="always")
def _anchor(x, lo, w):
    """(K, S1, S2) of the window x[lo:lo + w] from scratch: K its mean, S1 and S2 the sums
    of the deviations from K and of their squares."""
    t = 0.0
    for p in range(lo, lo + w):
        t += x[p]
    k = t / w
    s1 = 0.0
    s2 = 0.0
    for p in range(lo, lo + w):
        d = x[p] - k
        s1 += d
        s2 += d * d
    return k, s1, s2


@njit(cache=True, error_model="numpy")
def _sums_start(x, s, w):
    """(SMA running total, run) before bar s + w - 1, the first full window; ``run`` is the
    length of the run of equal values ending at the bar."""
    total = 0.0
    run = 0
    for i in range(s, s + w - 1):
        run = run + 1 if i > s and x[i] == x[i - 1] else 1
        total += x[i]
    return total, run


@njit(cache=True, error_model="numpy", inline="always")
def _sma_run_step(x, i, w, total, run):
    # TA-Lib's SMA total before its division by w, the next total, the run of equal values
    v = x[i]
    run = run + 1 if v == x[i - 1] else 1
    total += v
    tmp = total
    total -= x[i - w + 1]
    return tmp, total, run


@njit(cache=True, error_model="numpy")
def _sums_block(x, w, i0, i1, total, run, tot, s1o, s2o):
    """Window sums of bars i0..i1-1 (i0 >= s + w - 1, a re-anchoring bar: the first full
    window, then every 8 * w bars) into tot/s1o/s2o[0:i1 - i0]: TA-Lib's SMA total before
    its division by w, and the sums of the deviations from the anchor K (the mean of bar
    i0's window) and of their squares; S1 is NaN where the last w values are equal
    (variance exactly 0). Only adds and multiplies: the divisions wait for the vectorised
    finish. Returns (total, run) for the next block."""
    k, s1, s2 = _anchor(x, i0 - w + 1, w)
    tmp, total, run = _sma_run_step(x, i0, w, total, run)
    tot[0] = tmp
    s1o[0] = s1 if run < w else np.nan
    s2o[0] = s2
    for i in range(i0 + 1, i1):
        t = i - i0
        tmp, total, run = _sma_run_step(x, i, w, total, run)
        tot[t] = tmp
        dn = x[i] - k
        do = x[i - w] - k
        s1 += dn
        s1 -= do
        s2 += dn * dn
        s2 -= do * do
        s1o[t] = s1 if run < w else np.nan
        s2o[t] = s2
    return total, run


@njit(cache=True, error_model="numpy", inline="always")
def var_of_sums_nb(s1, s2, w, ddof):
    """Variance (ddof 0 or 1) from the window sums of :func:`_sums_block` (S1 NaN: 0)."""
    r = (s2 - s1 * (s1 / w)) / (w - ddof)
    return 0.0 if s1 != s1 else (r if r > 0.0 else 0.0)


@njit(cache=True, error_model="numpy", inline="always")
def bands_nb(x, mid, var, k):
    """(upper, lower, %B, bandwidth) from the middle band and population variance."""
    sd = np.sqrt(var)
    up = fma_nb(sd, k, mid)
    lo = fma_nb(-sd, k, mid)
    width = up - lo
    pb = (x - lo) / width if width > 0.0 else np.nan
    bw = width / mid if mid != 0.0 else np.nan
    return up, lo, pb, bw


@njit(cache=True, error_model="numpy")
def _bands_finish(x, tot, s1, s2, w, k, up, mid, lo, pb, bw):
    for t in range(x.shape[0]):
        m = tot[t] / w
        u, d, p, b = bands_nb(x[t], m, var_of_sums_nb(s1[t], s2[t], w, 0), k)
        up[t] = u
        mid[t] = m
        lo[t] = d
        pb[t] = p
        bw[t] = b


@njit(cache=True, error_model="numpy")
def bollinger_nb(x, w, k, up, mid, lo, pb, bw, ok):
    """Upper, middle, lower band, %B and bandwidth (population std, as TA-Lib BBANDS)."""
    tot = np.empty(8 * w)
    s1 = np.empty(8 * w)
    s2 = np.empty(8 * w)
    for j in range(x.shape[0]):
        xj = x[j]
        s, e = span1_nb(xj)
        f = s + w - 1
        for arr in (up[j], mid[j], lo[j], pb[j], bw[j]):
            edges_nb(arr, s, e)
            nan_fill_nb(arr, s, min(f, e))
        ok[j] = not any_nan1_nb(xj[s:e])
        if not ok[j] or e <= f:
            continue
        total, run = _sums_start(xj, s, w)
        for i0 in range(f, e, 8 * w):  # blocks start where the sums re-anchor
            i1 = min(e, i0 + 8 * w)
            q = i1 - i0
            total, run = _sums_block(xj, w, i0, i1, total, run, tot, s1, s2)
            _bands_finish(
                xj[i0:i1], tot[:q], s1[:q], s2[:q], w, k,
                up[j, i0:i1], mid[j, i0:i1], lo[j, i0:i1], pb[j, i0:i1], bw[j, i0:i1],
            )  # fmt: skip
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def _zscore_finish(x, tot, s1, s2, w, out):
    for t in range(x.shape[0]):
        sd = np.sqrt(var_of_sums_nb(s1[t], s2[t], w, 1))
        out[t] = (x[t] - tot[t] / w) / sd if sd > 0.0 else np.nan


@njit(cache=True, error_model="numpy")
def _vol_finish(s1, s2, w, scale, out):
    for t in range(s1.shape[0]):
        out[t] = np.sqrt(var_of_sums_nb(s1[t], s2[t], w, 1)) * scale


@njit(cache=True, error_model="numpy")
def _std_col(x, s, e, w, scale, out, z, tot, s1, s2):
    # z True: z-score of x; False: rolling std (ddof=1) of x times scale
    f = s + w - 1
    nan_fill_nb(out, s, min(f, e))
    if any_nan1_nb(x[s:e]):
        return False
    if e <= f:
        return True
    total, run = _sums_start(x, s, w)
    for i0 in range(f, e, 8 * w):
        i1 = min(e, i0 + 8 * w)
        q = i1 - i0
        total, run = _sums_block(x, w, i0, i1, total, run, tot, s1, s2)
        if z:
            _zscore_finish(x[i0:i1], tot[:q], s1[:q], s2[:q], w, out[i0:i1])
        else:
            _vol_finish(s1[:q], s2[:q], w, scale, out[i0:i1])
    return True


@njit(cache=True, error_model="numpy")
def zscore_nb(x, w, out, ok):
    """(x - rolling mean) / rolling std (ddof=1); NaN where the window is constant."""
    tot = np.empty(8 * w)
    s1 = np.empty(8 * w)
    s2 = np.empty(8 * w)
    for j in range(x.shape[0]):
        s, e = span1_nb(x[j])
        edges_nb(out[j], s, e)
        ok[j] = _std_col(x[j], s, e, w, 1.0, out[j], True, tot, s1, s2)
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy")
def volatility_nb(x, w, log, scale, out, r, ok):
    """Rolling std (ddof=1) of one-bar returns (log or simple) over w returns, times ``scale``.
    ``r`` is scratch space of the shape of ``x`` (the returns)."""
    tot = np.empty(8 * w)
    s1 = np.empty(8 * w)
    s2 = np.empty(8 * w)
    for j in range(x.shape[0]):
        xj = x[j]
        rj = r[j]
        s, e = span1_nb(xj)
        edges_nb(out[j], s, e)
        nan_fill_nb(out[j], s, min(s + 1, e))
        ok[j] = not any_nan1_nb(xj[s:e])
        if ok[j] and e - s > 1:
            for i in range(s + 1, e):
                rj[i] = np.log(xj[i] / xj[i - 1]) if log else xj[i] / xj[i - 1] - 1.0
            _std_col(rj, s + 1, e, w, scale, out[j], False, tot, s1, s2)
    return n_bad_nb(ok)


@njit(cache=True, error_model="numpy", inline="always")
def _pair_anchor(x, y, lo, w):
    # (Kx, Ky, Sx, Sy, Sxx, Syy, Sxy) of the window lo..lo + w - 1 from scratch
    tx = 0.0
    ty = 0.0
    for p in range(lo, lo + w):
        tx += x[p]
        ty += y[p]
    kx = tx / w
    ky = ty / w
    sx = sy = sxx = syy = sxy = 0.0
    for p in range(lo, lo + w):
        dx = x[p] - kx
        dy = y[p] - ky
        sx += dx
        sy += dy
        sxx += dx * dx
        syy += dy * dy
        sxy += dx * dy
    return kx, ky, sx, sy, sxx, syy, sxy


@njit(cache=True, error_model="numpy")
def _pair_block(x, y, w, i0, i1, S):
    # centred window sums of bars i0..i1-1 into S[0:5, 0:i1 - i0]; bar i0 re-anchors
    kx, ky, sx, sy, sxx, syy, sxy = _pair_anchor(x, y, i0 - w + 1, w)
    for i in range(i0, i1):
        if i > i0:
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
        t = i - i0
        S[0, t] = sx
        S[1, t] = sy
        S[2, t] = sxx
        S[3, t] = syy
        S[4, t] = sxy


@njit(cache=True, error_model="numpy")
def _pair_finish(sx, sy, sxx, syy, sxy, w, corr, out):
    for t in range(out.shape[0]):
        out[t] = pair_value_nb(sx[t], sy[t], sxx[t], syy[t], sxy[t], w, corr)


@njit(cache=True, error_model="numpy")
def _pair_col(x, y, s, e, w, corr, out, S):
    # blocks of 8 * w bars, each starting where the sums re-anchor (the first full window,
    # then every 8 * w bars): the running sums of a block, then its vectorised finish
    f = s + w - 1
    nan_fill_nb(out, s, min(f, e))
    if any_nan1_nb(x[s:e]) or any_nan1_nb(y[s:e]):
        return False
    for i0 in range(f, e, 8 * w):
        i1 = min(e, i0 + 8 * w)
        q = i1 - i0
        _pair_block(x, y, w, i0, i1, S)
        _pair_finish(S[0, :q], S[1, :q], S[2, :q], S[3, :q], S[4, :q], w, corr, out[i0:i1])
    return True


@njit(cache=True, error_model="numpy", inline="always")
def pair_value_nb(sx, sy, sxx, syy, sxy, w, corr):
    """Correlation (corr True) or beta of x on y from centred window sums; NaN if undefined.
    Branch-free (selects), so a loop of it vectorises."""
    cxy = sxy - sx * (sy / w)
    vy = syy - sy * (sy / w)
    if corr:
        vx = sxx - sx * (sx / w)
        d = vx * vy
        r = min(1.0, max(-1.0, cxy / np.sqrt(d)))
        return r if d > 0.0 else np.nan
    b = cxy / vy
    return b if vy > 0.0 else np.nan


@njit(cache=True, error_model="numpy")
def pair_nb(x, y, w, corr, out, ok):
    """Rolling Pearson correlation (corr True) or beta cov(x, y) / var(y) of row pairs."""
    S = np.empty((5, 8 * w))
    for j in range(x.shape[0]):
        s, e = span2_nb(x[j], y[j])
        edges_nb(out[j], s, e)
        ok[j] = _pair_col(x[j], y[j], s, e, w, corr, out[j], S)
    return n_bad_nb(ok)
