"""Performance and risk measures on return series, annualised consistently.

Conventions (the same as quantstats/empyrical, which the tests use as references):

- simple returns per bar; ``periods`` is the number of bars per year (252 for daily stock
  bars, 365 for daily 24/7 bars; :func:`periods_per_year` infers it from an index and its
  calendar, see :mod:`ntlab.risk.periods`);
- volatility, Sharpe and beta use the sample standard deviation / covariance (ddof=1);
- annualisation: volatility ``std * sqrt(periods)``; Sharpe and Sortino
  ``mean / risk * sqrt(periods)``; CAGR compounds over ``n / periods`` years; Calmar is
  ``CAGR / |max drawdown|``; Omega, beta and correlation are per bar (not annualised);
- drawdowns are fractions of the running peak of the compounded curve, which starts at 1
  (so a first-bar loss is a drawdown): negative numbers, ``-0.25`` is a 25% fall;
- a ratio whose denominator is zero (flat returns, no losses) is undefined: it raises
  :class:`~ntlab.errors.RiskError` unless ``undefined="nan"`` asks for NaN instead.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, DataError, RiskError
from ntlab.risk._checks import clean_returns
from ntlab.risk.periods import periods_per_year

__all__ = [
    "periods_per_year",
    "to_returns",
    "equity_curve",
    "total_return",
    "cagr",
    "volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "downside_deviation",
    "calmar_ratio",
    "omega_ratio",
    "drawdown",
    "max_drawdown",
    "drawdown_periods",
    "max_drawdown_duration",
    "beta",
    "correlation",
]

Undefined = Literal["raise", "nan"]


def _clean(returns: pd.Series | np.ndarray, what: str = "returns") -> np.ndarray:
    return clean_returns(returns, what)


def _undefined(message: str, undefined: Undefined) -> float:
    if undefined == "nan":
        return float("nan")
    if undefined != "raise":
        raise ConfigError(f"undefined must be 'raise' or 'nan', got {undefined!r}")
    raise RiskError(message)


def to_returns(equity: pd.Series) -> pd.Series:
    """Simple returns of an equity curve (first bar 0).

    Raises
    ------
    DataError
        When the curve holds a NaN (a gap in an equity curve is a bug upstream, not a
        flat bar).
    """
    values = np.asarray(equity, dtype=float)
    if np.isnan(values).any():
        first = int(np.flatnonzero(np.isnan(values))[0])
        raise DataError(
            f"the equity curve has {int(np.isnan(values).sum())} NaN value(s), the first at "
            f"{equity.index[first]}; returns of a curve with gaps would be made up"
        )
    return equity.pct_change().fillna(0.0)  # what is left: 0/0 after a wipe-out


def equity_curve(returns: pd.Series, start: float = 1.0) -> pd.Series:
    return start * (1.0 + returns).cumprod()


def total_return(returns: pd.Series | np.ndarray) -> float:
    return float(np.prod(1.0 + _clean(returns)) - 1.0)


def cagr(returns: pd.Series | np.ndarray, periods: float = 252.0) -> float:
    """Compound annual growth rate over ``len(returns) / periods`` years (-1 after a wipe-out)."""
    r = _clean(returns)
    years = r.size / periods
    growth = np.prod(1.0 + r)
    if growth <= 0:
        return -1.0
    return float(growth ** (1.0 / years) - 1.0)


def volatility(returns: pd.Series | np.ndarray, periods: float = 252.0) -> float:
    """Annualised volatility ``std(r, ddof=1) * sqrt(periods)``."""
    r = clean_returns(returns, min_size=2)
    return float(np.std(r, ddof=1) * np.sqrt(periods))


def sharpe_ratio(
    returns: pd.Series | np.ndarray,
    periods: float = 252.0,
    risk_free: float = 0.0,
    *,
    undefined: Undefined = "raise",
) -> float:
    """Annualised Sharpe ratio ``mean(r - rf) / std(r - rf, ddof=1) * sqrt(periods)``.

    ``risk_free`` is per bar. Zero-variance returns have no Sharpe ratio: RiskError, or NaN
    with ``undefined="nan"``.
    """
    r = clean_returns(returns, min_size=2) - risk_free
    sd = np.std(r, ddof=1)
    if np.ptp(r) == 0:  # all equal (std may be a rounding-level 1e-19 rather than 0)
        return _undefined("Sharpe ratio is undefined: the returns have zero volatility", undefined)
    return float(np.mean(r) / sd * np.sqrt(periods))


def downside_deviation(
    returns: pd.Series | np.ndarray, periods: float = 252.0, target: float = 0.0
) -> float:
    """Annualised downside deviation ``sqrt(mean(min(r - target, 0)^2)) * sqrt(periods)``.

    The mean runs over *all* bars (empyrical's and quantstats' convention), not only the losing ones.
    """
    r = _clean(returns) - target
    return float(np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)) * np.sqrt(periods))


def sortino_ratio(
    returns: pd.Series | np.ndarray,
    periods: float = 252.0,
    target: float = 0.0,
    *,
    undefined: Undefined = "raise",
) -> float:
    """Annualised Sortino ratio ``mean(r - target) / downside_deviation * sqrt(periods)``.

    Matches empyrical's ``sortino_ratio`` and quantstats' ``sortino`` (``smart=False``); it
    is *not* quantstats' ``smart`` variant, which also penalises autocorrelation.
    """
    r = _clean(returns) - target
    downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2))
    if downside == 0:
        return _undefined("Sortino ratio is undefined: no return lies below the target", undefined)
    return float(np.mean(r) / downside * np.sqrt(periods))


def calmar_ratio(
    returns: pd.Series | np.ndarray, periods: float = 252.0, *, undefined: Undefined = "raise"
) -> float:
    """Calmar ratio ``CAGR / |max drawdown|`` over the whole series (empyrical's convention)."""
    mdd = max_drawdown(returns)
    if mdd == 0:
        return _undefined("Calmar ratio is undefined: the series never draws down", undefined)
    return cagr(returns, periods) / abs(mdd)


def omega_ratio(
    returns: pd.Series | np.ndarray, threshold: float = 0.0, *, undefined: Undefined = "raise"
) -> float:
    """Omega ratio ``sum(max(r - threshold, 0)) / sum(max(threshold - r, 0))``, per bar.

    ``threshold`` is a per-bar return (empyrical's ``required_return`` with ``annualization=1``).
    """
    excess = _clean(returns) - threshold
    losses = -excess[excess < 0].sum()
    if losses == 0:
        return _undefined("Omega ratio is undefined: no return lies below the threshold", undefined)
    return float(excess[excess > 0].sum() / losses)


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


def drawdown_periods(returns: pd.Series | np.ndarray) -> pd.DataFrame:
    """Every spell under water, deepest first.

    Returns
    -------
    DataFrame
        One row per drawdown with columns ``start`` (first bar below the peak), ``valley``
        (deepest bar), ``end`` (last bar below the peak), ``recovered`` (whether the curve
        regained the peak), ``depth`` (negative fraction), ``bars`` (bars under water) and,
        when ``returns`` has a DatetimeIndex, ``days`` = ``(end - start).days + 1`` calendar
        days (quantstats' ``drawdown_details`` convention). Positions are labels of the index.
    """
    series = returns if isinstance(returns, pd.Series) else pd.Series(_clean(returns))
    dd = drawdown(series).to_numpy()
    under = dd < 0
    edges = np.diff(np.concatenate([[False], under, [False]]).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    labels = series.index
    rows = []
    for s, e in zip(starts, ends):
        v = s + int(np.argmin(dd[s : e + 1]))
        row = {
            "start": labels[s],
            "valley": labels[v],
            "end": labels[e],
            "recovered": bool(e + 1 < dd.size),
            "depth": float(dd[v]),
            "bars": int(e - s + 1),
        }
        if isinstance(labels, pd.DatetimeIndex):
            row["days"] = int((labels[e] - labels[s]).days + 1)
        rows.append(row)
    cols = ["start", "valley", "end", "recovered", "depth", "bars"]
    cols += ["days"] if isinstance(labels, pd.DatetimeIndex) else []
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("depth", kind="stable").reset_index(drop=True)


def max_drawdown_duration(returns: pd.Series | np.ndarray) -> int:
    """Longest spell under water, in bars (0 if the curve never falls below its peak)."""
    periods = drawdown_periods(returns)
    return int(periods["bars"].max()) if len(periods) else 0


def _paired(
    returns: pd.Series | np.ndarray, benchmark: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(returns, pd.Series) and isinstance(benchmark, pd.Series):
        returns, benchmark = returns.align(benchmark, join="inner")
        if len(returns) == 0:
            raise RiskError("returns and benchmark share no index labels; align their dates first")
    r = clean_returns(returns, min_size=2)
    b = clean_returns(benchmark, "benchmark returns", min_size=2)
    if r.size != b.size:
        raise RiskError(
            f"returns ({r.size}) and benchmark ({b.size}) differ in length; pass aligned Series"
        )
    return r, b


def beta(returns: pd.Series | np.ndarray, benchmark: pd.Series | np.ndarray) -> float:
    """Beta ``cov(r, b) / var(b)`` (ddof=1) to a benchmark; Series are aligned on their index."""
    r, b = _paired(returns, benchmark)
    var_b = np.var(b, ddof=1)
    if np.ptp(b) == 0:
        raise RiskError("beta is undefined: the benchmark returns have zero variance")
    return float(np.cov(r, b, ddof=1)[0, 1] / var_b)


def correlation(returns: pd.Series | np.ndarray, benchmark: pd.Series | np.ndarray) -> float:
    """Pearson correlation of the returns with a benchmark; Series are aligned on their index."""
    r, b = _paired(returns, benchmark)
    if np.ptp(r) == 0 or np.ptp(b) == 0:
        raise RiskError("correlation is undefined: one of the series has zero variance")
    return float(np.corrcoef(r, b)[0, 1])
