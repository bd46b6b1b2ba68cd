"""Neural arbitrage: forecast the convergence of a linked pair's spread; trade it when the
expected convergence beats costs.

Linked instruments are two columns of the data: ``leg_a`` and ``leg_b`` (default: the
first two symbols). Ideally the same asset on two venues, or an index against its
basket. ntlab bundles neither, so the examples use the S&P 500 and NASDAQ Composite
indices (``indices`` sample): two *related* baskets, not the same asset, so this is a
relative-value spread trade, not a riskless arbitrage. :func:`index_and_basket` builds
the other kind from the bundled data (the S&P 500 index against an equal-weight basket
of the ``sp500_1y`` stocks; one year only, too short for the default training window).

Rule
----
At each refit (walk-forward, see :mod:`ntlab.strategies.builtin.neural`) an OLS of
``log a = alpha + beta log b`` over the training bars fixes the spread
``log a - beta log b - alpha`` for the next block; the forecaster is trained on that
spread. At bar t: ``z`` is the spread's z-score over the last ``z_window`` bars and
``mu`` the median forecast of its change over ``h`` bars (20 by default: over 5 bars
the forecast changes of the index spread rarely exceed the costs). Costs are both legs' round
trips (``2 * 2 * cost_per_side``). Short the spread (short a, long b) when
``z > entry_z`` and ``mu < -(costs + min_edge)``; long it when ``z < -entry_z`` and
``mu > costs + min_edge``. Exit when ``|z| < exit_z`` or the forecast turns against the
position. Legs are sized at entry like pairs: a ``1 / max(1, beta)``, b
``beta / max(1, beta)`` of their sleeves (no trade when beta <= 0). Confidence is
``min(1, |mu| / half-width of the interval)``. A spread trade always has a short leg;
``allow_short`` is not used.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.strategies._nb import ols_last_nb
from ntlab.strategies.builtin.neural import (
    LevelForecaster,
    NeuralConfig,
    NeuralStrategy,
    interval_confidence,
)
from ntlab.strategies.examples import Example
from ntlab.strategies.live import Ring, SignalRow, SignalStream
from ntlab.strategies.registry import register

__all__ = ["NeuralArbitrageConfig", "NeuralArbitrage", "index_and_basket"]


@dataclass(frozen=True, kw_only=True)
class NeuralArbitrageConfig(NeuralConfig):
    """Parameters of :class:`NeuralArbitrage` (forecaster settings inherited).

    Attributes
    ----------
    h : int
        Forecast horizon in bars (20 by default: the spread converges slowly).
    leg_a, leg_b : str
        The two linked symbols (default: the data's first two).
    z_window : int
        Bars of the spread z-score.
    entry_z, exit_z : float
        Enter beyond ``entry_z`` (with a forecast that beats costs), exit inside ``exit_z``.
    min_edge : float
        Forecast convergence needed beyond costs.
    """

    h: int = 20
    leg_a: str = ""
    leg_b: str = ""
    z_window: int = 60
    entry_z: float = 1.0
    exit_z: float = 0.25
    min_edge: float = 0.0

    def validate(self) -> None:
        super().validate()
        self.need(
            self.z_window >= 3 and 0 <= self.exit_z < self.entry_z and self.min_edge >= 0,
            "need z_window >= 3, 0 <= exit_z < entry_z, min_edge >= 0",
        )


class NeuralArbitrageStream(SignalStream):
    strategy: NeuralArbitrage

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._a, self._b = self.strategy.legs(list(self.symbols))
        cap = max(cfg.train_bars, cfg.input_size, cfg.z_window) + 1
        self._la, self._lb = Ring(cap, 1), Ring(cap, 1)
        self._model = LevelForecaster(cfg)
        self._alpha = self._beta = np.nan
        self._side = 0
        self._weights = (0.0, 0.0)
        self._target = np.zeros(self.n_symbols)

    def _spread(self, k: int) -> np.ndarray:
        return self._la.tail(k)[:, 0] - self._beta * self._lb.tail(k)[:, 0] - self._alpha

    def _refit(self) -> None:
        cfg = self.strategy.config
        la = self._la.tail(cfg.train_bars + 1)[:-1, 0].copy()
        lb = self._lb.tail(cfg.train_bars + 1)[:-1, 0].copy()
        self._alpha, self._beta = ols_last_nb(la, lb, cfg.train_bars)
        if np.isfinite(self._beta):
            self._model.fit((la - self._beta * lb - self._alpha)[:, None], None)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        close = bar["close"]
        with np.errstate(invalid="ignore", divide="ignore"):
            self._la.append(np.log(close[[self._a]]))
            self._lb.append(np.log(close[[self._b]]))
        if cfg.refit_due(self.n_seen):
            self._refit()
        q = np.full((1, 3), np.nan)
        z = np.nan
        if np.isfinite(self._beta):
            recent = self._spread(cfg.z_window)
            sd = recent.std(ddof=1)
            z = (recent[-1] - recent.mean()) / sd if sd > 0 else np.nan
            q = self._model.predict(self._spread(cfg.input_size)[None, :].copy(), None)
        mu = q[0, 1]
        why = self._trade(z, mu)
        target = np.zeros(self.n_symbols)
        if self._side:
            target[self._a], target[self._b] = (
                self._side * self._weights[0],
                -self._side * self._weights[1],
            )
        conf = np.where(target != 0, interval_confidence(q)[0], 0.0)
        return self._emit(timestamp, target, conf, close, lambda r, c, t, before: why)

    def _trade(self, z: float, mu: float) -> str:
        """Update the spread position; the reason for a change ('' when none)."""
        cfg = self.strategy.config
        hurdle = 2 * cfg.round_trip_cost + cfg.min_edge
        name = f"{self.symbols[self._a]}/{self.symbols[self._b]}"
        if self._side:
            if not np.isfinite(z) or abs(z) < cfg.exit_z:
                self._side = 0
                return f"spread {name} converged (z={z:+.2f}): close both legs"
            if not np.isfinite(mu) or mu * self._side < 0:
                self._side = 0
                return (
                    f"forecast now expects the spread {name} to widen ({mu:+.2%}): close both legs"
                )
            return ""
        if not (np.isfinite(z) and np.isfinite(mu) and self._beta > 0):
            return ""
        if z > cfg.entry_z and mu < -hurdle:
            self._side = -1
        elif z < -cfg.entry_z and mu > hurdle:
            self._side = 1
        else:
            return ""
        b = self._beta
        self._weights = (1.0 / max(1.0, b), b / max(1.0, b))
        act = "short" if self._side < 0 else "long"
        return (
            f"{act} spread {name} (hedge {b:.2f}): z={z:+.2f}, {cfg.model} expects {mu:+.2%} over {cfg.h} bars, "
            f"beating costs {hurdle:.2%}"
        )


@register
class NeuralArbitrage(NeuralStrategy):
    name = "neural_arbitrage"
    Config = NeuralArbitrageConfig
    Stream = NeuralArbitrageStream
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "indices",
            start="2005-01-01",
            end="2007-06-30",
            params={
                "model": "mlp",
                "train_bars": 250,
                "first_fit": 250,
                "refit_every": 150,
                "entry_z": 0.75,
            },
            note="NASDAQ against the S&P 500 (related indices, not the same asset); tiny MLP",
        ),
        Example(
            "indices",
            start="2005-01-01",
            end="2006-12-31",
            params={
                "model": "nhits",
                "train_bars": 250,
                "first_fit": 250,
                "refit_every": 200,
                "max_steps": 20,
                "hidden_size": 16,
                "entry_z": 0.75,
            },
            slow=True,
            trades=False,
            note="NHITS, tiny",
        ),
    )

    def legs(self, symbols: list[str]) -> tuple[int, int]:
        """Column positions of leg a and leg b."""
        cfg = self.config
        if len(symbols) < 2:
            raise ConfigError(
                "neural_arbitrage needs data with at least two symbols (the linked instruments)"
            )
        a = cfg.leg_a or symbols[0]
        b = cfg.leg_b or next(s for s in symbols if s != a)
        for leg in (a, b):
            if leg not in symbols:
                raise UnknownSymbolError(
                    f"neural_arbitrage: leg {leg!r} is not in the data ({symbols[:5]}...)"
                )
        if a == b:
            raise ConfigError("neural_arbitrage: leg_a and leg_b must differ")
        return symbols.index(a), symbols.index(b)


def index_and_basket(
    stocks: MarketData, index: MarketData, *, index_symbol: str = "SP500", basket: str = "BASKET"
) -> MarketData:
    """Closes of an index and an equal-weight basket of ``stocks`` on their common bars.

    The basket is the mean of the member closes normalised to 1 at the first common bar,
    over the members that trade on every common bar (no look-ahead: the membership
    uses only which symbols have complete data, a choice a user makes up front).
    """
    common = stocks.index.intersection(index.index)
    if len(common) < 2:
        raise ConfigError("index_and_basket: the stocks and the index share fewer than two bars")
    closes = stocks.close.loc[common]
    full = closes.columns[closes.notna().all()]
    norm = closes[full] / closes[full].iloc[0]
    frame = pd.DataFrame(
        {index_symbol: index.close.loc[common, index_symbol], basket: norm.mean(axis=1) * 100.0}
    )
    return MarketData.from_closes(
        frame, name=f"{index_symbol} vs equal-weight basket of {len(full)} stocks"
    )
