"""Momentum: trade the z-score of n-bar momentum, confirmed by RSI and MACD.

Rule
----
``mom = close / close[-lookback] - 1``; ``z`` is ``mom`` standardised over the last
``z_window`` bars (ddof=1). RSI (Wilder, ``rsi_window``) and the MACD histogram
(``macd_fast``/``macd_slow``/``macd_signal``) confirm:

- enter long when ``z > entry_z``, ``50 < RSI < rsi_cap`` (``confirm_rsi``) and the MACD
  histogram is positive (``confirm_macd``);
- exit the long when momentum fades (``z < exit_z``) or RSI leaves its band
  ``[rsi_floor, rsi_cap]`` (``confirm_rsi``);
- shorts (``allow_short``) mirror this: ``z < -entry_z``, ``100 - rsi_cap < RSI < 50``,
  histogram negative; exit when ``z > -exit_z`` or RSI leaves
  ``[100 - rsi_cap, 100 - rsi_floor]``.

Confidence is the mean of three parts, each in [0, 1]: ``|z| / (2 entry_z)``,
``|RSI - 50| / (rsi_cap - 50)`` and 1 when the MACD histogram agrees with the position
(0 otherwise); it is 0 when flat. Stop-loss and take-profit are set
``stop_loss_pct`` / ``take_profit_pct`` from the entry close. With
``confirm_rsi=False, confirm_macd=False`` it is the plain z-score rule.
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
from ntlab.strategies.features import MomentumFeatureStream, MomentumParams, momentum_features
from ntlab.strategies.levels import changed_reasons, protective_levels
from ntlab.strategies.live import EntryLevels, SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["MomentumConfig", "Momentum", "momentum_decide"]


@dataclass(frozen=True, kw_only=True)
class MomentumConfig(StrategyConfig):
    lookback: int = 20
    z_window: int = 60
    entry_z: float = 1.0
    exit_z: float = 0.0
    confirm_rsi: bool = True
    rsi_window: int = 14
    rsi_floor: float = 45.0
    rsi_cap: float = 80.0
    confirm_macd: bool = True
    macd_fast: int = 12
    macd_slow: int = 26
    macd_signal: int = 9
    allow_short: bool = False
    stop_loss_pct: float = 0.05
    take_profit_pct: float = 0.10

    def validate(self) -> None:
        if self.lookback < 1 or self.z_window < 2:
            raise ConfigError("momentum: lookback must be >= 1 and z_window >= 2")
        if self.entry_z <= 0 or self.exit_z >= self.entry_z:
            raise ConfigError("momentum: need entry_z > 0 and exit_z < entry_z")
        if not 0 <= self.rsi_floor < 50 < self.rsi_cap <= 100:
            raise ConfigError("momentum: need 0 <= rsi_floor < 50 < rsi_cap <= 100")
        if self.rsi_window < 2 or not 1 <= self.macd_fast < self.macd_slow or self.macd_signal < 1:
            raise ConfigError("momentum: need rsi_window >= 2, 1 <= macd_fast < macd_slow, macd_signal >= 1")
        for name in ("stop_loss_pct", "take_profit_pct"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"momentum: {name} must lie in (0, 1)")


def momentum_decide(f: dict[str, np.ndarray], cfg: MomentumConfig, init: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Targets and confidence from :func:`momentum_features` arrays (n, m); ``init`` is
    the state before the first row. Shared by the batch and the live stream."""
    z, r, h = f["z"], f["rsi"], f["hist"]
    lo, hi = cfg.rsi_floor, cfg.rsi_cap
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(z)
        long_rsi = (r > 50) & (r < hi) if cfg.confirm_rsi else valid
        short_rsi = (r < 50) & (r > 100 - hi) if cfg.confirm_rsi else valid
        long_macd = h > 0 if cfg.confirm_macd else valid
        short_macd = h < 0 if cfg.confirm_macd else valid
        enter_long = valid & (z > cfg.entry_z) & long_rsi & long_macd
        enter_short = valid & (z < -cfg.entry_z) & short_rsi & short_macd & cfg.allow_short
        exit_long = ~valid | (z < cfg.exit_z)
        exit_short = ~valid | (z > -cfg.exit_z)
        if cfg.confirm_rsi:
            exit_long |= ~((r >= lo) & (r <= hi))
            exit_short |= ~((r >= 100 - hi) & (r <= 100 - lo))
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    side = np.sign(target)
    parts = [np.clip(np.abs(np.nan_to_num(z)) / (2 * cfg.entry_z), 0.0, 1.0)]
    if cfg.confirm_rsi:
        parts.append(np.clip(np.abs(np.nan_to_num(r, nan=50.0) - 50) / (hi - 50), 0.0, 1.0))
    if cfg.confirm_macd:
        parts.append((np.sign(np.nan_to_num(h)) == side).astype(float))
    conf = np.where(target != 0, sum(parts) / len(parts), 0.0)
    return target, conf


def _explain(cfg: MomentumConfig, z: float, r: float, h: float, target: float, before: float) -> str:
    if target == 0:
        faded = not np.isfinite(z) or (z < cfg.exit_z if before > 0 else z > -cfg.exit_z)
        if faded:
            return f"{cfg.lookback}-bar momentum faded (z={z:+.2f}): close"
        return f"RSI {r:.0f} left its band (z={z:+.2f}): close"
    side = "long" if target > 0 else "short"
    text = f"{side}: {cfg.lookback}-bar momentum z={z:+.2f} past {cfg.entry_z:g}"
    if cfg.confirm_rsi:
        text += f", RSI {r:.0f} confirms"
    if cfg.confirm_macd:
        text += f", MACD histogram {h:+.3g}"
    return text


@register
class Momentum(Streaming, Strategy):
    name = "momentum"
    Config = MomentumConfig
    examples: ClassVar[tuple[Example, ...]] = (
        Example("stocks", start="2005-01-01", end="2008-12-31", params={"allow_short": True}),
        Example("sp500_1y", params={"z_window": 40}, note="524 symbols, one year"),
    )

    @property
    def warmup(self) -> int:
        return MomentumParams.of(self.config).warmup

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        f = momentum_features(data.close, MomentumParams.of(cfg))
        m = data.n_symbols
        target, conf = momentum_decide(f, cfg, np.zeros(m))
        prev = np.vstack([np.zeros((1, m)), target[:-1]])
        reasons = changed_reasons(
            target, prev, lambda r, c, t: _explain(cfg, f["z"][r, c], f["rsi"][r, c], f["hist"][r, c], t, prev[r, c])
        )
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


class MomentumStream(SignalStream):
    """Live momentum: indicator streams plus the position state; O(1) per symbol and bar."""

    strategy: Momentum

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._features = MomentumFeatureStream(MomentumParams.of(cfg), self.n_symbols)
        self._target = np.zeros(self.n_symbols)
        self._levels = EntryLevels(self.n_symbols, cfg.stop_loss_pct, cfg.take_profit_pct)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        f = self._features.update(bar["close"])
        target, conf = momentum_decide({k: v[None, :] for k, v in f.items()}, cfg, self._target)
        target, conf = target[0], conf[0]
        before = self._target
        reasons = changed_reasons(target, before, lambda r, c, t: _explain(cfg, f["z"][c], f["rsi"][c], f["hist"][c], t, before[c]))
        self._target = target
        stop, take = self._levels.step(target, bar["close"])
        return self._row(timestamp, target, conf, stop_loss=stop, take_profit=take, reasoning=reasons)


Momentum.Stream = MomentumStream
