"""Bars from your own CSV or Parquet files, with column mapping.

Two layouts:

- ``long``: one row per (time, symbol) with OHLCV columns (a single-symbol file may
  omit the symbol column and name it with ``symbol=``);
- ``wide``: a time column and one column of closes per symbol.

Column names are matched case-insensitively to common spellings (Date, Datetime,
Ticker, Adj Close, Vol, ...); ``columns={"their name": "our name"}`` overrides that.
Timestamps must carry a time zone, or you say which one with ``tz=``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ntlab.data.market import FIELDS, MarketData
from ntlab.errors import DataError, ValidationError

__all__ = ["read_bars"]

_ALIASES = {
    "timestamp": ("timestamp", "time", "date", "datetime", "t"),
    "symbol": ("symbol", "ticker", "sym", "s"),
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "price", "last"),
    "volume": ("volume", "vol", "v"),
}


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"file not found: {path}")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if path.suffix.lower() in (".csv", ".txt") or path.name.lower().endswith(".csv.gz"):
            return pd.read_csv(path)
    except Exception as exc:  # the reader's own message says what is malformed
        raise DataError(f"cannot read {path}: {exc}") from exc
    raise DataError(f"{path}: unsupported file type; use .csv, .csv.gz or .parquet")


def _rename(frame: pd.DataFrame, columns: dict[str, str] | None, adjusted: bool) -> pd.DataFrame:
    mapping = dict(columns or {})
    bad = set(mapping.values()) - set(_ALIASES)
    if bad:
        raise DataError(f"column mapping targets {sorted(bad)} are not among {sorted(_ALIASES)}")
    lower = {str(c).lower().strip(): c for c in frame.columns}
    if adjusted and "adj close" in lower and "close" not in mapping.values():
        mapping.setdefault(lower["adj close"], "close")
        frame = frame.drop(columns=[lower["close"]]) if "close" in lower else frame
        lower = {str(c).lower().strip(): c for c in frame.columns}
    taken = set(mapping.values())
    for ours, spellings in _ALIASES.items():
        if ours in taken:
            continue
        for spelling in spellings:
            if spelling in lower and lower[spelling] not in mapping:
                mapping[lower[spelling]] = ours
                break
    return frame.rename(columns=mapping)


def _times(values: pd.Series, tz: str | None, path: Path) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric and (values.dtype == object or pd.api.types.is_string_dtype(values)):
        bare = values.astype(str).str.fullmatch(r"\s*-?\d+(\.\d*)?\s*")
        numeric = bool(bare.any())
        values = values[bare] if numeric else values
    if numeric:
        raise ValidationError(
            f"{path}: the time column holds numbers (e.g. {str(values.iloc[0]).strip()}), not times; write "
            "them as ISO times (2012-01-03T00:00:00Z) rather than have them guessed as epoch units"
        )
    try:
        parsed = pd.to_datetime(values, utc=False)
    except (ValueError, TypeError) as exc:
        raise ValidationError(f"{path}: cannot read the time column: {exc}") from exc
    naive = not isinstance(parsed.dtype, pd.DatetimeTZDtype)
    if naive and tz is None:
        raise ValidationError(
            f"{path}: timestamps have no time zone (e.g. {values.iloc[0]!r}); pass tz='UTC' or the "
            "exchange's zone (tz='America/New_York') to say what they mean"
        )
    if naive:
        return parsed.dt.tz_localize(tz).dt.tz_convert("UTC")
    return parsed.dt.tz_convert("UTC")


def read_bars(
    path: str | Path,
    *,
    columns: dict[str, str] | None = None,
    symbol: str | None = None,
    tz: str | None = None,
    layout: str = "long",
    adjusted: bool = True,
    name: str | None = None,
    max_nan_run: int | None = None,
) -> MarketData:
    """Read bars from a CSV or Parquet file.

    Parameters
    ----------
    columns : dict, optional
        Map of the file's column names to ntlab's (timestamp, symbol, open, high, low, close, volume).
    symbol : str, optional
        The symbol of a single-symbol file without a symbol column.
    tz : str, optional
        Time zone of naive timestamps in the file (naive ones are rejected without it).
    layout : {"long", "wide"}
    adjusted : bool
        Use an "Adj Close" column as the close when present (and scale nothing else).
    """
    path = Path(path)
    raw = _read(path)
    adj = adjusted and any(str(c).lower().strip() == "adj close" for c in raw.columns)
    frame = _rename(raw, columns, adjusted)
    if frame.empty:
        raise ValidationError(f"{path}: no rows")
    if "timestamp" not in frame.columns:
        raise ValidationError(
            f"{path}: no time column found among {list(frame.columns)}; map one with columns="
        )
    label = name or f"file:{path.name}"
    kwargs = {"name": label} if max_nan_run is None else {"name": label, "max_nan_run": max_nan_run}
    frame = frame.assign(timestamp=_times(frame["timestamp"], tz, path))
    if layout == "wide":
        wide = frame.set_index("timestamp").drop(columns=[c for c in ("symbol",) if c in frame])
        try:
            wide = wide.astype(float)
        except ValueError as exc:
            raise ValidationError(
                f"{path}: wide layout needs numeric close columns: {exc}"
            ) from exc
        return MarketData.from_closes(wide, **kwargs)
    if layout != "long":
        raise DataError(f"layout must be 'long' or 'wide', got {layout!r}")
    if "symbol" not in frame.columns:
        if symbol is None:
            raise ValidationError(
                f"{path}: no symbol column; pass symbol='XYZ' for a single-symbol file"
            )
        frame = frame.assign(symbol=symbol)
    names = frame["symbol"]
    blank = names.isna() | (names.astype(str).str.strip() == "")
    if blank.any():
        row = int(blank.to_numpy().nonzero()[0][0])
        raise ValidationError(f"{path}: row {row} has no symbol")
    keep = ["timestamp", "symbol", *[f for f in FIELDS if f in frame.columns]]
    for col in keep[2:]:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            bad = pd.to_numeric(frame[col], errors="coerce").isna() & frame[col].notna()
            row = int(bad.to_numpy().nonzero()[0][0]) if bad.any() else 0
            raise ValidationError(
                f"{path}: column {col!r} is not numeric (row {row}: {frame[col].iloc[row]!r})"
            )
    _check_ranges(frame, path, close=not adj)
    return MarketData.from_long(frame[keep], **kwargs)


def _check_ranges(frame: pd.DataFrame, path: Path, *, close: bool = True) -> None:
    """Each bar's high is its highest price and its low its lowest (rows with gaps are skipped;
    an adjusted close is not compared with the unadjusted high and low)."""
    if "high" not in frame or "low" not in frame:
        return
    prices = [c for c in ("open", "close") if c in frame and (close or c != "close")]
    for col in prices + ["low"]:
        bad = frame[col] > frame["high"] * (1 + 1e-9)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ValidationError(
                f"{path}: row {row} ({frame['symbol'].iloc[row]} {frame['timestamp'].iloc[row]}): "
                f"{col} {float(frame[col].iloc[row])!r} is above high {float(frame['high'].iloc[row])!r}"
            )
    for col in prices:
        bad = frame[col] < frame["low"] * (1 - 1e-9)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ValidationError(
                f"{path}: row {row} ({frame['symbol'].iloc[row]} {frame['timestamp'].iloc[row]}): "
                f"{col} {float(frame[col].iloc[row])!r} is below low {float(frame['low'].iloc[row])!r}"
            )
