"""Neural sentiment: trade when a neural return forecast and the news sentiment agree.

Rule
----
The forecaster (see :mod:`ntlab.strategies.builtin.neural`; walk-forward, log closes) predicts
the ``h``-bar log return: median ``mu`` and a ``level`` % interval. The news sentiment
``s`` is the causal decayed series of :mod:`ntlab.sentiment` (``news_path`` or
``news=``; ``sentiment_window``, ``sentiment_half_life``, ``sentiment_min_count``),
NaN where there is no news.

Confidence = ``(min(1, |mu| / half-width) + min(1, |s|)) / 2``. Enter long when the two
agree, ``mu > 0`` and ``s > min_sentiment``, and confidence >= ``min_confidence``;
short mirrored (``allow_short``). (A first version also asked ``mu`` to clear the
round-trip cost; with the tiny default NHITS it traded once in 13 years on the stocks
sample, so the rule is the plain agreement the spec asks for.) Exit when the forecast or the sentiment no longer
points the position's way (no news counts as not pointing). Stop-loss/take-profit from
the entry close. Without news it never trades.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
The bundled news is *illustrative* and covers few stock-days, so few trades happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.builtin.config import SentimentConfig
from ntlab.strategies.builtin.neural import (
    NeuralConfig,
    NeuralStrategy,
    PriceForecastStream,
    interval_confidence,
)
from ntlab.strategies.examples import Example
from ntlab.strategies.inputs import SideInputs, sentiment_source
from ntlab.strategies.registry import register

__all__ = ["NeuralSentimentConfig", "NeuralSentiment"]


@dataclass(frozen=True, kw_only=True)
class NeuralSentimentConfig(NeuralConfig, SentimentConfig):
    """Parameters of :class:`NeuralSentiment` (forecaster and sentiment settings inherited).

    Attributes
    ----------
    min_sentiment : float
        Sentiment magnitude that counts as pointing a way.
    min_confidence : float
        Combined confidence needed to enter.
    """

    min_sentiment: float = 0.05
    min_confidence: float = 0.3

    def validate(self) -> None:
        super().validate()
        self.need(0 <= self.min_sentiment < 1, "need 0 <= min_sentiment < 1")
        self.need(0 <= self.min_confidence <= 1, "need 0 <= min_confidence <= 1")


def sentiment_decide(
    q: np.ndarray, s: np.ndarray, cfg: NeuralSentimentConfig, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row targets and confidence from (m, 3) change quantiles and (m,) sentiment."""
    mu = q[:, 1]
    conf = (interval_confidence(q) + np.minimum(1.0, np.abs(np.nan_to_num(s)))) / 2
    with np.errstate(invalid="ignore"):
        strong = conf >= cfg.min_confidence
        enter_long = (mu > 0) & (s > cfg.min_sentiment) & strong
        enter_short = (mu < 0) & (s < -cfg.min_sentiment) & strong & cfg.allow_short
        exit_long = ~(mu > 0) | ~(s > 0)
        exit_short = ~(mu < 0) | ~(s < 0)
    target = hold_state_nb(
        enter_long[None], exit_long[None], enter_short[None], exit_short[None], init
    )[0]
    return target, np.where(target != 0, conf, 0.0)


class NeuralSentimentStream(PriceForecastStream):
    strategy: NeuralSentiment

    def _setup_rule(self, history: MarketData) -> None:
        self._news = sentiment_source(self.strategy)
        if self.bar_times is not None:
            self._news.prefetch(self.bar_times, list(self.symbols))

    def _decide(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray], q: np.ndarray):
        cfg = self.strategy.config
        s = self._news.values(pd.DatetimeIndex([timestamp]), list(self.symbols))[0]
        before = self._target
        target, conf = sentiment_decide(q, s, cfg, before)

        def explain(r: int, c: int, t: float, before_c: float) -> str:
            mu = q[c, 1]
            if t == 0:
                news = f"news sentiment {s[c]:+.2f}" if np.isfinite(s[c]) else "no recent news"
                return f"forecast {mu:+.2%} and {news} no longer agree: close"
            return f"{cfg.model} forecast {mu:+.2%} over {cfg.h} bars agrees with news sentiment {s[c]:+.2f}: {'long' if t > 0 else 'short'}"

        return target, conf, explain


@register
class NeuralSentiment(SideInputs, NeuralStrategy):
    """Neural sentiment (see the module docstring); ``news=`` takes items or a scored frame."""

    name = "neural_sentiment"
    Config = NeuralSentimentConfig
    Stream = NeuralSentimentStream
    side_inputs = ("news",)
    time_inputs = {"news": "published"}
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            symbols=("AAPL", "IBM", "MSFT"),
            start="2003-01-01",
            end="2005-06-30",
            params={
                "model": "mlp",
                "news_path": "example",
                "train_bars": 150,
                "first_fit": 150,
                "refit_every": 150,
                "allow_short": True,
                "min_confidence": 0.1,
            },
            note="illustrative (random, not real) news; tiny MLP settings for the fast tests",
        ),
        Example(
            "stocks",
            symbols=("AAPL", "IBM", "MSFT"),
            start="2003-01-01",
            end="2004-06-30",
            params={
                "model": "lstm",
                "news_path": "example",
                "train_bars": 150,
                "first_fit": 150,
                "refit_every": 200,
                "max_steps": 20,
                "hidden_size": 16,
                "allow_short": True,
                "min_confidence": 0.1,
            },
            slow=True,
            trades=False,
            note="LSTM, tiny",
        ),
    )
