"""Backtesting: vectorbt for research sweeps, ntlab's own event engine for realism."""

from ntlab.backtest.result import BacktestResult

__all__ = ["BacktestResult"]
