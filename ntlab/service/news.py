"""News and sentiment: fetch, score, tag, summarise, and causal per-symbol sentiment.

News comes from a ``source``: ``"example"`` (the illustrative file in ``data/``; not real
news), ``"alpaca"`` (Alpaca's news API through alpaca-py, keys from the environment;
only where the context allows ``alpaca`` data) or a JSONL/CSV path (only where it allows
``file`` data). Scores are VADER with ntlab's finance overlay. The per-symbol series is
the one strategies consume: a bar sees only news published strictly before it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError, DataError
from ntlab.service._base import Context, Request, default_context, jsonable
from ntlab.service.data import DataRef, _utc_text, load_data

__all__ = [
    "NewsRequest",
    "FetchNewsRequest",
    "HeadlinesRequest",
    "TagRequest",
    "SentimentRequest",
    "TimelineRequest",
    "SentimentICRequest",
    "fetch_news",
    "score_headlines",
    "tag_headlines",
    "news_summary",
    "symbol_sentiment",
    "sentiment_timeline",
    "sentiment_ic",
]


class NewsRequest(Request):
    """Which news: a source, optionally only about ``symbols`` and within ``[start, end]``."""

    source: str = Field("example", min_length=1, max_length=500)
    symbols: list[str] | None = Field(None, min_length=1, max_length=1000)
    start: str | None = Field(None, max_length=40)
    end: str | None = Field(None, max_length=40)


class FetchNewsRequest(NewsRequest):
    """The latest ``limit`` items."""

    limit: int = Field(50, ge=1, le=5000)


@lru_cache(maxsize=16)
def _read_file(path: str, mtime: float) -> tuple:
    from ntlab.sentiment import read_news

    return tuple(read_news(path))


def _path(source: str, ctx: Context) -> Path:
    from ntlab.strategies.inputs import EXAMPLE_NEWS

    if source == "example":
        return EXAMPLE_NEWS
    if "file" not in ctx.data_kinds:
        raise ConfigError(
            f"news source {source!r}: files are not allowed here; use 'example'"
            + (" or 'alpaca'" if "alpaca" in ctx.data_kinds else "")
        )
    path = Path(source).expanduser()
    if not path.is_file():
        raise DataError(f"news source {source!r} is not an existing JSONL or CSV file")
    return path


def _items(req: NewsRequest, ctx: Context | None) -> list[Any]:
    """News items of the request, oldest first."""
    from ntlab._time import to_utc

    ctx = ctx or default_context()
    start, end = _utc_text(req.start), _utc_text(req.end)
    if req.source == "alpaca":
        if "alpaca" not in ctx.data_kinds:
            raise ConfigError("news source 'alpaca' is not allowed here; use 'example'")
        from ntlab.sentiment import AlpacaNewsSource

        return AlpacaNewsSource().fetch(req.symbols, start, end)
    path = _path(req.source, ctx)
    items = _read_file(str(path.resolve()), path.stat().st_mtime)
    lo = to_utc(start, what="start") if start is not None else None
    hi = to_utc(end, what="end") if end is not None else None
    if lo is not None and hi is not None and hi < lo:
        raise DataError(f"end {hi.isoformat()} is before start {lo.isoformat()}")
    wanted = {s.upper() for s in req.symbols or ()}
    return [
        it
        for it in items
        if (lo is None or it.published >= lo)
        and (hi is None or it.published <= hi)
        and (not wanted or wanted.intersection(it.symbols))
    ]


@lru_cache(maxsize=2)
def _vader(finance: bool) -> Any:
    from ntlab.sentiment import VaderScorer

    return VaderScorer(finance=finance)


def fetch_news(req: FetchNewsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The latest ``limit`` items of the source (oldest of them first) and how many matched."""
    items = sorted(_items(req, ctx), key=lambda it: it.published)
    return {
        "source": req.source,
        "matched": len(items),
        "items": [it.to_dict() for it in items[-req.limit :]],
    }


class HeadlinesRequest(Request):
    """Texts to score; ``finance`` adds ntlab's overlay (VADER alone scores "beats" as 0)."""

    headlines: list[str] = Field(min_length=1, max_length=1000)
    finance: bool = True


def score_headlines(req: HeadlinesRequest) -> dict[str, Any]:
    """Sentiment in [-1, 1] and confidence in [0, 1] of each headline, and their mean."""
    if any(not h.strip() for h in req.headlines):
        raise ConfigError("headlines must not be empty strings")
    scorer = _vader(req.finance)
    scores = scorer.score(req.headlines)
    rows = [
        {"headline": t, "score": v, "confidence": c}
        for t, v, c in zip(req.headlines, scores.value, scores.confidence)
    ]
    return jsonable({"scorer": scorer.name, "scores": rows, "mean": float(np.mean(scores.value))})


class TagRequest(Request):
    """Headlines to tag with the tickers of ``data``'s universe (names too where it has them)."""

    headlines: list[str] = Field(min_length=1, max_length=1000)
    data: str = Field("sample:sp500_1y", min_length=1, max_length=500)


