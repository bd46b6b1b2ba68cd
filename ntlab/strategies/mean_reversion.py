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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy, StrategyConfig
from ntlab.strategies.examples import Example
from ntlab.strategies.features import BandFeatureStream, band_features
from ntlab.strategies.levels import changed_reasons, protective_levels
from ntlab.strategies.live import EntryLevels, SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["MeanReversionConfig", "MeanReversion"]


@dataclass(frozen=True, kw_only=True)
class MeanReversionConfig(StrategyConfig):
    window: int = 20
    k: float = 2.0
    rsi_window: int = 14
    rsi_oversold: float = 30.0
    rsi_overbought: float = 70.0
    exit_pb: float = 0.0
    allow_short: bool = False
    stop_loss_pct: float = 0.05
    take_profit_pct: float = 0.10

    def validate(self) -> None:
        if self.window < 2 or self.k <= 0 or self.rsi_window < 2:
            raise ConfigError("mean_reversion: need window >= 2, k > 0 and rsi_window >= 2")
        if not 0 < self.rsi_oversold < 50 < self.rsi_overbought < 100:
            raise ConfigError("mean_reversion: need 0 < rsi_oversold < 50 < rsi_overbought < 100")
        if not 0 <= self.exit_pb <= 0.5:
            raise ConfigError("mean_reversion: exit_pb must lie in [0, 0.5] (0 = back inside the band, 0.5 = middle)")
        for name in ("stop_loss_pct", "take_profit_pct"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"mean_reversion: {name} must lie in (0, 1)")


def _decide(f: dict[str, np.ndarray], cfg: MeanReversionConfig, init: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pb, r = f["pb"], f["rsi"]
    with np.errstate(invalid="ignore"):
        enter_long = (pb < 0) & (r < cfg.rsi_oversold)
        enter_short = (pb > 1) & (r > cfg.rsi_overbought) & cfg.allow_short
        exit_long = ~(pb < cfg.exit_pb)
        exit_short = ~(pb > 1 - cfg.exit_pb)
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    with np.errstate(invalid="ignore"):
        excess = np.where(target > 0, -pb, pb - 1)
        extreme = np.where(target > 0, (cfg.rsi_oversold - r) / cfg.rsi_oversold, (r - cfg.rsi_overbought) / (100 - cfg.rsi_overbought))
    raw = 0.5 * (np.clip(np.nan_to_num(2 * excess), 0, 1) + np.clip(np.nan_to_num(extreme), 0, 1))
    conf = np.where(target != 0, np.maximum(raw, 0.05), 0.0)
    return target, conf


def _explain(cfg: MeanReversionConfig, pb: float, r: float, target: float) -> str:
    if target == 0:
        return f"back inside the bands (%B={pb:.2f}): close"
    where = "below the lower" if target > 0 else "above the upper"
    return f"close {where} Bollinger band (%B={pb:.2f}) with RSI {r:.0f}: {'long' if target > 0 else 'short'} for a reversion"


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
        m = data.n_symbols
        target, conf = _decide(f, cfg, np.zeros(m))
        prev = np.vstack([np.zeros((1, m)), target[:-1]])
        reasons = changed_reasons(target, prev, lambda r, c, t: _explain(cfg, f["pb"][r, c], f["rsi"][r, c], t))
        target_df = pd.DataFrame(target, index=data.index, columns=data.symbols)
        stop, take = protective_levels(target_df, data.close, cfg.stop_loss_pct, cfg.take_profit_pct)
        return Signals(
            self.name,
            target_df,
            pd.DataFrame(conf, index=data.index, columns=data.symbols),
            stop,
            take,
            pd.DataFrame(reasons, index=data.index, columns=data.symbols),
        )


class MeanReversionStream(SignalStream):
    """Live mean reversion: Bollinger and RSI streams plus the position state."""

    strategy: MeanReversion

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._features = BandFeatureStream(cfg.window, cfg.k, cfg.rsi_window, self.n_symbols)
        self._target = np.zeros(self.n_symbols)
        self._levels = EntryLevels(self.n_symbols, cfg.stop_loss_pct, cfg.take_profit_pct)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        f = self._features.update(bar["close"])
        target, conf = _decide({k: v[None, :] for k, v in f.items()}, cfg, self._target)
        target, conf = target[0], conf[0]
        reasons = changed_reasons(target, self._target, lambda r, c, t: _explain(cfg, f["pb"][c], f["rsi"][c], t))
        self._target = target
        stop, take = self._levels.step(target, bar["close"])
        return self._row(timestamp, target, conf, stop_loss=stop, take_profit=take, reasoning=reasons)


MeanReversion.Stream = MeanReversionStream
