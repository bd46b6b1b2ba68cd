"""Tearsheet of a backtest: the tables and figures of a report, reusable in dashboards.

>>> from ntlab.reports import run_config, tearsheet
>>> result = run_config({"strategy": "momentum", "lookback": 30}, data="sample:stocks")
>>> sheet = tearsheet(result, benchmark=True, close=load("sample:stocks").close)
>>> sheet.metrics, sheet.monthly, sheet.trades      # DataFrames of numbers
>>> sheet.layout()                                   # HoloViews layout (hvplot, lazy import)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.reports import figures
from ntlab.reports.tables import benchmark_equity, metrics_table, monthly_returns, trades_table
from ntlab.strategies import Strategy, from_dict, get

__all__ = [
    "Tearsheet",
    "tearsheet",
    "run_config",
    "resolve_strategy",
    "out_of_sample",
    "is_learned",
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


def resolve_strategy(strategy: str | dict[str, Any] | Strategy, **params: Any) -> Strategy:
    """A strategy from a registered name (plus params), a config dict or a Strategy."""
    if isinstance(strategy, Strategy):
        if params:
            raise ConfigError("give parameters through the Strategy object, not both")
        return strategy
    if isinstance(strategy, dict):
        return from_dict({**strategy, **params})
    return get(strategy, **params)


def is_learned(strategy: Strategy) -> bool:
    """True when the strategy overrides ``fit`` (it learns from data)."""
    return type(strategy).fit is not Strategy.fit


def out_of_sample(result: BacktestResult, start: pd.Timestamp) -> BacktestResult:
    """The part of a backtest from ``start`` on, as its own result (equity not rebased)."""
    equity = result.equity.loc[start:]
    if len(equity) < 2:
        raise ConfigError(f"the test period from {start} holds fewer than 2 bars")
    trades = result.trades
    if len(trades) and "Entry Timestamp" in trades.columns:
        trades = trades[trades["Entry Timestamp"] >= start]
    return BacktestResult(
        strategy=result.strategy,
        engine=result.engine,
        equity=equity,
        trades=trades.reset_index(drop=True),
        positions=result.positions.loc[start:],
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


def run_config(
    strategy: str | dict[str, Any] | Strategy,
    *,
    data: str | MarketData = "sample:stocks",
    symbols: list[str] | None = None,
    start: Any = None,
    end: Any = None,
    cash: float = 100_000.0,
    fees: float = 0.001,
    slippage: float = 0.0005,
    train_fraction: float = 0.5,
) -> tuple[BacktestResult, MarketData]:
    """Backtest a strategy config with costs on a data spec (vectorbt path).

    A learned strategy (one that overrides ``fit``) is fitted on the first
    ``train_fraction`` of the bars only, and the result covers the remaining bars, so the
    report never shows performance on data the strategy learned from.

    Returns
    -------
    (BacktestResult, MarketData)
        The result and the data it ran on (after symbol and date selection).
    """
    from ntlab.backtest.vector import VectorSettings, run_vector

    strat = resolve_strategy(strategy)
    md = _load(data, symbols, start, end)
    settings = VectorSettings(init_cash=cash, fees=fees, slippage=slippage)
    if not is_learned(strat):
        return run_vector(strat, md, settings), md
    if not 0 < train_fraction < 1:
        raise ConfigError("train_fraction must lie in (0, 1)")
    split = int(md.n_bars * train_fraction)
    strat.fit(md[:split])
    full = run_vector(strat, md, settings)
    return out_of_sample(full, md.index[split]), md
