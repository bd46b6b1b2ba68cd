"""Tearsheet of a backtest: the tables and figures of a report, reusable in dashboards.

>>> from ntlab.reports import run_config, tearsheet
>>> result = run_config({"strategy": "momentum", "lookback": 30}, data="sample:stocks")
>>> sheet = tearsheet(result, benchmark=True, close=load("sample:stocks").close)
>>> sheet.metrics, sheet.monthly, sheet.trades      # DataFrames of numbers
>>> sheet.layout()                                   # HoloViews layout (hvplot, lazy import)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.reports import figures
from ntlab.reports.tables import benchmark_equity, metrics_table, monthly_returns, trades_table
from ntlab.strategies import Strategy, resolve_strategy

__all__ = [
    "ENGINES",
    "Tearsheet",
    "engine_settings",
    "is_learned",
    "out_of_sample",
    "run_config",
    "tearsheet",
]


@dataclass
class Tearsheet:
    """The parts of a backtest report.

    Attributes
    ----------
    result : BacktestResult
    metrics : DataFrame
        :func:`ntlab.reports.tables.metrics_table` (with a ``benchmark`` column when given).
    monthly : DataFrame of shape (n_years, 13)
        :func:`ntlab.reports.tables.monthly_returns`.
    trades : DataFrame
        :func:`ntlab.reports.tables.trades_table`.
    benchmark : Series or None
        Benchmark equity on the result's index.
    """

    result: BacktestResult
    metrics: pd.DataFrame
    monthly: pd.DataFrame
    trades: pd.DataFrame
    benchmark: pd.Series | None = None

    def figures(self) -> dict[str, Any]:
        """Equity (with benchmark), drawdown and monthly-returns heatmap, by name."""
        return {
            "equity": figures.equity_figure(self.result, self.benchmark),
            "drawdown": figures.drawdown_figure(self.result),
            "monthly": figures.monthly_heatmap(self.result),
        }

    def layout(self) -> Any:
        """All figures stacked in one column (a HoloViews Layout)."""
        figs = list(self.figures().values())
        out = figs[0]
        for fig in figs[1:]:
            out = out + fig
        return out.cols(1)


def tearsheet(
    result: BacktestResult, *, close: pd.DataFrame | None = None, benchmark: pd.Series | None = None
) -> Tearsheet:
    """Build the tearsheet of a backtest.

    Parameters
    ----------
    result : BacktestResult
    close : DataFrame of shape (n_bars, n_symbols), optional
        Closes of the traded symbols; gives an equal-weight buy-and-hold benchmark.
    benchmark : Series of shape (n_bars,), optional
        A ready benchmark equity curve (takes precedence over ``close``).
    """
    if benchmark is None and close is not None:
        benchmark = benchmark_equity(close.loc[result.equity.index], float(result.equity.iloc[0]))
    return Tearsheet(
        result=result,
        metrics=metrics_table(result, benchmark=benchmark),
        monthly=monthly_returns(result.returns),
        trades=trades_table(result),
        benchmark=benchmark,
    )


def is_learned(strategy: Strategy) -> bool:
    """True when the strategy overrides ``fit`` (it learns from data)."""
    return type(strategy).fit is not Strategy.fit


def out_of_sample(result: BacktestResult, start: pd.Timestamp) -> BacktestResult:
    """The part of a backtest from ``start`` on, as its own result (equity not rebased).

    Trades entered before ``start`` are dropped; ``init_cash`` becomes the equity at ``start``.
    """
    equity = result.equity.loc[start:]
    if len(equity) < 2:
        raise ConfigError(f"the test period from {start} holds fewer than 2 bars")
    trades = result.trades
    if len(trades):
        trades = trades[trades["entry_time"] >= start].reset_index(drop=True)
    orders = result.orders
    if len(orders) and "time" in orders.columns:
        orders = orders[orders["time"] >= start].reset_index(drop=True)
    return dataclasses.replace(
        result,
        equity=equity,
        trades=trades,
        orders=orders,
        positions=result.positions.loc[start:],
        cash=None if result.cash is None else result.cash.loc[start:],
        close=None if result.close is None else result.close.loc[start:],
        init_cash=float(equity.iloc[0]),
        settings={**result.settings, "test_start": start.isoformat()},
    )


def _load(data: str | MarketData, symbols: list[str] | None, start: Any, end: Any) -> MarketData:
    from ntlab.data import load

    md = load(data) if isinstance(data, str) else data
    if symbols:
        md = md.select(list(symbols))
    if start is not None or end is not None:
        md = md.between(start, end)
    return md


ENGINES = ("event", "vector")


def engine_settings(engine: str, *, cash: float, fees: float, slippage: float) -> Any:
    """Settings of either engine with the same cash and percentage costs.

    ``"event"``: ntlab's engine with its defaults (whole shares sized at the decision
    close, the strategy's stop-loss/take-profit levels honoured). ``"vector"``: vectorbt
    (fractional sizes at the fill price, levels ignored).
    """
    if engine == "vector":
        from ntlab.backtest.vector import VectorSettings

        return VectorSettings(init_cash=cash, fees=fees, slippage=slippage)
    if engine == "event":
        from ntlab.backtest.event import EventSettings
        from ntlab.execution import Commission, ExecutionPolicy, Slippage

        policy = ExecutionPolicy(commission=Commission(pct=fees), slippage=Slippage(pct=slippage))
        return EventSettings(init_cash=cash, policy=policy)
    raise ConfigError(f"engine must be one of {ENGINES}, got {engine!r}")


def run_config(
    strategy: str | dict[str, Any] | Strategy,
    *,
    data: str | MarketData = "sample:stocks",
    symbols: list[str] | None = None,
    start: Any = None,
    end: Any = None,
    engine: str = "event",
    cash: float = 100_000.0,
    fees: float = 0.001,
    slippage: float = 0.0005,
    train_fraction: float = 0.5,
) -> tuple[BacktestResult, MarketData]:
    """Backtest a strategy config with costs on a data spec.

    Parameters
    ----------
    engine : {"event", "vector"}
        See :func:`engine_settings`; orders fill at the next bar's open in both.
    fees, slippage : float
        Commission and slippage as fractions of traded value and price.
    train_fraction : float
        A learned strategy (one that overrides ``fit``) is fitted on this first share of
        the bars only, and the result covers the remaining bars, so a report never shows
        performance on data the strategy learned from.

    Returns
    -------
    (BacktestResult, MarketData)
        The result and the data it ran on (after symbol and date selection).
    """
    from ntlab.backtest import run_event, run_vector
    from ntlab.backtest._common import check_summary, resolve_checked

    run = run_event if engine == "event" else run_vector
    settings = engine_settings(engine, cash=cash, fees=fees, slippage=slippage)
    strat = resolve_strategy(strategy)
    md = _load(data, symbols, start, end)
    if not is_learned(strat):
        return run(strat, md, settings), md
    if not 0 < train_fraction < 1:
        raise ConfigError("train_fraction must lie in (0, 1)")
    split = int(md.n_bars * train_fraction)
    strat.fit(md[:split])
    # the guards on the fitted instance itself: nothing evaluated inside its fit range
    # (the result starts at the split), and its signals checked for look-ahead
    signals, check = resolve_checked(strat, md, start=split)
    full = run(signals, md, settings)
    full.settings["lookahead_check"] = check_summary(check, False)
    return out_of_sample(full, md.index[split]), md
