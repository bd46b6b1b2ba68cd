"""Tables the dashboards show, built from a backtest summary or a session status (pandas only)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ntlab.backtest.result import format_metric

__all__ = ["fills_frame", "metrics_frame", "orders_frame", "positions_frame", "status_kpis"]

_LABELS = {
    "total_return": "Total return",
    "cagr": "CAGR",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "max_drawdown": "Max drawdown",
    "volatility": "Volatility",
    "trades": "Trades",
    "win_rate": "Win rate",
    "profit_factor": "Profit factor",
    "final_equity": "Final equity",
    "periods_per_year": "Bars/year",
}


def _when(iso: str | None) -> str:
    """``2010-03-11T05:00:00Z`` -> ``2010-03-11 05:00`` (UTC); '' when unknown."""
    return "" if not iso else pd.Timestamp(iso).strftime("%Y-%m-%d %H:%M")


def metrics_frame(summary: dict[str, float]) -> pd.DataFrame:
    """``BacktestResult.summary()`` as a one-row table of formatted values (percent where it reads better)."""
    return pd.DataFrame(
        [{_LABELS.get(k, k): format_metric(k, v) for k, v in summary.items()}], index=["backtest"]
    )


def positions_frame(status: dict[str, Any]) -> pd.DataFrame:
    """One row per position: symbol, qty, manual qty, avg entry, price, unrealised and realised P&L."""
    rows = [
        {
            "symbol": p["symbol"],
            "qty": p["quantity"],
            "manual qty": p.get("manualQuantity", 0.0),
            "avg entry": round(p["avgEntryPrice"], 4),
            "price": round(p["marketPrice"], 4) if p.get("marketPrice") is not None else None,
            "unrealized P&L": round(p.get("unrealizedPnl", 0.0), 2),
            "realized P&L": round(p["realizedPnl"], 2),
        }
        for p in status.get("positions", [])
    ]
    columns = [
        "symbol",
        "qty",
        "manual qty",
        "avg entry",
        "price",
        "unrealized P&L",
        "realized P&L",
    ]
    return pd.DataFrame(rows, columns=columns).set_index("symbol")


def _price(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def orders_frame(status: dict[str, Any]) -> pd.DataFrame:
    """Open orders: id, symbol, side, qty, type, limit and stop prices, submitted (bar
    time), reason (signal, manual, stop-loss, ...)."""
    columns = ["order id", "symbol", "side", "qty", "type", "limit", "stop", "submitted", "reason"]
    rows = [
        {
            "order id": o["orderId"],
            "symbol": o["symbol"],
            "side": o["side"],
            "qty": o["quantity"],
            "type": o["orderType"],
            "limit": _price(o.get("limitPrice")),
            "stop": _price(o.get("stopPrice")),
            "submitted": _when(o.get("submittedAt")),
            "reason": o.get("reason", ""),
        }
        for o in status.get("open_orders", [])
    ]
    return pd.DataFrame(rows, columns=columns)


def fills_frame(status: dict[str, Any], last: int = 12) -> pd.DataFrame:
    """The newest fills first: time, symbol, side, qty, price, commission, and the reason
    (signal, stop-loss, take-profit, manual, flatten; what the risk gate or the breaker did)."""
    rows = [
        {
            "time": _when(f["timestamp"]),
            "symbol": f["symbol"],
            "side": f["side"],
            "qty": f["quantity"],
            "price": round(f["price"], 4),
            "commission": round(f["commission"], 2),
            "reason": f.get("reason", ""),
        }
        for f in reversed(status.get("recent_fills", [])[-last:])
    ]
    columns = ["time", "symbol", "side", "qty", "price", "commission", "reason"]
    return pd.DataFrame(rows, columns=columns)


def _breaker(status: dict[str, Any], breaker: dict[str, Any]) -> str:
    if status.get("session_id") is None:
        return "n/a"
    if breaker.get("tripped"):
        return f"TRIPPED: {breaker.get('reason')}"
    return f"ok (trips at {breaker.get('limit', 0.0):.0%} drawdown)"


def status_kpis(status: dict[str, Any]) -> dict[str, str]:
    """Headline numbers of a session, formatted: equity, cash, P&L, drawdown, breaker, latency."""
    risk, lat, breaker = (
        status.get("risk") or {},
        status.get("decision_latency_ms") or {},
        status.get("circuit_breaker") or {},
    )
    return {
        "Equity": f"${status.get('equity', 0.0):,.2f}",
        "Cash": f"${status.get('cash', 0.0):,.2f}",
        "Realized P&L": f"${status.get('realized_pnl', 0.0):,.2f}",
        "Unrealized P&L": f"${status.get('unrealized_pnl', 0.0):,.2f}",
        "Drawdown": f"{risk.get('drawdown', 0.0):.2%} (max {risk.get('max_drawdown', 0.0):.2%})",
        "Leverage": f"{risk.get('leverage', 0.0):.2f}",
        "Circuit breaker": _breaker(status, breaker),
        "Decision latency": f"{lat['last']:.1f} ms (p50 {lat['p50']:.1f}, max {lat['max']:.1f})"
        if lat
        else "n/a",
    }
