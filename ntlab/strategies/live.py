"""Live-style signals: one new bar in, the signals of that bar out, from warm state.

``strategy.stream(history)`` returns a :class:`SignalStream` that has seen ``history``;
each ``stream.update(timestamp, close=..., ...)`` takes one bar for every symbol (arrays
of shape (n_symbols,)) and returns a :class:`SignalRow`, the same values that
``strategy.signals(data)`` gives for that bar (a test proves it for every strategy).

Rule strategies keep ring buffers of the last few bars plus recursive state (RSI,
MACD, positions, entry prices), so a bar costs O(window) per symbol, not O(history).
:class:`RecomputeStream` is the exact but slow fallback: it recomputes ``signals`` on
the whole history for every bar (used by the neural strategies, whose cost is the
forecaster anyway).
"""

from __future__ import annotations

import abc
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import FIELDS, MarketData
from ntlab.errors import DataError
from ntlab.model import Signal
from ntlab.strategies._nb import entry_levels_nb
from ntlab.strategies.base import signal_record
from ntlab.strategies.levels import changed_reasons

if TYPE_CHECKING:
    from ntlab.strategies.base import Signals, Strategy

__all__ = [
    "SignalRow",
    "SignalStream",
    "RecomputeStream",
    "Ring",
    "EntryLevels",
    "Streaming",
    "open_stream",
    "signals_by_stream",
]


@dataclass(frozen=True, eq=False)
class SignalRow:
    """One bar of signals for every symbol: arrays of shape (n_symbols,).

    Attributes mirror :class:`~ntlab.strategies.Signals` (target, confidence,
    stop_loss, take_profit, reasoning), for a single ``timestamp``.
    """

    strategy_id: str
    timestamp: pd.Timestamp
    symbols: tuple[str, ...]
    target: np.ndarray
    confidence: np.ndarray
    stop_loss: np.ndarray | None = None
    take_profit: np.ndarray | None = None
    reasoning: np.ndarray | None = None

    @classmethod
    def from_signals(cls, signals: Signals, row: int = -1) -> SignalRow:
        """Row ``row`` of a batch :class:`~ntlab.strategies.Signals`."""

        def pick(frame: pd.DataFrame | None, dtype: Any = float) -> np.ndarray | None:
            return None if frame is None else frame.iloc[row].to_numpy(dtype=dtype)

        return cls(
            signals.strategy_id,
            signals.index[row],
            tuple(signals.symbols),
            pick(signals.target),  # type: ignore[arg-type]
            pick(signals.confidence),  # type: ignore[arg-type]
            pick(signals.stop_loss),
            pick(signals.take_profit),
            pick(signals.reasoning, object),
        )

    def to_records(self, close: np.ndarray | None = None) -> list[Signal]:
        """The row as seed-schema :class:`ntlab.model.Signal` objects, one per symbol."""

        def at(arr: np.ndarray | None, c: int) -> Any:
            return None if arr is None else arr[c]

        return [
            signal_record(
                self.strategy_id,
                symbol,
                self.timestamp,
                float(self.target[c]),
                float(self.confidence[c]),
                stop_loss=at(self.stop_loss, c),
                take_profit=at(self.take_profit, c),
                close=at(close, c),
                reasoning=at(self.reasoning, c),
            )
            for c, symbol in enumerate(self.symbols)
        ]


class Ring:
    """The last ``capacity`` rows of a (time, symbols, ...) panel, always as a contiguous view.

    Rows before the first ``append`` are NaN, which window kernels treat as "not enough
    data", exactly like the first rows of a batch panel.
    """

    __slots__ = ("_buf", "_end", "capacity")

    def __init__(
        self, capacity: int, n_symbols: int, *extra: int, dtype: type = np.float64
    ) -> None:
        self.capacity = int(capacity)
        self._buf = np.full((2 * self.capacity, n_symbols, *extra), np.nan, dtype=dtype)
        self._end = self.capacity

    def append(self, row: np.ndarray) -> None:
        if self._end == self._buf.shape[0]:
            keep = self.capacity - 1
            self._buf[:keep] = self._buf[self._end - keep : self._end]
            self._end = keep
        self._buf[self._end] = row
        self._end += 1

    def tail(self, k: int | None = None) -> np.ndarray:
        """The last ``k`` rows (default ``capacity``), shape (k, n_symbols), oldest first."""
        k = self.capacity if k is None else k
        return self._buf[self._end - k : self._end]

    def ago(self, lag: int) -> np.ndarray:
        """The row ``lag`` bars before the last (``ago(0)`` is the last row); a writable view."""
        return self._buf[self._end - 1 - lag]


