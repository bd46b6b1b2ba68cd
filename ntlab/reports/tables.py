"""Tables of a backtest report: metrics, monthly returns, trades. Plain pandas, no plotting.

Every function takes a :class:`ntlab.backtest.BacktestResult` (or its returns) and gives a
DataFrame of numbers; formatting for display is left to :func:`format_metrics` and the
notebook, so tests and dashboards get the raw values.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from ntlab.backtest.result import BacktestResult, format_metric
from ntlab.errors import RiskError

__all__ = ["metrics_table", "monthly_returns", "trades_table", "format_metrics", "benchmark_equity"]


def _check_returns(returns: pd.Series) -> pd.Series:
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise RiskError("returns must be a pandas Series with a DatetimeIndex (one value per bar)")
    if returns.index.tz is None:
        raise RiskError("returns need a tz-aware (UTC) index; localise it with .tz_localize('UTC')")
    if returns.isna().any():
        raise RiskError(
            f"returns have {int(returns.isna().sum())} NaN values; drop or fill them first"
        )
    return returns


def monthly_returns(returns: pd.Series) -> pd.DataFrame:
    """Compounded return per calendar month, shaped like a heatmap.

    Parameters
    ----------
    returns : Series of shape (n_bars,)
        Simple returns per bar with a tz-aware DatetimeIndex. Months are calendar months in
        UTC (daily bars are stamped at the New York day start, so they fall in their month).

    Returns
    -------
    DataFrame of shape (n_years, 13)
        Rows are years, columns ``Jan`` .. ``Dec`` and ``Year`` (the compounded year);
        NaN for months outside the data.
    """
    r = _check_returns(returns)
    idx = r.index.tz_convert("UTC")
    growth = (1.0 + r).groupby([idx.year, idx.month]).prod() - 1.0
    growth.index.names = ["year", "month"]
    table = growth.unstack("month").reindex(columns=range(1, 13))
    table.columns = [calendar.month_abbr[m] for m in range(1, 13)]
    year = (1.0 + r).groupby(idx.year).prod() - 1.0
    table["Year"] = year.to_numpy()
    table.index.name = "year"
    return table.astype(float)


def _exposure(result: BacktestResult) -> float:
    held = result.positions.abs().to_numpy(dtype=float)
    return float(np.nan_to_num(held).sum(axis=1).astype(bool).mean()) if held.size else 0.0


def metrics_table(result: BacktestResult, *, benchmark: pd.Series | None = None) -> pd.DataFrame:
    """The headline numbers of a backtest, one row per metric.

    Parameters
    ----------
    result : BacktestResult
    benchmark : Series of shape (n_bars,), optional
        A benchmark equity curve on the same index (e.g. :func:`benchmark_equity`); adds a
        ``benchmark`` column computed the same way.

    Returns
    -------
    DataFrame with index ``metric`` and a float column named after the strategy: the
    result's :meth:`~ntlab.backtest.BacktestResult.summary` plus exposure (share of bars
    with a position), mean return of closed trades, best and worst bar.
    """
    rows = _metric_rows(result.returns, result.summary())
    trades = trades_table(result)
    closed = trades[trades["status"] == "closed"]
    rows["exposure"] = _exposure(result)
    rows["avg_trade_return"] = float(closed["return"].mean()) if len(closed) else float("nan")
    table = pd.DataFrame({result.strategy: pd.Series(rows, dtype=float)})
    if benchmark is not None:
        if not benchmark.index.equals(result.equity.index):
            raise RiskError("benchmark must share the backtest's index (one value per bar)")
        bench = BacktestResult(
            strategy="benchmark",
            engine="buy-and-hold",
            equity=benchmark.astype(float),
            trades=result.trades.iloc[:0],
            positions=pd.DataFrame(index=benchmark.index),
            init_cash=float(benchmark.iloc[0]),
        )
        rows = _metric_rows(bench.returns, bench.summary())
        for key in ("trades", "win_rate", "profit_factor"):
            rows.pop(key, None)
        table["benchmark"] = pd.Series(rows, dtype=float)
    table.index.name = "metric"
    return table


def _metric_rows(returns: pd.Series, summary: dict[str, float]) -> dict[str, float]:
    rows = dict(summary)
    rows["best_bar"] = float(returns.max())
    rows["worst_bar"] = float(returns.min())
    return rows


def benchmark_equity(close: pd.DataFrame, init_cash: float) -> pd.Series:
    """Equal-weight buy-and-hold of every symbol, rebalanced never, as an equity curve.

    Parameters
    ----------
    close : DataFrame of shape (n_bars, n_symbols)
        Closes; a symbol enters on its first close (its sleeve is held as cash until then).
    init_cash : float

    Returns
    -------
    Series of shape (n_bars,), named ``benchmark``.
    """
    if close.shape[1] == 0:
        raise RiskError("benchmark_equity needs at least one symbol")
    first = close.bfill().iloc[0]
    growth = (close / first).ffill().fillna(1.0)
    out = growth.mean(axis=1) * init_cash
    out.name = "benchmark"
    return out


def trades_table(result: BacktestResult) -> pd.DataFrame:
    """Trades of a backtest (either engine) with their holding time and status.

    Returns
    -------
    DataFrame, one row per round trip: the result's trade columns (``symbol, side,
    entry_time, exit_time, entry_price, exit_price, quantity, pnl, return, exit_reason``)
    with labels as plain strings, plus ``bars_held`` (bars from entry to exit) and
    ``status`` (``"open"`` for a position still held at the end, else ``"closed"``).
    """
    out = result.trades.copy()
    for col in ("symbol", "side", "exit_reason"):
        if col in out.columns:
            out[col] = out[col].astype(str)
    index = result.equity.index
    entry = (
        index.get_indexer(pd.DatetimeIndex(out["entry_time"]))
        if len(out)
        else np.zeros(0, dtype=int)
    )
    exit_ = (
        index.get_indexer(pd.DatetimeIndex(out["exit_time"]))
        if len(out)
        else np.zeros(0, dtype=int)
    )
    out["bars_held"] = np.where((entry >= 0) & (exit_ >= 0), exit_ - entry, -1)
    reason = out["exit_reason"] if "exit_reason" in out.columns else pd.Series("", index=out.index)
    out["status"] = np.where(reason == "open", "open", "closed")
    return out.reset_index(drop=True)


def format_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """The metrics table as display strings (percentages, ratios to 3 places, counts)."""

    return pd.DataFrame(
        {col: [format_metric(m, v) for m, v in table[col].items()] for col in table.columns},
        index=table.index,
    )