def tag_headlines(req: TagRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Tickers each headline mentions: cashtags, exchange prefixes, bare tickers, company names."""
    from ntlab.sentiment import SymbolTagger

    data = load_data(DataRef(data=req.data), ctx)
    meta = data.meta
    tagger = (
        SymbolTagger.from_meta(meta)
        if "name" in meta.columns
        else SymbolTagger.from_symbols(data.symbols)
    )
    tags = [{"headline": h, "symbols": list(tagger.tag(h))} for h in req.headlines]
    return {"universe": req.data, "tags": tags}


def _scored(req: NewsRequest, ctx: Context | None) -> pd.DataFrame:
    from ntlab.sentiment import score_news

    items = _items(req, ctx)
    if not items:
        raise DataError(
            f"no news in {req.source!r} about {req.symbols or 'any symbol'} in {req.start} .. {req.end}"
        )
    return score_news(items, _vader(True))


def news_summary(req: NewsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Per symbol: items, mean score, share positive (> 0.05) and negative (< -0.05), first and last."""
    frame = _scored(req, ctx)
    long = frame.explode("symbols").dropna(subset=["symbols"])
    if req.symbols:
        long = long[long["symbols"].isin({s.upper() for s in req.symbols})]
    rows = [
        {
            "symbol": sym,
            "count": len(g),
            "mean_score": g["score"].mean(),
            "positive_share": (g["score"] > 0.05).mean(),
            "negative_share": (g["score"] < -0.05).mean(),
            "first": g["published"].min(),
            "last": g["published"].max(),
        }
        for sym, g in long.groupby("symbols", sort=True)
    ]
    return jsonable({"source": req.source, "items": len(frame), "symbols": rows})


class SentimentRequest(DataRef):
    """Causal decayed sentiment on the bars of ``data`` from the news of ``source``.

    ``half_life`` and ``window`` are durations (``"12h"``, ``"14D"``); a bar gets a value
    when at least ``min_count`` items fell in its window.
    """

    source: str = Field("example", min_length=1, max_length=500)
    half_life: str = Field("12h", min_length=1, max_length=20)
    window: str = Field("14D", min_length=1, max_length=20)
    min_count: int = Field(1, ge=1, le=10_000)


def _series(req: SentimentRequest, ctx: Context | None) -> tuple[Any, Any]:
    from ntlab.sentiment import sentiment_series

    data = load_data(req, ctx)
    news = NewsRequest(source=req.source, symbols=list(data.symbols), end=req.end)
    s = sentiment_series(
        _scored(news, ctx),
        data,
        half_life=req.half_life,
        window=req.window,
        min_count=req.min_count,
    )
    return data, s


def symbol_sentiment(req: SentimentRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Per symbol: the sentiment value and item count at the last bar, and the last bar with one."""
    data, s = _series(req, ctx)
    rows = []
    for sym in data.symbols:
        value, seen = s.value[sym], s.value[sym].dropna()
        rows.append(
            {
                "symbol": sym,
                "value": value.iloc[-1],
                "count": int(s.count[sym].iloc[-1]),
                "last_value": seen.iloc[-1] if len(seen) else None,
                "last_value_bar": seen.index[-1] if len(seen) else None,
            }
        )
    params = {"half_life": req.half_life, "window": req.window, "min_count": req.min_count}
    return jsonable({"bar": data.index[-1], "params": params, "symbols": rows})


class TimelineRequest(SentimentRequest):
    """The last ``last`` bars that carry a value, per symbol."""

    last: int = Field(30, ge=1, le=10_000)


def sentiment_timeline(req: TimelineRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Sentiment per bar (bars with a value only) for each symbol."""
    _, s = _series(req, ctx)
    out = {}
    for sym in s.value.columns:
        v = s.value[sym].dropna()
        out[sym] = {
            "bars_with_value": len(v),
            "mean": v.mean() if len(v) else None,
            "series": v.iloc[-req.last :],
        }
    return jsonable({"bars": len(s.value), "symbols": out})


class SentimentICRequest(SentimentRequest):
    """Forward returns over ``horizon`` bars (close at t to close at t + horizon)."""

    horizon: int = Field(5, ge=1, le=250)


def sentiment_ic(req: SentimentICRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Does sentiment known at bar t predict the return from t's close to t+horizon's close?

    The rank (Spearman) correlation over every symbol and bar with both, and its
    t-statistic. Positive: good news came before rises. With ``horizon`` > 1 the
    observations overlap and t overstates the evidence.
    """
    from scipy import stats

    data, s = _series(req, ctx)
    close = data.close
    fwd = close.shift(-req.horizon) / close - 1.0
    x, y = s.value[close.columns].to_numpy().ravel(), fwd.to_numpy().ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    n = int(ok.sum())
    if n < 10:
        raise DataError(f"only {n} bars carry both a sentiment value and a forward return; need 10")
    rho = float(stats.spearmanr(x[ok], y[ok]).statistic)
    t = rho * np.sqrt((n - 2) / max(1e-300, 1.0 - rho**2))
    return jsonable(
        {
            "symbols": list(close.columns),
            "horizon_bars": req.horizon,
            "observations": n,
            "spearman_ic": rho,
            "t_stat": t,
            "significant_5pct": bool(abs(t) > 1.96),
            "overlapping": req.horizon > 1,
        }
    )
