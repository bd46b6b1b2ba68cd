"""The causal per-symbol sentiment series that strategies consume.

For each bar time ``t`` and symbol ``s``, only news about ``s`` published **strictly
before** ``t`` and no older than ``window`` counts (``t - window <= published < t``).
Each item weighs ``2 ** (-age / half_life)`` (times its confidence when
``confidence_weighted``), and the bar's value is the weighted mean score,

    value(t, s) = sum(w_i * score_i) / (sum(w_i) + shrinkage)

which lies in [-1, 1]. With ``shrinkage = 0`` this is a plain decay-weighted mean (it
does not fade with staleness: only the relative ages matter); ``shrinkage = k > 0``
adds a neutral prior worth ``k`` fresh items, so few or stale items are pulled towards
0. Bars with fewer than ``min_count`` items in the window get ``fill`` (NaN by
default: "no opinion", which a strategy should treat as flat, not as neutral news).

A news item published at exactly a bar's timestamp does not count for that bar. With
daily bars stamped at the start of the trading day (as the bundled samples and Alpaca
stamp them) a bar therefore sees only news from before that day began: conservative,
never look-ahead. Shift the index yourself to use a later cut-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.data.validate import validate_index
from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.sentiment._nb import decayed_sentiment_nb
from ntlab.sentiment.items import NewsItem, split_symbols
from ntlab.sentiment.scorers import Scorer, score_news

__all__ = ["SentimentSeries", "sentiment_series"]


@dataclass(frozen=True)
class SentimentSeries:
    """Result of :func:`sentiment_series`.

    Attributes
    ----------
    value : DataFrame of shape (n_bars, n_symbols)
        Sentiment in [-1, 1]; ``fill`` (NaN by default) where fewer than ``min_count``
        items were in the window.
    count : DataFrame of shape (n_bars, n_symbols)
        Items in each bar's window (int64).
    params : dict
        The parameters used.
    """

    value: pd.DataFrame
    count: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        n_bars, n_sym = self.value.shape
        covered = float(self.value.notna().to_numpy().mean()) if self.value.size else 0.0
        return f"SentimentSeries({n_bars} bars x {n_sym} symbols, {covered:.1%} with a value, {self.params})"


def _timedelta(value: Any, name: str) -> pd.Timedelta | None:
    if value is None:
        return None
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"{name} must be a duration such as '12h' or '2D', got {value!r}"
        ) from exc
    if delta is pd.NaT or delta <= pd.Timedelta(0):
        raise ConfigError(f"{name} must be positive, got {value!r}")
    return delta


def _bar_index(index: MarketData | pd.Index) -> pd.DatetimeIndex:
    if isinstance(index, MarketData):
        return index.index
    return validate_index(pd.Index(index), where="sentiment_series index")


def _published_ns(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert("UTC").to_numpy(dtype="datetime64[ns]").astype(np.int64)
    if pd.api.types.is_datetime64_dtype(column.dtype):
        raise DataError(
            "news 'published' times are naive (no time zone); localize them, e.g. .dt.tz_localize('UTC')"
        )
    values = list(column)
    naive = [k for k, v in enumerate(values) if pd.Timestamp(v).tzinfo is None]
    if naive:
        raise DataError(
            f"news row {naive[0]}: 'published' {values[naive[0]]!r} is naive (no time zone)"
        )
    return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns").asi8


def _symbol_list(cell: Any) -> Sequence[str]:
    if isinstance(cell, str):
        return split_symbols(cell)
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return ()
    return cell


def _news_table(news: pd.DataFrame, confidence_weighted: bool) -> dict[str, Any]:
    need = ["published", "symbols", "score"] + (["confidence"] if confidence_weighted else [])
    missing = [c for c in need if c not in news.columns]
    if missing:
        raise DataError(
            f"news frame lacks column(s) {missing}; score items with ntlab.sentiment.score_news first"
        )
    score = pd.to_numeric(news["score"], errors="coerce").to_numpy(dtype=np.float64)
    weight = (
        pd.to_numeric(news["confidence"], errors="coerce").to_numpy(dtype=np.float64)
        if confidence_weighted
        else np.ones(len(news))
    )
    for name, arr, lo in (("score", score, -1.0), ("confidence", weight, 0.0)):
        bad = np.flatnonzero(~((arr >= lo) & (arr <= 1.0)))
        if len(bad):
            k = int(bad[0])
            ident = f" (id {news['id'].iloc[k]!r})" if "id" in news.columns else ""
            raise ValidationError(
                f"news row {k}{ident}: {name} {float(arr[k])!r} is not in [{lo:g}, 1]"
            )
    lists = [_symbol_list(cell) for cell in news["symbols"]]
    rows = np.repeat(
        np.arange(len(lists)), np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    )
    ns = _published_ns(news["published"])
    # one row per (item, symbol)
    return {
        "ns": ns[rows],
        "symbols": [str(sym) for sym in chain.from_iterable(lists)],
        "score": score[rows],
        "weight": weight[rows],
    }


def sentiment_series(
    news: pd.DataFrame | Sequence[NewsItem],
    index: MarketData | pd.Index,
    *,
    symbols: Sequence[str] | None = None,
    half_life: str | pd.Timedelta | None = "12h",
    window: str | pd.Timedelta | None = "48h",
    min_count: int = 5,
    confidence_weighted: bool = False,
    shrinkage: float = 0.0,
    fill: float = np.nan,
    scorer: Scorer | None = None,
) -> SentimentSeries:
    """Causal, exponentially time-decayed sentiment per bar and symbol.

    Parameters
    ----------
    news : DataFrame or sequence of NewsItem
        Scored news (the frame of :func:`~ntlab.sentiment.score_news`: ``published``,
        ``symbols``, ``score`` and, for ``confidence_weighted``, ``confidence``), or
        items, which are then scored with ``scorer`` (default VADER with the finance
        overlay). Items without symbols are ignored: tag them first.
    index : MarketData or DatetimeIndex
        The bars: tz-aware, strictly increasing times.
    symbols : sequence of str, optional
        Columns of the result; default the MarketData's symbols, else every symbol in
        the news, sorted. News about other symbols is ignored.
    half_life : duration or None
        Age at which an item's weight halves; ``None`` for no decay (a plain mean).
    window : duration or None
        Look-back: items older than this at the bar are dropped; ``None`` for no limit.
        The seed's neural-sentiment strategy used 48 hours.
    min_count : int
        Fewest items in the window for a value (the seed used 5).
    confidence_weighted : bool
        Multiply each item's weight by its confidence.
    shrinkage : float
        Weight of a neutral prior, in fresh items (>= 0).
    fill : float
        Value where fewer than ``min_count`` items were in the window (NaN or 0.0).
    scorer : Scorer, optional
        Used only when ``news`` holds items.

    Returns
    -------
    SentimentSeries
        ``value`` and ``count`` DataFrames of shape (n_bars, n_symbols).
    """
    if not isinstance(min_count, (int, np.integer)) or isinstance(min_count, bool) or min_count < 1:
        raise ConfigError(f"min_count must be an integer >= 1, got {min_count!r}")
    if not (np.isfinite(shrinkage) and shrinkage >= 0):
        raise ConfigError(f"shrinkage must be a finite number >= 0, got {shrinkage!r}")
    if not (np.isnan(fill) or -1.0 <= fill <= 1.0):
        raise ConfigError(f"fill must be NaN or in [-1, 1], got {fill!r}")
    hl = _timedelta(half_life, "half_life")
    win = _timedelta(window, "window")
    bars = _bar_index(index)
    if not isinstance(news, pd.DataFrame):
        news = score_news(list(news), scorer)
    table = _news_table(news, confidence_weighted)
    if symbols is None:
        symbols = index.symbols if isinstance(index, MarketData) else sorted(set(table["symbols"]))
    columns = pd.Index([str(s) for s in symbols], name="symbol")
    if columns.has_duplicates:
        raise ConfigError(f"symbols has duplicates: {sorted(columns[columns.duplicated()])}")
    codes = columns.get_indexer(pd.Index(table["symbols"], dtype=object))
    keep = np.flatnonzero(codes >= 0)  # news about other symbols is ignored
    ns = table["ns"][keep]
    order = keep[np.lexsort((ns, codes[keep]))]
    codes = codes[order]
    starts = np.searchsorted(codes, np.arange(len(columns) + 1)).astype(np.int64)
    value, count = decayed_sentiment_nb(
        bars.as_unit("ns").asi8,
        table["ns"][order],
        table["score"][order],
        table["weight"][order],
        starts,
        np.inf if hl is None else float(hl.value),
        -1 if win is None else int(win.value),
        float(shrinkage),
    )
    value[count < min_count] = fill
    params = {
        "half_life": None if hl is None else str(hl),
        "window": None if win is None else str(win),
        "min_count": int(min_count),
        "confidence_weighted": confidence_weighted,
        "shrinkage": float(shrinkage),
        "fill": float(fill),
    }
    return SentimentSeries(
        pd.DataFrame(value, index=bars, columns=columns),
        pd.DataFrame(count, index=bars, columns=columns),
        params,
    )
