"""NewsItem: one news story, validated on construction, plus de-duplication.

A story's ``published`` time is tz-aware UTC; it is the time the market could first
know the story, and it is what the causal sentiment series filters on.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import pandas as pd

from ntlab._time import iso_utc, to_utc
from ntlab.errors import DataError, ValidationError

__all__ = ["NewsItem", "dedupe", "news_frame"]

#: Field names of the JSON/CSV file format, in the order they are written.
FIELD_NAMES = (
    "id",
    "published",
    "symbols",
    "headline",
    "summary",
    "body",
    "source",
    "url",
    "author",
    "updated",
)
#: Alpaca's names for the same fields, accepted when reading (so Alpaca JSON dumps load as they are).
ALIASES = {"created_at": "published", "updated_at": "updated", "content": "body"}
#: Alpaca fields that carry nothing ntlab uses; accepted and dropped.
IGNORED = frozenset({"T", "images"})

_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,14}$")


@dataclass(frozen=True, slots=True)
class NewsItem:
    """One news story.

    Parameters
    ----------
    id : str
        Identifier, unique within its ``source`` (Alpaca's integer ids become strings).
    published : datetime
        First publication time; tz-aware (converted to UTC). Naive times are rejected.
    headline : str
        Non-empty headline.
    symbols : tuple of str
        Tickers the story is about (upper-cased, duplicates dropped); may be empty
        until :class:`~ntlab.sentiment.SymbolTagger` fills it.
    summary, body, source, url, author : str
        Optional text and provenance.
    updated : datetime, optional
        Last revision time (Alpaca's ``updated_at``); never used for causality.
    """

    id: str
    published: datetime
    headline: str
    symbols: tuple[str, ...] = ()
    summary: str = ""
    body: str = ""
    source: str = ""
    url: str = ""
    author: str = ""
    updated: datetime | None = None

    def __post_init__(self) -> None:
        ident = self.id
        if isinstance(ident, int) and not isinstance(ident, bool):
            ident = str(ident)
        if not isinstance(ident, str) or not ident.strip():
            raise ValidationError(f"NewsItem: id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "id", ident.strip())
        object.__setattr__(
            self, "published", to_utc(self.published, what=f"NewsItem {ident}: published")
        )
        if self.updated is not None:
            object.__setattr__(
                self, "updated", to_utc(self.updated, what=f"NewsItem {ident}: updated")
            )
        if not isinstance(self.headline, str) or not self.headline.strip():
            raise ValidationError(
                f"NewsItem {ident}: headline must be a non-empty string, got {self.headline!r}"
            )
        object.__setattr__(self, "symbols", _clean_symbols(self.symbols, ident))
        for name in ("summary", "body", "source", "url", "author"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, "")
            elif not isinstance(value, str):
                raise ValidationError(
                    f"NewsItem {ident}: {name} must be a string, got {type(value).__name__}"
                )

    @property
    def text(self) -> str:
        """Headline and summary joined, the text most scorers read."""
        return f"{self.headline}. {self.summary}" if self.summary else self.headline

    def with_symbols(self, symbols: Iterable[str]) -> NewsItem:
        """A copy with ``symbols`` replaced."""
        return replace(self, symbols=tuple(symbols))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict in the file format (ISO-8601 UTC times; empty optional fields left out)."""
        out: dict[str, Any] = {
            "id": self.id,
            "published": iso_utc(self.published),
            "symbols": list(self.symbols),
            "headline": self.headline,
        }
        for name in ("summary", "body", "source", "url", "author"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.updated is not None:
            out["updated"] = iso_utc(self.updated)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "news item") -> NewsItem:
        """Build an item from the file format (Alpaca's field names are accepted too).

        ``id`` may be left out: a stable id is then derived from the time and headline.
        Unknown fields, missing ``published``/``headline`` and naive times raise
        :class:`~ntlab.errors.ValidationError` naming ``where``.
        """
        if not isinstance(data, Mapping):
            raise ValidationError(f"{where}: expected a JSON object, got {type(data).__name__}")
        known: dict[str, Any] = {}
        unknown = []
        for key, value in data.items():
            name = ALIASES.get(key, key)
            if name in FIELD_NAMES:
                if name in known:
                    raise ValidationError(
                        f"{where}: field '{name}' given twice (as '{key}' and an alias)"
                    )
                known[name] = value
            elif key not in IGNORED:
                unknown.append(key)
        if unknown:
            raise ValidationError(
                f"{where}: unknown field(s) {sorted(unknown)}; known fields are {list(FIELD_NAMES)} "
                f"(Alpaca's {sorted(ALIASES)} are accepted too)"
            )
        for required in ("published", "headline"):
            if known.get(required) in (None, ""):
                raise ValidationError(f"{where}: field '{required}' is missing or empty")
        if isinstance(known.get("symbols"), str):
            known["symbols"] = split_symbols(known["symbols"])
        try:
            if known.get("id") in (None, ""):
                known["id"] = derived_id(known["published"], known["headline"])
            return cls(**known)
        except DataError as exc:
            raise ValidationError(f"{where}: {exc}") from exc


def split_symbols(text: str) -> list[str]:
    """``"AAPL, MSFT;GOOG"`` -> ``["AAPL", "MSFT", "GOOG"]`` (separators: comma, semicolon, bar, space)."""
    return [s for s in re.split(r"[\s,;|]+", text.strip()) if s]


def derived_id(published: Any, headline: str) -> str:
    """A stable id for an item given without one: a hash of its time and headline."""
    stamp = iso_utc(to_utc(published, what="published"))
    return "h" + hashlib.blake2b(f"{stamp}|{headline}".encode(), digest_size=8).hexdigest()


def _clean_symbols(symbols: Any, ident: str) -> tuple[str, ...]:
    if isinstance(symbols, str):
        symbols = split_symbols(symbols)
    if symbols is None:
        return ()
    out: list[str] = []
    for raw in symbols:
        if not isinstance(raw, str):
            raise ValidationError(f"NewsItem {ident}: symbols must be strings, got {raw!r}")
        sym = raw.strip().upper()
        if not _SYMBOL.match(sym):
            raise ValidationError(f"NewsItem {ident}: {raw!r} is not a ticker symbol")
        if sym not in out:
            out.append(sym)
    return tuple(out)


def _normal_headline(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


class _Groups:
    """Union-find over item positions."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def dedupe(items: Iterable[NewsItem], *, window: str | pd.Timedelta = "1h") -> list[NewsItem]:
    """Merge duplicate stories.

    Two items are the same story when they share ``(source, id)`` (the same article
    fetched twice, e.g. by REST and by the stream), or when their headlines are equal
    after case folding and dropping punctuation and they were published within
    ``window`` of the first item of the group (the same wire story run by several
    outlets).

    The merged item keeps the earliest ``published`` time (the first moment the
    market could know the story) and that item's id and source; its symbols are the
    union over the group, and empty text fields are filled from the other copies.

    Returns
    -------
    list of NewsItem
        Sorted by ``published``, then ``id``.
    """
    ordered = sorted(items, key=lambda it: (it.published, it.id))
    span = pd.Timedelta(window)
    if span < pd.Timedelta(0):
        raise DataError(f"dedupe: window must be >= 0, got {window!r}")
    groups = _Groups(len(ordered))
    by_key: dict[tuple[str, str], int] = {}
    by_headline: dict[str, int] = {}  # normalised headline -> first position of its latest cluster
    for pos, item in enumerate(ordered):
        key = (item.source, item.id)
        if key in by_key:
            groups.union(by_key[key], pos)
        else:
            by_key[key] = pos
        norm = _normal_headline(item.headline)
        first = by_headline.get(norm)
        if first is not None and item.published - ordered[first].published <= span:
            groups.union(first, pos)
        else:
            by_headline[norm] = pos
    members: dict[int, list[NewsItem]] = {}
    for pos, item in enumerate(ordered):
        members.setdefault(groups.find(pos), []).append(item)
    merged = [_merge(group) for _, group in sorted(members.items())]
    return sorted(merged, key=lambda it: (it.published, it.id))


def _merge(group: Sequence[NewsItem]) -> NewsItem:
    base = group[0]
    if len(group) == 1:
        return base
    symbols = [s for it in group for s in it.symbols]
    filled = {
        name: next((getattr(it, name) for it in group if getattr(it, name)), "")
        for name in ("summary", "body", "url", "author")
    }
    return replace(base, symbols=tuple(dict.fromkeys(symbols)), **filled)


def news_frame(items: Iterable[NewsItem]) -> pd.DataFrame:
    """The items as a DataFrame, one row per item, columns named as the fields.

    ``published`` and ``updated`` are ``datetime64[ns, UTC]``; ``symbols`` holds tuples.
    """
    rows = [{f.name: getattr(it, f.name) for f in fields(NewsItem)} for it in items]
    frame = pd.DataFrame(rows, columns=[f.name for f in fields(NewsItem)])
    for name in ("published", "updated"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame
