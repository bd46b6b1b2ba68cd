"""Market data: the bundled samples, and the bars of a data spec."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.service._base import Context, Request, default_context, jsonable

__all__ = ["DataRef", "BarsRequest", "load_data", "list_samples", "bars"]


class DataRef(Request):
    """Which bars: a data spec, optionally cut to symbols and a time range.

    ``data`` is a spec as everywhere in ntlab (``sample:stocks``, ``store:mine``); which
    kinds a caller may use is the context's ``data_kinds``. ``start``/``end`` are ISO
    times with a zone (a bare date is midnight UTC), inclusive.
    """

    data: str = Field("sample:stocks", min_length=1, max_length=500)
    symbols: list[str] | None = Field(None, min_length=1, max_length=1000)
    start: str | None = Field(None, max_length=40)
    end: str | None = Field(None, max_length=40)


def _utc_text(text: str | None) -> str | None:
    return text + "T00:00:00Z" if text is not None and len(text) == 10 else text


def load_data(ref: DataRef, ctx: Context | None = None) -> MarketData:
    """The MarketData ``ref`` names (raises DataError/UnknownSymbolError with the reason)."""
    from ntlab.data import load

    ctx = ctx or default_context()
    kind = ref.data.partition(":")[0] if ":" in ref.data else "file"
    if kind not in ctx.data_kinds:
        raise ConfigError(
            f"data spec {ref.data!r}: kind {kind!r} is not allowed here; use one of "
            f"{[k + ':NAME' for k in ctx.data_kinds]}"
        )
    data = load(ref.data)
    if ref.symbols is not None:
        data = data.select([s.strip().upper() for s in ref.symbols])
    if ref.start is not None or ref.end is not None:
        data = data.between(_utc_text(ref.start), _utc_text(ref.end))
    return data


def describe(data: MarketData) -> dict[str, Any]:
    """Name, shape, time range and symbols of a MarketData."""
    return {
        "name": data.name,
        "bars": data.n_bars,
        "symbols": list(data.symbols),
        "fields": list(data.fields),
        "start": data.index[0].isoformat(),
        "end": data.index[-1].isoformat(),
    }


def list_samples(ctx: Context | None = None) -> dict[str, Any]:
    """The bundled samples (name, description, source package, licence) and allowed spec kinds."""
    from ntlab.data import list_samples as samples

    ctx = ctx or default_context()
    table = samples().reset_index()
    return {"samples": jsonable(table), "kinds": list(ctx.data_kinds)}


class BarsRequest(DataRef):
    """Bars of a spec; ``limit`` keeps the last so many bars (at most 10,000)."""

    limit: int = Field(500, ge=1, le=10_000)


def bars(req: BarsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """OHLCV bars in the seed's historical-bars schema: per symbol ``{"symbol", "bars": [{t,o,h,l,c,v}]}``."""
    data = load_data(req, ctx)
    data = data[max(data.n_bars - req.limit, 0) :]
    out = []
    for symbol in data.symbols:
        frame = data.symbol_frame(symbol)
        rows = [
            {
                "t": t.isoformat(),
                **{k[0]: row[k] for k in ("open", "high", "low", "close", "volume") if k in row},
            }
            for t, row in zip(frame.index, frame.to_dict(orient="records"), strict=True)
        ]
        out.append({"symbol": symbol, "bars": jsonable(rows)})
    return {"data": describe(data), "series": out}
