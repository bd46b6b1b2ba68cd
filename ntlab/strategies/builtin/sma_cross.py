"""SMA crossover: the textbook baseline used by the backtest benchmark, tests and sweeps.

The averages come from :func:`ntlab.indicators.sma` (TA-Lib's SMA); this module adds the
crossover rule and its protective levels in one numba pass. It is not one of the seed's
registered strategies; use it as an object (``ntlab.strategies.SmaCross(fast=20, slow=50)``)
or by import path (``ntlab.strategies.builtin.sma_cross:SmaCross``).

Rule: long (sleeve target 1) while ``SMA(fast) > SMA(slow)`` of the close, flat
otherwise (short, -1, when ``allow_short``). Stop-loss / take-profit levels are fixed at
``stop_loss_pct`` / ``take_profit_pct`` from the close of the bar that decides the entry
(0 = none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numba import njit

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.indicators import sma
from ntlab.strategies.base import Signals, Strategy, StrategyConfig

__all__ = ["SmaCross", "SmaCrossConfig", "cross_target_nb"]


@njit(cache=True)
def cross_target_nb(
    close: np.ndarray,
    fast: np.ndarray,
    slow: np.ndarray,
    allow_short: bool,
    stop_pct: float,
    take_pct: float,
    target: np.ndarray,
    stop: np.ndarray,
    take: np.ndarray,
) -> None:
    """Fill ``target`` and the protective levels of the crossover, all (n_bars, n_symbols).

    ``fast`` and ``slow`` are the two averages (NaN = not ready: flat). Levels are fixed at
    the close of the bar whose target opens the position (NaN while flat, and when the pct
    is 0). Outputs are written in place, in any memory layout; ``stop``/``take`` may be
    (0, 0) to skip them.
    """
    n, m = close.shape
    levels = stop.shape[0] == n
    entry = np.full(m, np.nan)
    prev = np.zeros(m)
    for i in range(n):
        for j in range(m):
            fv = fast[i, j]
            sv = slow[i, j]
            # branch-free: the comparison flips at random across symbols (NaN compares False)
            t = (1.0 if fv > sv else 0.0) - (1.0 if (allow_short and fv < sv) else 0.0)
            target[i, j] = t
            if levels:
                sl = np.nan
                tp = np.nan
                if t != 0.0:
                    if t != prev[j]:
                        entry[j] = close[i, j]
                    if stop_pct > 0.0:
                        sl = entry[j] * (1.0 - t * stop_pct)
                    if take_pct > 0.0:
                        tp = entry[j] * (1.0 + t * take_pct)
                stop[i, j] = sl
                take[i, j] = tp
            prev[j] = t


@dataclass(frozen=True, kw_only=True)
class SmaCrossConfig(StrategyConfig):
    fast: int = 20
    slow: int = 50
    allow_short: bool = False
    stop_loss_pct: float = 0.0
    take_profit_pct: float = 0.0

    def validate(self) -> None:
        if not 1 <= self.fast < self.slow:
            raise ConfigError(
                f"sma_cross: need 1 <= fast < slow, got fast={self.fast}, slow={self.slow}"
            )
        for name in ("stop_loss_pct", "take_profit_pct"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"sma_cross: {name} must lie in [0, 1)")


class SmaCross(Strategy):
    """Long while the fast SMA is above the slow SMA (see the module docstring)."""

    name = "sma_cross"
    per_symbol = True
    Config = SmaCrossConfig

    @property
    def warmup(self) -> int:
        return self.config.slow

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        close = data.close
        c = close.to_numpy(dtype=np.float64)
        has_levels = cfg.stop_loss_pct > 0 or cfg.take_profit_pct > 0
        target = np.empty_like(c)  # keeps the close's memory layout
        stop = np.empty_like(c) if has_levels else np.empty((0, 0))
        take = np.empty_like(c) if has_levels else stop
        f, s = sma(c, cfg.fast), sma(c, cfg.slow)
        pcts = (cfg.stop_loss_pct, cfg.take_profit_pct)
        cross_target_nb(c, f, s, cfg.allow_short, *pcts, target, stop, take)

        def frame(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a, index=close.index, columns=close.columns, copy=False)

        return Signals(
            strategy_id=self.name,
            target=frame(target),
            confidence=frame(np.abs(target)) if cfg.allow_short else frame(target),
            stop_loss=frame(stop) if has_levels else None,
            take_profit=frame(take) if has_levels else None,
        )
