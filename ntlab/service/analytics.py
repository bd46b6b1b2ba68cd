"""Performance analytics of a return series: summary, drawdowns, rolling figures, benchmark.

The series is either a symbol of the data held from its first bar to its last
(``symbol``), or a strategy's backtest (``strategy`` and ``params``, run by
:func:`ntlab.service.backtest.run_backtest` with its costs and engine). Every figure
comes from :mod:`ntlab.risk.measures`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError, DataError
from ntlab.service._base import Context, jsonable
from ntlab.service.backtest import CostSettings
from ntlab.service.data import DataRef, load_data
from ntlab.service.sessions import SessionRef

__all__ = [
    "SeriesRequest",
    "DrawdownRequest",
    "RollingRequest",
    "BenchmarkRequest",
    "returns_series",
    "performance_summary",
    "drawdown_analysis",
    "rolling_performance",
    "benchmark_comparison",
    "VarRequest",
    "value_at_risk",
    "session_metrics",
    "trade_analysis",
]


class SeriesRequest(DataRef, CostSettings):
    """What to analyse: exactly one of ``symbol`` (buy and hold) or ``strategy`` (+ ``params``)."""

    symbol: str | None = Field(None, min_length=1, max_length=20)
    strategy: str | None = Field(None, min_length=1, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)
    engine: Literal["event", "vector"] = "event"


def returns_series(
    req: SeriesRequest, ctx: Context | None = None
) -> tuple[pd.Series, dict[str, Any]]:
    """Simple per-bar returns of what ``req`` names, and a description of it."""
    if (req.symbol is None) == (req.strategy is None):
        raise ConfigError("give exactly one of symbol (buy and hold) or strategy (its backtest)")
    if req.symbol is not None:
        data = load_data(req.model_copy(update={"symbols": [req.symbol]}), ctx)
        close = data.close[req.symbol].dropna()
        if len(close) < 3:
            raise DataError(f"{req.symbol}: {len(close)} bars in this range; need at least 3")
        return close.pct_change().iloc[1:], {
            "kind": "buy_and_hold",
            "symbol": req.symbol,
            "data": req.data,
        }
    from ntlab.service.backtest import BacktestRequest, run_backtest

    fields = {k: v for k, v in req.model_dump().items() if k in BacktestRequest.model_fields}
    out = run_backtest(BacktestRequest(**fields, detail=True), ctx)
    equity = pd.Series(
        out["equity"]["value"], index=pd.DatetimeIndex(out["equity"]["time"]), dtype=float
    )
    what = {"kind": "backtest", "strategy": req.strategy, "params": out["strategyParams"]}
    what |= {"data": req.data, "engine": out["engine"], "costs": out["costs"]}
    return equity.pct_change().iloc[1:], what


def _ppy(r: pd.Series) -> float:
    from ntlab.risk import periods_per_year

    return periods_per_year(r.index)


def performance_summary(req: SeriesRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Total return, CAGR, volatility, Sharpe, Sortino, Calmar, Omega, drawdown, hit rate."""
    from ntlab.risk import measures as m

    r, what = returns_series(req, ctx)
    ppy = _ppy(r)
    return jsonable(
        {
            "series": what,
            "start": r.index[0],
            "end": r.index[-1],
            "bars": len(r),
            "periods_per_year": ppy,
            "total_return": m.total_return(r),
            "cagr": m.cagr(r, ppy),
            "volatility": m.volatility(r, ppy),
            "sharpe": m.sharpe_ratio(r, ppy, undefined="nan"),
            "sortino": m.sortino_ratio(r, ppy, undefined="nan"),
            "calmar": m.calmar_ratio(r, ppy, undefined="nan"),
            "omega": m.omega_ratio(r, undefined="nan"),
            "max_drawdown": m.max_drawdown(r),
            "max_drawdown_bars": m.max_drawdown_duration(r),
            "best_bar": r.max(),
            "worst_bar": r.min(),
            "positive_bars": (r > 0).mean(),
        }
    )


