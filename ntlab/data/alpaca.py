"""Historical bars from Alpaca through alpaca-py (stocks and crypto).

Keys come from the environment (``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY``); alpaca-py
handles pagination. ``url_override`` points the real client at another server (the local
paper exchange, or a test server).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import to_utc
from ntlab.config import settings
from ntlab.data.market import MarketData
from ntlab.errors import BrokerConnectionError, ConfigError, DataError, UnknownSymbolError

__all__ = ["fetch_alpaca_bars", "parse_timeframe"]

_UNITS = {
    "min": "Minute",
    "t": "Minute",
    "h": "Hour",
    "hour": "Hour",
    "d": "Day",
    "day": "Day",
    "w": "Week",
    "week": "Week",
}


def parse_timeframe(text: str) -> Any:
    """``"1Day"``, ``"5Min"``, ``"1H"`` ... -> alpaca-py ``TimeFrame``."""
    tf_mod = attempt_import("alpaca.data.timeframe", purpose="Alpaca bars")
    digits = "".join(ch for ch in text if ch.isdigit()) or "1"
    unit = _UNITS.get(text[len(digits) :].lower()) if text.startswith(digits) else None
    if unit is None:
        raise ConfigError(
            f"timeframe {text!r} not understood; use e.g. 1Min, 5Min, 1Hour, 1Day, 1Week"
        )
    return tf_mod.TimeFrame(int(digits), getattr(tf_mod.TimeFrameUnit, unit))


def _client(asset: str, url_override: str | None) -> Any:
    cfg = settings()
    hist = attempt_import("alpaca.data.historical", purpose="Alpaca bars")
    if asset == "crypto":
        # crypto bars need no keys, but use them when given
        keys = (cfg.alpaca_api_key.reveal() or None, cfg.alpaca_secret_key.reveal() or None)
        return hist.CryptoHistoricalDataClient(*keys, url_override=url_override)
    if not cfg.has_alpaca_keys:
        raise ConfigError(
            "Alpaca stock bars need API keys: set ALPACA_API_KEY and ALPACA_SECRET_KEY in the environment "
            "(paper-trading keys work)"
        )
    return hist.StockHistoricalDataClient(
        cfg.alpaca_api_key.reveal(), cfg.alpaca_secret_key.reveal(), url_override=url_override
    )


def fetch_alpaca_bars(
    symbols: list[str] | str,
    start: datetime | str,
    end: datetime | str,
    *,
    timeframe: str = "1Day",
    asset: str = "stock",
    adjustment: str = "all",
    feed: str | None = None,
    url_override: str | None = None,
) -> MarketData:
    """Download bars for ``symbols`` in [start, end] (tz-aware bounds) as a MarketData.

    Raises :class:`UnknownSymbolError` for symbols with no bars in the range.
    """
    if asset not in ("stock", "crypto"):
        raise ConfigError(f"asset must be 'stock' or 'crypto', got {asset!r}")
    names = [symbols] if isinstance(symbols, str) else list(symbols)
    if not names:
        raise ConfigError("give at least one symbol")
    lo, hi = to_utc(start, what="start"), to_utc(end, what="end")
    if hi < lo:
        raise ConfigError(f"end {hi.isoformat()} is before start {lo.isoformat()}")
    requests = attempt_import("alpaca.data.requests", purpose="Alpaca bars")
    common = {
        "symbol_or_symbols": names,
        "timeframe": parse_timeframe(timeframe),
        "start": lo,
        "end": hi,
    }
    client = _client(asset, url_override)
    extra: dict[str, Any] = {"adjustment": adjustment}
    if feed:
        extra["feed"] = feed
    try:
        if asset == "crypto":
            barset = client.get_crypto_bars(requests.CryptoBarsRequest(**common))
        else:
            barset = client.get_stock_bars(requests.StockBarsRequest(**common, **extra))
    except OSError as exc:  # requests' ConnectionError and timeouts are OSErrors
        where = url_override or "https://data.alpaca.markets"
        raise BrokerConnectionError(
            f"cannot reach Alpaca's data API at {where} ({type(exc).__name__}); "
            "check the network connection (or point --url at the local exchange)"
        ) from None
    frame = barset.df
    if frame.empty:
        raise DataError(
            f"Alpaca returned no bars for {names} in {lo.isoformat()} .. {hi.isoformat()}"
        )
    tidy = frame.reset_index()
    missing = sorted(set(names) - set(tidy["symbol"]))
    if missing:
        raise UnknownSymbolError(
            f"Alpaca returned no bars for {missing} in {lo.date()} .. {hi.date()}"
        )
    tidy["timestamp"] = pd.to_datetime(tidy["timestamp"], utc=True)
    return MarketData.from_long(
        tidy[["timestamp", "symbol", "open", "high", "low", "close", "volume"]],
        name=f"alpaca:{asset}",
    )
