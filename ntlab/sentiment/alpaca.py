"""Alpaca news through alpaca-py: the REST history (``NewsClient``) and the live stream
(``NewsDataStream``). alpaca-py is imported only when a source is used.

Keys come from the arguments or, when left out, from the environment through
:func:`ntlab.config.settings` (``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY``). They never
appear in reprs. ``url_override`` points either client at another server, e.g. the
local one in :mod:`ntlab.exchange` that tests use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from ntlab._optional import attempt_import
from ntlab._time import to_utc
from ntlab.config import settings
from ntlab.errors import BrokerConnectionError, ConfigError, DataError
from ntlab.sentiment.items import NewsItem
from ntlab.sentiment.wire import from_alpaca_news

__all__ = ["AlpacaNewsSource", "AlpacaNewsStream"]

log = logging.getLogger(__name__)


def _keys(api_key: str | None, secret_key: str | None, what: str) -> tuple[str, str]:
    if api_key and secret_key:
        return api_key, secret_key
    found = settings()
    if not found.has_alpaca_keys:
        raise ConfigError(
            f"{what} needs Alpaca API keys: set ALPACA_API_KEY and ALPACA_SECRET_KEY in the "
            "environment (or pass api_key=/secret_key=)"
        )
    return found.alpaca_api_key.reveal(), found.alpaca_secret_key.reveal()


class AlpacaNewsSource:
    """Historical news from Alpaca's ``/v1beta1/news`` through alpaca-py's ``NewsClient``.

    Parameters
    ----------
    api_key, secret_key : str, optional
        Default: read from the environment at fetch time.
    url_override : str, optional
        Base URL of another server speaking Alpaca's protocol (e.g. ``http://127.0.0.1:8123``).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        secret_key: str | None = None,
        url_override: str | None = None,
    ) -> None:
        self._api_key = api_key
        self._secret_key = secret_key
        self.url_override = url_override

    def __repr__(self) -> str:
        return f"AlpacaNewsSource(url_override={self.url_override!r})"

    def fetch(
        self,
        symbols: Iterable[str] | str | None = None,
        start: datetime | str | None = None,
        end: datetime | str | None = None,
        *,
        limit: int | None = None,
        include_content: bool = False,
        sort: str = "asc",
    ) -> list[NewsItem]:
        """Fetch news, following ``next_page_token`` pages until done (or ``limit`` items).

        Parameters
        ----------
        symbols : str or iterable of str, optional
            Tickers; all news when left out.
        start, end : datetime or ISO string with a time zone, optional
            Inclusive bounds on the publication time. Naive times are rejected.
        limit : int, optional
            Most items to return in all (alpaca-py asks 50 per page).
        include_content : bool
            Ask for the article bodies too.
        sort : {"asc", "desc"}
            Order of the pages.

        Returns
        -------
        list of NewsItem
            In the order the server sent them.
        """
        if sort not in ("asc", "desc"):
            raise ConfigError(f"sort must be 'asc' or 'desc', got {sort!r}")
        if limit is not None and limit < 1:
            raise ConfigError(f"limit must be >= 1, got {limit!r}")
        if isinstance(symbols, str):
            symbols = [symbols]
        historical = attempt_import("alpaca.data.historical.news", purpose="Alpaca news")
        requests = attempt_import("alpaca.data.requests", purpose="Alpaca news")
        exceptions = attempt_import("alpaca.common.exceptions", purpose="Alpaca news")
        key, secret = _keys(self._api_key, self._secret_key, "AlpacaNewsSource")
        client = historical.NewsClient(
            api_key=key, secret_key=secret, url_override=self.url_override
        )
        params: dict[str, Any] = {"sort": sort, "include_content": include_content, "limit": limit}
        if symbols:
            params["symbols"] = ",".join(s.upper() for s in symbols)
        if start is not None:
            params["start"] = to_utc(start, what="start")
        if end is not None:
            params["end"] = to_utc(end, what="end")
        request = requests.NewsRequest(**{k: v for k, v in params.items() if v is not None})
        try:
            news_set = client.get_news(request)
        except exceptions.APIError as exc:
            raise DataError(f"Alpaca news request failed (HTTP {exc.status_code}): {exc}") from exc
        except OSError as exc:  # requests' ConnectionError is an OSError
            where = self.url_override or "Alpaca's data API"
            raise BrokerConnectionError(f"cannot reach {where} for news: {exc}") from exc
        return [from_alpaca_news(n) for n in news_set.data.get("news", [])]


