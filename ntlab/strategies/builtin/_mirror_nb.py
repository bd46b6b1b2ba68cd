"""Numba kernels of the mirror strategy: decayed filing scores and pattern matching.

Each batch kernel loops over bars calling the same per-bar code a live stream calls on
its trailing window, so batch and stream agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "filing_score_nb",
    "mirror_hold_nb",
    "pattern_vectors_nb",
    "pattern_vector_nb",
    "pattern_vectors_last_nb",
    "pattern_match_nb",
    "pattern_norms_nb",
    "pattern_predict_nb",
]


@njit(cache=True)
def filing_score_nb(
    bar_ns: np.ndarray,
    prev_ns: int,
    avail_ns: np.ndarray,
    sym: np.ndarray,
    weight: np.ndarray,
    half_life_ns: float,
    max_age_ns: int,
    m: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Decayed filing scores and "new filing" flags, each of shape (n_bars, m).

    Filing f counts at bar t when ``t - max_age_ns <= avail_ns[f] < t``, with weight
    ``weight[f] * 2 ** (-(t - avail_ns[f]) / half_life_ns)``; ``avail_ns`` is sorted.
    ``fresh[t, s]`` is True when a filing of s became usable since the previous bar
    (``prev_ns`` is the time of the bar before ``bar_ns[0]``).
    """
    n = bar_ns.shape[0]
    score = np.zeros((n, m))
    fresh = np.zeros((n, m), dtype=np.bool_)
    prev = prev_ns
    for i in range(n):
        t = bar_ns[i]
        hi = np.searchsorted(avail_ns, t)  # avail < t
        lo = np.searchsorted(avail_ns, t - max_age_ns)  # avail >= t - max_age
        for f in range(lo, hi):
            s = sym[f]
            if s < 0:
                continue
            age = float(t - avail_ns[f])
            score[i, s] += weight[f] * 2.0 ** (-age / half_life_ns)
            if avail_ns[f] >= prev:
                fresh[i, s] = True
        prev = t
    return score, fresh


@njit(cache=True)
def mirror_hold_nb(
    score: np.ndarray,
    fresh: np.ndarray,
    tradable: np.ndarray,
    entry: float,
    exit_: float,
    max_fraction: float,
    allow_short: bool,
    init: np.ndarray,
) -> np.ndarray:
    """Sleeve targets from filing scores, shape (n_bars, m).

    Enter ``sign(score) * min(max_fraction, |score|)`` when ``|score| >= entry`` (shorts
    only if ``allow_short``); resize only when a new filing arrives; exit when the score
    falls below ``exit_`` or changes sign, or the symbol has no bar. ``init`` (m,) is the
    target before the first row.
    """
    n, m = score.shape
    out = np.zeros((n, m))
    for j in range(m):
        tgt = init[j]
        for i in range(n):
            s = score[i, j]
            if not tradable[i, j]:
                tgt = 0.0
            elif tgt != 0.0:
                if s * tgt <= 0.0 or abs(s) < exit_:
                    tgt = 0.0
                elif fresh[i, j]:
                    tgt = np.sign(s) * min(max_fraction, abs(s))
            if tgt == 0.0 and tradable[i, j] and abs(s) >= entry and (s > 0.0 or allow_short):
                tgt = np.sign(s) * min(max_fraction, abs(s))
            out[i, j] = tgt
    return out


@njit(cache=True, inline="always")
def _zfill(src, out, start):
    """Standardise src into out[start:start+len(src)]; False when constant or NaN."""
    k = src.shape[0]
    mean = 0.0
    for v in src:
        mean += v
    mean /= k
    ss = 0.0
    for v in src:
        ss += (v - mean) * (v - mean)
    if not ss > 0.0:
        return False
    sd = np.sqrt(ss / k)
    for q in range(k):
        out[start + q] = (src[q] - mean) / sd
    return True


@njit(cache=True)
def pattern_vector_nb(close: np.ndarray, volume: np.ndarray, out: np.ndarray) -> None:
    """Shape vector of one symbol's last bars into ``out`` (NaN when undefined).

    ``close`` has L+1 values, ``volume`` L values or none; ``out`` is float32 (the
    similarity search reads a lot of vectors). Blocks, each standardised:
    the cumulative log-return path (L), the absolute log returns (L, the volatility
    profile), the log volumes (L, when given). ``out`` has 2L or 3L slots.
    """
    L = close.shape[0] - 1
    out[:] = np.nan
    path = np.empty(L)
    absr = np.empty(L)
    for q in range(L):
        a, b = close[q], close[q + 1]
        if not (a > 0.0 and b > 0.0):
            return
        absr[q] = abs(np.log(b / a))
        path[q] = np.log(b / close[0])
    tmp = np.empty(out.shape[0])
    if not _zfill(path, tmp, 0) or not _zfill(absr, tmp, L):
        return
    if volume.shape[0] > 0:
        lv = np.empty(L)
        for q in range(L):
            if not volume[q] > 0.0:
                return
            lv[q] = np.log(volume[q])
        if not _zfill(lv, tmp, 2 * L):
            return
    out[:] = tmp


