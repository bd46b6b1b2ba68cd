"""Portfolio VaR in currency: covariance parity, Monte Carlo convergence and its standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import (
    monte_carlo_var,
    portfolio_pnl,
    portfolio_var,
    portfolio_var_table,
    position_values,
    simulate_pnl,
    var_es,
)
from ntlab.risk._nb import gaussian_pnl_nb
from ntlab.risk.portfolio import _factor, path_generators


@pytest.fixture(scope="module")
def book(sp20_returns, sp20_last_prices):
    """100 shares of each of the 20 stocks, short 50 XOM instead."""
    positions = {s: 100.0 for s in sp20_returns.columns} | {"XOM": -50.0}
    return sp20_returns, position_values(positions, sp20_last_prices)


def test_position_values_and_pnl(book, sp20_last_prices):
    returns, values = book
    assert values["XOM"] == pytest.approx(-50 * sp20_last_prices["XOM"])
    pnl = portfolio_pnl(returns, values)
    manual = (returns * values).sum(axis=1)
    np.testing.assert_allclose(pnl, manual, rtol=1e-12)
    with pytest.raises(RiskError, match="no positive finite price"):
        position_values({"AAPL": 1, "ZZZ": 2}, sp20_last_prices)


def test_parametric_var_equals_delta_normal_with_the_covariance(book):
    returns, values = book
    v = values.to_numpy()
    cov = np.cov(returns[values.index].to_numpy(), rowvar=False)
    mu_p, sd_p = returns[values.index].mean().to_numpy() @ v, np.sqrt(v @ cov @ v)
    for level in (0.95, 0.99):
        est = portfolio_var(returns, values, level, "normal")
        assert est.var == pytest.approx(-stats.norm.ppf(1 - level, mu_p, sd_p), rel=1e-10)
        assert est.es == pytest.approx(
            -mu_p + sd_p * stats.norm.pdf(stats.norm.ppf(level)) / (1 - level), rel=1e-10
        )


def test_historical_portfolio_var_is_the_quantile_of_the_pnl(book):
    returns, values = book
    pnl = (returns * values).sum(axis=1)
    est = portfolio_var(returns, values, 0.99)
    assert est.var == pytest.approx(-np.quantile(pnl, 0.01), rel=1e-12)
    assert est.es == pytest.approx(-pnl[pnl <= -est.var].mean(), rel=1e-12)


@pytest.mark.parametrize(
    "n_obs", [300, 12]
)  # Cholesky factor, and the data factor when n_obs <= n_assets
def test_factor_reproduces_the_sample_covariance(sp20_returns, n_obs):
    x = sp20_returns.to_numpy()[-n_obs:]
    mu, f = _factor(x)
    np.testing.assert_allclose(f.T @ f, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-16)
    np.testing.assert_allclose(mu, x.mean(axis=0))


def test_monte_carlo_converges_to_parametric_on_normal_data():
    rng = np.random.default_rng(11)
    a = rng.normal(size=(8, 8))
    cov = a @ a.T * 1e-5
    x = rng.multivariate_normal(np.full(8, 3e-4), cov, size=2000)
    returns = pd.DataFrame(x, columns=[f"S{i}" for i in range(8)])
    values = pd.Series(np.linspace(-5_000, 20_000, 8), index=returns.columns)
    for level in (0.95, 0.99):
        exact = portfolio_var(returns, values, level, "normal")
        mc = monte_carlo_var(returns, values, level, n_paths=50_000, seed=3)
        assert abs(mc.var - exact.var) < 3.5 * mc.var_se
        assert abs(mc.es - exact.es) < 3.5 * mc.es_se
        assert mc.var_se / exact.var < 0.01


def test_monte_carlo_on_real_returns_matches_delta_normal(book):
    returns, values = book
    table = portfolio_var_table(returns, values, n_paths=20_000, seed=1)
    for level in (0.95, 0.99):
        mc, normal = table.loc[("monte_carlo", level)], table.loc[("normal", level)]
        assert abs(mc["var"] - normal["var"]) < 3.5 * mc["var_se"]
        assert abs(mc["es"] - normal["es"]) < 3.5 * mc["es_se"]
    # real returns have fat tails: the historical 99% VaR is above the normal one
    assert table.loc[("historical", 0.99), "var"] > table.loc[("normal", 0.99), "var"]
    assert "outside the expansion's domain" in table.loc[("cornish_fisher", 0.99), "note"]


def test_monte_carlo_standard_errors_are_calibrated(sp20_returns):
    """Across seeds, the spread of the estimates matches the reported standard errors."""
    returns = sp20_returns.iloc[-1000:, :5]
    values = pd.Series(10_000.0, index=returns.columns)
    runs = [monte_carlo_var(returns, values, 0.95, n_paths=2_000, seed=s) for s in range(120)]
    var_sd, es_sd = np.std([r.var for r in runs], ddof=1), np.std([r.es for r in runs], ddof=1)
    assert 0.8 < var_sd / np.mean([r.var_se for r in runs]) < 1.25
    assert 0.8 < es_sd / np.mean([r.es_se for r in runs]) < 1.25


def test_monte_carlo_is_seeded_and_scales_with_horizon(book):
    returns, values = book
    a = simulate_pnl(returns, values, n_paths=1_000, seed=5)
    np.testing.assert_array_equal(a, simulate_pnl(returns, values, n_paths=1_000, seed=5))
    assert not np.array_equal(a, simulate_pnl(returns, values, n_paths=1_000, seed=6))
    ten = simulate_pnl(returns, values, n_paths=1_000, seed=5, horizon=10)
    mean = float(returns[values.index].mean().to_numpy() @ values.to_numpy())
    np.testing.assert_allclose(ten - 10 * mean, np.sqrt(10) * (a - mean), rtol=1e-9)


@pytest.mark.parametrize("n_paths", [1_000, 1_003, 5])
def test_gaussian_pnl_kernel_matches_numpy_blocks_whatever_the_threads(n_paths):
    import numba

    loadings = np.random.default_rng(1).normal(size=37)
    per = -(-n_paths // len(path_generators(0)))
    want = np.concatenate(
        [
            g.standard_normal((len(range(b * per, min(n_paths, (b + 1) * per))), 37)) @ loadings
            for b, g in enumerate(path_generators(0))
        ]
    )
    before = numba.get_num_threads()
    try:
        for threads in {1, before}:
            numba.set_num_threads(threads)
            got = gaussian_pnl_nb(path_generators(0), loadings, n_paths)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    finally:
        numba.set_num_threads(before)


def test_five_hundred_positions_use_the_data_factor(sp500_1y):
    closes = sp500_1y.close.ffill().bfill()
    returns = closes.pct_change().iloc[1:]
    values = pd.Series(10_000.0, index=returns.columns)
    assert returns.shape == (244, 524)
    mc = monte_carlo_var(returns, values, 0.99, n_paths=10_000, seed=0)
    normal = portfolio_var(returns, values, 0.99, "normal")
    assert abs(mc.var - normal.var) < 4 * mc.var_se


def test_var_table_fractions_and_errors(book):
    returns, values = book
    table = portfolio_var_table(
        returns, values, equity=1e6, methods=("historical", "monte_carlo"), n_paths=1_000
    )
    assert list(table.index) == [
        ("historical", 0.95),
        ("historical", 0.99),
        ("monte_carlo", 0.95),
        ("monte_carlo", 0.99),
    ]
    np.testing.assert_allclose(table["var_pct"], table["var"] / 1e6)
    assert (
        table.loc[("historical", 0.95), "var_se"] != table.loc[("historical", 0.95), "var_se"]
    )  # NaN: no MC error
    with pytest.raises(RiskError, match="equity must be positive"):
        portfolio_var_table(returns, values, equity=-1.0)


@pytest.mark.parametrize(
    ("values", "kwargs", "error", "match"),
    [
        ({"AAPL": 0.0}, {}, RiskError, "holds nothing"),
        ({"NOPE": 1.0}, {}, RiskError, "lack columns"),
        ({"AAPL": 1.0}, {"method": "magic"}, ConfigError, "unknown VaR method"),
        ({"AAPL": 1.0}, {"method": "monte_carlo", "n_paths": 10}, ConfigError, "n_paths"),
    ],
)
def test_bad_portfolio_inputs(sp20_returns, values, kwargs, error, match):
    with pytest.raises(error, match=match):
        portfolio_var(sp20_returns, values, 0.95, **kwargs)


def test_nan_returns_are_refused(sp20_returns):
    returns = sp20_returns.iloc[:300].copy()
    returns.iloc[5, 0] = np.nan
    with pytest.raises(RiskError, match="NaN"):
        portfolio_var(returns, {returns.columns[0]: 1.0}, 0.95)
    flat = pd.DataFrame({"A": np.zeros(50)})
    with pytest.raises(RiskError, match="zero volatility"):
        monte_carlo_var(flat, {"A": 1.0})
    assert var_es(np.zeros(50) + 0.01, 0.95)[0] == pytest.approx(
        -0.01
    )  # historical is still defined
