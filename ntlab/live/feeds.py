"""Where a session's bars come from: replayed data, a local exchange's clock, Alpaca's stream.

A feed gives the history the strategies warm up on, then one :class:`BarBatch` per bar
time (arrays of shape (n_symbols,) in the feed's symbol order, NaN where a symbol has no
bar), oldest first. ``next(timeout)`` returns None when no bar came within ``timeout``;
``finished`` says that none will come any more.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import to_utc
from ntlab.config import settings
from ntlab.data.market import MarketData
from ntlab.data.replay import BarBatch, ReplayFeed
from ntlab.errors import ConfigError
from ntlab.execution.alpaca import stop_stream

__all__ = ["Feed", "ReplayBarFeed", "ExchangeFeed", "AlpacaBarFeed", "batch_at"]

_OHLCV = ("open", "high", "low", "close", "volume")


@runtime_checkable
class Feed(Protocol):
    symbols: list[str]

    def history(self) -> MarketData:
        """Bars before the first live one (the strategies' warm-up)."""

    def next(self, timeout: float | None = None) -> BarBatch | None:
        """The next bar of every symbol, or None if none arrived within ``timeout`` s."""

    @property
    def finished(self) -> bool:
        """True once no further bar will come."""

    def close(self) -> None: ...


def batch_at(arrays: dict[str, np.ndarray | None], index: pd.DatetimeIndex, i: int) -> BarBatch:
    """Row ``i`` of (n_bars, n_symbols) field arrays as a :class:`BarBatch`."""
    close = arrays["close"][i]  # type: ignore[index]

    def row(name: str) -> np.ndarray:
        a = arrays.get(name)
        return close if a is None else a[i]

    vol = arrays.get("volume")
    return BarBatch(
        position=i,
        timestamp=index[i],
        open=row("open"),
        high=row("high"),
        low=row("low"),
        close=close,
        volume=np.zeros_like(close) if vol is None else np.nan_to_num(vol[i]),
    )


class ReplayBarFeed:
    """Replay ``data`` from bar ``start`` on; ``data[:start]`` is the history.

    Parameters
    ----------
    data : MarketData
    start : int
        First live bar (>= 1).
    stop : int, optional
        Replay up to (not including) this bar.
    """

    def __init__(self, data: MarketData, *, start: int, stop: int | None = None) -> None:
        if not 1 <= start < data.n_bars:
            raise ConfigError(
                f"a replay needs history: start must lie in [1, {data.n_bars - 1}], got {start} "
                f"({data.name} has {data.n_bars} bars)"
            )
        self.data = data
        self.symbols = list(data.symbols)
        self.start, self.stop = start, data.n_bars if stop is None else min(stop, data.n_bars)
        self._i = start
        self._arrays = ReplayFeed(data)._arrays

    def __len__(self) -> int:
        return self.stop - self.start

    def history(self) -> MarketData:
        return self.data[: self.start]

    @property
    def position(self) -> int:
        """Index of the next bar to replay."""
        return self._i

    def bar(self, i: int) -> BarBatch:
        """Bar ``i`` of the data (history included)."""
        return batch_at(self._arrays, self.data.index, i)

    def next(self, timeout: float | None = None) -> BarBatch | None:
        if self._i >= self.stop:
            return None
        batch = self.bar(self._i)
        self._i += 1
        return batch

    @property
    def finished(self) -> bool:
        return self._i >= self.stop

    def close(self) -> None:
        """Nothing to release."""


class ExchangeFeed:
    """Lockstep with an in-process :class:`~ntlab.exchange.app.LocalExchange`: each
    ``next()`` advances its clock one bar (orders fill, bars are published) and returns
    that bar for ``symbols``."""

    def __init__(self, exchange: Any, symbols: Sequence[str], *, stop: int | None = None) -> None:
        self.exchange = exchange
        self.symbols = list(symbols)
        data = exchange.data.select(self.symbols)
        self._index = data.index
        self._arrays = ReplayFeed(data)._arrays
        self.stop = data.n_bars if stop is None else min(stop, data.n_bars)

    def __len__(self) -> int:
        """Bars left to replay."""
        return max(0, self.stop - 1 - self.exchange.position)

    def history(self) -> MarketData:
        return self.exchange.visible().select(self.symbols)

    def next(self, timeout: float | None = None) -> BarBatch | None:
        if self.finished:
            return None
        before = self.exchange.position
        now = self.exchange.step(1)
        if now == before:
            return None
        return batch_at(self._arrays, self._index, now)

    @property
    def finished(self) -> bool:
        return self.exchange.finished or self.exchange.position >= self.stop - 1

    def close(self) -> None:
        """The exchange belongs to whoever made it."""


class AlpacaBarFeed:
    """Bars from Alpaca's market-data stream through alpaca-py's ``StockDataStream``.

    The stream delivers one message per symbol and bar; a :class:`BarBatch` for time T is
    handed out once every symbol's bar for T arrived, once a bar of a later time arrives,
    or ``batch_wait`` seconds after T's first bar (symbols still missing are NaN).

    Parameters
    ----------
    symbols : sequence of str
    url_override : str, optional
        Websocket URL of the data stream (the local exchange's ``data_stream`` URL).
    rest_url : str, optional
        Base URL of the historical bars API, for the history (the exchange's ``rest`` URL).
    history_start : datetime or str
        Start of the history to fetch (its end is now; a local exchange serves bars up
        to its clock only).
    timeframe : str
        Bar size of the history, e.g. ``"1Day"``.
    is_finished : callable, optional
        Says whether the source has ended (a replaying exchange); live markets never end.
    batch_wait : float
        Seconds to wait for the rest of a bar time's symbols.
    feed : str
        Alpaca's data feed (``"iex"`` or ``"sip"``).

    The credentials are ``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY`` from the environment.
    """

    def __init__(
        self,
        symbols: Sequence[str],
        *,
        url_override: str | None = None,
        rest_url: str | None = None,
        history_start: datetime | str = "2000-01-01T00:00:00Z",
        timeframe: str = "1Day",
        is_finished: Callable[[], bool] | None = None,
        batch_wait: float = 0.5,
        feed: str = "iex",
    ) -> None:
        self.symbols = [s.upper() for s in symbols]
        self._column = {s: j for j, s in enumerate(self.symbols)}
        self.url_override, self.rest_url = url_override, rest_url
        self.history_start = to_utc(history_start, what="history_start")
        self.timeframe, self.batch_wait, self._feed = timeframe, batch_wait, feed
        self._is_finished = is_finished
        self._ended_at: float | None = None
        self._queue: queue.Queue = queue.Queue()
        self._pending: dict[pd.Timestamp, np.ndarray] = {}
        self._first_seen: dict[pd.Timestamp, float] = {}
        self._last: pd.Timestamp | None = None
        self._count = 0
        self._stream: Any = None
        self._thread: threading.Thread | None = None
        self._history: MarketData | None = None

    def __repr__(self) -> str:
        return f"AlpacaBarFeed({len(self.symbols)} symbols, url_override={self.url_override!r})"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> AlpacaBarFeed:
        """Subscribe to the symbols' bars (before the history is fetched, so no bar falls between)."""
        if self._thread is not None:
            return self
        cfg = settings()
        if not cfg.has_alpaca_keys:
            raise ConfigError(
                "the Alpaca bar stream needs ALPACA_API_KEY and ALPACA_SECRET_KEY in the environment"
            )
        live = attempt_import("alpaca.data.live.stock", purpose="the Alpaca bar stream")
        enums = attempt_import("alpaca.data.enums", purpose="the Alpaca bar stream")
        self._stream = live.StockDataStream(
            cfg.alpaca_api_key.reveal(),
            cfg.alpaca_secret_key.reveal(),
            feed=enums.DataFeed(self._feed),
            url_override=self.url_override,
        )
        self._stream.subscribe_bars(self._on_bar, *self.symbols)
        self._thread = threading.Thread(
            target=self._stream.run, name="ntlab-bar-stream", daemon=True
        )
        self._thread.start()
        return self

    async def _on_bar(self, bar: Any) -> None:
        self._queue.put(
            (bar.symbol, bar.timestamp, bar.open, bar.high, bar.low, bar.close, bar.volume)
        )

    def close(self) -> None:
        stop_stream(self._stream, self._thread)
        self._stream = self._thread = None

    # ------------------------------------------------------------------ bars
    def history(self) -> MarketData:
        if self._history is None:
            from ntlab.data.alpaca import fetch_alpaca_bars

            data = fetch_alpaca_bars(
                self.symbols,
                self.history_start,
                pd.Timestamp.now(tz="UTC"),
                timeframe=self.timeframe,
                url_override=self.rest_url,
            )
            self._history = data.select(self.symbols)
            self._last = self._history.index[-1] if self._history.n_bars else None
        return self._history

    def _take(self, item: tuple) -> None:
        symbol, ts, *values = item
        ts = (
            pd.Timestamp(ts).tz_convert("UTC")
            if pd.Timestamp(ts).tzinfo
            else pd.Timestamp(ts, tz="UTC")
        )
        j = self._column.get(symbol)
        if j is None or (self._last is not None and ts <= self._last):
            return  # not ours, or already in the history / handed out
        row = self._pending.get(ts)
        if row is None:
            row = self._pending[ts] = np.full((5, len(self.symbols)), np.nan)
            self._first_seen[ts] = time.monotonic()
        row[:, j] = values

    def _ready(self) -> pd.Timestamp | None:
        if not self._pending:
            return None
        oldest = min(self._pending)
        row = self._pending[oldest]
        complete = not np.isnan(row[3]).any()
        later = len(self._pending) > 1
        waited = time.monotonic() - self._first_seen[oldest] >= self.batch_wait
        return oldest if complete or later or waited else None

    def next(self, timeout: float | None = None) -> BarBatch | None:
        if self._history is None:
            self.history()
        deadline = time.monotonic() + (timeout or 0.0)
        while True:
            with contextlib.suppress(queue.Empty):
                while True:
                    self._take(self._queue.get_nowait())
            ts = self._ready()
            if ts is not None:
                row = self._pending.pop(ts)
                self._first_seen.pop(ts)
                self._last, self._count = ts, self._count + 1
                o, h, lo, c, v = row
                return BarBatch(self._count, ts, o, h, lo, c, np.nan_to_num(v))
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            with contextlib.suppress(queue.Empty):
                self._take(self._queue.get(timeout=min(left, 0.05)))

    @property
    def finished(self) -> bool:
        """The source ended and nothing arrived for ``batch_wait`` s since (bars in flight)."""
        if self._is_finished is None or self._pending or not self._queue.empty():
            self._ended_at = None
            return False
        if not self._is_finished():
            return False
        if self._ended_at is None:
            self._ended_at = time.monotonic()
        return time.monotonic() - self._ended_at >= self.batch_wait
