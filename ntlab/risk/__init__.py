"""Risk: measures, limits and the pre-trade gate, sizing, optimisation."""

from ntlab.risk.measures import (
    cagr,
    drawdown,
    equity_curve,
    max_drawdown,
    periods_per_year,
    sharpe_ratio,
    sortino_ratio,
    to_returns,
    total_return,
    volatility,
)

__all__ = [
    "cagr",
    "drawdown",
    "equity_curve",
    "max_drawdown",
    "periods_per_year",
    "sharpe_ratio",
    "sortino_ratio",
    "to_returns",
    "total_return",
    "volatility",
]
