"""ForecastInput and ForecastOutput: the seed's forecasting records, with a camelCase wire form.

On the wire (``to_dict``/``from_dict``, JSON-ready) timestamps are Unix microseconds as the
seed specifies; ``from_dict`` also reads ISO-8601 strings with an offset. In Python they are
a tz-aware UTC :class:`pandas.DatetimeIndex`; arrays are read-only float64.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd

from ntlab._time import to_utc, to_utc_index
from ntlab.errors import ConfigError, DataError, ValidationError

__all__ = ["ForecastInput", "ForecastOutput", "forecasts_frame"]


def _frozen(values: Any, *, ndim: int, what: str) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numbers: {exc}") from exc
    if arr.ndim != ndim:
        raise DataError(f"{what} must be {ndim}-dimensional, got shape {arr.shape}")
    arr.flags.writeable = False
    return arr


def _times(values: Any, *, what: str) -> pd.DatetimeIndex:
    """Timestamps from a DatetimeIndex, datetimes, ISO strings or Unix microseconds."""
    if isinstance(values, pd.DatetimeIndex):
        return to_utc_index(values, what=what)
    items = list(values)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
        return pd.DatetimeIndex(
            pd.to_datetime(np.asarray(items, dtype=np.int64), unit="us", utc=True)
        )
    return pd.DatetimeIndex([to_utc(v, what=what) for v in items])


def _micros(index: pd.DatetimeIndex) -> list[int]:
    """Unix microseconds of a UTC index (the seed's wire format)."""
    return [int(v) for v in index.as_unit("us").asi8]


def _pick(data: dict[str, Any], camel: str, snake: str, owner: str, default: Any = ...) -> Any:
    if camel in data:
        return data[camel]
    if snake in data:
        return data[snake]
    if default is ...:
        raise ConfigError(f"{owner}: field '{camel}' is missing from {sorted(data)}")
    return default


def _check_symbol(owner: str, symbol: Any) -> None:
    if not isinstance(symbol, str) or not symbol.strip() or symbol != symbol.strip():
        raise ConfigError(
            f"{owner}: symbol must be a non-empty string without spaces, got {symbol!r}"
        )


@dataclass(frozen=True, eq=False)
class ForecastInput:
    """History of one symbol to forecast from (the seed's ForecastInput).

    Parameters
    ----------
    symbol : str
    historical_prices : array-like of shape (n,)
        Prices, oldest first; no NaN.
    timestamps : DatetimeIndex or sequence of shape (n,)
        Tz-aware times (or Unix microseconds), strictly increasing.
    features : array-like of shape (n, n_features), optional
        Exogenous values known at each bar (historical exogenous variables).
    feature_names : sequence of str, optional
        Names of the feature columns (``f0, f1, ...`` when not given).
    """

    symbol: str
    historical_prices: np.ndarray
    timestamps: pd.DatetimeIndex
    features: np.ndarray | None = None
    feature_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        owner = "ForecastInput"
        _check_symbol(owner, self.symbol)
        prices = _frozen(
            self.historical_prices, ndim=1, what=f"{owner} {self.symbol}: historicalPrices"
        )
        times = _times(self.timestamps, what=f"{owner} {self.symbol}: timestamps")
        if len(times) != len(prices):
            raise DataError(
                f"{owner} {self.symbol}: {len(prices)} prices but {len(times)} timestamps"
            )
        if len(times) > 1 and not (np.diff(times.asi8) > 0).all():
            raise ValidationError(f"{owner} {self.symbol}: timestamps must be strictly increasing")
        bad = np.flatnonzero(~np.isfinite(prices))
        if bad.size:
            raise ValidationError(
                f"{owner} {self.symbol}: historicalPrices has {bad.size} missing or infinite value(s), "
                f"the first at {times[bad[0]].isoformat()}; fill or drop them before forecasting"
            )
        features, names = self.features, tuple(self.feature_names)
        if features is not None:
            features = _frozen(features, ndim=2, what=f"{owner} {self.symbol}: features")
            if features.shape[0] != len(prices):
                raise DataError(
                    f"{owner} {self.symbol}: features has {features.shape[0]} rows, prices {len(prices)}"
                )
            if not np.isfinite(features).all():
                raise ValidationError(
                    f"{owner} {self.symbol}: features has missing or infinite values"
                )
            names = names or tuple(f"f{i}" for i in range(features.shape[1]))
            if len(names) != features.shape[1]:
                raise DataError(
                    f"{owner} {self.symbol}: {len(names)} feature names for {features.shape[1]} columns"
                )
        elif names:
            raise DataError(f"{owner} {self.symbol}: featureNames given without features")
        object.__setattr__(self, "historical_prices", prices)
        object.__setattr__(self, "timestamps", times)
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "feature_names", names)

    @classmethod
    def from_series(
        cls, prices: pd.Series, features: pd.DataFrame | None = None, *, symbol: str | None = None
    ) -> Self:
        """From a price Series with a UTC DatetimeIndex (and a features frame on the same index)."""
        name = symbol or (str(prices.name) if prices.name is not None else "")
        if features is not None and not features.index.equals(prices.index):
            raise DataError(f"ForecastInput {name}: features must share the prices' index")
        return cls(
            symbol=name,
            historical_prices=prices.to_numpy(dtype=np.float64),
            timestamps=prices.index,
            features=None if features is None else features.to_numpy(dtype=np.float64),
            feature_names=() if features is None else tuple(str(c) for c in features.columns),
        )

    def __len__(self) -> int:
        return len(self.historical_prices)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ForecastInput):
            return NotImplemented
        same_features = (self.features is None and other.features is None) or (
            self.features is not None
            and other.features is not None
            and np.array_equal(self.features, other.features)
        )
        return (
            self.symbol == other.symbol
            and np.array_equal(self.historical_prices, other.historical_prices)
            and self.timestamps.equals(other.timestamps)
            and same_features
            and self.feature_names == other.feature_names
        )

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "historicalPrices": self.historical_prices.tolist(),
            "timestamps": _micros(self.timestamps),
            "features": None if self.features is None else self.features.tolist(),
            "featureNames": list(self.feature_names),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        owner = cls.__name__
        return cls(
            symbol=_pick(data, "symbol", "symbol", owner),
            historical_prices=_pick(data, "historicalPrices", "historical_prices", owner),
            timestamps=_pick(data, "timestamps", "timestamps", owner),
            features=_pick(data, "features", "features", owner, None),
            feature_names=tuple(_pick(data, "featureNames", "feature_names", owner, ())),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True, eq=False)
