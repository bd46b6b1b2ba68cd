"""User tables that some strategies take besides the bars: filings and news.

A config holds plain values only, so a table is named by a path in the config
(``filings_path``, ``news_path``; ``"example"`` picks the illustrative file shipped in
``data/``) or handed to the constructor as an object (``Mirror(filings=df)``,
``EnhancedMomentum(news=items)``); clones keep the object.

The sentiment a strategy consumes is :func:`ntlab.sentiment.sentiment_series` on the
bars: causal (only news published strictly before a bar counts), decayed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from ntlab._resources import bundled
from ntlab.errors import DataError
from ntlab.strategies.base import StrategyConfig

__all__ = ["SideInputs", "EXAMPLE_NEWS", "SentimentSource", "sentiment_source"]

EXAMPLE_NEWS = bundled("data", "news_example.jsonl")


class SideInputs:
    """Mixin: keyword arguments named in ``side_inputs`` are kept as objects, not config."""

    side_inputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: StrategyConfig | None = None, **params: Any) -> None:
        side = {k: params.pop(k) for k in self.side_inputs if k in params}
        super().__init__(config, **params)  # type: ignore[call-arg]
        self._side = side

    def clone(self) -> Self:
        twin = super().clone()  # type: ignore[misc]
        twin._side = dict(self._side)
        return twin

    def side_input(self, name: str) -> Any:
        return self._side.get(name)


class SentimentSource:
    """Scored news plus the series settings; gives sentiment rows for any bar times.

    Parameters
    ----------
    news : DataFrame, sequence of NewsItem, path or None
        Scored news frame, items, a JSONL/CSV path, ``"example"``, or None (no news:
        every value is NaN, i.e. no opinion).
    window, half_life : str
        Look-back and decay half-life (durations such as ``"14D"``).
    min_count : int
        Fewest items in the window for a value.
    """

    def __init__(self, news: Any, *, window: str, half_life: str, min_count: int) -> None:
        self.params = {"window": window, "half_life": half_life, "min_count": int(min_count)}
        self.scored = self._scored(news)
        self._window = pd.Timedelta(window)
        if self.scored is not None:
            published = pd.to_datetime(self.scored["published"], utc=True)
            order = np.argsort(published.to_numpy(), kind="stable")
            self.scored = self.scored.iloc[order].reset_index(drop=True)
            self._published = pd.DatetimeIndex(published.iloc[order]).as_unit("ns").asi8

    @staticmethod
    def _scored(news: Any) -> pd.DataFrame | None:
        if news is None or (isinstance(news, str) and not news):
            return None
        from ntlab.sentiment import dedupe, read_news, score_news

        if isinstance(news, pd.DataFrame):
            if "score" not in news.columns:
                raise DataError(
                    "news frame has no 'score' column; score it with ntlab.sentiment.score_news"
                )
            return news
        if isinstance(news, (str, Path)):
            path = EXAMPLE_NEWS if str(news) == "example" else Path(news)
            if not path.is_file():
                raise DataError(
                    f"news file {path} not found; the illustrative example ships in the source checkout"
                )
            news = read_news(path)
        return score_news(dedupe(list(news)))

    def prefetch(self, index: pd.DatetimeIndex, symbols: list[str]) -> None:
        """Compute the rows for ``index`` in one call; later ``values`` of one of these
        times (same symbols) read them. Each row still uses only news before its time."""
        self._cache = (
            list(symbols),
            {t: k for k, t in enumerate(index)},
            self.values(index, symbols),
        )

    def values(self, index: pd.DatetimeIndex, symbols: list[str]) -> np.ndarray:
        """Sentiment in [-1, 1] of shape (len(index), len(symbols)); NaN = no opinion."""
        cache = getattr(self, "_cache", None)
        if (
            cache is not None
            and cache[0] == list(symbols)
            and len(index) == 1
            and index[0] in cache[1]
        ):
            return cache[2][[cache[1][index[0]]]]
        if self.scored is None or len(index) == 0:
            return np.full((len(index), len(symbols)), np.nan)
        from ntlab.sentiment import sentiment_series

        # only items that can fall in some bar's window (fast for one live bar)
        lo = np.searchsorted(self._published, (index[0] - self._window).as_unit("ns").value)
        hi = np.searchsorted(self._published, index[-1].as_unit("ns").value)
        if hi <= lo:
            return np.full((len(index), len(symbols)), np.nan)
        news = self.scored.iloc[lo:hi]
        return sentiment_series(news, index, symbols=symbols, **self.params).value.to_numpy(
            dtype=float
        )


def sentiment_source(strategy: Any) -> SentimentSource:
    """The strategy's news (``news=`` object first, else ``news_path``) with the series
    settings of its :class:`~ntlab.strategies.builtin.config.SentimentConfig`."""
    cfg = strategy.config
    news = strategy.side_input("news")
    if news is None and cfg.news_path:
        news = cfg.news_path
    return SentimentSource(
        news,
        window=cfg.sentiment_window,
        half_life=cfg.sentiment_half_life,
        min_count=cfg.sentiment_min_count,
    )
