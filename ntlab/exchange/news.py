"""Alpaca's ``GET /v1beta1/news`` as a Starlette route, served from a list of NewsItems.

Query parameters, as Alpaca documents them: ``symbols`` (comma-separated), ``start`` and
``end`` (RFC-3339 with a zone, or ``YYYY-MM-DD``; inclusive), ``limit`` (1..50, default
10), ``sort`` (``desc`` default, or ``asc``), ``include_content`` (default false: the
``content`` field is ``""``), ``exclude_contentless`` and ``page_token``. The response is
``{"news": [...], "next_page_token": <str or null>}``.

Items are ordered by (``created_at``, ``id``). Alpaca documents the order as by update
time; for items never revised (``updated`` unset) the two are the same. The page token
is base64 of ``"<created_at ns>|<id>"`` of the last item sent, as Alpaca's tokens look.

Mounting (e.g. in the paper exchange app)::

    from starlette.applications import Starlette
    from ntlab.exchange.news import NewsStore, news_route

    store = NewsStore(items)                     # add more later with store.add(...)
    app = Starlette(routes=[news_route(store, keys=("key", "secret")), ...])
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import iso_utc
from ntlab.errors import NewsQueryError
from ntlab.sentiment.items import NewsItem
from ntlab.sentiment.wire import alpaca_news_id, to_alpaca_news

__all__ = ["NewsStore", "NewsQueryError", "news_route", "news_app", "NEWS_PATH"]

NEWS_PATH = "/v1beta1/news"
MAX_LIMIT = 50
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _encode_token(key: tuple[int, int]) -> str:
    return base64.b64encode(f"{key[0]}|{key[1]}".encode()).decode()


def _decode_token(token: str) -> tuple[int, int]:
    try:
        ns, ident = base64.b64decode(token.encode(), validate=True).decode().split("|")
        return int(ns), int(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise NewsQueryError(f"invalid page_token {token!r}") from exc


def _parse_time(text: str, name: str) -> int:
    text = text.strip().replace(" ", "+")  # an unescaped '+' in a URL arrives as a space
    try:
        ts = pd.Timestamp(text)
    except ValueError as exc:
        raise NewsQueryError(f"invalid {name} {text!r}: use RFC-3339 or YYYY-MM-DD") from exc
    if ts.tzinfo is None:
        if not _DATE.match(text):
            raise NewsQueryError(f"invalid {name} {text!r}: RFC-3339 needs a time zone (e.g. 'Z')")
        ts = ts.tz_localize("UTC")
    return int(ts.tz_convert("UTC").as_unit("ns").value)


def _parse_bool(text: str | None, name: str) -> bool:
    if text is None:
        return False
    low = text.strip().lower()
    if low in ("true", "1"):
        return True
    if low in ("false", "0", ""):
        return False
    raise NewsQueryError(f"invalid {name} {text!r}: use true or false")


class NewsStore:
    """A thread-safe, sorted set of news items that the route serves.

    Parameters
    ----------
    items : iterable of NewsItem
    """

    def __init__(self, items: Iterable[NewsItem] = ()) -> None:
        self._lock = threading.Lock()
        self._rows: list[tuple[tuple[int, int], NewsItem]] = []
        self.add(items)

    def add(self, items: Iterable[NewsItem]) -> None:
        """Add items (an item with the same Alpaca id as a stored one replaces it)."""
        new = {alpaca_news_id(it): it for it in items}
        with self._lock:
            kept = [row for row in self._rows if row[0][1] not in new]
            kept += [((int(pd.Timestamp(it.published).value), aid), it) for aid, it in new.items()]
            self._rows = sorted(kept, key=lambda row: row[0])

    def __len__(self) -> int:
        return len(self._rows)

    def query(self, params: dict[str, str]) -> dict[str, Any]:
        """Answer one request's query parameters with Alpaca's JSON body (a dict)."""
        symbols = {s.strip().upper() for s in params.get("symbols", "").split(",") if s.strip()}
        start = _parse_time(params["start"], "start") if params.get("start") else None
        end = _parse_time(params["end"], "end") if params.get("end") else None
        sort = params.get("sort", "desc").lower()
        if sort not in ("asc", "desc"):
            raise NewsQueryError(f"invalid sort {params.get('sort')!r}: use asc or desc")
        try:
            limit = int(params.get("limit") or 10)
        except ValueError as exc:
            raise NewsQueryError(f"invalid limit {params.get('limit')!r}") from exc
        if not 1 <= limit <= MAX_LIMIT:
            raise NewsQueryError(f"invalid limit {limit}: must be between 1 and {MAX_LIMIT}")
        content = _parse_bool(params.get("include_content"), "include_content")
        contentful = _parse_bool(params.get("exclude_contentless"), "exclude_contentless")
        after = _decode_token(params["page_token"]) if params.get("page_token") else None
        rows = self._rows if sort == "asc" else self._rows[::-1]
        page: list[tuple[tuple[int, int], NewsItem]] = []
        for key, item in rows:
            if after is not None and (key <= after if sort == "asc" else key >= after):
                continue
            if (start is not None and key[0] < start) or (end is not None and key[0] > end):
                continue
            if symbols and not symbols.intersection(item.symbols):
                continue
            if contentful and not item.body:
                continue
            page.append((key, item))
            if len(page) > limit:
                break
        more = len(page) > limit
        page = page[:limit]
        news = [
            _jsonable(to_alpaca_news(item, include_content=content)) | {"images": []}
            for _, item in page
        ]
        return {"news": news, "next_page_token": _encode_token(page[-1][0]) if more else None}


def _jsonable(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: iso_utc(v) if isinstance(v, datetime) else v for k, v in obj.items()}


def news_endpoint(
    store: NewsStore, *, keys: tuple[str, str] | None = None
) -> Callable[[Any], Awaitable[Any]]:
    """The request handler: checks Alpaca's key headers (when ``keys``), then queries ``store``."""
    responses = attempt_import("starlette.responses", purpose="the local news route")

    async def endpoint(request: Any) -> Any:
        if keys is not None:
            given = (
                request.headers.get("APCA-API-KEY-ID"),
                request.headers.get("APCA-API-SECRET-KEY"),
            )
            if given != tuple(keys):
                return responses.JSONResponse(
                    {"code": 40310000, "message": "forbidden"}, status_code=403
                )
        try:
            body = store.query(dict(request.query_params))
        except NewsQueryError as exc:
            return responses.JSONResponse({"code": 42210000, "message": str(exc)}, status_code=422)
        return responses.JSONResponse(body)

    return endpoint


def news_route(
    news: NewsStore | Iterable[NewsItem],
    *,
    keys: tuple[str, str] | None = None,
    path: str = NEWS_PATH,
) -> Any:
    """A Starlette ``Route`` serving ``GET path`` from ``news`` (a NewsStore or items).

    ``keys=(key_id, secret)`` makes it answer 403 unless Alpaca's headers
    ``APCA-API-KEY-ID``/``APCA-API-SECRET-KEY`` match.
    """
    routing = attempt_import("starlette.routing", purpose="the local news route")
    store = news if isinstance(news, NewsStore) else NewsStore(news)
    return routing.Route(path, news_endpoint(store, keys=keys), methods=["GET"])


def news_app(news: NewsStore | Iterable[NewsItem], *, keys: tuple[str, str] | None = None) -> Any:
    """A Starlette app with only the news route (for tests and demos)."""
    applications = attempt_import("starlette.applications", purpose="the local news app")
    return applications.Starlette(routes=[news_route(news, keys=keys)])
