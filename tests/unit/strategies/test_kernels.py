"""The strategies' numba kernels against independent references (numpy, pandas, sklearn,
statsmodels, hand-computed cases)."""

import numpy as np
import pandas as pd
import pytest

from ntlab.strategies._nb import (
    entry_levels_nb,
    hold_state_nb,
    kalman_pair_nb,
    logistic_proba_nb,
    ols_last_nb,
    pair_z_last_nb,
)
from ntlab.strategies.builtin._mirror_nb import (
    filing_score_nb,
    mirror_hold_nb,
    pattern_match_nb,
    pattern_norms_nb,
    pattern_predict_nb,
    pattern_vector_nb,
    pattern_vectors_nb,
)


def test_hold_state_by_hand_and_init():
    el = np.array([[0, 1, 0, 0, 0, 0]], bool).T
    xl = np.array([[0, 0, 0, 1, 0, 0]], bool).T
    es = np.array([[0, 0, 0, 0, 1, 0]], bool).T
    xs = np.array([[0, 0, 0, 0, 0, 1]], bool).T
    out = hold_state_nb(el, xl, es, xs, np.zeros(1))
    assert out[:, 0].tolist() == [0, 1, 1, 0, -1, 0]
    # a stream continuing from a long state exits where the batch does
    tail = hold_state_nb(el[2:], xl[2:], es[2:], xs[2:], np.ones(1))
    assert tail[:, 0].tolist() == out[2:, 0].tolist()


def test_entry_levels_fixed_at_entry_close():
    target = np.array([[0, 1, 1, -1, -1, 0]], float).T
    close = np.array([[10, 11, 12, 13, 14, 15]], float).T
    stop, take, entry = entry_levels_nb(target, close, 0.1, 0.2, np.zeros(1), np.full(1, np.nan))
    np.testing.assert_allclose(stop[:, 0], [np.nan, 9.9, 9.9, 14.3, 14.3, np.nan])
    np.testing.assert_allclose(take[:, 0], [np.nan, 13.2, 13.2, 10.4, 10.4, np.nan])
    assert np.isnan(entry[0])
    # carried state gives the same levels as the full run
    s2, t2, _ = entry_levels_nb(target[3:], close[3:], 0.1, 0.2, np.array([1.0]), np.array([11.0]))
    np.testing.assert_allclose(s2[:, 0], stop[3:, 0])


def test_ols_last_matches_numpy_polyfit():
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    y = 0.3 + 1.7 * x + rng.normal(0, 0.1, 80)
    a, b = ols_last_nb(y, x, 50)
    slope, intercept = np.polyfit(x[-50:], y[-50:], 1)
    assert b == pytest.approx(slope, rel=1e-12) and a == pytest.approx(intercept, rel=1e-10)
    y[-3] = np.nan
    assert np.isnan(ols_last_nb(y, x, 50)[1])


def test_pair_z_matches_pandas():
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(0, 0.01, 100)) + 4
    y = 0.9 * x + rng.normal(0, 0.01, 100)
    z, b = pair_z_last_nb(y, x, 60, 20)
    slope = np.polyfit(x[-60:], y[-60:], 1)[0]
    spread = pd.Series(y[-20:] - slope * x[-20:])
    ref = (spread.iloc[-1] - spread.mean()) / spread.std()
    assert b == pytest.approx(slope, rel=1e-10) and z == pytest.approx(ref, rel=1e-9)


def test_kalman_matches_matrix_form():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(0, 0.01, 60)) + 3
    y = 0.5 + 1.2 * x + rng.normal(0, 0.01, 60)
    delta, ve = 1e-4, 1e-3
    state = np.zeros(5)
    z = kalman_pair_nb(y, x, state, delta, ve)
    theta, P = np.zeros(2), np.zeros((2, 2))
    vw = delta / (1 - delta) * np.eye(2)
    ref = []
    for yi, xi in zip(y, x):
        F = np.array([1.0, xi])
        R = P + vw
        Q = F @ R @ F + ve
        e = yi - F @ theta
        K = R @ F / Q
        theta = theta + K * e
        P = R - np.outer(K, F) @ R
        ref.append(e / np.sqrt(Q))
    np.testing.assert_allclose(z, ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(state[:2], theta, rtol=1e-9)
    np.testing.assert_allclose(state[2:], [P[0, 0], P[0, 1], P[1, 1]], rtol=1e-7, atol=1e-15)


def test_logistic_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] - X[:, 1] + rng.normal(0, 0.5, 200) > 0).astype(int)
    m = LogisticRegression().fit(X, y)
    ours = logistic_proba_nb(X, m.coef_[0], float(m.intercept_[0]))
    np.testing.assert_allclose(ours, m.predict_proba(X)[:, 1], rtol=1e-12)


