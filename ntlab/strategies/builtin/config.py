"""Bases of the built-in strategies' configs: protective levels and a validation helper,
and the groups of settings several strategies share (momentum features, a walk-forward
model, news sentiment)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ntlab.errors import ConfigError
from ntlab.strategies.base import StrategyConfig

__all__ = ["BuiltinConfig", "MomentumFeaturesConfig", "WalkForwardConfig", "SentimentConfig"]


@dataclass(frozen=True, kw_only=True)
class BuiltinConfig(StrategyConfig):
    """Protective levels every built-in strategy sets at entry.

    Subclasses call ``need`` in ``validate``; its errors name the strategy by
    :attr:`owner` (derived from the class name: ``MeanReversionConfig`` ->
    ``mean_reversion``).

    Attributes
    ----------
    stop_loss_pct : float
        Stop-loss distance from the entry close, a fraction in (0, 1).
    take_profit_pct : float
        Take-profit distance from the entry close, a fraction in (0, 1).
    """

    stop_loss_pct: float = 0.05
    take_profit_pct: float = 0.10

    @property
    def owner(self) -> str:
        """The strategy's name, from the config class's name (one definition)."""
        base = type(self).__name__.removesuffix("Config")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()

    def need(self, ok: bool, message: str) -> None:
        """Raise :class:`ConfigError` naming the strategy when ``ok`` is false."""
        if not ok:
            raise ConfigError(f"{self.owner}: {message}")

    def validate(self) -> None:
        for name in ("stop_loss_pct", "take_profit_pct"):
            self.need(0 < getattr(self, name) < 1, f"{name} must lie in (0, 1)")


@dataclass(frozen=True, kw_only=True)
class MomentumFeaturesConfig(BuiltinConfig):
    """Momentum z-score, RSI and MACD settings (momentum and enhanced momentum).

    Attributes
    ----------
    lookback : int
        Bars of the momentum ``close / close[-lookback] - 1``.
    z_window : int
        Bars over which momentum is standardised into ``z`` (ddof=1).
    entry_z : float
        Enter when ``|z|`` exceeds it (> 0).
    exit_z : float
        Exit a long when ``z`` falls below it (shorts mirrored); below ``entry_z``.
    rsi_window : int
        Wilder RSI window.
    macd_fast, macd_slow, macd_signal : int
        MACD EMA windows (fast < slow) and its signal EMA.
    """

    lookback: int = 20
    z_window: int = 60
    entry_z: float = 1.0
    exit_z: float = 0.0
    rsi_window: int = 14
    macd_fast: int = 12
    macd_slow: int = 26
    macd_signal: int = 9

    def validate(self) -> None:
        super().validate()
        self.need(
            self.lookback >= 1 and self.z_window >= 2, "lookback must be >= 1 and z_window >= 2"
        )
        self.need(
            self.entry_z > 0 and self.exit_z < self.entry_z, "need entry_z > 0 and exit_z < entry_z"
        )
        self.need(
            self.rsi_window >= 2 and 1 <= self.macd_fast < self.macd_slow and self.macd_signal >= 1,
            "need rsi_window >= 2, 1 <= macd_fast < macd_slow, macd_signal >= 1",
        )


@dataclass(frozen=True, kw_only=True)
class WalkForwardConfig(BuiltinConfig):
    """Schedule of a walk-forward logistic model (:mod:`ntlab.strategies.builtin.walkforward`).

    Attributes
    ----------
    horizon : int
        Bars ahead the model predicts (the label is the close's rise over them).
    refit_every : int
        Bars between refits.
    train_bars : int
        Bars of history each refit trains on (only rows whose label was known).
    first_fit : int
        Bar of the first fit; no model (no trade from it) before.
    C : float
        Inverse L2 regularisation of the logistic regression (> 0).
    """

    horizon: int = 5
    refit_every: int = 63
    train_bars: int = 504
    first_fit: int = 252
    C: float = 1.0

    def validate(self) -> None:
        super().validate()
        self.need(
            self.horizon >= 1 and self.refit_every >= 1 and self.train_bars > self.horizon,
            "need horizon >= 1, refit_every >= 1, train_bars > horizon",
        )
        self.need(self.first_fit >= 1 and self.C > 0, "need first_fit >= 1 and C > 0")


@dataclass(frozen=True, kw_only=True)
class SentimentConfig(BuiltinConfig):
    """News sentiment settings (:mod:`ntlab.sentiment`).

    Attributes
    ----------
    news_path : str
        JSONL/CSV news file, ``"example"`` for the bundled illustrative news, or empty (then pass ``news=``).
    sentiment_window : str
        Look-back of the decayed sentiment series (a pandas offset, e.g. ``"14D"``).
    sentiment_half_life : str
        Half-life of an item's weight (a pandas offset).
    sentiment_min_count : int
        Items needed inside the window for a value (else NaN).
    """

    news_path: str = ""
    sentiment_window: str = "14D"
    sentiment_half_life: str = "3D"
    sentiment_min_count: int = 1

    def validate(self) -> None:
        super().validate()
        self.need(self.sentiment_min_count >= 1, "sentiment_min_count must be >= 1")
