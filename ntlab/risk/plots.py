"""hvplot figures for risk reports and VaR back-tests (hvplot is imported on first use)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ntlab._optional import attempt_import, use_hvplot

if TYPE_CHECKING:
    from ntlab.risk.report import RiskReport
    from ntlab.risk.var_backtest import VarBacktest

__all__ = ["plot_risk_report", "plot_var_backtest"]


def _hv() -> Any:
    use_hvplot("risk plots")
    return attempt_import("holoviews", purpose="risk plots")


def plot_risk_report(report: RiskReport) -> Any:
    """Histogram of returns with each method's 95%/99% VaR as a vertical line, over the drawdown curve."""
    from ntlab.risk.measures import drawdown

    hv = _hv()
    r = report.returns
    hist = r.rename("return").hvplot.hist(
        bins=80, alpha=0.5, title="Return distribution and VaR", width=700, height=300
    )
    lines = []
    for (method, level), row in report.var_table.iterrows():
        dash = "dashed" if level < 0.99 else "solid"
        lines.append(hv.VLine(-row["var_pct"], label=f"{method} {level:.0%}").opts(line_dash=dash))
    overlay = hist * hv.Overlay(lines).opts(show_legend=True)
    dd = drawdown(r).hvplot.area(
        title="Drawdown", ylabel="drawdown", width=700, height=220, alpha=0.5
    )
    return (overlay + dd).cols(1)


def plot_var_backtest(bt: VarBacktest) -> Any:
    """Returns, the negated VaR forecast, and the exceedances marked in red."""
    _hv()
    frame = bt.frame
    returns = frame["returns"].hvplot.line(label="return", alpha=0.6, width=800, height=320)
    var = (
        (-frame["var"])
        .rename("-VaR")
        .hvplot.line(label=f"-VaR {bt.level:.0%} ({bt.method})", color="black")
    )
    hits = frame.loc[frame["exceed"], "returns"]
    exceed = pd.Series(hits.to_numpy(), index=hits.index, name="exceedance").hvplot.scatter(
        color="red", size=20, label=f"exceedances ({bt.n_exceed}, expected {bt.expected:.1f})"
    )
    title = f"VaR back-test: Kupiec p={bt.kupiec.pvalue:.3f}, Christoffersen cc p={bt.conditional_coverage.pvalue:.3f}"
    return (returns * var * exceed).opts(title=title, legend_position="bottom_left")
