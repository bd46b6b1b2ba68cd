"""Momentum: trade the z-score of n-bar momentum past an entry threshold.

Rule
----
``mom = close / close.shift(lookback) - 1``; ``z`` is ``mom`` standardised over the
last ``z_window`` bars. Enter long when ``z > entry_z`` (short when ``z < -entry_z`` and
``allow_short``); exit when ``z`` falls back below ``exit_z`` (above ``-exit_z``).
Confidence grows with ``|z|`` and saturates at ``2 * entry_z``. Stop-loss and
take-profit are set ``stop_loss_pct`` / ``take_profit_pct`` away from the close.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy, StrategyConfig
from ntlab.strategies.levels import protective_levels, reason_frame
from ntlab.strategies.registry import register

__all__ = ["MomentumConfig", "Momentum"]


@dataclass(frozen=True, kw_only=True)
class MomentumConfig(StrategyConfig):
    lookback: int = 20
    z_window: int = 60
    entry_z: float = 1.0
    exit_z: float = 0.0
    allow_short: bool = False
    stop_loss_pct: float = 0.05
    take_profit_pct: float = 0.10

    def validate(self) -> None:
        if self.lookback < 1 or self.z_window < 2:
            raise ConfigError("momentum: lookback must be >= 1 and z_window >= 2")
        if self.entry_z <= 0 or self.exit_z >= self.entry_z:
            raise ConfigError("momentum: need entry_z > 0 and exit_z < entry_z")
        for name in ("stop_loss_pct", "take_profit_pct"):
            if not 0 < getattr(self, name) < 1:
                raise ConfigError(f"momentum: {name} must lie in (0, 1)")


@register
class Momentum(Strategy):
    name = "momentum"
    Config = MomentumConfig

    @property
    def warmup(self) -> int:
        return self.config.lookback + self.config.z_window

    def zscore(self, data: MarketData) -> pd.DataFrame:
        cfg = self.config
        close = data.close
        mom = close / close.shift(cfg.lookback) - 1.0
        roll = mom.rolling(cfg.z_window, min_periods=cfg.z_window)
        return (mom - roll.mean()) / roll.std(ddof=1)

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        z = self.zscore(data)
        zv = z.to_numpy(dtype=float)
        valid = np.isfinite(zv)
        with np.errstate(invalid="ignore"):
            enter_long = valid & (zv > cfg.entry_z)
            exit_long = ~valid | (zv < cfg.exit_z)
            enter_short = valid & (zv < -cfg.entry_z) & cfg.allow_short
            exit_short = ~valid | (zv > -cfg.exit_z)
        target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, np.zeros(zv.shape[1]))
        conf = np.where(valid, np.clip(np.abs(np.nan_to_num(zv)) / (2 * cfg.entry_z), 0.0, 1.0), 0.0)
        conf = np.where(target != 0, conf, 0.0)
        target_df = pd.DataFrame(target, index=data.index, columns=data.symbols)
        stop, take = protective_levels(target_df, data.close, cfg.stop_loss_pct, cfg.take_profit_pct)
        reasons = reason_frame(
            target_df,
            lambda r, c, t: (
                f"{cfg.lookback}-bar momentum z={zv[r, c]:+.2f} "
                + (f"past entry {cfg.entry_z:g}" if t != 0 else f"faded below exit {cfg.exit_z:g}")
            ),
        )
        return Signals(
            strategy_id=self.name,
            target=target_df,
            confidence=pd.DataFrame(conf, index=data.index, columns=data.symbols),
            stop_loss=stop,
            take_profit=take,
            reasoning=reasons,
        )