class DrawdownRequest(SeriesRequest):
    top: int = Field(5, ge=1, le=1000)


def drawdown_analysis(req: DrawdownRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The ``top`` deepest spells under water (start, valley, end, depth, bars, recovered)."""
    from ntlab.risk import measures as m

    r, what = returns_series(req, ctx)
    spells = m.drawdown_periods(r)
    dd = m.drawdown(r)
    cols = ["start", "valley", "end", "depth", "bars", "recovered"]
    return jsonable(
        {
            "series": what,
            "spells": len(spells),
            "current_drawdown": dd.iloc[-1],
            "time_under_water": (dd < 0).mean(),
            "deepest": spells[cols].head(req.top).to_dict(orient="records"),
        }
    )


class RollingRequest(SeriesRequest):
    """Rolling figures over ``window`` bars; the last ``last`` bars listed."""

    window: int = Field(63, ge=3, le=10_000)
    last: int = Field(10, ge=1, le=10_000)


def rolling_performance(req: RollingRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Rolling compounded return, annualised volatility and Sharpe (each bar: its past only)."""
    r, what = returns_series(req, ctx)
    if len(r) < req.window:
        raise DataError(f"{len(r)} returns are fewer than the window of {req.window}")
    ppy, roll = _ppy(r), r.rolling(req.window)
    sd = roll.std(ddof=1)
    growth = np.exp(np.log1p(r).rolling(req.window).sum()) - 1.0
    sharpe = (roll.mean() / sd * np.sqrt(ppy)).where(sd > 0)
    valid = sharpe.dropna()
    return jsonable(
        {
            "series": what,
            "window": req.window,
            "sharpe_min": valid.min() if len(valid) else None,
            "sharpe_max": valid.max() if len(valid) else None,
            "share_positive_sharpe": (valid > 0).mean() if len(valid) else None,
            "return": growth.iloc[-req.last :],
            "volatility": (sd * np.sqrt(ppy)).iloc[-req.last :],
            "sharpe": sharpe.iloc[-req.last :],
        }
    )


class BenchmarkRequest(SeriesRequest):
    """``benchmark``: a symbol of ``benchmark_data`` (default the same data), held throughout."""

    benchmark: str = Field(min_length=1, max_length=20)
    benchmark_data: str | None = Field(None, min_length=1, max_length=500)


def benchmark_comparison(req: BenchmarkRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Beta, correlation, annualised alpha, tracking error and information ratio on shared bars."""
    from ntlab.risk import measures as m

    r, what = returns_series(req, ctx)
    bench = SeriesRequest(
        data=req.benchmark_data or req.data, symbol=req.benchmark, start=req.start, end=req.end
    )
    b, _ = returns_series(bench, ctx)
    both = pd.concat([r.rename("r"), b.rename("b")], axis=1, join="inner").dropna()
    if len(both) < 10:
        raise DataError(f"the series and {req.benchmark} share only {len(both)} bars; need 10")
    ppy = _ppy(both["r"])
    beta = m.beta(both["r"], both["b"])
    active = both["r"] - both["b"]
    te = active.std(ddof=1) * np.sqrt(ppy)
    return jsonable(
        {
            "series": what,
            "benchmark": req.benchmark,
            "bars": len(both),
            "beta": beta,
            "correlation": m.correlation(both["r"], both["b"]),
            "alpha_annual": (both["r"].mean() - beta * both["b"].mean()) * ppy,
            "tracking_error": te,
            "information_ratio": active.mean() * ppy / te if te > 0 else None,
            "total_return": m.total_return(both["r"]),
            "benchmark_total_return": m.total_return(both["b"]),
        }
    )


class VarRequest(SeriesRequest):
    """VaR and expected shortfall at ``level`` over ``horizon`` bars (parametric methods scale)."""

    level: float = Field(0.95, gt=0.5, lt=1, allow_inf_nan=False)
    method: Literal["historical", "normal", "cornish_fisher"] = "historical"
    horizon: float = Field(1.0, ge=1, le=252, allow_inf_nan=False)


def value_at_risk(req: VarRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Value at Risk and expected shortfall of the series as positive fractions of value."""
    from ntlab.risk import var_es

    r, what = returns_series(req, ctx)
    if req.method == "historical" and req.horizon != 1:
        raise ConfigError(
            "historical VaR is for one bar; use method 'normal' or 'cornish_fisher' for longer horizons"
        )
    var, es = var_es(r, req.level, req.method, horizon=req.horizon)
    return jsonable(
        {"series": what, "level": req.level, "method": req.method, "horizon_bars": req.horizon,
         "var": var, "expected_shortfall": es, "observations": len(r)}
    )  # fmt: skip


def session_metrics(req: SessionRef, ctx: Context | None = None) -> dict[str, Any]:
    """A session's performance so far (from its equity curve), its counters and latencies."""
    from ntlab.risk import measures as m
    from ntlab.service.sessions import StatusRequest, session_status

    s = session_status(StatusRequest(session_id=req.session_id, equity_curve=True), ctx)
    curve = s.get("equity_curve") or []
    times = pd.to_datetime([p[0] for p in curve], unit="ms", utc=True)
    equity = pd.Series([p[1] for p in curve], index=times, dtype=float)
    r = equity.pct_change().iloc[1:]
    perf: dict[str, Any] = {"bars": len(r)}
    if len(r) >= 2:
        ppy = _ppy(r)
        perf |= {
            "total_return": m.total_return(r),
            "volatility": m.volatility(r, ppy),
            "sharpe": m.sharpe_ratio(r, ppy, undefined="nan"),
            "max_drawdown": m.max_drawdown(r),
        }
    keys = ("session_id", "state", "bar_time", "bars_processed", "equity", "cash", "fees",
            "realized_pnl", "unrealized_pnl", "metrics", "decision_latency_ms", "bar_latency_ms")  # fmt: skip
    return jsonable({k: s.get(k) for k in keys} | {"performance": perf})


def trade_analysis(req: SeriesRequest, ctx: Context | None = None) -> dict[str, Any]:
    """A strategy backtest's round trips: win rate, payoff, profit factor, holding time, by exit."""
    from ntlab.service.backtest import BacktestRequest, run_backtest

    if req.strategy is None or req.symbol is not None:
        raise ConfigError(
            "trade_analysis needs strategy (and no symbol): it reads a backtest's trades"
        )
    fields = {k: v for k, v in req.model_dump().items() if k in BacktestRequest.model_fields}
    out = run_backtest(BacktestRequest(**fields, detail=True), ctx)
    t = pd.DataFrame(
        out["trades"], columns=["symbol", "pnl", "return", "exit_reason", "entry_time", "exit_time"]
    )
    wins, losses = t.loc[t["pnl"] > 0, "pnl"], t.loc[t["pnl"] < 0, "pnl"]
    held = (pd.to_datetime(t["exit_time"]) - pd.to_datetime(t["entry_time"])).dt.days

    def group(col: str) -> list[dict[str, Any]]:
        g = t.groupby(col)["pnl"]
        return [
            {col: k, "trades": int(n), "pnl": float(s)}
            for (k, n), s in zip(g.size().items(), g.sum())
        ]

    return jsonable(
        {
            "strategy": req.strategy,
            "params": out["strategyParams"],
            "engine": out["engine"],
            "costs": out["costs"],
            "trades": len(t),
            "win_rate": (t["pnl"] > 0).mean() if len(t) else None,
            "average_win": wins.mean() if len(wins) else None,
            "average_loss": losses.mean() if len(losses) else None,
            "profit_factor": wins.sum() / -losses.sum() if len(losses) else None,
            "mean_return": t["return"].mean() if len(t) else None,
            "median_holding_days": held.median() if len(t) else None,
            "by_exit_reason": group("exit_reason"),
            "by_symbol": group("symbol"),
        }
    )
