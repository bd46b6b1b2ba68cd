"""Strategies that leak in the ways issue 14 found the guard could be walked around."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab.strategies import Signals, Strategy, StrategyConfig


@dataclass(frozen=True, kw_only=True)
class SmoothConfig(StrategyConfig):
    smooth: int = 1
    lag: int = 0


class Smooth(Strategy):
    """Long while a smoothed close rises. ``smooth=1, lag=0`` is causal (yesterday-to-today
    momentum); a centred mean (``smooth=15``) or a negative ``lag`` knows the trend ahead."""

    name = "smooth_probe"
    Config = SmoothConfig

    def signals(self, data):
        c = data.close
        m = c.rolling(self.config.smooth, center=True, min_periods=1).mean()
        up = (m.diff().shift(self.config.lag) > 0).astype(float)
        return Signals(self.name, up, up)


@dataclass(frozen=True, kw_only=True)
class WindowConfig(StrategyConfig):
    start: str = "2003-01-01"
    end: str = "2005-03-31"
    peek: int = 5


class WindowPeek(Strategy):
    """Causal momentum, except between ``start`` and ``end`` where it reads ``peek`` bars
    ahead (a leak confined to a few years)."""

    name = "window_peek"
    Config = WindowConfig

    def signals(self, data):
        c = data.close
        honest = (c.pct_change() > 0).astype(float)
        ahead = (c.shift(-self.config.peek) > c).astype(float)
        inside = (c.index >= pd.Timestamp(self.config.start, tz="UTC")) & (
            c.index <= pd.Timestamp(self.config.end, tz="UTC")
        )
        t = honest.where(~inside[:, None], ahead).fillna(0.0)
        return Signals(self.name, t, t)


class MonthEndPeek(Strategy):
    """Decides at month ends only, on the close 5 bars later."""

    name = "month_end_peek"
    Config = StrategyConfig

    def signals(self, data):
        c = data.close
        idx = c.index
        month_end = np.asarray((idx + pd.offsets.BDay(1)).month != idx.month)  # by the calendar
        ahead = (c.shift(-5) > c).astype(float).where(month_end[:, None])
        t = ahead.ffill().fillna(0.0)
        return Signals(self.name, t, t)


class Jitter(Strategy):
    """Random targets, not seeded: not deterministic (but not a look-ahead either)."""

    name = "jitter"
    Config = StrategyConfig

    def signals(self, data):
        t = pd.DataFrame(
            (np.random.default_rng().random(data.shape) > 0.5).astype(float),
            index=data.index,
            columns=data.symbols,
        )
        return Signals(self.name, t, t)


class BackFilled(Strategy):
    """Fills gaps in the close with the next close (``bfill``): inside a gap it knows where
    the price comes back."""

    name = "back_filled"
    Config = StrategyConfig

    def signals(self, data):
        c = data.close.bfill()
        t = (c.shift(-0).diff() > 0).astype(float)
        return Signals(self.name, t, t)
