"""Mean reversion: buy below the lower Bollinger Band when RSI is oversold, sell back inside.

Rule
----
Bollinger Bands over ``window`` bars (SMA +/- ``k`` population standard deviations,
TA-Lib's BBANDS) give %B = (close - lower) / (upper - lower); RSI is Wilder's over
``rsi_window`` bars.

- Enter long when the close is below the lower band (%B < 0) and RSI < ``rsi_oversold``.
- Exit the long when the close is back inside the bands: %B >= ``exit_pb`` (0 = the
  lower band, the default; 0.5 = the middle band).
- Shorts (``allow_short``) mirror it: enter above the upper band (%B > 1) with
  RSI > ``rsi_overbought``; exit when %B <= ``1 - exit_pb``.

Confidence, while a position is held, is the mean of two parts clipped to [0, 1]: how
far %B is outside the band (``2 * excess``; excess = -%B for longs, %B - 1 for shorts)
and how extreme RSI is (``(rsi_oversold - RSI) / rsi_oversold`` for longs, mirrored for
shorts); at least 0.05 while held, 0 when flat. Stop-loss/take-profit are
``stop_loss_pct``/``take_profit_pct`` from the entry close.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin.config import BuiltinConfig
from ntlab.strategies.builtin.features import BandFeatureStream, band_features
from ntlab.strategies.examples import Example
from ntlab.strategies.levels import finish_signals
from ntlab.strategies.live import SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["MeanReversionConfig", "MeanReversion"]


@dataclass(frozen=True, kw_only=True)
class MeanReversionConfig(BuiltinConfig):
    """Parameters of :class:`MeanReversion` (the rule is in the module docstring).

    Attributes
    ----------
    window : int
        Bollinger Band window.
    k : float
        Band width in population standard deviations.
    rsi_window : int
        Wilder RSI window.
    rsi_oversold, rsi_overbought : float
        RSI levels that confirm a long / short entry.
    exit_pb : float
        Exit a long once %B is back at or above it (0 = lower band, 0.5 = middle).
    allow_short : bool
        Trade the mirrored short rule too.
    """

    window: int = 20
    k: float = 2.0
    rsi_window: int = 14
    rsi_oversold: float = 30.0
    rsi_overbought: float = 70.0
    exit_pb: float = 0.0
    allow_short: bool = False

    def validate(self) -> None:
        super().validate()
        self.need(
            self.window >= 2 and self.k > 0 and self.rsi_window >= 2,
            "need window >= 2, k > 0 and rsi_window >= 2",
        )
        self.need(
            0 < self.rsi_oversold < 50 < self.rsi_overbought < 100,
            "need 0 < rsi_oversold < 50 < rsi_overbought < 100",
        )
        self.need(
            0 <= self.exit_pb <= 0.5,
            "exit_pb must lie in [0, 0.5] (0 = back inside the band, 0.5 = middle)",
        )


def _decide(
    f: dict[str, np.ndarray], cfg: MeanReversionConfig, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    pb, r = f["pb"], f["rsi"]
    with np.errstate(invalid="ignore"):
        enter_long = (pb < 0) & (r < cfg.rsi_oversold)
        enter_short = (pb > 1) & (r > cfg.rsi_overbought) & cfg.allow_short
        exit_long = ~(pb < cfg.exit_pb)
        exit_short = ~(pb > 1 - cfg.exit_pb)
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    with np.errstate(invalid="ignore"):
        excess = np.where(target > 0, -pb, pb - 1)
        extreme = np.where(
            target > 0,
            (cfg.rsi_oversold - r) / cfg.rsi_oversold,
            (r - cfg.rsi_overbought) / (100 - cfg.rsi_overbought),
        )
    raw = 0.5 * (np.clip(np.nan_to_num(2 * excess), 0, 1) + np.clip(np.nan_to_num(extreme), 0, 1))
    conf = np.where(target != 0, np.maximum(raw, 0.05), 0.0)
    return target, conf


def _explainer(f: dict[str, np.ndarray]):
    """``explain(row, col, target, before)`` for feature arrays ``f`` of shape (n, m)."""

    def explain(r: int, c: int, target: float, before: float) -> str:
        pb, rsi = f["pb"][r, c], f["rsi"][r, c]
        if target == 0:
            return f"back inside the bands (%B={pb:.2f}): close"
        where, side = ("below the lower", "long") if target > 0 else ("above the upper", "short")
        return (
            f"close {where} Bollinger band (%B={pb:.2f}) with RSI {rsi:.0f}: {side} for a reversion"
        )

    return explain


@register
class MeanReversion(Streaming, Strategy):
    name = "mean_reversion"
    Config = MeanReversionConfig
    examples: ClassVar[tuple[Example, ...]] = (
        Example("stocks", start="2005-01-01", end="2008-12-31", params={"allow_short": True}),
        Example("sp500_1y", params={"allow_short": True}, note="524 symbols, one year"),
    )

    @property
    def warmup(self) -> int:
        return max(self.config.window - 1, self.config.rsi_window)

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        f = band_features(data.close, cfg.window, cfg.k, cfg.rsi_window)
        target, conf = _decide(f, cfg, np.zeros(data.n_symbols))
        return finish_signals(self, data, target, conf, _explainer(f))


class MeanReversionStream(SignalStream):
    """Live mean reversion: Bollinger and RSI streams plus the position state."""

    strategy: MeanReversion

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._features = BandFeatureStream(cfg.window, cfg.k, cfg.rsi_window, self.n_symbols)
        self._target = np.zeros(self.n_symbols)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        f = {k: v[None, :] for k, v in self._features.update(bar["close"]).items()}
        target, conf = _decide(f, self.strategy.config, self._target)
        return self._emit(timestamp, target[0], conf[0], bar["close"], _explainer(f))


MeanReversion.Stream = MeanReversionStream
