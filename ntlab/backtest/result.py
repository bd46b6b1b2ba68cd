"""BacktestResult: equity, returns, positions, orders, trades and the metrics of a backtest."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import, use_hvplot
from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.risk import measures

__all__ = [
    "BacktestResult",
    "TRADE_COLUMNS",
    "ORDER_COLUMNS",
    "GATE_COLUMNS",
    "PERCENT_METRICS",
    "COUNT_METRICS",
    "format_metric",
]

TRADE_COLUMNS = (
    "symbol",
    "side",
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "quantity",
    "pnl",
    "return",
    "exit_reason",
)
ORDER_COLUMNS = ("time", "symbol", "side", "quantity", "price", "fee", "reason")
GATE_COLUMNS = ("time", "symbol", "requested", "allowed", "code", "reason")


#: Metrics shown as percentages wherever a summary is printed.
PERCENT_METRICS = frozenset(
    {
        "total_return",
        "cagr",
        "max_drawdown",
        "volatility",
        "exposure",
        "win_rate",
        "best_bar",
        "worst_bar",
        "avg_trade_return",
    }
)
#: Metrics that count things (bars, trades) or money, shown without decimals.
COUNT_METRICS = frozenset({"trades", "max_drawdown_bars", "final_equity"})


def format_metric(name: str, value: float) -> str:
    """One metric as text: percent, a whole number with separators, or 3 decimals; NaN -> n/a."""
    if value is None or value != value:
        return "n/a"
    if name in PERCENT_METRICS:
        return f"{value:,.2%}"
    if name in COUNT_METRICS:
        return f"{value:,.0f}"
    if name == "periods_per_year":
        return f"{value:,.6g}"
    return f"{value:.3f}"


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})


@dataclass
class BacktestResult:
    """What a backtest produced.

    Attributes
    ----------
    strategy, engine : str
        Strategy id and ``"event"`` or ``"vectorbt"``.
    equity : Series
        Portfolio value per bar (cash + positions at the close), shape (n_bars,).
    trades : DataFrame
        One row per round trip (``TRADE_COLUMNS``): symbol, side (long/short), entry and
        exit time and volume-weighted price, quantity, pnl net of fees, return on the
        entry value, exit reason (signal, stop, take_profit, open).
    positions : DataFrame
        Units held at each bar's close, shape (n_bars, n_symbols).
    orders : DataFrame
        Every fill (``ORDER_COLUMNS``): time, symbol, side, quantity, price, fee, reason.
    cash : Series or None
        Cash per bar.
    close : DataFrame or None
        Closes of the backtest's data, for the trade plots.
    costs : dict
        Totals of commission, borrow fees and margin interest paid.
    gate : DataFrame
        Orders the pre-trade risk gate cut or refused (``GATE_COLUMNS``; empty without
        limits): requested and allowed signed quantity, ``ntlab.risk`` reason code and text.
    periods_per_year : float or None
        Bars per year behind every annualised figure (the settings' override, else read
        from the data's timestamps and calendar; None reads it from ``equity``'s index).
    """

    strategy: str
    engine: str
    equity: pd.Series
    trades: pd.DataFrame
    positions: pd.DataFrame
    init_cash: float
    settings: dict[str, Any] = field(default_factory=dict)
    orders: pd.DataFrame = field(default_factory=lambda: empty_frame(ORDER_COLUMNS))
    cash: pd.Series | None = None
    close: pd.DataFrame | None = None
    costs: dict[str, float] = field(default_factory=dict)
    gate: pd.DataFrame = field(default_factory=lambda: empty_frame(GATE_COLUMNS))
    periods_per_year: float | None = None

    def __post_init__(self) -> None:
        if self.periods_per_year is None:
            self.periods_per_year = measures.periods_per_year(self.equity.index)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ numbers
    @property
    def returns(self) -> pd.Series:
        """Simple returns per bar (first bar 0)."""
        r = measures.to_returns(self.equity)
        r.name = "returns"
        return r

    @property
    def drawdown(self) -> pd.Series:
        return measures.drawdown(self.returns)

    @property
    def n_trades(self) -> int:
        return len(self.trades)

    @property
    def final_equity(self) -> float:
        return float(self.equity.iloc[-1])

    def __repr__(self) -> str:
        if len(self.equity):
            span = f"{self.equity.index[0].date()} .. {self.equity.index[-1].date()}, "
        else:
            span = ""
        return (
            f"BacktestResult({self.strategy!r}, engine={self.engine!r}, {span}{len(self.equity)} bars x "
            f"{self.positions.shape[1]} symbols, {self.n_trades} trades, "
            f"final equity {self.final_equity:,.2f})"
        )

    def summary(self) -> dict[str, float]:
        """The risk module's measures of the returns, and trade statistics.

        Total return, CAGR, Sharpe, Sortino, Calmar (NaN where undefined, e.g. flat
        returns), max drawdown and its length in bars, volatility, trades, win rate,
        profit factor, final equity, and the bars per year that annualised them.
        """
        r = self.returns
        ppy = float(self.periods_per_year)  # type: ignore[arg-type]
        pnl = self.trades["pnl"].to_numpy(dtype=float) if self.n_trades else np.zeros(0)
        gains, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
        return {
            "total_return": measures.total_return(r),
            "cagr": measures.cagr(r, ppy),
            "sharpe": measures.sharpe_ratio(r, ppy, undefined="nan"),
            "sortino": measures.sortino_ratio(r, ppy, undefined="nan"),
            "calmar": measures.calmar_ratio(r, ppy, undefined="nan"),
            "max_drawdown": measures.max_drawdown(r),
            "max_drawdown_bars": int(measures.max_drawdown_duration(r)),
            "volatility": measures.volatility(r, ppy),
            "trades": int(self.n_trades),
            "win_rate": float((pnl > 0).mean()) if pnl.size else float("nan"),
            "profit_factor": float(gains / losses) if losses > 0 else float("nan"),
            "final_equity": self.final_equity,
            "periods_per_year": ppy,
        }

    def settings_text(self) -> str:
        """The engine and the settings behind the numbers, in one line.

        E.g. ``event engine: fee 0.10% + slippage 0.05%, market orders at the next open,
        whole shares sized at the decision close, signal stops on, 252 bars/year``.
        """
        s = self.settings
        if self.engine == "event" and "policy" in s:
            pol = s["policy"]
            fee, slip = pol["commission"]["pct"], pol["slippage"]["pct"]
            fills = pol["fills"]
            orders = f"{fills['order_type']} orders at the {fills['fill_at'].replace('_', ' ')}"
            size = "fractional sizes" if pol["fractional"] else "whole shares"
            size += f" sized at the {'decision close' if pol['size_at'] == 'decision' else 'fill'}"
            stops = s.get("use_signal_stops", True)
        elif self.engine == "vectorbt" and "fees" in s:
            fee, slip = s["fees"], s["slippage"]
            orders = f"market orders at the {s['fill_at'].replace('_', ' ')}"
            size = "fractional sizes" if s.get("lot_size") is None else f"lots of {s['lot_size']:g}"
            size += " sized at the fill"
            stops = s.get("use_signal_stops", True)
        else:
            return f"{self.engine}: {self.periods_per_year:,.6g} bars/year"
        return (
            f"{self.engine} engine: fee {fee:.2%} + slippage {slip:.2%}, {orders}, {size}, "
            f"signal stops {'on' if stops else 'off'}, {self.periods_per_year:,.6g} bars/year"
        )

    def summary_table(self) -> str:
        start, end = self.equity.index[0].date(), self.equity.index[-1].date()
        lines = [f"{self.strategy} ({self.engine}) {start} .. {end}", f"  {self.settings_text()}"]
        for key, value in self.summary().items():
            lines.append(f"  {key:<14}{format_metric(key, value):>16}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view: settings, summary, equity, trades and orders (NaN -> null)."""
        return _jsonable(
            {
                "strategy": self.strategy,
                "engine": self.engine,
                "initCash": self.init_cash,
                "settings": self.settings,
                "summary": self.summary(),
                "costs": self.costs,
                "equity": {
                    "time": [t.isoformat() for t in self.equity.index],
                    "value": self.equity.tolist(),
                },
                "trades": _records(self.trades),
                "orders": _records(self.orders),
                "gate": _records(self.gate),
            }
        )

    def to_json(self, path: str | Path | None = None, *, indent: int | None = None) -> str:
        """The result as JSON text (also written to ``path`` when given)."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).write_text(text)
        return text

    def to_html(
        self, path: str | Path | None = None, *, plots: bool = True, max_trades: int = 500
    ) -> str:
        """A standalone HTML report: summary, equity and drawdown plots, trades table.

        Plots are Bokeh figures rendered from hvplot with BokehJS embedded in the page
        (``bokeh.resources.INLINE``), so the file shows its plots without network access.
        """
        parts = [f"<h1>{html.escape(self.strategy)} ({html.escape(self.engine)})</h1>"]
        summary = pd.DataFrame(
            {"value": {k: format_metric(k, v) for k, v in self.summary().items()}}
        )
        parts.append(summary.to_html())
        head = ""
        if plots:
            hv = attempt_import("holoviews", purpose="HTML backtest reports")
            embed = attempt_import("bokeh.embed", purpose="HTML backtest reports")
            resources = attempt_import("bokeh.resources", purpose="HTML backtest reports")
            plot = (self.plot_equity() + self.plot_drawdown()).cols(1)
            script, div = embed.components(hv.render(plot, backend="bokeh"))
            head = resources.INLINE.render() + script
            parts.append(div)
        parts.append(f"<h2>Trades ({self.n_trades})</h2>")
        parts.append(
            self.trades.head(max_trades).to_html(index=False, float_format=lambda v: f"{v:,.4f}")
        )
        page = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.strategy)} backtest</title>{head}</head><body>"
            + "\n".join(parts)
            + "</body></html>"
        )
        if path is not None:
            Path(path).write_text(page)
        return page

    # ------------------------------------------------------------------ plots (hvplot, lazy)
    def plot_equity(self, **opts: Any) -> Any:
        """Equity curve (hvplot line); values on the axis in plain digits, not 4.000e+5."""
        use_hvplot("backtest plots")
        opts.setdefault("yformatter", "%.0f")
        frame = self.equity.rename("equity").to_frame()
        return frame.hvplot.line(y="equity", title=f"{self.strategy}: equity", **opts)

    def plot_drawdown(self, **opts: Any) -> Any:
        """Drawdown from the running peak (hvplot area, negative fractions)."""
        use_hvplot("backtest plots")
        return self.drawdown.to_frame().hvplot.area(y="drawdown", title="drawdown", **opts)

    def plot_trades(self, symbol: str | None = None, **opts: Any) -> Any:
        """One symbol's close with entries (triangles) and exits (crosses, coloured by reason)."""
        use_hvplot("backtest plots")
        if self.close is None:
            raise ConfigError(
                "this result holds no prices; plot_trades needs a result from run_event or run_vector"
            )
        symbols = list(self.close.columns)
        symbol = symbol or symbols[0]
        if symbol not in symbols:
            raise UnknownSymbolError(
                f"unknown symbol {symbol!r} in this backtest; it holds {symbols[:8]}"
            )
        price = self.close[symbol].rename("close").to_frame()
        plot = price.hvplot.line(
            y="close", title=f"{self.strategy}: trades in {symbol}", color="grey", **opts
        )
        t = self.trades[self.trades["symbol"] == symbol]
        if len(t):
            entries = pd.DataFrame(
                {"time": t["entry_time"], "price": t["entry_price"], "side": t["side"]}
            )
            exits = pd.DataFrame(
                {"time": t["exit_time"], "price": t["exit_price"], "reason": t["exit_reason"]}
            )
            plot = plot * entries.hvplot.scatter(
                x="time", y="price", by="side", marker="triangle", size=80
            )
            plot = plot * exits.hvplot.scatter(
                x="time", y="price", by="reason", marker="x", size=80
            )
        return plot

    def plot(self) -> Any:
        """Equity over drawdown."""
        return (self.plot_equity() + self.plot_drawdown()).cols(1)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda t: None if pd.isna(t) else t.isoformat())
    return out.astype(object).to_dict(orient="records")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)
