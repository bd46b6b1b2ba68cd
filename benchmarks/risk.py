"""Risk benchmarks: VaR/CVaR per series and for a 500-position portfolio, the pre-trade gate,
and a rolling VaR back-test, each timed side by side with a peer in one run.

Run from the repository root: ``python -m benchmarks.risk``. Peers: empyrical and quantstats
for per-series VaR/CVaR; plain numpy/pandas for the portfolio (the code a user would write:
``np.cov`` for the delta-normal VaR, ``rng.multivariate_normal`` for Monte Carlo) and for the
rolling back-test. Every pair is checked to agree before it is timed. ``speedup`` is
peer time / ntlab time. Targets: one gate decision < 2 ms (seed), a full analysis < 15 ms (issue 20; the seed said 30).
"""

from __future__ import annotations

import math
import warnings

import empyrical
import numba
import numpy as np
import pandas as pd
import quantstats as qs
from scipy import stats

from benchmarks._common import best_time, interleaved_best, load_average, write_results
from ntlab.data import load_sample
from ntlab.model import OrderRequest, OrderSide
from ntlab.risk import (
    PortfolioState,
    RiskGate,
    RiskLimits,
    RiskReport,
    expected_shortfall,
    monte_carlo_var,
    portfolio_var,
    position_values,
    simulate_pnl,
    value_at_risk,
    var_backtest,
)
from ntlab.risk import _gate_nb as nb

N_PATHS = 10_000


def _portfolio() -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.DataFrame]:
    """500 of the 524 stocks (fewest gaps, gaps forward-filled), 100 shares each."""
    data = load_sample("sp500_1y")
    closes = data.close
    keep = closes.isna().sum().sort_values(kind="stable").index[:500]
    closes = closes[keep].ffill().bfill()
    returns = closes.pct_change().iloc[1:]
    prices = closes.iloc[-1]
    values = position_values(pd.Series(100.0, index=keep), prices)
    return returns, values, prices, data.meta.loc[keep]


def _row(task, ntlab_s, peer, peer_s, *, target_ms=None, agree=None):
    row = {"task": task, "ntlab_ms": ntlab_s * 1e3, "peer": peer}
    if peer_s is not None:
        row |= {"peer_ms": peer_s * 1e3, "speedup": peer_s / ntlab_s}
    if target_ms is not None:
        row |= {"target_ms": target_ms, "meets_target": bool(ntlab_s * 1e3 < target_ms)}
    if agree is not None:
        row["agree"] = agree
    return row


def _close(a, b, rel):
    ok = math.isclose(a, b, rel_tol=rel)
    if not ok:
        raise AssertionError(f"results disagree: {a} vs {b}")
    return f"rel diff {abs(a - b) / abs(b):.1e}"


def series_rows(returns: pd.DataFrame) -> list[dict]:
    r = returns.iloc[:, 0]
    naive = r.tz_localize(None)
    rows = []
    a = _close(value_at_risk(r, 0.95), -empyrical.value_at_risk(r, 0.05), 1e-12)
    rows.append(_row("historical VaR, one series (244 bars)", best_time(lambda: value_at_risk(r, 0.95), number=200),
                     "empyrical.value_at_risk", best_time(lambda: empyrical.value_at_risk(r, 0.05), number=200),
                     agree=a))  # fmt: skip
    a = _close(
        value_at_risk(r, 0.95, "normal"), -qs.stats.value_at_risk(naive, confidence=0.95), 1e-10
    )
    rows.append(_row("normal VaR, one series", best_time(lambda: value_at_risk(r, 0.95, "normal"), number=200),
                     "quantstats.value_at_risk",
                     best_time(lambda: qs.stats.value_at_risk(naive, confidence=0.95), number=50), agree=a))  # fmt: skip
    qs_cvar = qs.stats.conditional_value_at_risk(naive, confidence=0.95, method="historical")
    a = _close(expected_shortfall(r, 0.95), -qs_cvar, 1e-12)
    rows.append(_row("historical CVaR, one series", best_time(lambda: expected_shortfall(r, 0.95), number=200),
                     "quantstats.conditional_value_at_risk",
                     best_time(lambda: qs.stats.conditional_value_at_risk(naive, confidence=0.95, method="historical"),
                               number=50), agree=a))  # fmt: skip
    cols = [returns[c] for c in returns.columns]

    def ours():
        return [value_at_risk(c, 0.99) for c in cols]

    def peer():
        return [-empyrical.value_at_risk(c, 0.01) for c in cols]

    a = _close(sum(ours()), sum(peer()), 1e-12)
    rows.append(_row("historical VaR of 500 series, loop", best_time(ours, repeat=3), "empyrical, loop",
                     best_time(peer, repeat=3), agree=a))  # fmt: skip
    return rows


