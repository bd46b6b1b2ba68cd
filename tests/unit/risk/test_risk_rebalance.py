"""Rebalancing orders (hand-computed) and skfolio optimisers against scipy references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from ntlab.errors import ConfigError, RiskError
from ntlab.model import OrderSide
from ntlab.risk import optimise_weights, rebalance_orders


def test_rebalance_to_target_weights_with_lots():
    prices = {"AAA": 100.0, "BBB": 40.0, "CCC": 25.0}
    positions = {"AAA": 300, "CCC": 100}  # 30,000 + 2,500; equity 50,000 with 17,500 cash
    plan = rebalance_orders({"AAA": 0.2, "BBB": 0.5}, prices, positions, cash=17_500, lot_size=10)
    assert plan.equity == 50_000
    t = plan.table
    # AAA: 10,000 / 100 = 100 units; BBB: 25,000 / 40 = 625 -> 620 (lots of 10); CCC: sold out
    assert (
        t.loc["AAA", "target_qty"] == 100
        and t.loc["BBB", "target_qty"] == 620
        and t.loc["CCC", "target_qty"] == 0
    )
    sides = [(o.symbol, o.side, o.quantity) for o in plan.orders]
    assert sides == [
        ("AAA", OrderSide.SELL, 200),
        ("CCC", OrderSide.SELL, 100),
        ("BBB", OrderSide.BUY, 620),
    ]
    assert plan.cash_after == pytest.approx(17_500 + 20_000 + 2_500 - 24_800)
    assert (t["final_weight"] <= t["target_weight"] + 1e-12).all()


def test_rebalance_shorts_min_trade_and_errors():
    plan = rebalance_orders({"AAA": -0.1}, {"AAA": 50.0}, cash=10_000, lot_size=0)
    assert plan.orders[0].side is OrderSide.SELL and plan.orders[0].quantity == pytest.approx(20)
    plan = rebalance_orders(
        {"AAA": 0.5}, {"AAA": 100.0}, {"AAA": 49}, cash=5_100, min_trade_value=500
    )
    assert plan.orders == []  # 1 share (100) is below the minimum trade
    with pytest.raises(RiskError, match="no positive price"):
        rebalance_orders({"AAA": 0.5}, {}, cash=1_000)
    with pytest.raises(RiskError, match="equity must be positive"):
        rebalance_orders({"AAA": 0.5}, {"AAA": 1.0})
    with pytest.raises(RiskError, match="finite"):
        rebalance_orders({"AAA": float("nan")}, {"AAA": 1.0}, cash=10)


@pytest.fixture(scope="module")
def recent(sp20_returns):
    return sp20_returns.iloc[-750:, :8]


def _slsqp(fun, n):
    cons = [{"type": "eq", "fun": lambda w: w.sum() - 1}]
    res = optimize.minimize(fun, np.full(n, 1 / n), bounds=[(0, 1)] * n, constraints=cons, method="SLSQP",
                            options={"ftol": 1e-14, "maxiter": 500})  # fmt: skip
    assert res.success
    return res.x


def test_min_variance_matches_scipy(recent):
    cov = np.cov(recent.to_numpy(), rowvar=False)
    w = optimise_weights(recent, "min_variance")
    ref = _slsqp(lambda w: w @ cov @ w * 1e4, recent.shape[1])
    assert w.sum() == pytest.approx(1) and (w >= -1e-8).all()
    assert w @ cov @ w == pytest.approx(ref @ cov @ ref, rel=1e-4)
    np.testing.assert_allclose(w, ref, atol=2e-3)


def test_risk_parity_equalises_risk_contributions(recent):
    w = optimise_weights(recent, "risk_parity").to_numpy()
    cov = np.cov(recent.to_numpy(), rowvar=False)
    contrib = w * (cov @ w)
    np.testing.assert_allclose(contrib / contrib.sum(), 1 / len(w), atol=1e-3)


def test_min_cvar_matches_the_rockafellar_uryasev_lp(recent):
    x = recent.to_numpy()
    t, n = x.shape
    beta = 0.95
    # variables: w (n), alpha, u (t): min alpha + sum(u) / ((1 - beta) t), u >= -x w - alpha, u >= 0
    c = np.r_[np.zeros(n), 1.0, np.full(t, 1 / ((1 - beta) * t))]
    a_ub = np.hstack([-x, -np.ones((t, 1)), -np.eye(t)])
    res = optimize.linprog(c, A_ub=a_ub, b_ub=np.zeros(t), A_eq=np.r_[np.ones(n), 0, np.zeros(t)][None],
                           b_eq=[1.0], bounds=[(0, 1)] * n + [(None, None)] + [(0, None)] * t, method="highs")  # fmt: skip
    assert res.success
    w = optimise_weights(recent, "min_cvar", cvar_level=beta)

    pnl = x @ w.to_numpy()
    q = np.quantile(pnl, 1 - beta)
    cvar = -q + np.mean(np.maximum(q - pnl, 0)) / (
        1 - beta
    )  # the LP's objective at skfolio's weights
    assert cvar == pytest.approx(res.fun, rel=2e-3)


def test_simple_weights_and_max_sharpe(recent):
    assert optimise_weights(recent, "equal_weight").tolist() == [1 / 8] * 8
    iv = optimise_weights(recent, "inverse_volatility")
    sd = recent.std()
    np.testing.assert_allclose(iv * sd, (iv * sd).iloc[0])
    w = optimise_weights(recent, "max_sharpe")
    mu, cov = recent.mean().to_numpy(), np.cov(recent.to_numpy(), rowvar=False)
    ref = _slsqp(lambda w: -(w @ mu) / np.sqrt(w @ cov @ w), 8)
    sharpe = (w @ mu) / np.sqrt(w @ cov @ w)
    assert sharpe == pytest.approx((ref @ mu) / np.sqrt(ref @ cov @ ref), rel=1e-3)


def test_optimiser_errors(recent):
    with pytest.raises(ConfigError, match="unknown optimiser"):
        optimise_weights(recent, "magic")
    flat = recent.copy()
    flat.iloc[:, 0] = 0.0
    with pytest.raises(RiskError, match="zero volatility"):
        optimise_weights(flat, "inverse_volatility")
    bad = recent.copy()
    bad.iloc[3, 2] = np.nan
    with pytest.raises(RiskError, match="NaN"):
        optimise_weights(bad, "min_variance")


def test_mean_variance_spans_min_variance_to_max_return(recent):
    cautious = optimise_weights(recent, "mean_variance", risk_aversion=1e6)
    np.testing.assert_allclose(cautious, optimise_weights(recent, "min_variance"), atol=1e-2)
    bold = optimise_weights(recent, "mean_variance", risk_aversion=1e-6)
    assert bold.idxmax() == recent.mean().idxmax() and bold.max() == pytest.approx(1, abs=1e-4)
