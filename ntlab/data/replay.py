"""Replay a MarketData as a live feed: bars in time order across symbols."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab.data.market import FIELDS, MarketData
from ntlab.model import Bar

__all__ = ["ReplayFeed", "BarBatch"]


@dataclass(frozen=True)
class BarBatch:
    """All bars of one timestamp: arrays of shape (n_symbols,), NaN where a symbol has no bar."""

    position: int
    timestamp: pd.Timestamp
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.close)


class ReplayFeed:
    """Yields bars in time order (then symbol order), as a live feed would deliver them.

    Parameters
    ----------
    data : MarketData
    start : int
        First bar position to replay (earlier bars are history the consumer may preload).
    """

    def __init__(self, data: MarketData, *, start: int = 0) -> None:
        self.data = data
        self.start = start
        self._arrays = {f: (data.field(f).to_numpy() if data.has(f) else None) for f in FIELDS}

    def __len__(self) -> int:
        return self.data.n_bars - self.start

    def batches(self) -> Iterator[BarBatch]:
        """One :class:`BarBatch` per timestamp (fast path for sessions over many symbols)."""
        a = self._arrays
        close = a["close"]
        for i in range(self.start, self.data.n_bars):
            row = close[i]
            yield BarBatch(
                position=i,
                timestamp=self.data.index[i],
                open=row if a["open"] is None else a["open"][i],
                high=row if a["high"] is None else a["high"][i],
                low=row if a["low"] is None else a["low"][i],
                close=row,
                volume=np.zeros_like(row) if a["volume"] is None else np.nan_to_num(a["volume"][i]),
            )

    def __iter__(self) -> Iterator[Bar]:
        symbols = self.data.symbols
        for batch in self.batches():
            ts = batch.timestamp.to_pydatetime()
            for j in np.flatnonzero(batch.present):
                yield Bar(
                    symbol=symbols[j],
                    timestamp=ts,
                    open=float(batch.open[j]),
                    high=float(batch.high[j]),
                    low=float(batch.low[j]),
                    close=float(batch.close[j]),
                    volume=float(batch.volume[j]),
                )
