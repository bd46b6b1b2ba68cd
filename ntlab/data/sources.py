"""Resolve a data spec string to MarketData (used by the CLI, notebooks and dashboards).

Specs:

- ``sample:NAME`` - a bundled real sample (``ntlab data list``);
- ``store:NAME`` - a dataset imported into the local store;
- ``file:PATH`` (or a path ending in .csv/.parquet) - your own file;
- ``alpaca:SYM1,SYM2?start=2024-01-01&end=2024-06-30&timeframe=1Day`` - Alpaca bars,
  kept in the local store so the same range is never downloaded twice.

``sample:``, ``store:`` and ``file:`` specs take a date range and a symbol subset too:
``sample:stocks?start=2005-01-01&end=2010-12-31&symbols=AAPL,IBM`` (dates without a time
are midnight UTC).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ntlab.data.market import MarketData
from ntlab.errors import DataError

__all__ = ["load"]


def _alpaca(rest: str, url_override: str | None) -> MarketData:
    from ntlab.data.alpaca import fetch_alpaca_bars
    from ntlab.data.store import LocalStore

    names, _, query = rest.partition("?")
    params = dict(parse_qsl(query))
    unknown = set(params) - {"start", "end", "timeframe", "asset"}
    if unknown:
        raise DataError(
            f"alpaca spec: unknown option(s) {sorted(unknown)}; use start, end, timeframe, asset"
        )
    if "start" not in params or "end" not in params:
        raise DataError(
            "alpaca spec needs start and end, e.g. alpaca:AAPL?start=2024-01-01Z&end=2024-06-30Z"
        )
    timeframe, asset = params.get("timeframe", "1Day"), params.get("asset", "stock")
    symbols = [s.strip() for s in names.split(",") if s.strip()]

    def fetch(syms, lo, hi):
        return fetch_alpaca_bars(
            syms, lo, hi, timeframe=timeframe, asset=asset, url_override=url_override
        )

    return LocalStore().bars(
        f"alpaca-{asset}",
        symbols,
        _utc(params["start"]),
        _utc(params["end"]),
        fetch,
        timeframe=timeframe,
    )


def _utc(text: str) -> str:
    """Dates without a time are read as midnight UTC; anything else must carry its zone."""
    return text + "T00:00:00Z" if len(text) == 10 else text


def load(
    spec: str,
    *,
    url_override: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> MarketData:
    """Load the data a spec names (see the module docstring), cut to ``start .. end``."""
    kind, sep, rest = spec.partition(":")
    if not sep and spec.lower().split("?")[0].endswith((".csv", ".parquet", ".csv.gz", ".pq")):
        kind, rest = "file", spec
    if kind == "alpaca":
        data = _alpaca(rest, url_override)
        return data.between(_bound(start), _bound(end)) if start or end else data
    rest, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - {"start", "end", "symbols"}
    if unknown:
        raise DataError(
            f"data spec {spec!r}: unknown option(s) {sorted(unknown)}; use start, end, symbols"
        )
    data = _load_plain(kind, rest, spec)
    if options.get("symbols"):
        data = data.select([s.strip() for s in options["symbols"].split(",") if s.strip()])
    lo, hi = start or options.get("start"), end or options.get("end")
    return data.between(_bound(lo), _bound(hi)) if lo or hi else data


def _bound(text: str | None) -> str | None:
    return None if not text else _utc(text)


def _load_plain(kind: str, rest: str, spec: str) -> MarketData:
    if kind == "sample":
        from ntlab.data.samples import load_sample

        return load_sample(rest)
    if kind == "store":
        from ntlab.data.store import LocalStore

        return LocalStore().load_dataset(rest)
    if kind == "file":
        from ntlab.data.files import read_bars

        return read_bars(rest)
    raise DataError(
        f"data spec {spec!r} not understood; use sample:NAME, store:NAME, file:PATH or alpaca:SYMBOLS?start=..&end=.."
    )
