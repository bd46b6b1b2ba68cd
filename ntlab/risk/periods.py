"""Bars per year, read from the data's own timestamps and calendar.

Annualised figures (CAGR, Sharpe, Sortino, volatility) and per-bar carry costs (borrow
fees, margin interest) need the number of bars in a year. It depends on the market's
calendar as much as on the bar size:

- **trading-day calendars** (stocks): 252 sessions a year; daily bars give 252, intraday
  bars give ``252 * bars per session``, where bars per session is the median number of
  bars on the data's trading days (so regular 6.5-hour sessions of hourly bars count 7,
  extended hours count what the data holds);
- **24/7 calendars** (crypto): 365 days a year; daily bars give 365, intraday bars give
  ``365 * 86400 / bar spacing`` (hourly: 8760);
- weekly bars give 52, monthly 12 (either calendar).

A series is 24/7 when more than a tenth of its bars fall on a Saturday or Sunday (2/7 of
them do in continuous data, none in a stock exchange's). Weekdays are read in New York
time for intraday bars (extended-hours stock bars run to 8 pm there, past midnight UTC)
and in UTC for daily bars (daily bars are usually stamped at midnight UTC).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError

__all__ = ["periods_per_year", "calendar_of", "resolve_periods", "TRADING_DAYS", "CALENDAR_DAYS"]

TRADING_DAYS = 252.0
CALENDAR_DAYS = 365.0
_WEEKEND_SHARE = 0.1  # above this share of weekend bars the data trades around the clock


def _step_days(index: pd.DatetimeIndex) -> float:
    ns = np.diff(pd.DatetimeIndex(index).as_unit("ns").asi8)
    return float(np.median(ns)) / 86_400e9


def calendar_of(index: pd.DatetimeIndex) -> str:
    """``"24/7"`` or ``"trading days"``: the calendar the timestamps follow (see the module doc)."""
    idx = pd.DatetimeIndex(index)
    if len(idx) < 2:
        return "trading days"
    local = idx if _step_days(idx) >= 0.9 else idx.tz_convert("America/New_York")
    weekend = np.asarray(local.day_of_week >= 5)
    return "24/7" if weekend.mean() > _WEEKEND_SHARE else "trading days"


def periods_per_year(index: pd.DatetimeIndex, calendar: str | None = None) -> float:
    """Bars per year of a series with these timestamps.

    Parameters
    ----------
    index : DatetimeIndex
        The bars' times (tz-aware).
    calendar : {"trading days", "24/7"}, optional
        Force the calendar instead of reading it from the weekdays.

    Returns
    -------
    float
        252 for daily stock bars, 365 for daily 24/7 bars, ``252 * bars per session`` or
        ``365 * bars per day`` intraday, 52 weekly, 12 monthly; 252 for fewer than 2 bars.
    """
    idx = pd.DatetimeIndex(index)
    if len(idx) < 2:
        return TRADING_DAYS
    cal = calendar or calendar_of(idx)
    if cal not in ("trading days", "24/7"):
        raise ConfigError(f"calendar must be 'trading days' or '24/7', got {cal!r}")
    days = _step_days(idx)
    if days >= 25:
        return 12.0
    if days >= 5:
        return 52.0
    if days >= 0.9:
        return CALENDAR_DAYS if cal == "24/7" else TRADING_DAYS
    if cal == "24/7":
        return CALENDAR_DAYS / days
    sessions = pd.Series(1, index=idx.tz_convert("America/New_York").normalize())
    per_session = float(sessions.groupby(level=0).size().median())
    return TRADING_DAYS * per_session


def resolve_periods(override: Any, index: pd.DatetimeIndex) -> float:
    """``override`` when given (a positive number), else :func:`periods_per_year` of ``index``."""
    if override is None:
        return periods_per_year(index)
    try:
        value = float(override)
    except (TypeError, ValueError):
        raise ConfigError(f"periods_per_year must be a number, got {override!r}") from None
    if not (value > 0 and np.isfinite(value)):
        raise ConfigError(f"periods_per_year must be a positive number, got {override!r}")
    return value