class AlpacaNewsStream:
    """Live news from Alpaca's news stream through alpaca-py's ``NewsDataStream``.

    The stream runs in a background thread; received stories arrive as
    :class:`NewsItem` in a queue (:meth:`get`) and, if given, in ``on_item``
    (called from the stream's thread).

    Parameters
    ----------
    symbols : iterable of str
        Tickers to subscribe to; ``("*",)`` for all news.
    on_item : callable, optional
        ``on_item(item)`` for every story received.
    api_key, secret_key, url_override : optional
        As for :class:`AlpacaNewsSource`; ``url_override`` is the websocket URL.

    Examples
    --------
    >>> with AlpacaNewsStream(["AAPL"]) as stream:   # doctest: +SKIP
    ...     item = stream.get(timeout=60)
    """

    def __init__(
        self,
        symbols: Iterable[str] = ("*",),
        *,
        on_item: Callable[[NewsItem], Any] | None = None,
        api_key: str | None = None,
        secret_key: str | None = None,
        url_override: str | None = None,
        maxsize: int = 10_000,
    ) -> None:
        self.symbols = tuple(s if s == "*" else s.upper() for s in symbols)
        if not self.symbols:
            raise ConfigError("AlpacaNewsStream needs at least one symbol (or '*')")
        self.on_item = on_item
        self.url_override = url_override
        self._api_key = api_key
        self._secret_key = secret_key
        self._queue: queue.Queue[NewsItem] = queue.Queue(maxsize=maxsize)
        self._stream: Any = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"AlpacaNewsStream(symbols={self.symbols!r}, url_override={self.url_override!r}, {state})"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def _on_news(self, news: Any) -> None:
        item = from_alpaca_news(news)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            log.warning("news queue full (%d items); dropping %s", self._queue.maxsize, item.id)
        if self.on_item is not None:
            self.on_item(item)

    def start(self) -> AlpacaNewsStream:
        """Connect, authenticate and subscribe in a background thread."""
        if self.running:
            return self
        live = attempt_import("alpaca.data.live.news", purpose="the Alpaca news stream")
        key, secret = _keys(self._api_key, self._secret_key, "AlpacaNewsStream")
        self._stream = live.NewsDataStream(key, secret, url_override=self.url_override)
        self._stream.subscribe_news(self._on_news, *self.symbols)
        self._thread = threading.Thread(
            target=self._stream.run, name="ntlab-news-stream", daemon=True
        )
        self._thread.start()
        return self

    def get(self, timeout: float | None = None) -> NewsItem | None:
        """The next story received, or ``None`` if none arrives within ``timeout`` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self, timeout: float = 10.0) -> None:
        """Close the connection and end the thread."""
        thread, stream = self._thread, self._stream
        if thread is None or stream is None:
            return
        deadline = time.monotonic() + timeout
        while (
            getattr(stream, "_loop", None) is None
            and thread.is_alive()
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)  # started a moment ago: wait for its event loop to exist
        loop = getattr(stream, "_loop", None)
        if loop is not None and loop.is_running():
            stream.stop()
            # alpaca-py checks for a stop only between receives (every 5 s when quiet);
            # closing the socket ends the wait at once, and the stream then exits
            with contextlib.suppress(RuntimeError, TimeoutError):
                asyncio.run_coroutine_threadsafe(stream.close(), loop).result(timeout)
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            raise BrokerConnectionError(f"the news stream thread did not stop within {timeout} s")
        self._thread = None

    def __enter__(self) -> AlpacaNewsStream:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