def portfolio_rows(returns: pd.DataFrame, values: pd.Series) -> list[dict]:
    x, v = returns.to_numpy(), values.to_numpy()
    rows = []

    def plain_hist():
        pnl = x @ v
        q = np.quantile(pnl, 0.05)
        return -q, -pnl[pnl <= q].mean()

    est = portfolio_var(returns, values, 0.95)
    a = _close(est.var, plain_hist()[0], 1e-12)
    rows.append(_row("portfolio historical VaR+ES, 500 positions",
                     best_time(lambda: portfolio_var(returns, values, 0.95), number=20),
                     "numpy (R @ v, quantile)", best_time(plain_hist, number=20), agree=a))  # fmt: skip

    def plain_normal():
        cov = np.cov(x, rowvar=False)
        return -stats.norm.ppf(0.05, x.mean(axis=0) @ v, np.sqrt(v @ cov @ v))

    a = _close(portfolio_var(returns, values, 0.95, "normal").var, plain_normal(), 1e-9)
    rows.append(_row("portfolio normal VaR+ES, 500 positions",
                     best_time(lambda: portfolio_var(returns, values, 0.95, "normal"), number=20),
                     "numpy np.cov + scipy.norm", best_time(plain_normal, number=5), agree=a))  # fmt: skip

    def plain_mc():
        cov = np.cov(x, rowvar=False)
        rng = np.random.default_rng(0)
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", RuntimeWarning
            )  # the 500x500 covariance of 244 rows is singular
            sims = rng.multivariate_normal(x.mean(axis=0), cov, size=N_PATHS) @ v
        return -np.quantile(sims, 0.05)

    mc = monte_carlo_var(returns, values, 0.95, n_paths=N_PATHS, seed=0)
    peer_var = plain_mc()
    a = f"{abs(mc.var - peer_var) / mc.var_se:.1f} SE apart"
    if abs(mc.var - peer_var) > 5 * math.hypot(mc.var_se, mc.var_se):
        raise AssertionError(f"Monte Carlo results disagree: {mc.var} vs {peer_var}")
    rows.append(_row(f"portfolio Monte Carlo VaR+ES+SE, 500 positions, {N_PATHS:,} paths",
                     best_time(lambda: monte_carlo_var(returns, values, 0.95, n_paths=N_PATHS, seed=0), repeat=5),
                     "numpy multivariate_normal", best_time(plain_mc, repeat=2, warmup=0), agree=a))  # fmt: skip
    return rows


def _threads(n: int, fn):
    """``fn`` run with numba limited to ``n`` threads (the Monte Carlo's blocks then share them)."""

    def run():
        before = numba.get_num_threads()
        numba.set_num_threads(n)
        try:
            return fn()
        finally:
            numba.set_num_threads(before)

    return run


def full_analysis_rows(returns: pd.DataFrame, values: pd.Series, prices: pd.Series) -> list[dict]:
    positions = values / prices

    def full():
        return RiskReport.from_positions(
            returns, positions, prices, cash=10_000.0, n_paths=N_PATHS, seed=0
        )

    def sims():
        return simulate_pnl(returns, values, n_paths=N_PATHS, seed=0)

    cores = numba.config.NUMBA_NUM_THREADS
    rng = np.random.default_rng(0)
    k = returns.shape[0]  # 244 observations < 500 assets: the data factor has 244 columns
    t = interleaved_best(
        {
            "full": full,
            "full1": _threads(1, full),
            "sims": sims,
            "sims1": _threads(1, sims),
            "numpy": lambda: rng.standard_normal((N_PATHS, k)),
        },
        rounds=9,
    )
    a, b = full(), _threads(1, full)()
    same = a.var_table.equals(b.var_table)
    if not same:
        raise AssertionError("the Monte Carlo's numbers depend on the thread count")
    return [
        _row(f"full analysis: RiskReport (4 methods x 2 levels, MC 10k paths, ratios), 500 positions, {cores} threads",
             t["full"], "the same on 1 thread", t["full1"], target_ms=15.0, agree="var_table identical"),
        _row(f"  of which: the Monte Carlo simulation alone, {cores} threads", t["sims"],
             "the same on 1 thread", t["sims1"]),
        _row(f"  of which: numpy drawing the {N_PATHS:,} x {k} normals it needs", t["numpy"], "-", None),
    ]  # fmt: skip


