"""BacktestResult: equity, returns, trades and the summary metrics of a backtest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ntlab.risk import measures

__all__ = ["BacktestResult"]


@dataclass
class BacktestResult:
    """What a backtest produced.

    Attributes
    ----------
    equity : Series
        Portfolio value per bar (cash + positions), shape (n_bars,).
    trades : DataFrame
        One row per closed or open trade (symbol, entry/exit time and price, pnl).
    positions : DataFrame
        Units held per bar and symbol, shape (n_bars, n_symbols).
    """

    strategy: str
    engine: str
    equity: pd.Series
    trades: pd.DataFrame
    positions: pd.DataFrame
    init_cash: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def returns(self) -> pd.Series:
        return measures.to_returns(self.equity)

    @property
    def n_trades(self) -> int:
        return len(self.trades)

    def summary(self) -> dict[str, float]:
        """Total return, CAGR, Sharpe, Sortino, max drawdown, volatility and trade count."""
        r = self.returns
        ppy = measures.periods_per_year(self.equity.index)  # type: ignore[arg-type]
        return {
            "total_return": measures.total_return(r),
            "cagr": measures.cagr(r, ppy),
            "sharpe": measures.sharpe_ratio(r, ppy),
            "sortino": measures.sortino_ratio(r, ppy),
            "max_drawdown": measures.max_drawdown(r),
            "volatility": measures.volatility(r, ppy),
            "trades": float(self.n_trades),
            "final_equity": float(self.equity.iloc[-1]),
        }

    def summary_table(self) -> str:
        rows = self.summary()
        pct = {"total_return", "cagr", "max_drawdown", "volatility"}
        lines = [
            f"{self.strategy} ({self.engine}) {self.equity.index[0].date()} .. {self.equity.index[-1].date()}"
        ]
        for key, value in rows.items():
            text = (
                f"{value:,.2%}"
                if key in pct
                else f"{value:,.0f}"
                if key in {"trades", "final_equity"}
                else f"{value:.3f}"
            )
            lines.append(f"  {key:<14}{text:>16}")
        return "\n".join(lines)