def test_filing_score_by_brute_force():
    day = 86_400 * 10**9
    bars = np.arange(10, dtype=np.int64) * day
    avail = np.array([1 * day + 5, 3 * day, 3 * day + 1, 8 * day - 1], dtype=np.int64)
    sym = np.array([0, 1, 0, 1], dtype=np.int64)
    w = np.array([1.0, -0.5, 0.25, 2.0])
    score, fresh = filing_score_nb(
        bars, np.iinfo(np.int64).min, avail, sym, w, 2.0 * day, 4 * day, 2
    )
    ref = np.zeros((10, 2))
    ref_fresh = np.zeros((10, 2), bool)
    for i, t in enumerate(bars):
        for f in range(4):
            if t - 4 * day <= avail[f] < t:
                ref[i, sym[f]] += w[f] * 0.5 ** ((t - avail[f]) / (2.0 * day))
                prev = bars[i - 1] if i else np.iinfo(np.int64).min
                ref_fresh[i, sym[f]] |= avail[f] >= prev
    np.testing.assert_allclose(score, ref, rtol=1e-12)
    assert (fresh == ref_fresh).all()
    assert score[1, 0] == 0 and score[2, 0] > 0  # usable only from the first bar after it is public
    # one bar at a time (a live stream) gives the same rows
    for i in range(1, 10):
        s1, f1 = filing_score_nb(bars[i : i + 1], bars[i - 1], avail, sym, w, 2.0 * day, 4 * day, 2)
        np.testing.assert_allclose(s1[0], score[i], rtol=1e-12)
        assert (f1[0] == fresh[i]).all()


def test_mirror_hold_by_hand():
    score = np.array([[0.1, 0.4, 0.35, 0.2, 0.6, 0.05, -0.5]]).T
    fresh = np.array([[0, 1, 0, 0, 1, 0, 1]], bool).T
    ok = np.ones_like(fresh)
    out = mirror_hold_nb(score, fresh, ok, 0.3, 0.1, 0.5, False, np.zeros(1))
    assert out[:, 0].tolist() == [0, 0.4, 0.4, 0.4, 0.5, 0, 0]
    out = mirror_hold_nb(score, fresh, ok, 0.3, 0.1, 0.5, True, np.zeros(1))
    assert out[-1, 0] == -0.5


def _ref_vector(close, volume):
    r = np.diff(np.log(close))
    path = np.log(close[1:] / close[0])
    blocks = [path, np.abs(r)] + ([np.log(volume)] if volume is not None else [])
    return np.concatenate([(b - b.mean()) / b.std() for b in blocks])


def test_pattern_vector_matches_numpy():
    rng = np.random.default_rng(5)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, 11)))
    vol = rng.uniform(1e5, 2e5, 10)
    out = np.empty(30, dtype=np.float32)
    pattern_vector_nb(close, vol, out)
    np.testing.assert_allclose(out, _ref_vector(close, vol), rtol=1e-6, atol=1e-6)
    out2 = np.empty(20, dtype=np.float32)
    pattern_vector_nb(close, np.empty(0), out2)
    np.testing.assert_allclose(out2, _ref_vector(close, None), rtol=1e-6, atol=1e-6)
    pattern_vector_nb(np.full(11, 5.0), np.empty(0), out2)  # flat: undefined
    assert np.isnan(out2).all()


def test_pattern_match_by_brute_force():
    from sklearn.metrics.pairwise import cosine_similarity

    rng = np.random.default_rng(6)
    n, m, L, h = 120, 2, 5, 3
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, m)), axis=0))
    vec = pattern_vectors_nb(close, np.empty((0, 0)), L, False)
    out = np.full((n, m), np.nan)
    out[:-h] = np.log(close[h:] / close[:-h])
    i, lib, k = 100, 60, 7
    p_up, mean, used = pattern_match_nb(vec, pattern_norms_nb(vec), out, i, lib, h, k, 0.0)
    for j in range(m):
        cand = np.arange(i - lib, i - h + 1)
        sims = cosine_similarity(vec[i, j][None].astype(float), vec[cand, j].astype(float))[0]
        keep = sims >= 0.0
        cand, sims = cand[keep], sims[keep]
        top = np.argsort(-sims, kind="stable")[:k]
        w, o = sims[top], out[cand[top], j]
        assert used[j] == len(top)
        assert p_up[j] == pytest.approx(w[o > 0].sum() / w.sum(), rel=1e-6)  # float32 vectors
        assert mean[j] == pytest.approx((w * o).sum() / w.sum(), rel=1e-6)
    allp, allm, allu = pattern_predict_nb(vec, out, lib, h, k, 0.0)
    np.testing.assert_allclose(allp[i], p_up)
    assert np.isnan(allp[: L + h]).all()  # nothing known yet: no opinion
