"""Kupiec and Christoffersen tests against binomial/Markov likelihoods computed with scipy."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import christoffersen, kupiec_pof, value_at_risk, var_backtest


def _kupiec_ref(x, n, p):
    lr = -2 * (stats.binom.logpmf(x, n, p) - stats.binom.logpmf(x, n, x / n))
    return lr, stats.chi2.sf(lr, 1)


@pytest.mark.parametrize(
    ("x", "n", "level"), [(7, 250, 0.99), (0, 250, 0.99), (30, 500, 0.95), (12, 1000, 0.99)]
)
def test_kupiec_matches_binomial_likelihood_ratio(x, n, level):
    test = kupiec_pof(x, n, level)
    lr, pv = _kupiec_ref(x, n, 1 - level)
    assert test.statistic == pytest.approx(lr, rel=1e-9, abs=1e-12)
    assert test.pvalue == pytest.approx(pv, rel=1e-9)
    assert test.df == 1


def test_kupiec_textbook_value():
    # Jorion's example: 250 days at 99% (2.5 expected); 7 exceedances give LR ~ 5.5 -> reject at 5%
    test = kupiec_pof(7, 250, 0.99)
    assert test.statistic == pytest.approx(5.50, abs=0.01)
    assert test.rejects(0.05) and not kupiec_pof(4, 250, 0.99).rejects(0.05)


def _markov_ref(hits):
    prev, curr = hits[:-1], hits[1:]
    t = (
        pd.crosstab(prev, curr)
        .reindex(index=[False, True], columns=[False, True], fill_value=0)
        .to_numpy()
    )
    pi01, pi11 = t[0, 1] / t[0].sum(), t[1, 1] / t[1].sum()
    pi = t[:, 1].sum() / t.sum()
    ll_alt = stats.binom.logpmf(t[0, 1], t[0].sum(), pi01) + stats.binom.logpmf(
        t[1, 1], t[1].sum(), pi11
    )
    ll_null = stats.binom.logpmf(t[0, 1], t[0].sum(), pi) + stats.binom.logpmf(
        t[1, 1], t[1].sum(), pi
    )
    return -2 * (ll_null - ll_alt)


def test_christoffersen_matches_markov_likelihood_ratio():
    rng = np.random.default_rng(4)
    clustered = np.zeros(1000, dtype=bool)
    for start in rng.choice(990, 8, replace=False):
        clustered[start : start + 3] = True  # exceedances in bursts of three
    for hits in (rng.random(1000) < 0.02, clustered):
        ind, cc = christoffersen(hits, 0.99)
        assert ind.statistic == pytest.approx(_markov_ref(hits), rel=1e-9)
        assert ind.pvalue == pytest.approx(stats.chi2.sf(ind.statistic, 1), rel=1e-9)
        pof = kupiec_pof(int(hits.sum()), hits.size, 0.99)
        assert cc.statistic == pytest.approx(pof.statistic + ind.statistic)
        assert cc.pvalue == pytest.approx(stats.chi2.sf(cc.statistic, 2), rel=1e-9)
    assert christoffersen(clustered, 0.99)[0].rejects(0.01)


def test_tests_hold_their_size_under_the_null():
    rng = np.random.default_rng(9)
    rejections = [
        kupiec_pof(int((rng.random(1000) < 0.01).sum()), 1000, 0.99).rejects() for _ in range(400)
    ]
    # the independence test is oversized in short samples (few pairs of exceedances): use 4000 bars
    ind = [christoffersen(rng.random(4000) < 0.05, 0.95)[0].rejects() for _ in range(400)]
    assert 0.02 < np.mean(rejections) < 0.09
    assert 0.02 < np.mean(ind) < 0.09


def test_rolling_backtest_on_the_sp500(index_returns):
    r = index_returns["SP500"]
    bt = var_backtest(r, 0.99, window=250, method="historical")
    assert bt.n_obs == len(r) - 250
    for t in (0, 1000, bt.n_obs - 1):
        start = t  # forecast for bar 250 + t uses bars t .. t + 249
        assert bt.frame["var"].iloc[t] == pytest.approx(
            value_at_risk(r.iloc[start : start + 250], 0.99), rel=1e-12
        )
    manual = int((-r.iloc[250:] > bt.frame["var"]).sum())
    assert bt.n_exceed == manual
    assert bt.kupiec.statistic == pytest.approx(_kupiec_ref(manual, bt.n_obs, 0.01)[0], rel=1e-9)
    normal = var_backtest(r, 0.99, window=250, method="normal")
    assert normal.n_exceed > normal.expected  # fat tails: the normal model under-covers at 99%
    assert normal.kupiec.rejects(0.05) and normal.independence.rejects(
        0.05
    )  # and exceedances cluster
    summary = bt.summary()
    json.dumps(summary)
    assert summary["exceedances"] == manual and summary["kupiecPValue"] == bt.kupiec.pvalue


def test_backtest_input_errors(index_returns):
    r = index_returns["SP500"].iloc[:300]
    with pytest.raises(RiskError, match="needs more than"):
        var_backtest(r, window=299)
    with pytest.raises(ConfigError, match="window"):
        var_backtest(r, window=2)
    with pytest.raises(RiskError, match="at least 100 observations"):
        var_backtest(r, 0.99, window=50)
    flat = pd.Series(np.r_[np.random.default_rng(0).normal(0, 0.01, 100), np.zeros(100)])
    with pytest.raises(RiskError, match="zero volatility"):
        var_backtest(flat, 0.95, window=50, method="normal")
    with pytest.raises(RiskError):
        kupiec_pof(5, 3, 0.99)


def test_rolling_kernel_equals_each_window_with_ties():
    from ntlab.risk import _nb

    rng = np.random.default_rng(5)
    r = np.round(rng.standard_t(3, 700) * 0.01, 3)  # rounded: many ties in every window
    p = 1 - 0.95
    z = stats.norm.ppf(p)
    var, es = _nb.rolling_var_es_nb(r, 60, p, z, stats.norm.pdf(z), _nb.HISTORICAL, 1.0)
    assert np.isnan(var[:60]).all()
    for t in range(60, r.size):
        w = r[t - 60 : t]
        q = np.quantile(w, p)
        assert var[t] == pytest.approx(-q, abs=1e-15)
        assert es[t] == pytest.approx(-w[w <= q].mean(), abs=1e-15)
