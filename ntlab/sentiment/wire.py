"""Alpaca's news wire format, both ways (no alpaca import: plain dicts and duck typing).

One definition shared by the client side (:mod:`ntlab.sentiment.alpaca`) and the local
server side (:mod:`ntlab.exchange.news`, :mod:`ntlab.exchange.stream`), so they cannot
drift apart. Field names follow Alpaca's ``/v1beta1/news`` REST response and its news
stream: ``id`` (int), ``headline``, ``summary``, ``author``, ``created_at``,
``updated_at``, ``url``, ``content``, ``symbols``, ``source`` (REST adds ``images``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ntlab.sentiment.items import NewsItem

__all__ = ["alpaca_news_id", "to_alpaca_news", "from_alpaca_news"]

_MAX_ID = 2**53 - 1  # ids stay exact in JSON doubles too


def alpaca_news_id(item: NewsItem) -> int:
    """Alpaca's integer id for ``item``.

    A decimal id (as Alpaca's own, e.g. ``"24843171"``) is used as it is; any other id
    maps to a stable 53-bit hash of ``source`` and ``id``, so the same item always gets
    the same number.
    """
    if item.id.isdigit() and int(item.id) <= _MAX_ID:
        return int(item.id)
    digest = hashlib.blake2b(f"{item.source}|{item.id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _MAX_ID


def to_alpaca_news(item: NewsItem, *, include_content: bool = True) -> dict[str, Any]:
    """The item as an Alpaca news object.

    ``created_at``/``updated_at`` stay :class:`datetime` objects: each transport encodes
    them its own way (RFC-3339 strings in JSON, msgpack Timestamps on the stream).
    ``content`` is ``""`` unless ``include_content`` (as Alpaca's REST default).
    """
    return {
        "id": alpaca_news_id(item),
        "headline": item.headline,
        "author": item.author,
        "created_at": item.published,
        "updated_at": item.updated or item.published,
        "summary": item.summary,
        "content": item.body if include_content else "",
        "url": item.url or None,
        "symbols": list(item.symbols),
        "source": item.source,
    }


def from_alpaca_news(news: Any) -> NewsItem:
    """A :class:`NewsItem` from an alpaca-py ``News`` model or a raw Alpaca news dict.

    ``updated`` is left unset when Alpaca's ``updated_at`` equals ``created_at``, so
    ``from_alpaca_news(to_alpaca_news(item)) == item`` for items with decimal ids.
    """
    if isinstance(news, Mapping):
        get = news.get
    else:
        get = lambda key, default=None: getattr(news, key, default)  # noqa: E731
    published, updated = _time(get("created_at")), _time(get("updated_at"))
    return NewsItem(
        id=str(get("id")),
        published=published,
        updated=None if updated == published else updated,  # to_alpaca_news fills it so
        headline=get("headline"),
        symbols=tuple(get("symbols") or ()),
        summary=get("summary") or "",
        body=get("content") or "",
        source=get("source") or "",
        url=get("url") or "",
        author=get("author") or "",
    )


def _time(value: Any) -> Any:
    """msgpack Timestamps (raw stream messages) become datetimes; anything else passes."""
    return value.to_datetime() if hasattr(value, "to_datetime") else value