class ForecastOutput:
    """A forecast of one symbol (the seed's ForecastOutput plus where it came from).

    Attributes
    ----------
    symbol : str
    predictions : ndarray of shape (h,)
        Point forecasts of the price (the median of the predictive distribution).
    confidence_intervals : ndarray of shape (h, 2)
        ``(lower, upper)`` price bounds of the central ``level`` % prediction interval.
    timestamps : DatetimeIndex of shape (h,)
        Times the forecasts are for (UTC).
    model_confidence : float
        ``1 - mean((upper - lower) / prediction)`` clipped to [0, 1]: one minus the mean
        width of the prediction interval as a fraction of the predicted price. It measures
        how narrow the model's own predictive distribution is, not its skill; see the
        walk-forward accuracy report for skill.
    level : float
        Nominal coverage of the intervals, in percent.
    origin : Timestamp
        Time of the last observed bar the forecast starts from.
    last_price : float
        Price at ``origin``.
    model, device, target : str
        Which model made it, on which device, and which transform of the price it modelled.
    """

    symbol: str
    predictions: np.ndarray
    confidence_intervals: np.ndarray
    timestamps: pd.DatetimeIndex
    model_confidence: float
    level: float
    origin: pd.Timestamp
    last_price: float
    model: str
    device: str
    target: str

    def __post_init__(self) -> None:
        owner = "ForecastOutput"
        _check_symbol(owner, self.symbol)
        point = _frozen(self.predictions, ndim=1, what=f"{owner} {self.symbol}: predictions")
        bands = _frozen(
            self.confidence_intervals, ndim=2, what=f"{owner} {self.symbol}: confidenceIntervals"
        )
        times = _times(self.timestamps, what=f"{owner} {self.symbol}: timestamps")
        if bands.shape != (len(point), 2) or len(times) != len(point):
            raise DataError(
                f"{owner} {self.symbol}: predictions {point.shape}, confidenceIntervals {bands.shape} and "
                f"{len(times)} timestamps do not agree (want (h,), (h, 2), h)"
            )
        if not (np.isfinite(point).all() and np.isfinite(bands).all()):
            raise ValidationError(f"{owner} {self.symbol}: forecasts must be finite")
        if not ((bands[:, 0] <= point) & (point <= bands[:, 1])).all():
            raise ValidationError(
                f"{owner} {self.symbol}: every interval must satisfy lower <= prediction <= upper"
            )
        conf = float(self.model_confidence)
        if not 0.0 <= conf <= 1.0:
            raise ConfigError(
                f"{owner} {self.symbol}: modelConfidence must be in [0, 1], got {conf}"
            )
        if not 0.0 < float(self.level) < 100.0:
            raise ConfigError(f"{owner} {self.symbol}: level must be in (0, 100), got {self.level}")
        if not (math.isfinite(float(self.last_price))):
            raise ValidationError(f"{owner} {self.symbol}: lastPrice must be finite")
        object.__setattr__(self, "predictions", point)
        object.__setattr__(self, "confidence_intervals", bands)
        object.__setattr__(self, "timestamps", times)
        object.__setattr__(self, "model_confidence", conf)
        object.__setattr__(self, "level", float(self.level))
        object.__setattr__(
            self, "origin", pd.Timestamp(to_utc(self.origin, what=f"{owner} origin"))
        )
        object.__setattr__(self, "last_price", float(self.last_price))

    @property
    def h(self) -> int:
        return len(self.predictions)

    @property
    def lower(self) -> np.ndarray:
        return self.confidence_intervals[:, 0]

    @property
    def upper(self) -> np.ndarray:
        return self.confidence_intervals[:, 1]

    @property
    def expected_returns(self) -> np.ndarray:
        """Simple return from ``last_price`` to each point forecast, shape (h,)."""
        return self.predictions / self.last_price - 1.0

    def to_frame(self) -> pd.DataFrame:
        """DataFrame of shape (h, 3): ``forecast``, ``lower``, ``upper`` indexed by timestamp."""
        return pd.DataFrame(
            {"forecast": self.predictions, "lower": self.lower, "upper": self.upper},
            index=pd.DatetimeIndex(self.timestamps, name="timestamp"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ForecastOutput):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "predictions": self.predictions.tolist(),
            "confidenceIntervals": self.confidence_intervals.tolist(),
            "timestamps": _micros(self.timestamps),
            "modelConfidence": self.model_confidence,
            "level": self.level,
            "origin": _micros(pd.DatetimeIndex([self.origin]))[0],
            "lastPrice": self.last_price,
            "model": self.model,
            "device": self.device,
            "target": self.target,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        owner = cls.__name__
        origin = _pick(data, "origin", "origin", owner)
        if isinstance(origin, (int, np.integer)) and not isinstance(origin, bool):
            origin = pd.Timestamp(int(origin), unit="us", tz="UTC")
        return cls(
            symbol=_pick(data, "symbol", "symbol", owner),
            predictions=_pick(data, "predictions", "predictions", owner),
            confidence_intervals=_pick(data, "confidenceIntervals", "confidence_intervals", owner),
            timestamps=_pick(data, "timestamps", "timestamps", owner),
            model_confidence=_pick(data, "modelConfidence", "model_confidence", owner),
            level=_pick(data, "level", "level", owner),
            origin=origin,
            last_price=_pick(data, "lastPrice", "last_price", owner),
            model=_pick(data, "model", "model", owner),
            device=_pick(data, "device", "device", owner),
            target=_pick(data, "target", "target", owner),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.from_dict(json.loads(text))


def forecasts_frame(outputs: Sequence[ForecastOutput]) -> pd.DataFrame:
    """Many forecasts as one tidy DataFrame: symbol, timestamp, step, forecast, lower, upper."""
    rows = []
    for out in outputs:
        frame = out.to_frame().reset_index()
        frame.insert(0, "symbol", out.symbol)
        frame.insert(2, "step", np.arange(1, out.h + 1))
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["symbol", "timestamp", "step", "forecast", "lower", "upper"])
    return pd.concat(rows, ignore_index=True)