class EntryLevels:
    """Stop-loss/take-profit levels fixed at entry, one bar at a time (state of a stream)."""

    def __init__(self, n_symbols: int, stop_pct: float, take_pct: float) -> None:
        self.stop_pct, self.take_pct = float(stop_pct), float(take_pct)
        self._side = np.zeros(n_symbols)
        self._entry = np.full(n_symbols, np.nan)

    def step(self, target: np.ndarray, close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        stop, take, self._entry = entry_levels_nb(
            target[None, :], close[None, :], self.stop_pct, self.take_pct, self._side, self._entry
        )
        self._side = np.sign(target)
        return stop[0], take[0]


class SignalStream(abc.ABC):
    """Signals one bar at a time; subclasses implement ``_step``.

    Parameters
    ----------
    strategy : Strategy
    history : MarketData
        Bars already seen (may be empty of bars but must name the symbols); the stream
        replays them so its state equals that of a batch run over ``history``.
    bar_times : DatetimeIndex, optional
        Batch runs only: the times of every bar that will be fed, so that a causal side
        source (e.g. the news sentiment, which at bar t uses only news before t) can be
        computed in one call instead of one per bar.
    """

    def __init__(
        self, strategy: Strategy, history: MarketData, *, bar_times: pd.DatetimeIndex | None = None
    ) -> None:
        self.strategy = strategy
        self.bar_times = bar_times
        self.symbols = tuple(history.symbols)
        self.n_symbols = len(self.symbols)
        self.fields = tuple(history.fields)
        self.n_seen = 0
        self._last_time: pd.Timestamp | None = None
        self._last: SignalRow | None = None
        self._setup(history)
        self._replay(history)

    # ---------------------------------------------------------------- subclass hooks
    def _setup(self, history: MarketData) -> None:  # noqa: B027  (an optional hook)
        """Create the state (ring buffers, indicator streams) before the replay."""

    def _replay(self, history: MarketData) -> None:
        arrays = {f: history.field(f).to_numpy(dtype=float) for f in self.fields}
        for i, ts in enumerate(history.index):
            self._advance(ts, {f: a[i] for f, a in arrays.items()})

    @abc.abstractmethod
    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        """Consume one bar (``bar[field]`` of shape (n_symbols,)) and return its signals."""

    # ---------------------------------------------------------------- public
    @property
    def last(self) -> SignalRow | None:
        """The signals of the last bar seen (None before any bar)."""
        return self._last

    def update(self, timestamp: Any, **values: Any) -> SignalRow:
        """Feed one bar for every symbol and return its signals.

        Parameters
        ----------
        timestamp : tz-aware datetime
            Must be later than the previous bar.
        **values : array of shape (n_symbols,)
            One per field the history had (``close`` at least); NaN where a symbol
            has no bar.
        """
        ts = pd.Timestamp(timestamp)
        if ts.tzinfo is None:
            raise DataError(
                f"{self.strategy.name} stream: timestamp {ts} is naive; give it a time zone (UTC)"
            )
        ts = ts.tz_convert("UTC")
        missing = [f for f in self.fields if f not in values]
        unknown = [f for f in values if f not in FIELDS]
        if missing or unknown:
            raise DataError(
                f"{self.strategy.name} stream: update needs the fields {list(self.fields)}; "
                f"missing {missing}, unknown {unknown}"
            )
        bar = {}
        for f in self.fields:
            arr = np.asarray(values[f], dtype=np.float64)
            if arr.shape != (self.n_symbols,):
                raise DataError(
                    f"{self.strategy.name} stream: '{f}' has shape {arr.shape}, expected ({self.n_symbols},) "
                    "(one value per symbol, NaN where none)"
                )
            bar[f] = arr
        return self._advance(ts, bar)

    def _advance(self, ts: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        if self._last_time is not None and ts <= self._last_time:
            raise DataError(
                f"{self.strategy.name} stream: bar at {ts.isoformat()} is not after the last one "
                f"({self._last_time.isoformat()})"
            )
        row = self._step(ts, bar)
        self._last_time = ts
        self._last = row
        self.n_seen += 1
        return row

    def push(self, data: MarketData) -> list[SignalRow]:
        """Feed every bar of ``data`` (same symbols and fields) in order; their signals."""
        if tuple(data.symbols) != self.symbols:
            raise DataError(
                f"{self.strategy.name} stream: push() needs the symbols {list(self.symbols)[:5]}..."
            )
        arrays = {f: data.field(f).to_numpy(dtype=float) for f in self.fields}
        return [
            self.update(ts, **{f: a[i] for f, a in arrays.items()})
            for i, ts in enumerate(data.index)
        ]

    def _row(
        self, ts: pd.Timestamp, target: np.ndarray, confidence: np.ndarray, **rest: Any
    ) -> SignalRow:
        return SignalRow(self.strategy.name, ts, self.symbols, target, confidence, **rest)

    def _emit(
        self,
        ts: pd.Timestamp,
        target: np.ndarray,
        confidence: np.ndarray,
        close: np.ndarray,
        explain: Callable[[int, int, float, float], str],
    ) -> SignalRow:
        """The row for (n_symbols,) target and confidence: levels fixed at entry (the
        config's ``stop_loss_pct``/``take_profit_pct``) and ``explain(0, col, target,
        target_before)`` where the target changes; remembers the target."""
        before = getattr(self, "_target", None)
        if before is None:
            before = np.zeros(self.n_symbols)
        if not hasattr(self, "_entry_levels"):
            cfg = self.strategy.config
            self._entry_levels = EntryLevels(self.n_symbols, cfg.stop_loss_pct, cfg.take_profit_pct)  # type: ignore[attr-defined]
        reasons = changed_reasons(target, before, lambda r, c, t: explain(0, c, t, before[c]))
        self._target = target
        stop, take = self._entry_levels.step(target, close)
        return self._row(
            ts, target, confidence, stop_loss=stop, take_profit=take, reasoning=reasons
        )


class RecomputeStream(SignalStream):
    """Exact fallback: recompute ``signals`` on all bars so far for each new bar (slow).

    Each recomputation runs on a fresh copy of the strategy: an unfitted clone, or, when
    the strategy holds learned state (attributes ending in ``_``, e.g. a user's fitted
    model), a deep copy that keeps it.
    """

    def _fresh(self) -> Any:
        learned = any(k.endswith("_") and not k.startswith("_") for k in vars(self.strategy))
        return copy.deepcopy(self.strategy) if learned else self.strategy.clone()

    def _setup(self, history: MarketData) -> None:
        self._history = history
        self._arrays: dict[str, list[np.ndarray]] = {f: [] for f in self.fields}
        self._times: list[pd.Timestamp] = []

    def _replay(self, history: MarketData) -> None:
        for f in self.fields:
            self._arrays[f] = list(history.field(f).to_numpy(dtype=float))
        self._times = list(history.index)
        if history.n_bars:
            self._last = SignalRow.from_signals(self._fresh().signals(history))
            self._last_time = history.index[-1]
            self.n_seen = history.n_bars

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        self._times.append(timestamp)
        for f in self.fields:
            self._arrays[f].append(bar[f])
        index = pd.DatetimeIndex(self._times)
        fields = {
            f: pd.DataFrame(np.vstack(v), index=index, columns=list(self.symbols))
            for f, v in self._arrays.items()
        }
        data = MarketData(fields, meta=self._history.meta, name=self._history.name, validate=False)
        return SignalRow.from_signals(self._fresh().signals(data))


class Streaming:
    """Mixin for strategies: ``stream(history)`` opens the class's ``Stream``.

    Strategies without a fast stream keep the exact :class:`RecomputeStream`.
    """

    Stream: ClassVar[type[SignalStream]] = RecomputeStream

    def stream(self, history: MarketData) -> SignalStream:
        """A live-style stream that has seen ``history`` (see :class:`SignalStream`)."""
        return self.Stream(self, history)  # type: ignore[arg-type]


def signals_by_stream(
    stream_class: type[SignalStream], strategy: Strategy, data: MarketData
) -> Signals:
    """Batch signals computed by feeding every bar of ``data`` through a fresh stream.

    For strategies whose state machine is easiest to state bar by bar (pairs, pattern
    libraries, ensembles of streams): batch and live then share one code path.
    """
    from ntlab._progress import progress_bar
    from ntlab.strategies.base import Signals

    stream = stream_class(strategy, data[:0], bar_times=data.index)
    arrays = {f: data.field(f).to_numpy(dtype=float) for f in stream.fields}
    bars = progress_bar(
        enumerate(data.index), total=len(data.index), desc=f"{strategy.name} signals", unit="bar"
    )
    with bars:
        rows = [stream._advance(ts, {f: a[i] for f, a in arrays.items()}) for i, ts in bars]
    m = len(stream.symbols)

    def stack(name: str, dtype: Any = float) -> pd.DataFrame | None:
        if rows and getattr(rows[0], name) is None:
            return None
        values = (
            np.vstack([getattr(r, name) for r in rows]) if rows else np.empty((0, m), dtype=dtype)
        )
        return pd.DataFrame(values.astype(dtype), index=data.index, columns=data.symbols)

    return Signals(
        strategy.name,
        stack("target"),  # type: ignore[arg-type]
        stack("confidence"),  # type: ignore[arg-type]
        stack("stop_loss"),
        stack("take_profit"),
        stack("reasoning", object),
    )


def open_stream(strategy: Strategy, history: MarketData) -> SignalStream:
    """``strategy.stream(history)``, or a :class:`RecomputeStream` for strategies without one."""
    make = getattr(strategy, "stream", None)
    return make(history) if make is not None else RecomputeStream(strategy, history)
