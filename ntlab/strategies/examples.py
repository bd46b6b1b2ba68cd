"""Example data per strategy: which bundled sample (and slice) each strategy is meant for.

Every built-in strategy lists :class:`Example` objects in its ``examples`` class
attribute. The shared tests run each strategy's examples through
:func:`ntlab.testing.check_strategy`; users can start from them too:

>>> ex = get("pairs").examples[0]          # doctest: +SKIP
>>> get("pairs", **ex.params).signals(ex.data())   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ntlab.data.market import MarketData

__all__ = ["Example"]


@dataclass(frozen=True)
class Example:
    """A bundled sample (optionally sliced) with parameters suited to a strategy.

    Attributes
    ----------
    sample : str
        Name for :func:`ntlab.data.load_sample`.
    symbols : tuple of str, optional
        Subset of symbols (all when empty).
    start, end : str, optional
        ISO times bounding the bars (as :meth:`MarketData.between`); naive ones are UTC.
    last : int, optional
        Keep only the last ``last`` bars (after the date bounds).
    params : mapping
        Strategy parameters for this data (e.g. tiny neural settings for tests).
    build : callable, optional
        ``build(data) -> MarketData`` applied after slicing (e.g. to add a basket).
    slow : bool
        The shared tests mark it ``slow``.
    trades : bool
        The shared tests expect real trades on it (False for plumbing-only examples,
        e.g. a neural net trained for a handful of steps).
    note : str
        Why this data suits the strategy.
    """

    sample: str
    symbols: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    last: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    build: Callable[[MarketData], MarketData] | None = None
    slow: bool = False
    trades: bool = True
    note: str = ""

    def data(self) -> MarketData:
        """The example's bars."""
        from ntlab.data.samples import load_sample

        data = load_sample(self.sample)
        if self.symbols:
            data = data.select(list(self.symbols))
        if self.start or self.end:
            data = data.between(_utc(self.start), _utc(self.end))
        if self.last is not None:
            data = data[-self.last :]
        return self.build(data) if self.build is not None else data


def _utc(day: str | None) -> Any:
    if day is None:
        return None
    import pandas as pd

    ts = pd.Timestamp(day)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts
