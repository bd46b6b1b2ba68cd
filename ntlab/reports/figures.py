"""Figures of a backtest report, drawn with hvplot (imported only when a figure is made).

Each function returns a HoloViews object that renders in JupyterLab, in Panel dashboards
(``pn.panel(fig)``) and in HTML exported by nbconvert. Times are shown in UTC.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ntlab._optional import attempt_import, use_hvplot
from ntlab.backtest.result import BacktestResult
from ntlab.reports.tables import monthly_returns
from ntlab.risk import measures

__all__ = [
    "notebook_setup",
    "equity_figure",
    "drawdown_figure",
    "monthly_heatmap",
    "price_figure",
    "returns_histogram",
    "sharpe_claims_figure",
]

_WIDTH, _HEIGHT = 900, 300


def notebook_setup(*, inline: bool = True) -> None:
    """Load hvplot's plotting extension in a notebook (registers ``.hvplot`` on pandas).

    Parameters
    ----------
    inline : bool
        Embed BokehJS in the notebook's outputs (about 3 MB) so that the HTML exported by
        ``ntlab report`` shows its plots without network access. Call this before anything
        else imports hvplot in the kernel.
    """
    hv = attempt_import("holoviews", purpose="report figures")
    hv.extension.inline = inline
    use_hvplot("report figures")


def _naive_utc(obj: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Bokeh draws naive datetimes; convert the UTC index to naive UTC for display."""
    index = obj.index
    if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
        obj = obj.copy()
        obj.index = index.tz_convert("UTC").tz_localize(None)
        obj.index.name = "time (UTC)"
    return obj


def equity_figure(
    result: BacktestResult, benchmark: pd.Series | None = None, *, logy: bool = False
) -> Any:
    """Equity curve of a backtest, with an optional benchmark curve on the same axes.

    Parameters
    ----------
    result : BacktestResult
    benchmark : Series of shape (n_bars,), optional
        E.g. :func:`ntlab.reports.tables.benchmark_equity`.
    logy : bool
        Logarithmic value axis (useful over many years).
    """
    use_hvplot("report figures")
    frame = pd.DataFrame({result.strategy: result.equity})
    if benchmark is not None:
        frame[benchmark.name or "benchmark"] = benchmark
    return _naive_utc(frame).hvplot.line(
        title=f"Equity: {result.strategy} ({result.engine})",
        ylabel="portfolio value",
        yformatter="%.0f",
        logy=logy,
        width=_WIDTH,
        height=_HEIGHT,
        legend="top_left",
    )


def drawdown_figure(result: BacktestResult) -> Any:
    """Drawdown from the running peak, as a filled area below zero (fractions)."""
    use_hvplot("report figures")
    dd = measures.drawdown(result.returns).rename("drawdown")
    return _naive_utc(dd).hvplot.area(
        title=f"Drawdown: {result.strategy} (max {dd.min():.1%})",
        ylabel="drawdown",
        color="firebrick",
        alpha=0.5,
        width=_WIDTH,
        height=_HEIGHT // 2 + 50,
    )


def monthly_heatmap(result: BacktestResult | pd.Series) -> Any:
    """Heatmap of compounded monthly returns, years down, months across (in percent)."""
    use_hvplot("report figures")
    returns = result.returns if isinstance(result, BacktestResult) else result
    table = monthly_returns(returns).drop(columns="Year")
    long = (table * 100).stack(future_stack=True).rename("return_pct").reset_index()
    long.columns = ["year", "month", "return_pct"]
    long["year"] = long["year"].astype(str)
    bound = float(long["return_pct"].abs().max()) if long["return_pct"].notna().any() else 1.0
    return long.hvplot.heatmap(
        x="month",
        y="year",
        C="return_pct",
        cmap="RdYlGn",
        clim=(-bound, bound),
        title="Monthly returns (%)",
        width=_WIDTH,
        height=max(200, 22 * long["year"].nunique() + 80),
        flip_yaxis=True,
        hover_cols=["return_pct"],
    )


def price_figure(
    close: pd.DataFrame, *, normalise: bool = True, overlays: pd.DataFrame | None = None
) -> Any:
    """Closes of several symbols, optionally rebased to 1 at each symbol's first close.

    Parameters
    ----------
    close : DataFrame of shape (n_bars, n_symbols)
    normalise : bool
        Rebase each column to its first valid value, so symbols share one axis.
    overlays : DataFrame of shape (n_bars, k), optional
        Extra lines (e.g. moving averages) drawn on the same axes, not rebased.
    """
    use_hvplot("report figures")
    frame = close / close.bfill().iloc[0] if normalise else close
    fig = _naive_utc(frame).hvplot.line(
        title="Closes (rebased to 1)" if normalise else "Closes",
        width=_WIDTH,
        height=_HEIGHT,
        legend="top_left",
    )
    if overlays is not None:
        fig = fig * _naive_utc(overlays).hvplot.line(line_dash="dashed")
    return fig


def returns_histogram(result: BacktestResult, bins: int = 60) -> Any:
    """Distribution of per-bar returns (bars with a zero return are left out)."""
    use_hvplot("report figures")
    r = result.returns
    r = r[r != 0].rename("return")
    return r.hvplot.hist(
        bins=bins, title="Per-bar returns (non-zero)", width=_WIDTH // 2, height=_HEIGHT
    )


#: Height of one strategy's row in :func:`sharpe_claims_figure` (pixels; labels never overlap).
_ROW_PX = 44


def sharpe_claims_figure(rows: pd.DataFrame) -> Any:
    """Measured against claimed Sharpe ratio per strategy, as horizontal grouped bars.

    Parameters
    ----------
    rows : DataFrame
        The parity table's strategy rows: ``check`` ("Sharpe of NAME"), ``ntlab_value``
        (measured) and ``reference_value`` (the seed's claim, NaN where none).

    Each strategy gets its own row of ``_ROW_PX`` pixels with its name level on the axis,
    so long names never overlap (a vertical chart rotated its labels into each other).
    """
    use_hvplot("report figures")
    bars = rows.assign(strategy=rows["check"].str.removeprefix("Sharpe of "))
    long = bars.melt(
        id_vars="strategy",
        value_vars=["ntlab_value", "reference_value"],
        var_name="source",
        value_name="sharpe",
    ).dropna()
    long["source"] = long["source"].map(
        {"ntlab_value": "measured (ntlab)", "reference_value": "claimed (seed)"}
    )
    n = max(long["strategy"].nunique(), 1)
    return long.hvplot.barh(
        x="strategy",
        y="sharpe",
        by="source",
        width=_WIDTH,
        height=_ROW_PX * n + 120,
        title="Sharpe ratio: measured vs claimed",
        legend="bottom_right",
    )
