"""RiskReport: the seed's RiskMetrics for a return series or a portfolio, with tables and plots.

Units: ``var_95``, ``var_99`` and ``cvar_95`` are positive loss *fractions* of equity per
bar (one day for daily data); ``max_drawdown`` is a negative fraction; ``volatility`` is
annualised; ``sharpe_ratio`` and ``sortino_ratio`` are annualised (see
:mod:`ntlab.risk.measures`); ``beta`` is per bar against the benchmark, or None without one.
For a portfolio the currency amounts are in :attr:`RiskReport.var_table` and in
``to_dict()`` as ``var95Value``, ``var99Value`` and ``cvar95Value``.

A portfolio's return series is its P&L with today's positions held fixed, divided by
today's equity (a constant-exposure history).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import measures
from ntlab.risk._checks import camel, clean_returns
from ntlab.risk.portfolio import (
    PORTFOLIO_METHODS,
    _book,
    _table,
    portfolio_var_table,
    position_values,
)

__all__ = ["RiskMetrics", "RiskReport"]

_SEED_KEYS = {
    "var_95": "var95",
    "var_99": "var99",
    "cvar_95": "cvar95",
    "max_drawdown": "maxDrawdown",
    "sharpe_ratio": "sharpeRatio",
    "sortino_ratio": "sortinoRatio",
    "beta": "beta",
    "volatility": "volatility",
}


@dataclass(frozen=True)
class RiskMetrics:
    """The seed's ``RiskMetrics`` (units in the module docstring)."""

    var_95: float
    var_99: float
    cvar_95: float
    max_drawdown: float
    sharpe_ratio: float
    sortino_ratio: float
    beta: float | None
    volatility: float

    def to_dict(self) -> dict[str, float | None]:
        """camelCase keys of the seed's fields: ``var95``, ``cvar95``, ``maxDrawdown``, ..."""
        return {_SEED_KEYS[k]: v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class RiskReport:
    """Risk of a return series or a portfolio.

    Build with :meth:`from_returns` or :meth:`from_positions`. ``var_table`` is indexed by
    (method, level) with ``var``/``es`` (currency for a portfolio, fractions otherwise),
    ``var_pct``/``es_pct`` and Monte Carlo standard errors.
    """

    returns: pd.Series
    metrics: RiskMetrics
    var_table: pd.DataFrame
    periods: float
    method: str
    equity: float | None = None
    pnl: pd.Series | None = None
    benchmark: pd.Series | None = None

    @classmethod
    def from_returns(
        cls,
        returns: pd.Series,
        *,
        benchmark: pd.Series | None = None,
        periods: float | None = None,
        method: str = "historical",
        n_paths: int = 10_000,
        seed: int | None = 0,
    ) -> RiskReport:
        """Report on a return series (e.g. a backtest's ``result.returns``).

        ``method`` picks the VaR estimator behind ``var_95``/``var_99``/``cvar_95``; the
        table holds every method. ``periods`` defaults to :func:`measures.periods_per_year`.
        """
        if not isinstance(returns, pd.Series):
            raise RiskError("RiskReport.from_returns needs a pandas Series of returns")
        clean_returns(returns)
        name = returns.name if returns.name is not None else "returns"
        frame = returns.rename(name).to_frame()
        table = portfolio_var_table(frame, {name: 1.0}, equity=1.0, n_paths=n_paths, seed=seed)
        return cls._build(returns, table, periods, method, benchmark)

    @classmethod
    def from_positions(
        cls,
        returns: pd.DataFrame,
        positions: Mapping[str, float] | pd.Series,
        prices: Mapping[str, float] | pd.Series,
        *,
        cash: float = 0.0,
        benchmark: pd.Series | None = None,
        periods: float | None = None,
        method: str = "historical",
        n_paths: int = 10_000,
        seed: int | None = 0,
    ) -> RiskReport:
        """Report on positions (units per symbol) valued at ``prices``, with asset ``returns``.

        ``returns`` is a DataFrame of shape (n_obs, n_assets) with a column per held symbol;
        equity is ``cash + sum(positions * prices)``.
        """
        values = position_values(positions, prices)
        equity = float(cash + values.sum())
        if not equity > 0:
            raise RiskError(f"equity (cash + positions) must be positive, got {equity:,.2f}")
        book = _book(returns, values)
        table = _table(book, (0.95, 0.99), PORTFOLIO_METHODS, equity, n_paths, seed)
        pnl = pd.Series(book.pnl, index=book.index, name="pnl")
        port = (pnl / equity).rename("portfolio")
        return cls._build(port, table, periods, method, benchmark, equity=equity, pnl=pnl)

    @classmethod
    def _build(
        cls,
        returns: pd.Series,
        table: pd.DataFrame,
        periods: float | None,
        method: str,
        benchmark: pd.Series | None,
        **extra: Any,
    ) -> RiskReport:
        if method not in PORTFOLIO_METHODS:
            raise ConfigError(
                f"unknown VaR method {method!r}; use one of {list(PORTFOLIO_METHODS)}"
            )
        if periods is None:
            index = returns.index
            periods = (
                measures.periods_per_year(index) if isinstance(index, pd.DatetimeIndex) else 252.0
            )
        beta = None if benchmark is None else measures.beta(returns, benchmark)
        metrics = RiskMetrics(
            var_95=float(table.loc[(method, 0.95), "var_pct"]),
            var_99=float(table.loc[(method, 0.99), "var_pct"]),
            cvar_95=float(table.loc[(method, 0.95), "es_pct"]),
            max_drawdown=measures.max_drawdown(returns),
            sharpe_ratio=measures.sharpe_ratio(returns, periods),
            sortino_ratio=measures.sortino_ratio(returns, periods),
            beta=beta,
            volatility=measures.volatility(returns, periods),
        )
        return cls(returns, metrics, table, float(periods), method, benchmark=benchmark, **extra)

    def summary(self) -> dict[str, float | None]:
        """RiskMetrics plus CAGR, Calmar, Omega, max drawdown duration and benchmark correlation."""
        r = self.returns
        out: dict[str, float | None] = asdict(self.metrics)
        out["cagr"] = measures.cagr(r, self.periods)
        out["calmar_ratio"] = measures.calmar_ratio(r, self.periods, undefined="nan")
        out["omega_ratio"] = measures.omega_ratio(r, undefined="nan")
        out["max_drawdown_bars"] = int(measures.max_drawdown_duration(r))
        out["correlation"] = (
            None if self.benchmark is None else measures.correlation(r, self.benchmark)
        )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the seed's RiskMetrics keys in camelCase, currency amounts and the VaR table."""
        out: dict[str, Any] = self.metrics.to_dict()
        if self.equity is not None:
            for key, (m, lvl, col) in {
                "var95Value": (self.method, 0.95, "var"),
                "var99Value": (self.method, 0.99, "var"),
                "cvar95Value": (self.method, 0.95, "es"),
            }.items():
                out[key] = float(self.var_table.loc[(m, lvl), col])
            out["equity"] = self.equity
        out["varMethod"] = self.method
        table = self.var_table.reset_index().replace({np.nan: None})
        out["varTable"] = [
            {camel(k): v for k, v in row.items()} for row in table.to_dict(orient="records")
        ]
        return out

    def plot(self) -> Any:
        """Return distribution with VaR lines, and the drawdown curve (hvplot, imported lazily)."""
        from ntlab.risk.plots import plot_risk_report

        return plot_risk_report(self)
