"""VaR/ES of a series against empyrical, quantstats and scipy (seed: VaR within 0.5%)."""

from __future__ import annotations

import warnings

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs
from scipy import integrate, stats

from ntlab.errors import ConfigError, NtlabWarning, RiskError
from ntlab.risk import (
    _nb,
    cornish_fisher_domain,
    expected_shortfall,
    value_at_risk,
    var_es,
    var_table,
)

LEVELS = (0.95, 0.99)


@pytest.fixture(scope="module")
def series(sp20_returns, index_returns):
    return [sp20_returns[c] for c in sp20_returns.columns] + [
        index_returns[c] for c in index_returns.columns
    ]


def _cf_z(z, s, k):
    return z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36


def test_historical_matches_empyrical_and_quantstats(series):
    for r in series:
        for level in LEVELS:
            var, es = var_es(r, level, "historical")
            assert var == pytest.approx(-empyrical.value_at_risk(r, 1 - level), rel=1e-12)
            n_tail = int((len(r) - 1) * (1 - level)) + 1  # empyrical averages exactly this many
            if np.sum(r <= -var) == n_tail:
                assert es == pytest.approx(
                    -empyrical.conditional_value_at_risk(r, 1 - level), rel=1e-12
                )
            qs_es = qs.stats.conditional_value_at_risk(
                r.tz_localize(None), confidence=level, method="historical"
            )
            assert es == pytest.approx(-qs_es, rel=1e-12)
            assert var > 0 and es >= var


def test_historical_es_counts_ties_at_the_quantile_like_quantstats(sp20_returns):
    # RRC has four equal returns at its 1% quantile: all of them are "at or below VaR"
    # (quantstats' rule), while empyrical cuts the tail at a fixed count of 84
    r = sp20_returns["RRC"]
    var, es = var_es(r, 0.99)
    assert np.sum(r <= -var) == 86
    assert es == pytest.approx(-r[r <= -var].mean(), rel=1e-12)
    assert es != pytest.approx(-empyrical.conditional_value_at_risk(r, 0.01), rel=1e-3)


def test_normal_matches_scipy_and_quantstats(series):
    for r in series:
        mu, sd = r.mean(), r.std(ddof=1)
        for level in LEVELS:
            p = 1 - level
            var, es = var_es(r, level, "normal")
            q = stats.norm.ppf(p, mu, sd)
            assert var == pytest.approx(-q, rel=1e-10)
            assert var == pytest.approx(
                -qs.stats.value_at_risk(r.tz_localize(None), confidence=level), rel=1e-10
            )
            tail_mean = (
                integrate.quad(lambda x, m=mu, s=sd: x * stats.norm.pdf(x, m, s), -np.inf, q)[0] / p
            )
            assert es == pytest.approx(-tail_mean, rel=1e-7)
            qs_es = qs.stats.conditional_value_at_risk(
                r.tz_localize(None), confidence=level, method="parametric"
            )
            assert es == pytest.approx(-qs_es, rel=1e-10)


def test_cornish_fisher_matches_hand_formula_and_tail_integral(index_returns):
    r = index_returns["NASDAQ"]  # skew 0.17, excess kurtosis 5.8: inside the expansion's domain
    s, k = stats.skew(r), stats.kurtosis(r)
    mu, sd = r.mean(), r.std(ddof=1)
    for level in LEVELS:
        p = 1 - level
        var, es = var_es(r, level, "cornish_fisher")
        z = stats.norm.ppf(p)
        assert var == pytest.approx(-(mu + sd * _cf_z(z, s, k)), rel=1e-10)
        # ES = mean of the Cornish-Fisher quantile function over the tail u in (0, p)
        tail = (
            integrate.quad(lambda u: mu + sd * _cf_z(stats.norm.ppf(u), s, k), 0, p, limit=200)[0]
            / p
        )
        assert es == pytest.approx(-tail, rel=1e-7)
    assert (
        var_es(r, 0.99, "cornish_fisher")[0] > var_es(r, 0.99, "normal")[0]
    )  # fat tails raise the 99% VaR


