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
from ntlab.strategies.builtin.config import MomentumFeaturesConfig
from ntlab.strategies.builtin.features import (
    MomentumFeatureStream,
    MomentumParams,
    momentum_features,
)
from ntlab.strategies.examples import Example
from ntlab.strategies.levels import finish_signals
from ntlab.strategies.live import SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["MomentumConfig", "Momentum", "momentum_decide"]


@dataclass(frozen=True, kw_only=True)
class MomentumConfig(MomentumFeaturesConfig):
    """Parameters of :class:`Momentum` (the rule is in the module docstring).

    Attributes
    ----------
    confirm_rsi : bool
        Require RSI inside ``(50, rsi_cap)`` to enter and inside ``[rsi_floor, rsi_cap]`` to stay.
    rsi_floor, rsi_cap : float
        The RSI band of a long (``0 <= rsi_floor < 50 < rsi_cap <= 100``); shorts mirrored.
    confirm_macd : bool
        Require the MACD histogram to agree with the entry's side.
    allow_short : bool
        Trade the mirrored short rule too.
    """

    confirm_rsi: bool = True
    rsi_floor: float = 45.0
    rsi_cap: float = 80.0
    confirm_macd: bool = True
    allow_short: bool = False

    def validate(self) -> None:
        super().validate()
        self.need(
            0 <= self.rsi_floor < 50 < self.rsi_cap <= 100,
            "need 0 <= rsi_floor < 50 < rsi_cap <= 100",
        )


def momentum_decide(
    f: dict[str, np.ndarray], cfg: MomentumConfig, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
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


def _explainer(cfg: MomentumConfig, f: dict[str, np.ndarray]):
    """``explain(row, col, target, before)`` for feature arrays ``f`` of shape (n, m)."""

    def explain(r: int, c: int, target: float, before: float) -> str:
        z, rsi, hist = f["z"][r, c], f["rsi"][r, c], f["hist"][r, c]
        if target == 0:
            faded = not np.isfinite(z) or (z < cfg.exit_z if before > 0 else z > -cfg.exit_z)
            if faded:
                return f"{cfg.lookback}-bar momentum faded (z={z:+.2f}): close"
            return f"RSI {rsi:.0f} left its band (z={z:+.2f}): close"
        side = "long" if target > 0 else "short"
        text = f"{side}: {cfg.lookback}-bar momentum z={z:+.2f} past {cfg.entry_z:g}"
        if cfg.confirm_rsi:
            text += f", RSI {rsi:.0f} confirms"
        if cfg.confirm_macd:
            text += f", MACD histogram {hist:+.3g}"
        return text

    return explain


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
        f = momentum_features(data.close, MomentumParams.of(self.config))
        target, conf = momentum_decide(f, self.config, np.zeros(data.n_symbols))
        return finish_signals(self, data, target, conf, _explainer(self.config, f))


class MomentumStream(SignalStream):
    """Live momentum: indicator streams plus the position state; O(1) per symbol and bar."""

    strategy: Momentum

    def _setup(self, history: MarketData) -> None:
        params = MomentumParams.of(self.strategy.config)
        self._features = MomentumFeatureStream(params, self.n_symbols)
        self._target = np.zeros(self.n_symbols)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        f = {k: v[None, :] for k, v in self._features.update(bar["close"]).items()}
        target, conf = momentum_decide(f, cfg, self._target)
        return self._emit(timestamp, target[0], conf[0], bar["close"], _explainer(cfg, f))


Momentum.Stream = MomentumStream
