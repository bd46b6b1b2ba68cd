"""Performance and risk measures on return series, annualised consistently.

Conventions (the same as quantstats/empyrical, which the tests use as references):
simple returns per bar; ``periods_per_year`` from the bar spacing (252 for daily bars);
volatility and Sharpe use the sample standard deviation (ddof=1); drawdowns are
fractions of the running peak (negative numbers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab.errors import RiskError

__all__ = [
    "periods_per_year",
    "to_returns",
    "equity_curve",
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "drawdown",
    "max_drawdown",
]


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per year implied by the median bar spacing (252 for daily, 52 weekly, 12 monthly)."""
    if len(index) < 2:
        return 252.0
    step = pd.Series(index).diff().median()
    days = step / pd.Timedelta(days=1)
    if days >= 25:
        return 12.0
    if days >= 5:
        return 52.0
    if days >= 0.9:
        return 252.0
    # intraday: 6.5 trading hours a day, 252 days
    return 252.0 * (6.5 * 3600) / step.total_seconds()


def _clean(returns: pd.Series | np.ndarray, what: str = "returns") -> np.ndarray:
    r = np.asarray(returns, dtype=float)
    if r.ndim != 1:
        raise RiskError(f"{what} must be one-dimensional, got shape {r.shape}")
    if r.size == 0:
        raise RiskError(f"{what} is empty")
    if np.isnan(r).any():
        raise RiskError(f"{what} has {int(np.isnan(r).sum())} NaN values; drop or fill them first")
    if np.isinf(r).any():
        raise RiskError(f"{what} has infinite values")
    return r


def to_returns(equity: pd.Series) -> pd.Series:
    """Simple returns of an equity curve (first bar 0)."""
    return equity.pct_change().fillna(0.0)


def equity_curve(returns: pd.Series, start: float = 1.0) -> pd.Series:
    return start * (1.0 + returns).cumprod()


def total_return(returns: pd.Series | np.ndarray) -> float:
    return float(np.prod(1.0 + _clean(returns)) - 1.0)


def cagr(returns: pd.Series | np.ndarray, periods: float = 252.0) -> float:
    """Compound annual growth rate over ``len(returns) / periods`` years."""
    r = _clean(returns)
    years = r.size / periods
    growth = np.prod(1.0 + r)
    if growth <= 0:
        return -1.0
    return float(growth ** (1.0 / years) - 1.0)


def volatility(returns: pd.Series | np.ndarray, periods: float = 252.0) -> float:
    r = _clean(returns)
    if r.size < 2:
        raise RiskError("volatility needs at least 2 returns")
    return float(np.std(r, ddof=1) * np.sqrt(periods))


def sharpe_ratio(
    returns: pd.Series | np.ndarray, periods: float = 252.0, risk_free: float = 0.0
) -> float:
    """Annualised Sharpe ratio; ``risk_free`` is per bar. NaN-free input required.

    Returns NaN when the returns have zero variance (a flat series has no Sharpe).
    """
    r = _clean(returns) - risk_free
    if r.size < 2:
        raise RiskError("Sharpe ratio needs at least 2 returns")
    sd = np.std(r, ddof=1)
    if sd == 0:
        return float("nan")
    return float(np.mean(r) / sd * np.sqrt(periods))


def sortino_ratio(
    returns: pd.Series | np.ndarray, periods: float = 252.0, target: float = 0.0
) -> float:
    """Annualised Sortino ratio with downside deviation ``sqrt(mean(min(r - target, 0)^2))``."""
    r = _clean(returns) - target
    downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))
    if downside == 0:
        return float("nan")
    return float(np.mean(r) / downside * np.sqrt(periods))


def drawdown(returns: pd.Series) -> pd.Series:
    """Drawdown from the running peak of the compounded curve (0 at a new high, negative below)."""
    eq = np.cumprod(1.0 + _clean(returns))
    peak = np.maximum.accumulate(np.concatenate([[1.0], eq]))[1:]
    out = eq / peak - 1.0
    index = returns.index if isinstance(returns, pd.Series) else None
    return pd.Series(out, index=index, name="drawdown")


def max_drawdown(returns: pd.Series | np.ndarray) -> float:
    """Largest peak-to-trough fall as a negative fraction (e.g. -0.25)."""
    return float(drawdown(pd.Series(_clean(returns))).min())