@njit(cache=True)
def pattern_vectors_last_nb(
    close: np.ndarray, volume: np.ndarray, has_volume: bool, out: np.ndarray
) -> None:
    """Shape vectors of the last row for every symbol into ``out`` (m, d), float32.

    ``close`` holds the last L+1 rows (L+1, m), ``volume`` the last L rows (or is empty).
    """
    m = close.shape[1]
    empty = np.empty(0)
    for j in range(m):
        vol = volume[:, j].copy() if has_volume else empty
        pattern_vector_nb(close[:, j].copy(), vol, out[j])


@njit(cache=True)
def pattern_vectors_nb(
    close: np.ndarray, volume: np.ndarray, L: int, has_volume: bool
) -> np.ndarray:
    """Shape vectors of every bar, float32 of shape (n, m, 2L or 3L); NaN for the first L bars."""
    n, m = close.shape
    d = 3 * L if has_volume else 2 * L
    out = np.full((n, m, d), np.nan, dtype=np.float32)
    empty = np.empty(0)
    for i in range(L, n):
        for j in range(m):
            vol = volume[i - L + 1 : i + 1, j].copy() if has_volume else empty
            pattern_vector_nb(close[i - L : i + 1, j].copy(), vol, out[i, j])
    return out


@njit(cache=True)
def pattern_norms_nb(vectors: np.ndarray) -> np.ndarray:
    """Euclidean norms of shape vectors (..., d) -> (...); NaN for undefined vectors."""
    flat = vectors.reshape(-1, vectors.shape[-1])
    out = np.empty(flat.shape[0])
    for r in range(flat.shape[0]):
        acc = 0.0
        for c in range(flat.shape[1]):
            acc += flat[r, c] * flat[r, c]
        out[r] = np.sqrt(acc)
    return out.reshape(vectors.shape[:-1])


@njit(cache=True, fastmath={"reassoc", "contract"})
def _similarities(vectors, norms, outcomes, i, lo, hi):
    """Cosine similarity of row i to rows lo..hi-1 per symbol, shape (hi - lo, m); NaN
    where a vector or outcome is undefined. Rows outer, symbols inner: memory is read
    in order, and the float32 dot products vectorise."""
    m, d = vectors.shape[1], vectors.shape[2]
    sims = np.full((max(hi - lo, 0), m), np.nan)
    for s in range(lo, hi):
        for j in range(m):
            qn = norms[i, j]
            vn = norms[s, j]
            if qn != qn or vn != vn or outcomes[s, j] != outcomes[s, j]:
                continue
            dot = np.float32(0.0)
            for c in range(d):
                dot += vectors[i, j, c] * vectors[s, j, c]
            sims[s - lo, j] = dot / (qn * vn)
    return sims


@njit(cache=True)
def pattern_match_nb(
    vectors: np.ndarray,
    norms: np.ndarray,
    outcomes: np.ndarray,
    i: int,
    library: int,
    horizon: int,
    top_k: int,
    min_sim: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarity-weighted outcome of the best past matches of row i, per symbol.

    ``vectors`` (n, m, d) float32 shape vectors and their ``norms`` (n, m)
    (:func:`pattern_norms_nb`). Candidates for symbol j are rows s with
    ``i - library <= s <= i - horizon`` (their outcome was known at row i), a defined
    vector and outcome, and cosine similarity >= ``min_sim`` to row i. The ``top_k``
    most similar (earlier row first on ties) are averaged with their similarities as
    weights.

    Returns
    -------
    p_up, mean_outcome, n_used : arrays of shape (m,)
        Weighted share of positive outcomes and weighted mean outcome (NaN with no
        match), and the number of matches used.
    """
    m = vectors.shape[1]
    lo = max(0, i - library)
    sims = _similarities(vectors, norms, outcomes, i, lo, i - horizon + 1)
    p_up = np.full(m, np.nan)
    mean = np.full(m, np.nan)
    used = np.zeros(m)
    best_sim = np.empty(top_k)
    best_out = np.empty(top_k)
    for j in range(m):
        count = 0
        for r in range(sims.shape[0]):
            sim = sims[r, j]
            if not sim >= min_sim:
                continue
            if count < top_k:
                pos = count
                count += 1
            elif sim > best_sim[top_k - 1]:
                pos = top_k - 1
            else:
                continue
            while pos > 0 and best_sim[pos - 1] < sim:
                best_sim[pos] = best_sim[pos - 1]
                best_out[pos] = best_out[pos - 1]
                pos -= 1
            best_sim[pos] = sim
            best_out[pos] = outcomes[lo + r, j]
        if count == 0:
            continue
        w = 0.0
        up = 0.0
        acc = 0.0
        for r in range(count):
            w += best_sim[r]
            acc += best_sim[r] * best_out[r]
            if best_out[r] > 0.0:
                up += best_sim[r]
        p_up[j] = up / w
        mean[j] = acc / w
        used[j] = count
    return p_up, mean, used


@njit(cache=True)
def pattern_predict_nb(
    vectors: np.ndarray,
    outcomes: np.ndarray,
    library: int,
    horizon: int,
    top_k: int,
    min_sim: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`pattern_match_nb` for every row; three arrays of shape (n, m)."""
    n, m = outcomes.shape
    norms = pattern_norms_nb(vectors)
    p_up = np.full((n, m), np.nan)
    mean = np.full((n, m), np.nan)
    used = np.zeros((n, m))
    for i in range(n):
        p_up[i], mean[i], used[i] = pattern_match_nb(
            vectors, norms, outcomes, i, library, horizon, top_k, min_sim
        )
    return p_up, mean, used
