"""The explorer's figures: the library's backtest plots sized for a page, and a labelled sweep heatmap.

Equity, drawdown and trades come from :class:`ntlab.backtest.BacktestResult`'s own
hvplot methods; this module only sizes them for the dashboard. hvplot and HoloViews
are imported inside the functions.
"""

from __future__ import annotations

import pandas as pd

from ntlab.backtest.result import BacktestResult

__all__ = ["drawdown_plot", "equity_plot", "price_trades_plot", "sweep_heatmap"]

_HEIGHT = 240


def equity_plot(result: BacktestResult):
    """Portfolio value per bar."""
    return result.plot_equity(
        xlabel="time (UTC)", responsive=True, height=_HEIGHT, ylabel="equity ($)", yformatter="%.0f"
    )


def drawdown_plot(result: BacktestResult):
    """Drawdown from the running peak (fractions, shown as percent)."""
    from bokeh.models import NumeralTickFormatter

    return result.plot_drawdown(
        xlabel="time (UTC)",
        responsive=True,
        height=_HEIGHT * 2 // 3,
        ylabel="drawdown",
        yformatter=NumeralTickFormatter(format="0%"),
        color="#d62728",
        alpha=0.5,
    )


def price_trades_plot(result: BacktestResult, symbol: str):
    """``symbol``'s close with the trades' entries (triangles) and exits (crosses)."""
    from ntlab._optional import attempt_import

    hv = attempt_import("holoviews", purpose="dashboard charts")
    plot = result.plot_trades(
        symbol, xlabel="time (UTC)", responsive=True, height=_HEIGHT + 60, ylabel=f"{symbol} price"
    )
    if isinstance(plot, hv.Overlay):  # a symbol without trades is a bare Curve: no legend
        return plot.opts(responsive=True, height=_HEIGHT + 60, legend_position="top_left")
    return plot.opts(responsive=True, height=_HEIGHT + 60)


def sweep_heatmap(grid: pd.DataFrame, metric: str):
    """A sweep's pivot (rows: y values, columns: x values) as a heatmap with each cell's value."""
    from ntlab._optional import attempt_import, use_hvplot

    use_hvplot("dashboard charts")
    hv = attempt_import("holoviews", purpose="dashboard charts")
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
    labels = hv.Labels(long, kdims=[x, y], vdims="label").opts(
        text_color="black", text_font_size="12pt"
    )
    return heat * labels
