"""LocalExchange: an offline paper exchange that speaks Alpaca's protocols on 127.0.0.1.

It replays a MarketData bar by bar (its clock), fills orders through :class:`SimClient`
(the event backtest's fill and cost kernels), serves Alpaca's trading REST API, the
``trade_updates`` stream, historical bars up to its clock (never the future), news, and
the market-data websocket stream (bars in msgpack). The real alpaca-py clients work
against it with ``url_override``; ``ntlab exchange`` starts one from the command line.

Admin routes (not Alpaca's): ``POST /ntlab/step?bars=N`` advances the clock N bars (with the keys),
``GET /ntlab/status`` says where it is, which symbols trade and the URLs to use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ntlab._optional import attempt_import
from ntlab.data.market import MarketData
from ntlab.data.replay import BarBatch, ReplayFeed
from ntlab.errors import ConfigError
from ntlab.exchange.bars import bars_routes
from ntlab.exchange.serving import serve_in_thread
from ntlab.exchange.trading import Faults, trading_routes
from ntlab.execution.policy import ExecutionPolicy
from ntlab.execution.sim import SimClient
from ntlab.model import Bar

__all__ = ["LocalExchange", "ExchangeURLs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExchangeURLs:
    rest: str  # TradingClient / StockHistoricalDataClient url_override
    trade_stream: str  # TradingStream url_override
    data_stream: str  # StockDataStream url_override


class LocalExchange:
    """Paper exchange over replayed bars.

    Parameters
    ----------
    data : MarketData
        The bars to replay (all symbols are tradable).
    start : int
        Bars before this position are history, visible from the start.
    keys : (key, secret)
        Credentials clients must send.
    cash, policy, max_leverage, allow_short
        Passed to :class:`SimClient`.
    news : iterable of NewsItem, optional
        Served on ``/v1beta1/news``.
    """

    def __init__(
        self,
        data: MarketData,
        *,
        start: int = 1,
        keys: tuple[str, str] = ("paper-key", "paper-secret"),
        cash: float = 100_000.0,
        policy: ExecutionPolicy | None = None,
        max_leverage: float = 1.0,
        allow_short: bool = True,
        news=None,
    ) -> None:
        if not 1 <= start <= data.n_bars:
            raise ConfigError(f"start must lie in [1, {data.n_bars}], got {start}")
        self.data = data
        self.keys = keys
        self.client = SimClient(
            policy,
            cash=cash,
            symbols=data.symbols,
            max_leverage=max_leverage,
            allow_short=allow_short,
        )
        self.faults = Faults()
        self._batches: Iterator[BarBatch] = ReplayFeed(data, start=start).batches()
        self._position = start - 1  # last bar visible
        self._lock = threading.Lock()
        self._news = list(news or [])
        self._stream = None
        self.urls: ExchangeURLs | None = None
        self._runner: threading.Thread | None = None
        self._stop = threading.Event()
        self.publish_errors = 0  # bars the stream could not take (the clock went on)
        self.clock_errors: list[str] = []  # failures the clock survived, one line each
        # the clock starts on the last history bar, so prices are known before any order
        first = ReplayFeed(data, start=start - 1).batches()
        self._apply(next(first), publish=False)

    # ------------------------------------------------------------------ the clock
    @property
    def position(self) -> int:
        return self._position

    @property
    def finished(self) -> bool:
        return self._position >= self.data.n_bars - 1

    def visible(self) -> MarketData:
        """Bars up to and including the clock."""
        return self.data[: self._position + 1]

    def _apply(self, batch: BarBatch, *, publish: bool) -> None:
        bars = {}
        for j, symbol in enumerate(self.data.symbols):
            if batch.present[j]:
                bars[symbol] = {
                    "open": float(batch.open[j]),
                    "high": float(batch.high[j]),
                    "low": float(batch.low[j]),
                    "close": float(batch.close[j]),
                    "volume": float(batch.volume[j]),
                }
        self.client.on_bar(batch.timestamp, bars)
        self._position = batch.position
        if publish and self._stream is not None:
            ts = batch.timestamp.to_pydatetime()
            for symbol, b in bars.items():
                try:  # the stream drops a failing client itself; this guards the server's own failures
                    self._stream.publish_bar(Bar(symbol=symbol, timestamp=ts, **b))
                except Exception as exc:
                    self.publish_errors += 1
                    log.warning("bar %s %s not published: %s", symbol, ts, exc)

    def step(self, bars: int = 1) -> int:
        """Advance the clock ``bars`` bars (fills happen, bars are published); returns the new position."""
        if isinstance(bars, bool) or not isinstance(bars, int | np.integer) or bars < 0:
            raise ConfigError(f"bars to step must be a whole number >= 0, got {bars!r}")
        with self._lock:
            for _ in range(bars):
                batch = next(self._batches, None)
                if batch is None:
                    break
                self._apply(batch, publish=True)
            return self._position

    def run(self, bars_per_second: float) -> None:
        """Advance the clock in a background thread until :meth:`stop` (or the data ends)."""
        if bars_per_second <= 0:
            raise ConfigError("bars_per_second must be > 0")

        def loop() -> None:
            while not self._stop.wait(1.0 / bars_per_second) and not self.finished:
                try:
                    self.step()
                except Exception as exc:  # one failure never stops the venue's clock
                    line = f"clock step at bar {self._position + 1} failed: {type(exc).__name__}: {exc}"
                    self.clock_errors.append(line)
                    log.error("%s", line)

        self._runner = threading.Thread(target=loop, name="ntlab-exchange-clock", daemon=True)
        self._runner.start()

    # ------------------------------------------------------------------ serving
    def app(self):
        """The Starlette app: trading API, trade_updates, bars, news and admin routes."""
        applications = attempt_import("starlette.applications", purpose="the local exchange")
        routing = attempt_import("starlette.routing", purpose="the local exchange")
        responses = attempt_import("starlette.responses", purpose="the local exchange")
        from ntlab.exchange.news import news_route

        def refuse(status: int, message: str):
            return responses.JSONResponse({"code": 40010000 + status, "message": message}, status)

        async def step(request):
            if not self._authorized(request):
                return refuse(401, "request is not authorized")
            text = request.query_params.get("bars", "1")
            if not text.isdigit() or not 0 <= int(text) <= 100_000:
                return refuse(422, f"bars must be a whole number in [0, 100000], got {text!r}")
            return responses.JSONResponse(
                {"position": self.step(int(text)), "finished": self.finished}
            )

        async def status(request):
            return responses.JSONResponse(self.status())

        routes = [
            *trading_routes(
                self.client, api_key=self.keys[0], secret_key=self.keys[1], faults=self.faults
            ),
            *bars_routes(self.visible, keys=self.keys),
            news_route(self._news, keys=self.keys),
            routing.Route("/ntlab/step", step, methods=["POST"]),
            routing.Route("/ntlab/status", status),
        ]
        return applications.Starlette(routes=routes)

    def _authorized(self, request) -> bool:
        h = request.headers
        return (h.get("apca-api-key-id"), h.get("apca-api-secret-key")) == tuple(self.keys)

    def status(self) -> dict:
        ts = self.data.index[self._position]
        equity = self.client.account().equity
        return {
            "position": self._position,
            "time": ts.isoformat(),
            "bars": self.data.n_bars,
            "finished": self.finished,
            "equity": float(np.round(equity, 6)),
            "symbols": list(self.data.symbols),
            "urls": None if self.urls is None else dict(vars(self.urls)),
            "stream_clients_dropped": 0 if self._stream is None else self._stream.dropped,
            "publish_errors": self.publish_errors,
            "clock_errors": self.clock_errors[-5:],
        }

    @contextmanager
    def serve(self, *, port: int | None = None) -> Iterator[ExchangeURLs]:
        """Serve on 127.0.0.1 until the block ends; yields the URLs for alpaca-py's url_override."""
        from ntlab.exchange.stream import MarketDataStreamServer

        with MarketDataStreamServer(keys=self.keys) as stream:
            self._stream = stream
            try:
                with serve_in_thread(self.app(), port=port) as base:
                    ws = base.replace("http://", "ws://")
                    self.urls = ExchangeURLs(
                        rest=base, trade_stream=f"{ws}/stream", data_stream=stream.url
                    )
                    try:
                        yield self.urls
                    finally:
                        self._stop.set()
                        if self._runner is not None:
                            self._runner.join(5)
                        # end the trade_updates connections while the server still runs, so
                        # their handlers finish and the shutdown need not cancel them
                        self.faults.drop_streams()
            finally:
                self.urls = None
                self._stream = None

    def wait_until_finished(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.finished and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.finished