def test_cornish_fisher_reduces_to_normal_on_normal_data():
    r = np.random.default_rng(7).normal(0.0005, 0.01, 200_000)
    for level in LEVELS:
        cf, normal = var_es(r, level, "cornish_fisher"), var_es(r, level, "normal")
        assert cf == pytest.approx(normal, rel=5e-3)


def test_cornish_fisher_domain_is_where_the_map_is_monotone():
    z = np.linspace(-5, 5, 5_001)
    rng = np.random.default_rng(3)
    for s, k in zip(rng.uniform(-3, 3, 300), rng.uniform(-2, 30, 300)):
        monotone = bool(np.all(np.diff(_cf_z(z, s, k)) > 0))
        assert cornish_fisher_domain(s, k) == monotone


def test_cornish_fisher_warns_outside_its_domain(index_returns):
    with pytest.warns(NtlabWarning, match="outside the expansion's domain"):
        value_at_risk(index_returns["SP500"], 0.99, "cornish_fisher")  # excess kurtosis 8.3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value_at_risk(index_returns["NASDAQ"], 0.99, "cornish_fisher")


def test_horizon_scales_parametric_var():
    r = np.random.default_rng(1).normal(0.001, 0.02, 1000)
    mu, sd = r.mean(), r.std(ddof=1)
    assert value_at_risk(r, 0.99, "normal", horizon=10) == pytest.approx(
        -stats.norm.ppf(0.01, 10 * mu, np.sqrt(10) * sd)
    )
    with pytest.raises(ConfigError, match="historical VaR is for one bar"):
        value_at_risk(r, 0.99, "historical", horizon=10)


def test_var_table_covers_methods_and_levels(index_returns):
    table = var_table(index_returns["NASDAQ"])
    assert table.shape == (6, 2)
    assert table.loc[("normal", 0.99), "var"] == pytest.approx(
        value_at_risk(index_returns["NASDAQ"], 0.99, "normal")
    )
    assert (table["es"] >= table["var"]).all()


def test_kernel_is_the_single_definition():
    r = np.random.default_rng(2).standard_t(4, 500) * 0.01
    p = 1 - 0.95
    z = stats.norm.ppf(p)
    var, es = _nb.var_es_nb(r, p, z, stats.norm.pdf(z), _nb.HISTORICAL, 1.0)
    assert var == pytest.approx(-np.quantile(r, p), rel=1e-14)
    assert (var, es) == var_es(r, 0.95)
    mean, sd, skew, kurt = _nb.moments_nb(r)
    assert (mean, sd) == pytest.approx((r.mean(), r.std(ddof=1)), rel=1e-12)
    assert (skew, kurt) == pytest.approx((stats.skew(r), stats.kurtosis(r)), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"returns": []}, RiskError, "empty"),
        ({"returns": [0.01, np.nan] * 20}, RiskError, "NaN"),
        ({"returns": [0.01] * 50, "method": "normal"}, RiskError, "zero volatility"),
        ({"returns": [0.01, -0.01] * 20, "level": 0.99}, RiskError, "at least 100 observations"),
        ({"returns": [0.01, -0.01] * 20, "level": 95}, ConfigError, "confidence level"),
        ({"returns": [0.01, -0.01] * 20, "method": "garch"}, ConfigError, "unknown VaR method"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    args = {"level": 0.95, "method": "historical"} | kwargs
    returns = np.asarray(args.pop("returns"), dtype=float)
    with pytest.raises(error, match=match):
        var_es(returns, **args)


def test_nan_error_names_the_first_bad_label():
    r = pd.Series([0.01, np.nan, 0.02], index=pd.date_range("2024-01-02", periods=3, tz="UTC"))
    with pytest.raises(RiskError, match="2024-01-03"):
        expected_shortfall(r)
