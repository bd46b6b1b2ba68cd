"""Turn user data into validated per-symbol series, model targets and input windows.

Everything here is numpy/pandas; no torch. A *series* is one symbol's gap-free price history
(leading NaNs, i.e. bars before the symbol traded, are dropped). The model *target* is the
price, its log, or its one-bar log return; :func:`to_prices` undoes the transform.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab._time import to_utc_index
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.forecast.records import ForecastInput

__all__ = [
    "Series",
    "as_prices",
    "as_features",
    "to_series",
    "target_of",
    "windows",
    "to_prices",
    "future_index",
]

Features = Mapping[str, pd.DataFrame] | Sequence[str] | None


@dataclass(frozen=True)
class Series:
    """One symbol's history: ``prices`` (n,), ``index`` (n,), ``features`` (n, k) or None."""

    symbol: str
    prices: np.ndarray
    index: pd.DatetimeIndex
    features: np.ndarray | None


def as_prices(data: MarketData | pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Prices as a DataFrame of shape (n_bars, n_symbols) with a UTC index (closes of MarketData)."""
    if isinstance(data, MarketData):
        return data.close
    if isinstance(data, pd.Series):
        data = data.to_frame(str(data.name) if data.name is not None else "series")
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"cannot forecast from {type(data).__name__}; give MarketData, a DataFrame of prices of shape "
            "(n_bars, n_symbols) with a UTC DatetimeIndex, a Series, or a list of ForecastInput"
        )
    if not isinstance(data.index, pd.DatetimeIndex):
        raise DataError("the price frame needs a DatetimeIndex (tz-aware, UTC)")
    index = to_utc_index(data.index, what="price index")
    if len(index) > 1 and not (np.diff(index.asi8) > 0).all():
        raise ValidationError("the price index must be strictly increasing (sorted, no duplicates)")
    try:
        values = data.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"prices must be numbers: {exc}") from exc
    return pd.DataFrame(values, index=index, columns=[str(c) for c in data.columns])


def as_features(data: object, prices: pd.DataFrame, features: Features) -> dict[str, pd.DataFrame]:
    """Feature frames of the same shape as ``prices``, by name (MarketData field names allowed)."""
    if features is None:
        return {}
    if isinstance(features, str):
        features = [features]
    if not isinstance(features, Mapping):
        if not isinstance(data, MarketData):
            raise ConfigError(
                "features given by field name need MarketData; otherwise pass {name: DataFrame}"
            )
        features = {name: data.field(name) for name in features}
    out = {}
    for name, frame in features.items():
        if not isinstance(frame, pd.DataFrame):
            raise DataError(f"feature {name!r} must be a DataFrame of shape (n_bars, n_symbols)")
        if not frame.index.equals(prices.index) or [str(c) for c in frame.columns] != list(
            prices.columns
        ):
            raise DataError(
                f"feature {name!r} must have the same index and symbol columns as the prices"
            )
        out[str(name)] = frame
    return out


def _series_of(
    symbol: str,
    prices: np.ndarray,
    index: pd.DatetimeIndex,
    feats: np.ndarray | None,
    *,
    trim_end: bool,
    fill: str = "none",
) -> Series:
    valid = np.isfinite(prices)
    if not valid.any():
        raise ValidationError(f"{symbol}: no prices at all")
    first = int(np.argmax(valid))
    last = len(prices) - int(np.argmax(valid[::-1]))
    if last < len(prices) and not trim_end:
        raise ValidationError(
            f"{symbol}: no price at the last bar {index[-1].isoformat()} (its last is at "
            f"{index[last - 1].isoformat()}); a forecast starts after the last bar, so leave this symbol out"
        )
    keep = slice(first, last)
    prices, index = prices[keep], index[keep]
    gaps = np.flatnonzero(~np.isfinite(prices))
    if gaps.size and fill == "ffill":
        prices = pd.Series(prices).ffill().to_numpy()
    elif gaps.size:
        raise ValidationError(
            f"{symbol}: price is missing (NaN) at {index[gaps[0]].isoformat()} inside its history "
            f"({gaps.size} missing bar(s)); forecasting needs a gap-free series: pass "
            "fill_gaps='ffill' to carry the last price forward, drop the bars, or leave the symbol out"
        )
    if feats is not None:
        feats = feats[keep]
        bad = np.flatnonzero(~np.isfinite(feats).all(axis=1))
        if bad.size:
            raise ValidationError(
                f"{symbol}: features are missing (NaN) at {index[bad[0]].isoformat()}"
            )
    return Series(symbol, prices, index, feats)


def to_series(
    data: MarketData | pd.DataFrame | pd.Series | Sequence[ForecastInput],
    features: Features = None,
    *,
    trim_end: bool,
    fill: str = "none",
) -> tuple[list[Series], tuple[str, ...]]:
    """Validated series and the feature names from any accepted input.

    ``trim_end=True`` (fitting) drops bars after a symbol's last price; ``False`` (predicting)
    rejects a symbol without a price at the last bar. ``fill="ffill"`` carries the last
    price over gaps inside a history (``"none"`` refuses them).
    """
    if isinstance(data, ForecastInput):
        data = [data]
    if isinstance(data, Sequence) and not isinstance(data, (str, pd.Series)):
        if features is not None:
            raise ConfigError(
                "ForecastInput carries its own features; do not pass features= as well"
            )
        if not data or not all(isinstance(x, ForecastInput) for x in data):
            raise DataError("a list input must be a non-empty list of ForecastInput")
        names = {x.feature_names for x in data}
        if len(names) > 1:
            raise DataError(
                f"all ForecastInput must have the same feature names, got {sorted(names)}"
            )
        out = [
            _series_of(x.symbol, x.historical_prices, x.timestamps, x.features, trim_end=trim_end, fill=fill)
            for x in data
        ]
        feature_names = names.pop()
    else:
        prices = as_prices(data)
        frames = as_features(data, prices, features)
        feature_names = tuple(frames)
        stacked = (
            np.stack([f.to_numpy(dtype=np.float64) for f in frames.values()], axis=-1)
            if frames
            else None
        )
        values = prices.to_numpy()
        out = [
            _series_of(
                s,
                values[:, j],
                prices.index,
                None if stacked is None else stacked[:, j, :],
                trim_end=trim_end,
                fill=fill,
            )
            for j, s in enumerate(prices.columns)
        ]
    symbols = [s.symbol for s in out]
    if len(set(symbols)) != len(symbols):
        raise DataError(f"symbols must be unique, got {symbols}")
    return out, feature_names


def target_of(prices: np.ndarray, target: str, *, symbol: str = "") -> np.ndarray:
    """The model's target from prices: the prices, their log, or one-bar log returns (n - 1,)."""
    if target == "price":
        return prices.copy()
    if (prices <= 0).any():
        raise DataError(f"{symbol}: target {target!r} needs positive prices; use target='price'")
    logs = np.log(prices)
    return logs if target == "log_price" else np.diff(logs)


def needed_prices(input_size: int, target: str) -> int:
    """Prices needed for one input window (one more for returns)."""
    return input_size + (target == "log_return")


def windows(
    series: Series, ends: np.ndarray, input_size: int, target: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Input windows ending at price positions ``ends``.

    Returns
    -------
    y : ndarray of shape (len(ends), input_size)
        The target over the ``input_size`` bars up to and including each end.
    x : ndarray of shape (len(ends), input_size, n_features) or None
        The features at the same bars.
    """
    y = target_of(series.prices, target, symbol=series.symbol)
    shift = len(series.prices) - len(y)  # 1 for returns: y[i] belongs to price i + 1
    cols = np.arange(input_size) - input_size + 1
    rows = (np.asarray(ends) - shift)[:, None] + cols[None, :]
    if rows.size and rows.min() < 0:
        raise DataError(
            f"{series.symbol}: not enough history for an input window of {input_size} bars"
        )
    x = None if series.features is None else series.features[rows + shift]
    return y[rows], x


def to_prices(
    quantiles: np.ndarray, last_prices: np.ndarray, target: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undo the target transform.

    Parameters
    ----------
    quantiles : ndarray of shape (n, h, 3)
        Lower, median and upper quantile of the target (sorted along the last axis).
    last_prices : ndarray of shape (n,)
        Price at each forecast's origin.

    Returns
    -------
    point, lower, upper : ndarrays of shape (n, h)
        Prices. For ``log_return`` the median path is the cumulative sum of the median
        returns, and the interval of the cumulative return combines the per-step lower
        (upper) half-widths in quadrature, which is exact when the steps are independent
        and normally distributed; the walk-forward coverage shows how well that holds.
    """
    lo, mid, hi = quantiles[..., 0], quantiles[..., 1], quantiles[..., 2]
    if target == "price":
        return mid.copy(), lo.copy(), hi.copy()
    if target == "log_price":
        return np.exp(mid), np.exp(lo), np.exp(hi)
    path = np.cumsum(mid, axis=1)
    down = np.sqrt(np.cumsum((mid - lo) ** 2, axis=1))
    up = np.sqrt(np.cumsum((hi - mid) ** 2, axis=1))
    base = np.asarray(last_prices, dtype=np.float64)[:, None]
    return base * np.exp(path), base * np.exp(path - down), base * np.exp(path + up)


def future_index(index: pd.DatetimeIndex, h: int) -> pd.DatetimeIndex:
    """The ``h`` bar times after ``index[-1]``.

    Daily bars without weekend bars continue on weekdays (holidays are not known); other
    bars continue at the median spacing.
    """
    if len(index) < 2:
        raise DataError("need at least two timestamps to infer the bar spacing of future forecasts")
    ns = index[-250:].as_unit("ns").asi8
    step = int(np.median(np.diff(ns)))
    weekday = (ns // 86_400_000_000_000 + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    daily = _DAY_MIN <= step <= _DAY_MAX and bool((weekday < 5).all())
    return _future(index[-1], step, daily, h)


_DAY_MIN, _DAY_MAX = pd.Timedelta(hours=20).value, pd.Timedelta(days=4).value


@functools.lru_cache(maxsize=256)
def _future(last: pd.Timestamp, step: int, daily: bool, h: int) -> pd.DatetimeIndex:
    if daily:
        return pd.date_range(last, periods=h + 1, freq="B")[1:]
    return pd.DatetimeIndex([last + k * pd.Timedelta(step) for k in range(1, h + 1)])
