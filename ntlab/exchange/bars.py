"""Alpaca's historical bars endpoints (``/v2/stocks/bars``, ``/v1beta3/crypto/us/bars``) over a MarketData.

Speaks the JSON format and pagination (``limit`` + ``next_page_token``) that alpaca-py's
``StockHistoricalDataClient`` and ``CryptoHistoricalDataClient`` consume.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import iso_utc
from ntlab.data.market import MarketData

__all__ = ["bars_routes", "bars_payload"]


class _BadRequest(ValueError):
    """A query parameter the endpoint refuses (answered 422 with this message)."""


def _parse_time(name: str, value: str | None) -> pd.Timestamp | None:
    if not value:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        raise _BadRequest(f"{name} must be an RFC-3339 time, got {value!r}") from None
    if ts is pd.NaT:
        raise _BadRequest(f"{name} must be an RFC-3339 time, got {value!r}")
    return (
        ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    )  # alpaca-py sends naive UTC


_UNITS = {"min": 60, "t": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400,
          "week": 7 * 86400, "w": 7 * 86400, "month": 30 * 86400, "m": 30 * 86400}  # fmt: skip


def _timeframe_seconds(text: str) -> int:
    m = re.fullmatch(r"(\d{1,4})([A-Za-z]+)", text)
    if not m or m.group(2).lower() not in _UNITS or int(m.group(1)) < 1:
        raise _BadRequest(f"timeframe must look like 1Min, 5Min, 1Hour or 1Day, got {text!r}")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def _data_timeframe(data: MarketData) -> tuple[int, str]:
    """The bar spacing the data holds (seconds, Alpaca's name), from the median gap."""
    if data.n_bars < 2:
        return 86400, "1Day"
    gap = (data.index[1:] - data.index[:-1]).median().total_seconds()
    if gap >= 20 * 3600:  # daily bars (weekends make some gaps longer)
        return 86400, "1Day"
    minutes = max(1, round(gap / 60))
    return minutes * 60, f"{minutes}Min" if minutes % 60 else f"{minutes // 60}Hour"


def _page_token(offset: int, cutoff: pd.Timestamp | None) -> str:
    text = f"{offset}|{'' if cutoff is None else iso_utc(cutoff)}"
    return base64.urlsafe_b64encode(text.encode()).decode()


def _read_token(token: str) -> tuple[int, pd.Timestamp | None]:
    try:
        offset, _, cutoff = base64.urlsafe_b64decode(token.encode("ascii")).decode().partition("|")
        if not offset.isdigit():
            raise ValueError(offset)
        return int(offset), _parse_time("page_token", cutoff)
    except (ValueError, UnicodeError, _BadRequest):
        raise _BadRequest(f"page_token {token!r} is not one this server gave") from None


def _limit(text: str | None, max_limit: int) -> int:
    if text is None or text == "":
        return min(1000, max_limit)
    if not text.isdigit() or int(text) < 1:
        raise _BadRequest(f"limit must be a whole number >= 1, got {text!r}")
    return min(int(text), max_limit)


def bars_payload(
    data: MarketData, params: dict[str, str], *, max_limit: int = 10_000
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for a bars request with Alpaca's query parameters.

    Malformed parameters are answered 422 with one line. A ``next_page_token`` carries
    the last bar visible when the first page was served, so the later pages of one
    request never see bars a moving clock added meanwhile (no duplicates, no shifts).
    """
    try:
        return 200, _payload(data, params, max_limit)
    except _BadRequest as exc:
        return 422, {"code": 42210000, "message": str(exc)}


def _payload(data: MarketData, params: dict[str, str], max_limit: int) -> dict[str, Any]:
    symbols = [s for s in params.get("symbols", "").split(",") if s]
    if not symbols:
        raise _BadRequest("symbols is required")
    unknown = [s for s in symbols if s not in data.symbols]
    start, end = _parse_time("start", params.get("start")), _parse_time("end", params.get("end"))
    if start is not None and end is not None and start > end:
        raise _BadRequest(f"start {iso_utc(start)} is after end {iso_utc(end)}")
    if params.get("timeframe"):
        asked = _timeframe_seconds(params["timeframe"])
        held, name = _data_timeframe(data)
        if asked != held:
            raise _BadRequest(
                f"timeframe {params['timeframe']} is not served: this server holds {name} bars"
            )
    limit = _limit(params.get("limit"), max_limit)
    if params.get("page_token"):
        offset, cutoff = _read_token(params["page_token"])
    else:
        offset, cutoff = 0, (data.index[-1] if data.n_bars else None)
    if cutoff is not None:
        end = cutoff if end is None else min(end, cutoff)
    rows: list[tuple[str, dict[str, Any]]] = []
    for symbol in (s for s in symbols if s not in unknown):
        frame = data.symbol_frame(symbol)
        if start is not None:
            frame = frame[frame.index >= start]
        if end is not None:
            frame = frame[frame.index <= end]
        for ts, bar in zip(frame.index, frame.itertuples(index=False)):
            item = {"t": iso_utc(ts), "o": bar.open, "h": bar.high, "l": bar.low, "c": bar.close}
            volume = getattr(bar, "volume", np.nan)
            item["v"] = 0.0 if np.isnan(volume) else float(volume)
            item["n"] = (
                None  # trade count and VWAP are not in daily OHLCV data: sent as null, not made up
            )
            item["vw"] = None
            rows.append((symbol, item))
    page = rows[offset : offset + limit]
    body: dict[str, Any] = {"bars": {}, "next_page_token": None}
    for symbol, item in page:
        body["bars"].setdefault(symbol, []).append(item)
    if offset + limit < len(rows):
        body["next_page_token"] = _page_token(offset + limit, cutoff)
    return body


def bars_routes(
    data: MarketData | Callable[[], MarketData],
    *,
    max_limit: int = 10_000,
    on_request: Callable[[str, dict[str, str]], None] | None = None,
    keys: tuple[str, str] | None = None,
) -> list:
    """Starlette routes serving ``data`` as Alpaca stock and crypto bars (pages of at most ``max_limit``).

    ``data`` may be a callable returning the bars visible now (the local exchange serves
    only bars up to its replay clock, never the future). With ``keys``, stock bars need
    them (as Alpaca's; crypto bars need none there either).
    """
    routing = attempt_import("starlette.routing", purpose="the local exchange")
    responses = attempt_import("starlette.responses", purpose="the local exchange")

    async def handler(request):
        params = dict(request.query_params)
        h = request.headers
        if (
            keys is not None
            and request.url.path.startswith("/v2/")
            and (h.get("apca-api-key-id"), h.get("apca-api-secret-key")) != tuple(keys)
        ):
            return responses.JSONResponse(
                {"code": 40110000, "message": "request is not authorized"}, status_code=401
            )
        if on_request is not None:
            on_request(request.url.path, params)
        visible = data() if callable(data) else data
        status, body = bars_payload(visible, params, max_limit=max_limit)
        return responses.JSONResponse(body, status_code=status)

    return [
        routing.Route("/v2/stocks/bars", handler),
        routing.Route("/v1beta3/crypto/us/bars", handler),
    ]
