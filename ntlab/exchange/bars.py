"""Alpaca's historical bars endpoints (``/v2/stocks/bars``, ``/v1beta3/crypto/us/bars``) over a MarketData.

Speaks the JSON format and pagination (``limit`` + ``next_page_token``) that alpaca-py's
``StockHistoricalDataClient`` and ``CryptoHistoricalDataClient`` consume.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import iso_utc
from ntlab.data.market import MarketData

__all__ = ["bars_routes", "bars_payload"]


def _parse_time(value: str | None) -> pd.Timestamp | None:
    if not value:
        return None
    ts = pd.Timestamp(value)
    return (
        ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    )  # alpaca-py sends naive UTC


def bars_payload(
    data: MarketData, params: dict[str, str], *, max_limit: int = 10_000
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for a bars request with Alpaca's query parameters."""
    symbols = [s for s in params.get("symbols", "").split(",") if s]
    if not symbols:
        return 400, {"message": "symbols is required"}
    unknown = [s for s in symbols if s not in data.symbols]
    start, end = _parse_time(params.get("start")), _parse_time(params.get("end"))
    limit = min(int(params.get("limit") or 1000), max_limit)
    offset = (
        int(base64.urlsafe_b64decode(params["page_token"]).decode())
        if params.get("page_token")
        else 0
    )
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
        body["next_page_token"] = base64.urlsafe_b64encode(str(offset + limit).encode()).decode()
    return 200, body


def bars_routes(
    data: MarketData | Callable[[], MarketData],
    *,
    max_limit: int = 10_000,
    on_request: Callable[[str, dict[str, str]], None] | None = None,
) -> list:
    """Starlette routes serving ``data`` as Alpaca stock and crypto bars (pages of at most ``max_limit``).

    ``data`` may be a callable returning the bars visible now (the local exchange serves
    only bars up to its replay clock, never the future).
    """
    routing = attempt_import("starlette.routing", purpose="the local exchange")
    responses = attempt_import("starlette.responses", purpose="the local exchange")

    async def handler(request):
        params = dict(request.query_params)
        if on_request is not None:
            on_request(request.url.path, params)
        visible = data() if callable(data) else data
        status, body = bars_payload(visible, params, max_limit=max_limit)
        return responses.JSONResponse(body, status_code=status)

    return [
        routing.Route("/v2/stocks/bars", handler),
        routing.Route("/v1beta3/crypto/us/bars", handler),
    ]
