"""Interactive figures of a backtest (hvplot / Bokeh): equity, drawdown, price with trades, sweep heatmap.

Times are shown in UTC (naive on the axis, labelled so). hvplot is imported inside
the functions.
"""

from __future__ import annotations

import pandas as pd

from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData

__all__ = ["drawdown_plot", "equity_plot", "price_trades_plot", "sweep_heatmap", "trade_markers"]

_HEIGHT = 240


def _hvplot() -> None:
    from ntlab._optional import attempt_import

    attempt_import("hvplot.pandas", purpose="dashboard charts")


def _naive_utc(index: pd.Index) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(index)
    return index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index


def trade_markers(result: BacktestResult, symbol: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Entries and exits of ``symbol``'s trades: two DataFrames with columns time, price, pnl, direction.

    Exits list closed trades only (an open trade has no exit yet).
    """
    trades = result.trades
    if trades.empty:
        empty = pd.DataFrame(
            {"time": pd.DatetimeIndex([]), "price": [], "pnl": [], "direction": []}
        )
        return empty, empty.copy()
    column = trades["Column"].map(lambda c: c[-1] if isinstance(c, tuple) else c)
    mine = trades[column == symbol]
    closed = mine[mine["Status"] == "Closed"]

    def side(frame: pd.DataFrame, when: str, price: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "time": _naive_utc(frame[when]),
                "price": frame[price].to_numpy(float),
                "pnl": frame["PnL"].to_numpy(float),
                "direction": frame["Direction"].astype(str).to_numpy(),
            }
        )

    return side(mine, "Entry Timestamp", "Avg Entry Price"), side(
        closed, "Exit Timestamp", "Avg Exit Price"
    )


def equity_plot(result: BacktestResult):
    """Portfolio value per bar."""
    _hvplot()
    frame = pd.DataFrame(
        {"time": _naive_utc(result.equity.index), "equity": result.equity.to_numpy(float)}
    )
    return frame.hvplot.line(
        x="time",
        y="equity",
        xlabel="time (UTC)",
        ylabel="equity ($)",
        title=f"Equity — {result.strategy}",
        responsive=True,
        height=_HEIGHT,
        color="#1f77b4",
        yformatter="%.0f",
    )


def drawdown_plot(result: BacktestResult):
    """Drawdown from the running peak, in percent."""
    _hvplot()
    equity = result.equity.to_numpy(float)
    drawdown = 100 * (equity / pd.Series(equity).cummax().to_numpy() - 1)
    frame = pd.DataFrame({"time": _naive_utc(result.equity.index), "drawdown": drawdown})
    return frame.hvplot.area(
        x="time",
        y="drawdown",
        xlabel="time (UTC)",
        ylabel="drawdown (%)",
        title="Drawdown",
        responsive=True,
        height=_HEIGHT * 2 // 3,
        color="#d62728",
        alpha=0.5,
    )


def price_trades_plot(data: MarketData, result: BacktestResult, symbol: str):
    """``symbol``'s close with trade entries (green ▲) and exits (red ▼)."""
    _hvplot()
    close = data.close[symbol].dropna()
    line = pd.DataFrame(
        {"time": _naive_utc(close.index), "close": close.to_numpy(float)}
    ).hvplot.line(
        x="time",
        y="close",
        xlabel="time (UTC)",
        ylabel=f"{symbol} price",
        title=f"{symbol}: price and trades",
        responsive=True,
        height=_HEIGHT + 60,
        color="#555555",
        line_width=1,
    )
    entries, exits = trade_markers(result, symbol)
    marks = dict(
        x="time",
        y="price",
        hover_cols=["pnl", "direction"],
        size=70,
        responsive=True,
        height=_HEIGHT + 60,
    )
    overlay = (
        line
        * entries.hvplot.scatter(marker="triangle", color="#2ca02c", label="entry", **marks)
        * exits.hvplot.scatter(marker="inverted_triangle", color="#d62728", label="exit", **marks)
    )
    return overlay.opts(legend_position="top_left")


def sweep_heatmap(grid: pd.DataFrame, metric: str):
    """A sweep result (rows: y values, columns: x values) as a labelled heatmap."""
    _hvplot()
    import holoviews as hv

    x, y = grid.columns.name, grid.index.name
    long = grid.stack(future_stack=True).rename(metric).reset_index()
    long[x], long[y] = long[x].astype(str), long[y].astype(str)
    long["label"] = long[metric].map(lambda v: f"{v:.2f}")
    heat = long.hvplot.heatmap(
        x=x,
        y=y,
        C=metric,
        cmap="RdYlGn",
        title=f"{metric} by {x} and {y}",
        responsive=True,
        height=_HEIGHT + 80,
        colorbar=True,
    )
    return heat * hv.Labels(long, kdims=[x, y], vdims="label").opts(
        text_color="black", text_font_size="12pt"
    )
