"""SMA crossover used by the backtest benchmark, tests and sweeps.

TO BE REPLACED: this is a private stand-in until ``ntlab.indicators`` (SMA kernel) and a
registered ``sma_cross`` strategy land on main; then this module should import the SMA
from ``ntlab.indicators`` and move to ``ntlab/strategies/``.

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
from ntlab.strategies.base import Signals, Strategy, StrategyConfig

__all__ = ["SmaCross", "SmaCrossConfig", "sma_nb", "cross_target_nb"]


@njit(cache=True)
def sma_nb(x: np.ndarray, window: int) -> np.ndarray:
    """Simple moving average of each column of ``x`` (n_bars, n_cols); NaN until ``window`` valid values.

    A window that holds a NaN gives NaN (pandas ``rolling(window).mean()``).
    """
    n, m = x.shape
    out = np.full((n, m), np.nan)
    for j in range(m):
        acc = 0.0
        nans = 0
        for i in range(n):
            v = x[i, j]
            if np.isnan(v):
                nans += 1
            else:
                acc += v
            if i >= window:
                old = x[i - window, j]
                if np.isnan(old):
                    nans -= 1
                else:
                    acc -= old
            if i >= window - 1 and nans == 0:
                out[i, j] = acc / window
    return out


@njit(cache=True)
def cross_target_nb(
    close: np.ndarray, fast: int, slow: int, allow_short: bool, stop_pct: float, take_pct: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Targets and protective levels of the SMA crossover, arrays of shape (n_bars, n_symbols)."""
    f = sma_nb(close, fast)
    s = sma_nb(close, slow)
    n, m = close.shape
    target = np.zeros((n, m))
    stop = np.full((n, m), np.nan)
    take = np.full((n, m), np.nan)
    for j in range(m):
        prev = 0.0
        entry = np.nan
        for i in range(n):
            t = 0.0
            if f[i, j] > s[i, j]:
                t = 1.0
            elif allow_short and f[i, j] < s[i, j]:
                t = -1.0
            target[i, j] = t
            if t != 0.0:
                if t != prev:
                    entry = close[i, j]
                if stop_pct > 0.0:
                    stop[i, j] = entry * (1.0 - t * stop_pct)
                if take_pct > 0.0:
                    take[i, j] = entry * (1.0 + t * take_pct)
            prev = t
    return target, stop, take


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
    Config = SmaCrossConfig

    @property
    def warmup(self) -> int:
        return self.config.slow

    def signals(self, data: MarketData) -> Signals:
        cfg = self.config
        close = data.close
        target, stop, take = cross_target_nb(
            close.to_numpy(dtype=np.float64),
            cfg.fast,
            cfg.slow,
            cfg.allow_short,
            cfg.stop_loss_pct,
            cfg.take_profit_pct,
        )

        def frame(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a, index=close.index, columns=close.columns, copy=False)

        has_levels = cfg.stop_loss_pct > 0 or cfg.take_profit_pct > 0
        return Signals(
            strategy_id=self.name,
            target=frame(target),
            confidence=frame(np.abs(target)),
            stop_loss=frame(stop) if has_levels else None,
            take_profit=frame(take) if has_levels else None,
        )
