"""The Strategy contract: a frozen keyword-only config plus ``signals(data) -> Signals``.

``Signals.target`` is the wanted exposure of each symbol's sleeve, in [-1, 1]
(1 = fully long the sleeve, -1 = fully short, 0 = flat). Backtests and sessions give
each symbol an equal sleeve of equity unless a sizing rule says otherwise, so a
portfolio weight is ``target / n_symbols``.

Signals must be causal: row t may use bars up to and including t only. A decision made
on bar t is executed on bar t+1 (at its open by default) by the backtest engines and
live sessions. :func:`ntlab.testing.check_strategy` proves causality.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.model import Direction, Signal, round_to_tick

__all__ = ["StrategyConfig", "Strategy", "Signals"]


@dataclass(frozen=True, kw_only=True)
class StrategyConfig:
    """Base of every strategy config: plain values only, round-trips through a dict."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ConfigError` for values out of range (override in subclasses)."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ConfigError(
                f"{cls.__name__}: unknown parameter(s) {sorted(unknown)}; known: {sorted(names)}"
            )
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()}
        return cls(**values)

    def replace(self, **changes: Any) -> Self:
        return self.from_dict({**self.to_dict(), **changes})


def _frame_or_none(
    frame: pd.DataFrame | None, like: pd.DataFrame, name: str
) -> pd.DataFrame | None:
    if frame is None:
        return None
    if (
        frame.shape != like.shape
        or not frame.index.equals(like.index)
        or not frame.columns.equals(like.columns)
    ):
        raise ConfigError(f"Signals.{name} must have the same index and columns as target")
    return frame


@dataclass(frozen=True)
class Signals:
    """A strategy's output on a panel: DataFrames of shape (n_bars, n_symbols).

    Attributes
    ----------
    strategy_id : str
    target : DataFrame
        Wanted sleeve exposure in [-1, 1]; 0 in the warm-up.
    confidence : DataFrame
        In [0, 1].
    stop_loss, take_profit : DataFrame or None
        Price levels for the open position (NaN where none).
    reasoning : DataFrame or None
        Human-readable reason, set where the target changes ('' elsewhere).
    """

    strategy_id: str
    target: pd.DataFrame
    confidence: pd.DataFrame
    stop_loss: pd.DataFrame | None = None
    take_profit: pd.DataFrame | None = None
    reasoning: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        t = self.target.to_numpy(dtype=float)
        if not np.isfinite(t).all() or (np.abs(t) > 1 + 1e-12).any():
            raise ConfigError(f"{self.strategy_id}: target must be finite and within [-1, 1]")
        _frame_or_none(self.confidence, self.target, "confidence")
        c = self.confidence.to_numpy(dtype=float)
        if not np.isfinite(c).all() or (c < 0).any() or (c > 1).any():
            raise ConfigError(f"{self.strategy_id}: confidence must be finite and within [0, 1]")
        for name in ("stop_loss", "take_profit", "reasoning"):
            _frame_or_none(getattr(self, name), self.target, name)
        for name in ("stop_loss", "take_profit"):
            frame = getattr(self, name)
            if frame is not None:
                v = frame.to_numpy(dtype=float)
                if (v[~np.isnan(v)] <= 0).any():
                    raise ConfigError(f"{self.strategy_id}: {name} levels must be positive prices")

    @property
    def index(self) -> pd.DatetimeIndex:
        return self.target.index  # type: ignore[return-value]

    @property
    def symbols(self) -> list[str]:
        return list(self.target.columns)

    def __len__(self) -> int:
        return len(self.target)

    def __getitem__(self, rows: slice) -> Signals:
        if not isinstance(rows, slice):
            raise TypeError("Signals[...] takes a row slice")
        parts = {
            f.name: (
                getattr(self, f.name).iloc[rows]
                if isinstance(getattr(self, f.name), pd.DataFrame)
                else getattr(self, f.name)
            )
            for f in dataclasses.fields(self)
        }
        return Signals(**parts)

    def frames(self) -> dict[str, pd.DataFrame]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), pd.DataFrame)
        }

    def changes(self) -> pd.DataFrame:
        """Boolean DataFrame, True where the target differs from the bar before."""
        t = self.target
        return t.ne(t.shift(1).fillna(0.0))

    def to_records(
        self, *, only_changes: bool = True, close: pd.DataFrame | None = None
    ) -> list[Signal]:
        """The signals as seed-schema :class:`ntlab.model.Signal` objects, prices rounded to
        the instrument's tick (:func:`ntlab.model.round_to_tick`).

        Parameters
        ----------
        only_changes : bool
            Only bars where the target changes (entries, exits, flips).
        close : DataFrame, optional
            Closes to fill ``entryPrice``.
        """
        mask = (
            self.changes()
            if only_changes
            else pd.DataFrame(True, index=self.index, columns=self.target.columns)
        )
        rows, cols = np.nonzero(mask.to_numpy())
        out = []
        for r, c in zip(rows.tolist(), cols.tolist()):
            out.append(self._record(r, c, close))
        return out

    def latest(self, close: pd.DataFrame | None = None) -> list[Signal]:
        """The last bar's signal for every symbol."""
        r = len(self) - 1
        return [self._record(r, c, close) for c in range(len(self.symbols))]

    def _record(self, r: int, c: int, close: pd.DataFrame | None) -> Signal:
        def at(frame: pd.DataFrame | None) -> Any:
            return None if frame is None else frame.iat[r, c]

        return signal_record(
            self.strategy_id,
            self.symbols[c],
            self.index[r],
            float(self.target.iat[r, c]),
            float(self.confidence.iat[r, c]),
            stop_loss=at(self.stop_loss),
            take_profit=at(self.take_profit),
            close=at(close),
            reasoning=at(self.reasoning),
        )


def signal_record(
    strategy_id: str,
    symbol: str,
    timestamp: pd.Timestamp,
    target: float,
    confidence: float,
    *,
    stop_loss: float | None = None,
    take_profit: float | None = None,
    close: float | None = None,
    reasoning: Any = None,
) -> Signal:
    """One seed-schema :class:`ntlab.model.Signal` (the one builder batch and live use).

    Direction from the sign of ``target``; ``entryPrice`` is ``close``; prices are rounded
    to the instrument's tick (:func:`ntlab.model.round_to_tick`); a flat target carries no
    levels; NaN prices become None.
    """
    direction = Direction.LONG if target > 0 else Direction.SHORT if target < 0 else Direction.CLOSE

    def price(v: float | None, *, level: bool) -> float | None:
        if v is None or (level and direction is Direction.CLOSE) or np.isnan(float(v)):
            return None
        return round_to_tick(float(v))

    return Signal(
        strategy_id=strategy_id,
        symbol=symbol,
        direction=direction,
        confidence=float(confidence),
        timestamp=timestamp.to_pydatetime(),
        entry_price=price(close, level=False),
        stop_loss=price(stop_loss, level=True),
        take_profit=price(take_profit, level=True),
        quantity=None,
        reasoning="" if reasoning is None else str(reasoning or ""),
        metadata={"target": f"{target:.6g}"},
    )


