"""Neural trend: a neural forecast on multi-timeframe features; trade the predicted
direction when the expected move clears costs.

Rule
----
The level series is the log close; the forecaster (``model``: NHITS, LSTM, Transformer
or a small MLP; see :mod:`ntlab.strategies.builtin.neural`, walk-forward, refit every
``refit_every`` bars on the ``train_bars`` bars before) also sees the log returns over
each of ``timeframes`` bars as features (the transformer takes none). At each bar it
predicts the ``h``-bar log return: median ``mu`` and a ``level`` % interval.

Enter long when ``mu > round-trip cost + min_edge`` (cost = ``2 * cost_per_side``, the
default 0.15 % per side being the backtest's fee plus slippage); short mirrored with
``allow_short``; exit when ``mu`` changes sign. Confidence is ``min(1, |mu| /
half-width of the interval)``. Stop-loss/take-profit from the entry close.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.indicators import stream as ist
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.builtin.neural import (
    NeuralConfig,
    NeuralStrategy,
    PriceForecastStream,
    interval_confidence,
)
from ntlab.strategies.examples import Example
from ntlab.strategies.registry import register

__all__ = ["NeuralTrendConfig", "NeuralTrend"]


@dataclass(frozen=True, kw_only=True)
class NeuralTrendConfig(NeuralConfig):
    """Parameters of :class:`NeuralTrend` (forecaster settings inherited).

    Attributes
    ----------
    timeframes : tuple of int
        Bars of the log-return features the forecaster sees.
    min_edge : float
        Expected move needed beyond the round-trip cost.
    """

    timeframes: tuple[int, ...] = (5, 20, 60)
    min_edge: float = 0.0

    def validate(self) -> None:
        super().validate()
        self.need(
            bool(self.timeframes) and min(self.timeframes) >= 1,
            "timeframes must be positive bar counts",
        )
        self.need(self.min_edge >= 0, "min_edge must be >= 0")


def trend_decide(
    q: np.ndarray, cfg: NeuralConfig, min_edge: float, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Row targets and confidence from (m, 3) change quantiles."""
    mu = q[:, 1][None]
    hurdle = cfg.round_trip_cost + min_edge
    with np.errstate(invalid="ignore"):
        target = hold_state_nb(
            mu > hurdle, ~(mu > 0), (mu < -hurdle) & cfg.allow_short, ~(mu < 0), init
        )[0]
    return target, np.where(target != 0, interval_confidence(q), 0.0)


class NeuralTrendStream(PriceForecastStream):
    strategy: NeuralTrend

    def _feature_names(self) -> tuple[str, ...]:
        cfg = self.strategy.config
        return tuple(f"ret_{k}" for k in cfg.timeframes) if cfg.model != "transformer" else ()

    def _setup_rule(self, history: MarketData) -> None:
        self._returns = [
            ist.Returns(k, log=True, n_symbols=self.n_symbols)
            for k in self.strategy.config.timeframes
        ]

    def _features(self, close: np.ndarray) -> np.ndarray | None:
        rows = [r.update(close) for r in self._returns]
        return np.stack(rows, axis=1) if self.feature_names else None

    def _decide(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray], q: np.ndarray):
        cfg = self.strategy.config
        before = self._target
        target, conf = trend_decide(q, cfg, cfg.min_edge, before)

        def explain(r: int, c: int, t: float, before_c: float) -> str:
            lo, mu, hi = q[c]
            if t == 0:
                return f"{cfg.model} forecast of the {cfg.h}-bar return turned ({mu:+.2%}): close"
            return (
                f"{cfg.model} forecast {mu:+.2%} over {cfg.h} bars ({cfg.level:g}% interval {lo:+.2%}..{hi:+.2%}) "
                f"clears costs {cfg.round_trip_cost + cfg.min_edge:.2%}: {'long' if t > 0 else 'short'}"
            )

        return target, conf, explain


@register
class NeuralTrend(NeuralStrategy):
    name = "neural_trend"
    Config = NeuralTrendConfig
    Stream = NeuralTrendStream
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            symbols=("AAPL", "IBM", "MSFT"),
            start="2003-01-01",
            end="2004-06-30",
            params={
                "model": "mlp",
                "train_bars": 150,
                "first_fit": 150,
                "refit_every": 100,
                "allow_short": True,
            },
            note="tiny MLP settings for the fast tests",
        ),
        Example(
            "stocks",
            symbols=("AAPL", "IBM", "MSFT"),
            start="2003-01-01",
            end="2004-03-31",
            params={
                "model": "nhits",
                "train_bars": 150,
                "first_fit": 150,
                "refit_every": 120,
                "max_steps": 20,
                "hidden_size": 16,
                "allow_short": True,
            },
            slow=True,
            trades=False,
            note="NHITS, tiny",
        ),
    )