def gate_rows(returns: pd.DataFrame, prices: pd.Series, meta: pd.DataFrame) -> list[dict]:
    symbols = list(prices.index)
    positions = {s: 10.0 for s in symbols[1:]}  # 499 held, 10 shares each
    sectors = meta["sector"].to_dict()
    limits = RiskLimits(max_position_fraction=0.05, max_sector_exposure=0.3, max_leverage=1.5,
                        max_daily_loss=0.02, max_drawdown=0.2, max_correlation=0.95)  # fmt: skip
    state = PortfolioState(cash=1_000_000.0, positions=positions, prices=prices.to_dict(),
                           recent_returns=returns.iloc[-60:])  # fmt: skip
    gate = RiskGate(limits, sectors)
    order = OrderRequest(symbol=symbols[0], side=OrderSide.BUY, quantity=100)
    decision = gate.check(order, state)
    rows = [
        _row(f"one gate decision, 499 held, all limits incl. correlation ({decision.action})",
             best_time(lambda: gate.check(order, state), number=50), "-", None, target_ms=2.0)
    ]  # fmt: skip
    k = limits.kernel_args()
    args = (100.0, 0.0, 50.0, 1e6, 5e5, 1e5, k["max_position_value"], k["max_position_fraction"],
            k["max_leverage"], 0.3, 0.5, k["max_correlation"], 0, 1.0)  # fmt: skip
    rows.append(_row("check_order_nb kernel, one order", best_time(lambda: nb.check_order_nb(*args), number=10_000),
                     "-", None))  # fmt: skip
    n = len(symbols)
    sector_ids = pd.factorize(pd.Series([sectors.get(s, "UNKNOWN") for s in symbols]))[0].astype(
        np.int64
    )
    qty = np.full(n, 20.0)
    pos = np.array([positions.get(s, 0.0) for s in symbols])
    px = prices.to_numpy()
    corr = np.full(n, -np.inf)
    batch = (qty, pos, px, sector_ids, state.equity, k["max_position_value"], k["max_position_fraction"],
             k["max_leverage"], 0.3, corr, k["max_correlation"], 0, 1.0)  # fmt: skip
    rows.append(_row(f"check_orders_nb kernel, {n} orders in one bar",
                     best_time(lambda: nb.check_orders_nb(*batch), number=100), "-", None))  # fmt: skip
    return rows


def backtest_row() -> dict:
    r = load_sample("indices").close["SP500"].pct_change().iloc[1:]

    def plain():
        return -r.rolling(250).quantile(0.01).shift(1).iloc[250:]

    bt = var_backtest(r, 0.99, window=250)
    a = _close(float(bt.frame["var"].sum()), float(plain().sum()), 1e-10)
    return _row(f"rolling 99% historical VaR back-test, {bt.n_obs} forecasts + Kupiec/Christoffersen",
                best_time(lambda: var_backtest(r, 0.99, window=250), repeat=5),
                "pandas rolling quantile (forecasts only)", best_time(plain, repeat=5), agree=a)  # fmt: skip


def main() -> None:
    returns, values, prices, meta = _portfolio()
    rows = series_rows(returns)
    rows += portfolio_rows(returns, values)
    rows += full_analysis_rows(returns, values, prices)
    rows += gate_rows(returns, prices, meta)
    rows.append(backtest_row())
    notes = (
        "Data: sp500_1y (500 of its 524 stocks, 244 daily returns, gaps forward-filled), indices (SP500). "
        "Times are best of N after a warm-up (numba kernels compiled and cached). speedup = peer_ms / ntlab_ms. "
        f"Load average when the run ended: {load_average()} (a shared machine: "
        "absolute times are inflated when it is busy; each ratio comes from the same run)."
    )
    write_results(
        "risk", rows, title="ntlab.risk: VaR/CVaR, pre-trade gate, VaR back-test", notes=notes
    )


if __name__ == "__main__":
    main()