class Strategy(abc.ABC):
    """Base class: subclasses set ``name`` and ``Config`` and implement ``signals``.

    Learned strategies also implement ``fit(data) -> self`` and keep learned state in
    attributes ending in ``_``; ``signals`` must still never use a bar after row t. The
    base class records what ``fit`` saw in ``fit_range_`` (first and last timestamp), and
    the backtests refuse to evaluate a fitted instance on bars inside that range.

    Inputs given to the constructor that are indexed by time (features, filings, news)
    are declared in ``time_inputs`` so that the look-ahead check can cut them together
    with the data (:meth:`until`).
    """

    name: ClassVar[str]
    Config: ClassVar[type[StrategyConfig]]
    #: Bundled data and parameters the strategy is meant for (``ntlab.strategies.examples.Example``).
    examples: ClassVar[tuple[Any, ...]] = ()
    #: Time-indexed constructor inputs: name -> the column holding each row's time (None:
    #: the index). Values are looked up in ``side_input(name)`` or the attribute ``name``.
    time_inputs: ClassVar[Mapping[str, str | None]] = {}
    #: True when each symbol's signals depend on that symbol's bars only (no ranking or
    #: pairing across symbols): the look-ahead check then samples symbols, and verifies
    #: the declaration each time.
    per_symbol: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fit = cls.__dict__.get("fit")
        if fit is not None and not getattr(fit, "_records_range", False):
            cls.fit = _recording_fit(fit)  # type: ignore[method-assign]

    def __init__(self, config: StrategyConfig | None = None, **params: Any) -> None:
        if config is not None and params:
            raise ConfigError(
                f"{type(self).__name__}: give a config or keyword parameters, not both"
            )
        if config is None:
            try:
                config = self.Config(**params)
            except TypeError as exc:
                names = sorted(f.name for f in dataclasses.fields(self.Config))
                raise ConfigError(f"{self.name}: {exc}; parameters are {names}") from exc
        elif not isinstance(config, self.Config):
            raise ConfigError(
                f"{self.name} needs a {self.Config.__name__}, got {type(config).__name__}"
            )
        self.config = config

    @property
    def warmup(self) -> int:
        """Bars needed before the first non-zero target."""
        return 0

    def fit(self, data: MarketData) -> Self:
        """Learn from ``data`` (no-op for rule-based strategies)."""
        return self

    @abc.abstractmethod
    def signals(self, data: MarketData) -> Signals:
        """Signals for every bar and symbol of ``data`` (causal)."""

    def stream(self, history: MarketData) -> Any:
        """Signals one bar at a time for live sessions (a ``SignalStream`` that has seen ``history``).

        This default recomputes :meth:`signals` on all bars so far for every new bar: exact
        but slow. Built-in strategies override it with O(1)-per-bar streams.
        """
        from ntlab.strategies.live import RecomputeStream

        return RecomputeStream(self, history)

    def clone(self) -> Self:
        """A fresh, unfitted strategy with the same config."""
        return type(self)(config=self.config)

    @property
    def fit_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last timestamp of the data ``fit`` learned from (None: not fitted)."""
        return getattr(self, "fit_range_", None)

    def until(self, end: pd.Timestamp) -> Self:
        """This strategy with its ``time_inputs`` cut to the rows known at ``end`` (self
        when it declares none). The look-ahead check runs its prefixes on these."""
        if not self.time_inputs:
            return self
        side = getattr(self, "_side", None)
        for name, column in self.time_inputs.items():
            if isinstance(side, dict) and name in side:
                side = {**side, name: cut_until(side[name], column, end)}
            elif name in vars(self):
                setattr(self, name, cut_until(getattr(self, name), column, end))
        if side is not None:
            self._side = side
        return self

    def to_dict(self) -> dict[str, Any]:
        """``{"strategy": registered name or import path, **config}`` (``from_dict`` inverts it)."""
        from ntlab.strategies.registry import strategy_spec

        return {"strategy": strategy_spec(self), **self.config.to_dict()}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config.to_dict().items())
        return f"{type(self).__name__}({params})"


def _recording_fit(fit: Any) -> Any:
    @functools.wraps(fit)
    def wrapper(self: Strategy, data: Any, *args: Any, **kwargs: Any) -> Any:
        out = fit(self, data, *args, **kwargs)
        index = getattr(data, "index", None)
        if isinstance(index, pd.DatetimeIndex) and len(index):
            self.fit_range_ = (index[0], index[-1])
        return out

    wrapper._records_range = True  # type: ignore[attr-defined]
    return wrapper


def _as_utc(times: Any) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(pd.to_datetime(times, utc=False))
    return idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")


def cut_until(value: Any, column: str | None, end: pd.Timestamp) -> Any:
    """The rows of a time-indexed input known at ``end``: a DataFrame/Series by its index
    (``column`` None) or a column, a list of records by an attribute or key; anything
    else (a path, None) unchanged. Naive times count as UTC."""
    end = pd.Timestamp(end)
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    if isinstance(value, pd.DataFrame | pd.Series):
        times = value.index if column is None else value[column]
        keep = np.asarray(_as_utc(times) <= end)
        return value[keep]
    if isinstance(value, list | tuple) and column is not None:

        def when(item: Any) -> Any:
            return item[column] if isinstance(item, Mapping) else getattr(item, column)

        if not value:
            return value
        keep = np.asarray(_as_utc([when(item) for item in value]) <= end)
        return type(value)(item for item, ok in zip(value, keep) if ok)
    return value
