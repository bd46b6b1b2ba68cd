"""Enhanced momentum: momentum blended with a walk-forward ML probability and news sentiment.

Rule
----
Per symbol and bar three views, each in [-1, 1]:

- momentum ``mom = clip(z / (2 entry_z), -1, 1)`` with ``z`` the momentum z-score of
  :mod:`ntlab.strategies.builtin.momentum` (``lookback``, ``z_window``);
- the model ``ml = 2 P(up) - 1``: a scikit-learn logistic regression on six features
  (momentum z, RSI, MACD histogram / close, 5- and 20-bar returns, 20-bar volatility)
  predicting whether the close rises over ``horizon`` bars. It is trained walk-forward
  inside ``signals``: first at bar ``first_fit``, then every ``refit_every`` bars, on the
  last ``train_bars`` bars whose outcome was known before that bar, pooled over symbols
  (:mod:`ntlab.strategies.builtin.walkforward`);
- sentiment ``sent``: the causal decayed news sentiment (``news_path``/``news=``;
  ``sentiment_window``, ``sentiment_half_life``, ``sentiment_min_count``); 0 without news.

The blend ``b = (w_momentum mom + w_ml ml + w_sentiment sent) / (w_momentum + w_ml +
w_sentiment)``. Enter long when ``z > entry_z``, the model is fitted with
``P(up) > 0.5`` and ``b > entry_blend``; exit when ``z < exit_z`` or ``b < exit_blend``.
Shorts (``allow_short``) mirror it. Confidence is ``min(1, |b|)``, multiplied by
``1 - opposition_penalty * |sent|`` when the sentiment opposes the position (the seed's
idea: news against the trade lowers confidence). Stop-loss/take-profit from the entry
close.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
With the bundled *random illustrative* news the sentiment part measures noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin.config import (
    MomentumFeaturesConfig,
    SentimentConfig,
    WalkForwardConfig,
)
from ntlab.strategies.builtin.features import (
    ML_FEATURES,
    MLFeatureStream,
    MomentumParams,
    ml_features,
)
from ntlab.strategies.builtin.walkforward import WalkForwardClassifier
from ntlab.strategies.examples import Example
from ntlab.strategies.inputs import SideInputs, sentiment_source
from ntlab.strategies.levels import finish_signals
from ntlab.strategies.live import SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["EnhancedMomentumConfig", "EnhancedMomentum"]


@dataclass(frozen=True, kw_only=True)
class EnhancedMomentumConfig(MomentumFeaturesConfig, WalkForwardConfig, SentimentConfig):
    """Parameters of :class:`EnhancedMomentum` (momentum, model and sentiment settings are inherited).

    Attributes
    ----------
    w_momentum, w_ml, w_sentiment : float
        Weights of the three views in the blend.
    entry_blend, exit_blend : float
        Blend needed to enter, and below which to exit.
    opposition_penalty : float
        Confidence is multiplied by ``1 - opposition_penalty * |sent|`` when news opposes.
    allow_short : bool
        Trade the mirrored short rule too.
    """

    w_momentum: float = 0.5
    w_ml: float = 0.3
    w_sentiment: float = 0.2
    entry_blend: float = 0.25
    exit_blend: float = 0.0
    opposition_penalty: float = 0.5
    allow_short: bool = False

    def validate(self) -> None:
        super().validate()
        weights = (self.w_momentum, self.w_ml, self.w_sentiment)
        self.need(
            min(weights) >= 0 and sum(weights) > 0, "weights must be >= 0 with a positive sum"
        )
        self.need(
            -1 <= self.exit_blend < self.entry_blend <= 1,
            "need -1 <= exit_blend < entry_blend <= 1",
        )
        self.need(0 <= self.opposition_penalty <= 1, "opposition_penalty must lie in [0, 1]")


def _decide(
    z: np.ndarray, p: np.ndarray, sent: np.ndarray, cfg: EnhancedMomentumConfig, init: np.ndarray
):
    """Targets, confidence and blend (n, m) from z, P(up) and sentiment (n, m)."""
    s = np.nan_to_num(sent)
    mom = np.clip(np.nan_to_num(z) / (2 * cfg.entry_z), -1, 1)
    ml = np.nan_to_num(2 * p - 1)
    b = (cfg.w_momentum * mom + cfg.w_ml * ml + cfg.w_sentiment * s) / (
        cfg.w_momentum + cfg.w_ml + cfg.w_sentiment
    )
    with np.errstate(invalid="ignore"):
        fitted = np.isfinite(p) & np.isfinite(z)
        enter_long = fitted & (z > cfg.entry_z) & (p > 0.5) & (b > cfg.entry_blend)
        enter_short = (
            fitted & (z < -cfg.entry_z) & (p < 0.5) & (b < -cfg.entry_blend) & cfg.allow_short
        )
        exit_long = ~(z >= cfg.exit_z) | (b < cfg.exit_blend)
        exit_short = ~(z <= -cfg.exit_z) | (b > -cfg.exit_blend)
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    conf = np.minimum(1.0, np.abs(b)) * np.where(
        s * target < 0, 1 - cfg.opposition_penalty * np.abs(s), 1.0
    )
    return target, np.where(target != 0, conf, 0.0), b


def _explainer(
    cfg: EnhancedMomentumConfig, z: np.ndarray, p: np.ndarray, sent: np.ndarray, b: np.ndarray
):
    """``explain(row, col, target, before)`` for arrays of shape (n, m)."""

    def explain(r: int, c: int, target: float, before: float) -> str:
        if target == 0:
            return f"momentum z={z[r, c]:+.2f}, blend {b[r, c]:+.2f}: close"
        side = "long" if target > 0 else "short"
        text = (
            f"{side}: momentum z={z[r, c]:+.2f}, model P(up over {cfg.horizon} bars)={p[r, c]:.2f}"
        )
        s = sent[r, c]
        if np.isfinite(s):
            text += f", news sentiment {s:+.2f}" + (
                " (opposes: confidence lowered)" if s * target < 0 else ""
            )
        return text + f", blend {b[r, c]:+.2f}"

    return explain


@register
class EnhancedMomentum(SideInputs, Streaming, Strategy):
    """Enhanced momentum (see the module docstring); ``news=`` takes items or a scored frame."""

    name = "enhanced_momentum"
    Config = EnhancedMomentumConfig
    side_inputs = ("news",)
    time_inputs = {"news": "published"}
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            start="2004-01-01",
            end="2006-12-31",
            params={
                "news_path": "example",
                "allow_short": True,
                "first_fit": 200,
                "refit_every": 200,
            },
            note="illustrative (random, not real) news for the stocks sample",
        ),
    )

    @property
    def warmup(self) -> int:
        return max(MomentumParams.of(self.config).warmup, self.config.first_fit)

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        m = data.n_symbols
        f, X = ml_features(data.close, MomentumParams.of(cfg))
        close = data.close.to_numpy(dtype=float)
        model = WalkForwardClassifier(cfg, m, len(ML_FEATURES))
        p = (
            np.vstack([model.step(X[i], close[i]) for i in range(data.n_bars)])
            if data.n_bars
            else np.empty((0, m))
        )
        sent = sentiment_source(self).values(data.index, data.symbols)
        target, conf, b = _decide(f["z"], p, sent, cfg, np.zeros(m))
        return finish_signals(self, data, target, conf, _explainer(cfg, f["z"], p, sent, b))


class EnhancedMomentumStream(SignalStream):
    """Live enhanced momentum: feature streams, the walk-forward model (refit on schedule
    from its ring of past features), and the sentiment of the new bar."""

    strategy: EnhancedMomentum

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._features = MLFeatureStream(MomentumParams.of(cfg), self.n_symbols)
        self._model = WalkForwardClassifier(cfg, self.n_symbols, len(ML_FEATURES))
        self._sentiment = sentiment_source(self.strategy)
        self._target = np.zeros(self.n_symbols)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        close = bar["close"]
        f, X = self._features.update(close)
        p = self._model.step(X, close)[None]
        sent = self._sentiment.values(pd.DatetimeIndex([timestamp]), list(self.symbols))
        z = f["z"][None]
        target, conf, b = _decide(z, p, sent, cfg, self._target)
        return self._emit(timestamp, target[0], conf[0], close, _explainer(cfg, z, p, sent, b))


EnhancedMomentum.Stream = EnhancedMomentumStream
