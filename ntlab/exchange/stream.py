"""A local websocket server speaking Alpaca's market-data stream protocol.

Protocol (as alpaca-py's ``DataStream`` and Alpaca's stream docs use it):

- on connect the server sends ``[{"T": "success", "msg": "connected"}]``;
- ``{"action": "auth", "key": ..., "secret": ...}`` is answered with
  ``[{"T": "success", "msg": "authenticated"}]`` or ``[{"T": "error", "code": 402,
  "msg": "auth failed"}]``; a client that does not authenticate within
  ``auth_timeout`` seconds gets code 404 and is closed;
- ``{"action": "subscribe"|"unsubscribe", "news": [...], "bars": [...], ...}`` changes
  the client's subscriptions (``"*"`` = every symbol) and is answered with
  ``[{"T": "subscription", <channel>: [...], ...}]`` listing every channel served;
- data goes out as arrays of messages: news ``{"T": "n", ...}``, bars ``{"T": "b", "S": ...}``,
  trades ``{"T": "t", ...}``, quotes ``{"T": "q", ...}``.

Frames are msgpack (binary, times as msgpack Timestamps) when the client's handshake
says ``Content-Type: application/msgpack`` (alpaca-py always does), JSON text (times as
RFC-3339 strings) otherwise. Other errors: 400 invalid syntax, 401 not authenticated,
403 already authenticated, 410 channel not served here.

Use it from synchronous code (tests, a paper-trading session): ``start()`` runs the
server on its own event loop in a daemon thread, and the ``publish_*`` methods may be
called from any other thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ntlab._optional import attempt_import
from ntlab._time import iso_utc, to_utc
from ntlab.errors import ConfigError, NtlabError
from ntlab.model import Bar, Tick
from ntlab.sentiment.items import NewsItem
from ntlab.sentiment.wire import to_alpaca_news

__all__ = ["MarketDataStreamServer", "CHANNELS", "NEWS_CHANNELS"]

log = logging.getLogger(__name__)

#: Channels of Alpaca's stock data stream, plus news.
CHANNELS = ("trades", "quotes", "bars", "updatedBars", "dailyBars", "statuses", "lulds", "news")
#: The channels of Alpaca's news stream (``/v1beta1/news``).
NEWS_CHANNELS = ("news",)
_BAR_TYPES = {"bars": "b", "updatedBars": "u", "dailyBars": "d"}


def _error(code: int, msg: str) -> list[dict[str, Any]]:
    return [{"T": "error", "code": code, "msg": msg}]


class _Client:
    """One connection: its codec, auth state and subscriptions."""

    def __init__(self, ws: Any, channels: Iterable[str]) -> None:
        self.ws = ws
        content_type = ws.request.headers.get("Content-Type", "") if ws.request is not None else ""
        self.msgpack = "msgpack" in content_type.lower()
        self.authenticated = False
        self.subs: dict[str, set[str]] = {ch: set() for ch in channels}
        self.address = getattr(ws, "remote_address", None)

    def encode(self, messages: list[dict[str, Any]]) -> bytes | str:
        if self.msgpack:
            return attempt_import("msgpack").packb(messages, datetime=True)
        return json.dumps(
            messages, default=lambda v: iso_utc(v) if isinstance(v, datetime) else str(v)
        )

    def decode(self, frame: bytes | str) -> Any:
        if isinstance(frame, bytes):
            try:
                return attempt_import("msgpack").unpackb(frame)
            except ValueError:
                frame = frame.decode("utf-8", errors="replace")
        return json.loads(frame)

    def wants(self, channel: str, symbols: Iterable[str]) -> bool:
        subs = self.subs.get(channel)
        if not self.authenticated or not subs:
            return False
        return "*" in subs or any(s in subs for s in symbols)

    async def send(self, messages: list[dict[str, Any]]) -> None:
        await self.ws.send(self.encode(messages))


class MarketDataStreamServer:
    """Alpaca-protocol market-data stream on 127.0.0.1, driven by ``publish_*`` calls.

    Parameters
    ----------
    keys : (key, secret), optional
        The credentials clients must send; ``None`` accepts any.
    channels : iterable of str
        Channels served (default all of :data:`CHANNELS`; :data:`NEWS_CHANNELS` for a
        news-only endpoint as Alpaca's).
    host, port : str, int
        Loopback address; port 0 picks a free one.
    auth_timeout : float
        Seconds a client has to authenticate.
    send_timeout : float
        Seconds one client may take to accept a message; a client that is slower, has
        gone away or fails otherwise is disconnected (counted in ``dropped``), and the
        message still goes to every other client. One client never stops the server.

    Examples
    --------
    >>> with MarketDataStreamServer(keys=("k", "s")) as server:     # doctest: +SKIP
    ...     stream = NewsDataStream("k", "s", url_override=server.url)
    ...     server.publish_news(item)
    """

    def __init__(
        self,
        *,
        keys: tuple[str, str] | None = None,
        channels: Iterable[str] = CHANNELS,
        host: str = "127.0.0.1",
        port: int = 0,
        auth_timeout: float = 10.0,
        send_timeout: float = 5.0,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                f"the stream server binds to loopback only (127.0.0.1, localhost, ::1), not {host!r}"
            )
        self.channels = tuple(channels)
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ConfigError(f"unknown channel(s) {sorted(unknown)}; channels are {CHANNELS}")
        self.keys = tuple(keys) if keys is not None else None
        self.host, self.port, self.auth_timeout = host, port, auth_timeout
        self.send_timeout = send_timeout
        self.dropped = 0  # clients disconnected because a send to them failed or stalled
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._changed = threading.Condition()
        self._trade_ids = itertools.count(1)
        self._failure: BaseException | None = None

    def __repr__(self) -> str:
        return f"MarketDataStreamServer({self.url if self.running else 'stopped'}, channels={self.channels})"

    # ---- lifecycle -------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._ready.is_set()

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>`` (give it to alpaca-py as ``url_override``)."""
        return f"ws://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> MarketDataStreamServer:
        """Start serving in a daemon thread; returns once the port is bound."""
        if self.running:
            return self
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="ntlab-stream-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            raise NtlabError(
                f"the stream server did not start within {timeout} s: {self._failure!r}"
            )
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every connection and stop the server thread."""
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> MarketDataStreamServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        server_mod = attempt_import("websockets.asyncio.server", purpose="the local stream server")
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with server_mod.serve(self._handle, self.host, self.port) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    # ---- protocol --------------------------------------------------------------------
    async def _handle(self, ws: Any) -> None:
        exceptions = attempt_import("websockets.exceptions")
        client = _Client(ws, self.channels)
        self._clients.add(client)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.auth_timeout
        try:
            await client.send([{"T": "success", "msg": "connected"}])
            while True:
                wait = None if client.authenticated else max(0.0, deadline - loop.time())
                try:
                    frame = await asyncio.wait_for(ws.recv(), wait)
                except TimeoutError:
                    await client.send(_error(404, "auth timeout"))
                    return
                reply = self._answer(client, frame)
                if reply:
                    await client.send(reply)
        except exceptions.ConnectionClosed:
            return
        finally:
            self._clients.discard(client)
            self._notify()

    def _answer(self, client: _Client, frame: bytes | str) -> list[dict[str, Any]]:
        try:
            msg = client.decode(frame)
        except ValueError:
            return _error(400, "invalid syntax")
        if not isinstance(msg, dict) or not isinstance(msg.get("action"), str):
            return _error(400, "invalid syntax")
        action = msg["action"]
        if action == "auth":
            if client.authenticated:
                return _error(403, "already authenticated")
            if self.keys is not None and (msg.get("key"), msg.get("secret")) != self.keys:
                return _error(402, "auth failed")
            client.authenticated = True
            return [{"T": "success", "msg": "authenticated"}]
        if action not in ("subscribe", "unsubscribe"):
            return _error(400, "invalid syntax")
        if not client.authenticated:
            return _error(401, "not authenticated")
        asked = {k: v for k, v in msg.items() if k != "action"}
        if any(k not in client.subs or not isinstance(v, list) for k, v in asked.items()):
            return _error(410, "invalid subscribe action for this feed")
        for channel, symbols in asked.items():
            names = {str(s).upper() if s != "*" else "*" for s in symbols}
            if action == "subscribe":
                client.subs[channel] |= names
            else:
                client.subs[channel] -= names
        self._notify()
        return [{"T": "subscription", **{ch: sorted(client.subs[ch]) for ch in self.channels}}]

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # ---- introspection ---------------------------------------------------------------
    def subscriptions(self) -> list[dict[str, list[str]]]:
        """Each authenticated client's subscriptions, channel -> sorted symbols."""
        return [
            {ch: sorted(s) for ch, s in c.subs.items()}
            for c in list(self._clients)
            if c.authenticated
        ]

    def wait_for_subscription(self, channel: str, symbol: str = "*", timeout: float = 10.0) -> bool:
        """Block until some client subscribes ``channel`` for ``symbol``; False on timeout."""
        with self._changed:
            return self._changed.wait_for(
                lambda: any(symbol in subs.get(channel, ()) for subs in self.subscriptions()),
                timeout,
            )

    # ---- publishing ------------------------------------------------------------------
    def publish(self, channel: str, message: dict[str, Any], *, timeout: float = 10.0) -> int:
        """Send one raw message to every client subscribed to its symbol(s) on ``channel``.

        ``message`` is an Alpaca stream message (``"T"`` set; ``"S"`` the symbol, or
        ``"symbols"`` for news; datetimes are encoded per client). Call from any thread
        but the server's. Returns the number of clients it went to.
        """
        if channel not in self.channels:
            raise ConfigError(f"channel {channel!r} is not served here; served: {self.channels}")
        if not self.running or self._loop is None:
            raise NtlabError("the stream server is not running; call start() first")
        symbols = message.get("symbols") or ([message["S"]] if "S" in message else [])
        future = asyncio.run_coroutine_threadsafe(
            self._broadcast(channel, symbols, message), self._loop
        )
        return future.result(timeout)

    async def _broadcast(self, channel: str, symbols: list[str], message: dict[str, Any]) -> int:
        targets = [c for c in list(self._clients) if c.wants(channel, symbols)]
        sent = await asyncio.gather(*(self._send_or_drop(c, [message]) for c in targets))
        return sum(sent)

    async def _send_or_drop(self, client: _Client, messages: list[dict[str, Any]]) -> bool:
        """Send to one client; a client that fails or stalls is disconnected, never the server."""
        try:
            await asyncio.wait_for(client.send(messages), self.send_timeout)
            return True
        except Exception as exc:  # closed, stalled past send_timeout, or broken
            self._clients.discard(client)
            self.dropped += 1
            reason = "stalled" if isinstance(exc, TimeoutError) else type(exc).__name__
            log.warning("stream client %s dropped (%s): %s", client.address, reason, exc)
            transport = getattr(client.ws, "transport", None)
            if transport is not None:
                with contextlib.suppress(Exception):
                    transport.abort()
            self._notify()
            return False

    def publish_news(self, item: NewsItem) -> int:
        """Send a news item (``{"T": "n", ...}``, content included)."""
        message = {"T": "n", **to_alpaca_news(item, include_content=True)}
        return self.publish("news", message)

    def publish_bar(
        self,
        bar: Bar,
        *,
        channel: str = "bars",
        trade_count: float | None = None,
        vwap: float | None = None,
    ) -> int:
        """Send a bar on ``bars``, ``updatedBars`` or ``dailyBars`` (``n``/``vw`` null unless given)."""
        if channel not in _BAR_TYPES:
            raise ConfigError(f"bar channel must be one of {sorted(_BAR_TYPES)}, got {channel!r}")
        message = {
            "T": _BAR_TYPES[channel],
            "S": bar.symbol,
            "o": bar.open,
            "h": bar.high,
            "l": bar.low,
            "c": bar.close,
            "v": bar.volume,
            "t": bar.timestamp,
            "n": trade_count,
            "vw": vwap,
        }
        return self.publish(channel, message)

    def publish_trade(
        self, tick: Tick, *, exchange: str | None = None, tape: str | None = None
    ) -> int:
        """Send a trade print (``{"T": "t", ...}``, with a running trade id)."""
        message: dict[str, Any] = {
            "T": "t",
            "S": tick.symbol,
            "i": next(self._trade_ids),
            "p": tick.price,
            "s": tick.size,
            "t": tick.timestamp,
            "c": list(tick.conditions),
        }
        message |= {k: v for k, v in (("x", exchange), ("z", tape)) if v is not None}
        return self.publish("trades", message)

    def publish_quote(
        self,
        symbol: str,
        *,
        bid: float,
        ask: float,
        bid_size: float,
        ask_size: float,
        timestamp: datetime,
    ) -> int:
        """Send a quote (``{"T": "q", ...}``)."""
        message = {
            "T": "q",
            "S": symbol,
            "bp": bid,
            "bs": bid_size,
            "ap": ask,
            "as": ask_size,
            "t": to_utc(timestamp, what="quote timestamp"),
            "c": [],
        }
        return self.publish("quotes", message)
