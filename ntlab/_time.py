"""Time helpers: everything is tz-aware UTC; naive datetimes are rejected at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from ntlab.errors import DataError

__all__ = ["to_utc", "to_utc_index", "iso_utc", "now_utc"]


def now_utc() -> datetime:
    return datetime.now(UTC)


def to_utc(value, *, what: str = "timestamp") -> datetime:
    """Return ``value`` as a tz-aware UTC :class:`datetime`; reject naive values.

    Accepts datetime, pandas Timestamp, ISO-8601 strings with an offset or ``Z``,
    and integer Unix microseconds (the seed's wire format).
    """
    if type(value) is datetime and value.tzinfo is UTC:  # the common case, without pandas
        return value
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return pd.Timestamp(value, unit="us", tz="UTC").to_pydatetime()
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what} {value!r} is not a recognisable time: {exc}") from exc
    if ts is pd.NaT:
        raise DataError(f"{what} is missing (NaT)")
    if ts.tzinfo is None:
        raise DataError(
            f"{what} {value!r} is naive (no time zone). ntlab works in UTC: give an offset "
            "(e.g. '2024-01-02T14:30:00Z') or localize it (ts.tz_localize('America/New_York'))."
        )
    return ts.tz_convert("UTC").to_pydatetime()


def to_utc_index(index, *, what: str = "index") -> pd.DatetimeIndex:
    """Return ``index`` as a UTC :class:`pandas.DatetimeIndex`; reject naive or mixed zones."""
    if isinstance(index, pd.DatetimeIndex):
        if index.tz is None:
            raise DataError(
                f"{what} has naive timestamps (no time zone); localize them first, "
                "e.g. df.index = df.index.tz_localize('UTC')"
            )
        return index.tz_convert("UTC")
    values = list(index)
    zones = {getattr(pd.Timestamp(v), "tzinfo", None) is None for v in values}
    if True in zones:
        raise DataError(f"{what} has naive timestamps (no time zone); localize them first")
    try:
        return pd.DatetimeIndex(pd.to_datetime(values, utc=True))
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what} cannot be read as times: {exc}") from exc


def iso_utc(value: datetime) -> str:
    """ISO-8601 in UTC with a trailing ``Z`` (microseconds only when present)."""
    if type(value) is datetime and value.tzinfo is UTC and value.year >= 1000:
        return value.replace(tzinfo=None).isoformat() + "Z"  # the same text, without pandas
    ts = pd.Timestamp(value).tz_convert("UTC")
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}"
    return text + "Z"
