"""Markets: where a session's bars come from and where its orders go, opened per session.

- :class:`ReplayMarket`: bundled or stored bars replayed in process, orders filled by a
  :class:`~ntlab.execution.sim.SimClient` on the next bar (the event backtest's kernels).
- :class:`LocalExchangeMarket`: a :class:`~ntlab.exchange.app.LocalExchange` started in
  this process, traded through alpaca-py (REST + ``trade_updates``), its clock advanced
  one bar per session step.
- :class:`AlpacaMarket`: Alpaca's paper API (or a local exchange running elsewhere, by
  URL), bars from the market-data stream.

``connect(symbols, warmup)`` returns a :class:`Connection`: the feed, the broker client,
the SimClient to advance with each bar (replays only) and how to close it all.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ntlab.data.market import MarketData
from ntlab.errors import BrokerConnectionError, ConfigError
from ntlab.execution.client import ExecutionClient
from ntlab.execution.policy import ExecutionPolicy
from ntlab.execution.sim import SimClient
from ntlab.live.feeds import AlpacaBarFeed, ExchangeFeed, Feed, ReplayBarFeed

__all__ = [
    "Connection",
    "Market",
    "ReplayMarket",
    "LocalExchangeMarket",
    "AlpacaMarket",
    "exchange_market",
]


@dataclass
class Connection:
    """An opened market: ``feed`` of bars, ``client`` for orders, ``sim`` to advance each bar."""

    feed: Feed
    client: ExecutionClient
    sim: SimClient | None = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.closers.clear()


class Market(Protocol):
    policy: ExecutionPolicy

    def universe(self) -> list[str] | None:
        """Symbols that can trade (None: whatever the broker accepts)."""

    def connect(self, symbols: Sequence[str], warmup: int) -> Connection: ...


def _first_live_bar(data: MarketData, start: int | None, warmup: int) -> int:
    first = start if start is not None else warmup + 1
    if not 1 <= first < data.n_bars:
        raise ConfigError(
            f"the replay must start after some history and before the end: bar {first} of "
            f"{data.n_bars} ({data.name}); give a start in [1, {data.n_bars - 1}] or more data"
        )
    return first


class ReplayMarket:
    """Replayed bars, filled in process by a SimClient.

    Parameters
    ----------
    data : MarketData
        The universe; a session replays its symbols.
    start : int, optional
        First live bar (earlier bars are history); default: the strategies' warm-up + 1.
    stop : int, optional
        Last bar (exclusive).
    cash : float
    policy : ExecutionPolicy
        Sizing, costs and fills (shared with the event backtest).
    max_leverage : float
        The broker's buying power as a multiple of equity (2 = a margin account, as
        Alpaca's paper accounts); the session's own leverage limit is its risk gate's.

    The SimClient lives in the session's process: a session on this market cannot be
    resumed from its journal once that process is gone (``ephemeral``).
    """

    ephemeral = True

    def __init__(
        self,
        data: MarketData,
        *,
        start: int | None = None,
        stop: int | None = None,
        cash: float = 100_000.0,
        policy: ExecutionPolicy | None = None,
        max_leverage: float = 2.0,
    ) -> None:
        self.data, self.start, self.stop = data, start, stop
        self.cash, self.max_leverage = cash, max_leverage
        self.policy = policy or ExecutionPolicy()

    def universe(self) -> list[str]:
        return list(self.data.symbols)

    def connect(self, symbols: Sequence[str], warmup: int) -> Connection:
        data = self.data.select(list(symbols))
        feed = ReplayBarFeed(data, start=_first_live_bar(data, self.start, warmup), stop=self.stop)
        sim = SimClient(
            self.policy, cash=self.cash, symbols=data.symbols, max_leverage=self.max_leverage
        )
        last = feed.bar(feed.start - 1)  # prices are known before any order
        sim.on_bar_arrays(last.timestamp, feed.symbols, last.open, last.high, last.low, last.close)
        return Connection(feed, sim, sim)


class LocalExchangeMarket(ReplayMarket):
    """A LocalExchange in this process, traded through the real alpaca-py clients.

    The session advances the exchange's clock one bar per step (lockstep), so a run is
    reproducible; fills come back over the ``trade_updates`` websocket. Parameters as
    :class:`ReplayMarket`, plus the ``keys`` the exchange accepts.
    """

    def __init__(
        self,
        data: MarketData,
        *,
        keys: tuple[str, str] = ("paper-key", "paper-secret"),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.keys = keys
        self.exchange: Any = None

    def __repr__(self) -> str:
        return f"LocalExchangeMarket({self.data.name}, {self.data.n_symbols} symbols)"

    def universe(self) -> list[str]:
        return list(self.data.symbols)

    def connect(self, symbols: Sequence[str], warmup: int) -> Connection:
        from ntlab.exchange.app import LocalExchange
        from ntlab.execution.alpaca import AlpacaClient

        start = _first_live_bar(self.data, self.start, warmup)
        self.exchange = LocalExchange(
            self.data,
            start=start,
            keys=self.keys,
            cash=self.cash,
            policy=self.policy,
            max_leverage=self.max_leverage,
        )
        serving = self.exchange.serve()
        urls = serving.__enter__()
        client = AlpacaClient(
            url_override=urls.rest,
            stream_url=urls.trade_stream,
            api_key=self.keys[0],
            secret_key=self.keys[1],
            rate_limit_wait=0.1,
        )
        feed = ExchangeFeed(self.exchange, symbols, stop=self.stop)
        return Connection(
            feed, client, None, [lambda: serving.__exit__(None, None, None), client.close]
        )


class AlpacaMarket:
    """Alpaca's paper trading API and market-data stream (or a server speaking them).

    Parameters
    ----------
    rest_url, trade_stream_url, data_stream_url : str, optional
        ``url_override`` for the trading/historical REST clients, ``TradingStream`` and
        ``StockDataStream``; None: Alpaca's own (paper) endpoints.
    symbols : list of str, optional
        The universe, when known (a local exchange's).
    is_finished : callable, optional
        Says when a replaying source has no more bars.
    history_start, timeframe :
        History the strategies warm up on (see :class:`~ntlab.live.feeds.AlpacaBarFeed`).
    policy : ExecutionPolicy
        Sizing (whole shares by default); the broker does the filling.

    Keys: ``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY`` from the environment.
    """

    def __init__(
        self,
        *,
        rest_url: str | None = None,
        trade_stream_url: str | None = None,
        data_stream_url: str | None = None,
        symbols: Sequence[str] | None = None,
        is_finished: Callable[[], bool] | None = None,
        history_start: str = "2000-01-01T00:00:00Z",
        timeframe: str = "1Day",
        policy: ExecutionPolicy | None = None,
        batch_wait: float = 0.5,
    ) -> None:
        self.rest_url, self.trade_stream_url = rest_url, trade_stream_url
        self.data_stream_url = data_stream_url
        self.symbols = None if symbols is None else list(symbols)
        self.is_finished = is_finished
        self.history_start, self.timeframe, self.batch_wait = history_start, timeframe, batch_wait
        self.policy = policy or ExecutionPolicy()

    def __repr__(self) -> str:
        return f"AlpacaMarket(rest_url={self.rest_url!r})"

    def universe(self) -> list[str] | None:
        return self.symbols

    def connect(self, symbols: Sequence[str], warmup: int) -> Connection:
        from ntlab.execution.alpaca import AlpacaClient

        client = AlpacaClient(url_override=self.rest_url, stream_url=self.trade_stream_url)
        feed = AlpacaBarFeed(
            symbols,
            url_override=self.data_stream_url,
            rest_url=self.rest_url,
            history_start=self.history_start,
            timeframe=self.timeframe,
            is_finished=self.is_finished,
            batch_wait=self.batch_wait,
        ).start()
        return Connection(feed, client, None, [feed.close, client.close])


def _get_json(url: str, timeout: float = 5.0) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())
    except OSError as exc:
        raise BrokerConnectionError(f"cannot reach the local exchange at {url}: {exc}") from exc


_URL_KEYS = ("rest", "trade_stream", "data_stream")


def _check_venue(url: str, what: str, base: str) -> None:
    """Refuse a URL that is not on the configured local exchange's host."""
    from urllib.parse import urlsplit

    from ntlab.execution.alpaca import venue_of

    if venue_of(url) != "local":
        raise ConfigError(
            f"{what} {url} is not on this machine: broker 'exchange' is the local exchange "
            f"(loopback only); the session's keys go nowhere else (use broker 'alpaca' for Alpaca)"
        )
    if what == "its rest URL" and urlsplit(url).port != urlsplit(base).port:
        raise ConfigError(
            f"the exchange at {base} names {what} {url}, another server; "
            "refusing to send the keys there"
        )


def exchange_market(
    url: str, *, policy: ExecutionPolicy | None = None, **kwargs: Any
) -> AlpacaMarket:
    """An :class:`AlpacaMarket` on a local exchange already running at ``url``
    (``ntlab exchange`` prints it); asks its ``/ntlab/status`` for the stream URLs."""
    base = url.rstrip("/")
    _check_venue(base, "exchange_url", base)
    status = _get_json(f"{base}/ntlab/status")
    urls = status.get("urls") or {}
    if not isinstance(urls, dict) or not all(isinstance(urls.get(k), str) for k in _URL_KEYS):
        raise ConfigError(f"the exchange at {base} did not say its URLs (is it an ntlab exchange?)")
    for key in _URL_KEYS:  # the keys go to the configured venue only, never where a status points
        _check_venue(urls[key], f"its {key} URL", base)

    def finished() -> bool:
        return bool(_get_json(f"{base}/ntlab/status").get("finished"))

    return AlpacaMarket(
        rest_url=urls["rest"],
        trade_stream_url=urls["trade_stream"],
        data_stream_url=urls["data_stream"],
        symbols=status.get("symbols"),
        is_finished=finished,
        policy=policy,
        **kwargs,
    )
