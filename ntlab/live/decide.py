"""One bar's decisions on arrays: strategies -> combined target -> orders -> risk gate.

Several strategies are combined by the **average of their targets** per symbol (each in
[-1, 1], a NaN counting as 0), so two strategies that disagree cancel out and a symbol's
sleeve is fully used only when all agree. A symbol is traded when the combined target
changes, by the quantity the shared ExecutionPolicy kernel gives (the event backtest's
rule). Positions that reached the session's stop-loss / take-profit at the close (and
whose target did not change) are closed. The whole bar then goes through the risk gate's
batch kernel :func:`ntlab.risk._gate_nb.check_orders_nb` (reductions first), the rules
:class:`ntlab.risk.RiskGate` applies order by order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.data.replay import BarBatch
from ntlab.live import _nb
from ntlab.risk import _gate_nb as gate_nb
from ntlab.risk.limits import RiskLimits
from ntlab.strategies.base import Strategy
from ntlab.strategies.live import SignalRow, open_stream

__all__ = ["BarDecision", "Decider", "EXIT_TAGS"]

#: Exit code of :func:`ntlab.live._nb.protective_exits_nb` -> order tag.
EXIT_TAGS = {1: "stop-loss", 2: "take-profit"}


@dataclass
class BarDecision:
    """Arrays of shape (n_symbols,) for one bar."""

    timestamp: pd.Timestamp
    target: np.ndarray
    changed: np.ndarray
    exits: np.ndarray
    requested: np.ndarray
    allowed: np.ndarray
    codes: np.ndarray
    rows: list[SignalRow]

    @property
    def columns(self) -> np.ndarray:
        """Symbols with something to log: a target change, an exit or an order."""
        return np.flatnonzero(self.changed | (self.exits != 0) | (self.requested != 0))


class Decider:
    """The per-bar decision of a session over ``symbols``.

    Parameters
    ----------
    strategies : sequence of Strategy
    history : MarketData
        Bars before the first live one: the streams warm up on them.
    limits : RiskLimits
    sectors : mapping symbol -> sector, optional
    lot : float
        The policy's lot (0 = fractional).
    stop_pct, take_pct : float
        Session stop-loss / take-profit from the average entry price (0 = off).
    """

    def __init__(
        self,
        strategies: Sequence[Strategy],
        history: MarketData,
        limits: RiskLimits,
        *,
        sectors: Mapping[str, str] | None = None,
        lot: float = 1.0,
        stop_pct: float = 0.0,
        take_pct: float = 0.0,
    ) -> None:
        self.symbols = list(history.symbols)
        m = len(self.symbols)
        self.streams = [open_stream(s, history) for s in strategies]
        self.names = [s.name for s in strategies]
        self.prev = np.zeros(m)
        self.lot, self.stop_pct, self.take_pct = float(lot), float(stop_pct), float(take_pct)
        self.weight = 1.0 / m
        k = limits.kernel_args()
        self._limits = (
            k["max_position_value"],
            k["max_position_fraction"],
            k["max_leverage"],
            k["max_sector_fraction"],
        )
        self.sector_ids = np.full(m, -1, dtype=np.int64)
        if limits.max_sector_exposure is not None:
            names = [(sectors or {}).get(s, "UNKNOWN") for s in self.symbols]
            codes = {name: i for i, name in enumerate(dict.fromkeys(names))}
            self.sector_ids = np.array([codes[x] for x in names], dtype=np.int64)
        self._no_corr = np.full(m, -np.inf)
        self._changed = np.zeros(m, dtype=np.bool_)
        _warm_up()

    def signals(self, batch: BarBatch) -> list[SignalRow]:
        """Feed the bar to every strategy's stream; their rows of signals."""
        fields = {"open": batch.open, "high": batch.high, "low": batch.low,
                  "close": batch.close, "volume": batch.volume}  # fmt: skip
        return [s.update(batch.timestamp, **{f: fields[f] for f in s.fields}) for s in self.streams]

    def targets(self, batch: BarBatch) -> tuple[np.ndarray, list[SignalRow]]:
        """This bar's combined target per symbol (and each strategy's row of signals)."""
        rows = self.signals(batch)
        if not rows:
            return self.prev.copy(), rows
        return _nb.combine_targets_nb(np.vstack([r.target for r in rows])), rows

    def decide(
        self,
        batch: BarBatch,
        target: np.ndarray,
        rows: list[SignalRow],
        *,
        strategy_position: np.ndarray,
        position: np.ndarray,
        avg_price: np.ndarray,
        mark: np.ndarray,
        busy: np.ndarray,
        equity: float,
        halt: int,
    ) -> BarDecision:
        """The bar's orders, gated.

        Parameters
        ----------
        batch : BarBatch
        target, rows : from :meth:`targets`
        strategy_position : ndarray
            The strategies' shares per symbol (total less manual), working orders included.
        position : ndarray
            All shares per symbol, working orders included (what the gate sees).
        avg_price, mark : ndarray
            Average entry price, and last valid close (NaN: none yet).
        busy : ndarray of bool
            Symbols with a working order (no protective exit is sent for them).
        equity : float
        halt : int
            The circuit breaker's code (0 = trading).
        """
        requested = _nb.decide_nb(
            target, self.prev, strategy_position, mark, equity, self.weight, self.lot, self._changed
        )
        changed = self._changed.copy()
        exits = _nb.protective_exits_nb(
            position, avg_price, batch.close, busy | changed, self.stop_pct, self.take_pct
        )
        out = np.flatnonzero(exits)
        requested[out] = -position[out]
        allowed, codes = gate_nb.check_orders_nb(
            requested, position, mark, self.sector_ids, equity, *self._limits[:2],
            self._limits[2], self._limits[3], self._no_corr, np.inf, halt, self.lot,
        )  # fmt: skip
        return BarDecision(batch.timestamp, target, changed, exits, requested, allowed, codes, rows)


def _warm_up() -> None:
    """Compile (or load from numba's cache) the bar kernels before the first bar is timed."""
    z, b = np.zeros(1), np.zeros(1, dtype=np.bool_)
    _nb.combine_targets_nb(np.zeros((1, 1)))
    _nb.decide_nb(z, z.copy(), z, z, 1.0, 1.0, 1.0, b)
    _nb.protective_exits_nb(z, z, z, b, 0.0, 0.0)
    gate_nb.check_orders_nb(z, z, z, np.full(1, -1, dtype=np.int64), 1.0, np.inf, np.inf,
                            np.inf, np.inf, np.full(1, -np.inf), np.inf, 0, 1.0)  # fmt: skip
