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
def _roll_nb(v: float, old: float, acc: float, nans: int, drop: bool) -> tuple[float, int]:
    """Running sum and NaN count after adding ``v`` (and removing ``old`` when ``drop``)."""
    if np.isnan(v):
        nans += 1
    else:
        acc += v
    if drop:
        if np.isnan(old):
            nans -= 1
        else:
            acc -= old
    return acc, nans


@njit(cache=True)
def sma_nb(x: np.ndarray, window: int) -> np.ndarray:
    """Simple moving average of each column of ``x`` (n_bars, n_cols); NaN until ``window`` valid values.

    A window that holds a NaN gives NaN, as pandas ``rolling(window).mean()``. Rows are
    walked in memory order with one running sum per column.
    """
    n, m = x.shape
    out = np.empty((n, m))
    acc = np.zeros(m)
    nans = np.zeros(m, dtype=np.int64)
    for i in range(n):
        drop = i >= window
        for j in range(m):
            old = x[i - window, j] if drop else 0.0
            acc[j], nans[j] = _roll_nb(x[i, j], old, acc[j], nans[j], drop)
            out[i, j] = acc[j] / window if (i >= window - 1 and nans[j] == 0) else np.nan
    return out


@njit(cache=True)
def cross_target_nb(
    close: np.ndarray,
    fast: int,
    slow: int,
    allow_short: bool,
    stop_pct: float,
    take_pct: float,
    target: np.ndarray,
    stop: np.ndarray,
    take: np.ndarray,
) -> None:
    """Fill ``target`` and the protective levels of the SMA crossover, all (n_bars, n_symbols).

    Both averages are rolled in one pass over the rows; levels are fixed at the close of
    the bar whose target opens the position (NaN while flat, and when the pct is 0). The
    outputs are written in place (any memory layout; ``stop``/``take`` may be (0, 0) to
    skip them).
    """
    n, m = close.shape
    levels = stop.shape[0] == n
    f_acc, s_acc = np.zeros(m), np.zeros(m)
    f_nan, s_nan = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
    entry = np.full(m, np.nan)
    prev = np.zeros(m)
    inv_f, inv_s = 1.0 / fast, 1.0 / slow
    for i in range(n):
        f_drop, s_drop = i >= fast, i >= slow
        ready = i >= slow - 1
        for j in range(m):
            c = close[i, j]
            f_old = close[i - fast, j] if f_drop else 0.0
            s_old = close[i - slow, j] if s_drop else 0.0
            f_acc[j], f_nan[j] = _roll_nb(c, f_old, f_acc[j], f_nan[j], f_drop)
            s_acc[j], s_nan[j] = _roll_nb(c, s_old, s_acc[j], s_nan[j], s_drop)
            fv, sv = f_acc[j] * inv_f, s_acc[j] * inv_s
            # branch-free: the comparison flips at random across symbols
            t = (1.0 if fv > sv else 0.0) - (1.0 if (allow_short and fv < sv) else 0.0)
            if not ready or f_nan[j] + s_nan[j] > 0:
                t = 0.0
            target[i, j] = t
            if levels:
                sl = np.nan
                tp = np.nan
                if t != 0.0:
                    if t != prev[j]:
                        entry[j] = c
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
        cross_target_nb(
            c,
            cfg.fast,
            cfg.slow,
            cfg.allow_short,
            cfg.stop_loss_pct,
            cfg.take_profit_pct,
            target,
            stop,
            take,
        )

        def frame(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a, index=close.index, columns=close.columns, copy=False)

        return Signals(
            strategy_id=self.name,
            target=frame(target),
            confidence=frame(np.abs(target)) if cfg.allow_short else frame(target),
            stop_loss=frame(stop) if has_levels else None,
            take_profit=frame(take) if has_levels else None,
        )
