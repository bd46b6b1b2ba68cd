"""Public checks for strategies: a look-ahead detector users can run on their own.

>>> from ntlab.testing import check_strategy
>>> report = check_strategy(my_strategy, data)   # raises LookAheadError on a leak

The causality check and its budget are described in :mod:`ntlab._causality`
(:func:`check_causal`): decision bars, random bars and gap bars, fresh instances,
declared time inputs, and what it cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ntlab._causality import (
    DECISION_BARS,
    GAP_BARS,
    RANDOM_BARS,
    TRADED,
    CausalityCheck,
    _arrays,
    _differs,
    _num,
    check_causal,
    fresh_instance,
)
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, NonDeterministicError, NtlabError
from ntlab.indicators._checks import IndicatorCheckReport, check_indicator
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.live import SignalRow, open_stream

__all__ = [
    "check_strategy",
    "check_causal",
    "CausalityCheck",
    "check_stream",
    "parametrize_with_checks",
    "check_indicator",
    "IndicatorCheckReport",
    "StrategyCheckReport",
    "fresh_instance",
    "DECISION_BARS",
    "RANDOM_BARS",
    "GAP_BARS",
    "TRADED",
]


@dataclass
class StrategyCheckReport:
    strategy: str
    n_bars: int
    prefixes: list[int]
    passed: list[str] = field(default_factory=list)
    causality: CausalityCheck | None = None

    def __str__(self) -> str:
        how = f"; {self.causality}" if self.causality is not None else ""
        return f"{self.strategy}: {', '.join(self.passed)} passed on {self.n_bars} bars{how}"


def _check_same(a: Signals, b: Signals, atol: float) -> None:
    for name, frame in a.frames().items():
        where = _differs(*(_arrays(s, (name,))[name] for s in (a, b)), atol)
        if where is not None:
            r, c = where
            raise NonDeterministicError(
                f"{a.strategy_id} is not deterministic: {name} at bar {r}, symbol "
                f"{frame.columns[c]} differs between two runs on the same data "
                f"({_num(frame.iat[r, c])} and {_num(b.frames()[name].iat[r, c])})"
            )


def check_strategy(
    strategy: Strategy,
    data: MarketData,
    *,
    prefixes: list[int] | None = None,
    atol: float = 1e-9,
    thorough: bool = False,
    seed: int = 0,
) -> StrategyCheckReport:
    """Run the shared strategy checks: config round-trip, valid output, determinism, causality.

    ``thorough=True`` checks causality at every decision bar (see :func:`check_causal`).

    Raises
    ------
    LookAheadError
        When a signal changes once later bars are added.
    NonDeterministicError
        When two runs on the same data differ.
    NtlabError
        For any other failed check, with the reason.
    """
    report = StrategyCheckReport(strategy.name, data.n_bars, [])
    cfg = strategy.config
    again = type(cfg).from_dict(cfg.to_dict())
    if again != cfg:
        raise ConfigError(f"{strategy.name}: config does not round-trip through a dict")
    report.passed.append("config round-trip")

    first = fresh_instance(strategy).signals(data)  # Signals validates ranges on construction
    if first.target.shape != data.shape or not first.index.equals(data.index):
        raise NtlabError(f"{strategy.name}: signals must have the data's shape {data.shape}")
    report.passed.append("valid output")

    _check_same(first, fresh_instance(strategy).signals(data), atol)
    report.passed.append("determinism")

    report.causality = check_causal(
        strategy, data, prefixes, atol=atol, full=first, thorough=thorough, seed=seed
    )
    report.prefixes = [b + 1 for b in report.causality.bars]
    report.passed.append("causality")
    return report


def check_stream(strategy: Strategy, data: MarketData, start: int, *, atol: float = 1e-9) -> int:
    """Prove that a stream warmed on ``data[:start]`` and fed the remaining bars one at a
    time gives the rows of ``strategy.signals(data)``; returns the number of bars compared.

    Raises
    ------
    NtlabError
        Naming the first bar, symbol and field that differ.
    """
    batch = strategy.clone().signals(data)
    stream = open_stream(strategy.clone(), data[:start])
    rows = stream.push(data[start:])
    for k, row in enumerate(rows):
        ref = SignalRow.from_signals(batch, start + k)
        for name in ("target", "confidence", "stop_loss", "take_profit", "reasoning"):
            a, b = getattr(row, name), getattr(ref, name)
            if (a is None) != (b is None):
                raise NtlabError(
                    f"{strategy.name} stream: {name} is present in only one of stream/batch"
                )
            if a is None:
                continue
            if name == "reasoning":
                bad = a != b
            else:
                both_nan = np.isnan(a) & np.isnan(b)
                bad = ~both_nan & ~(np.abs(a - b) <= atol * (1 + np.abs(b)))
            if bad.any():
                c = int(np.argmax(bad))
                raise NtlabError(
                    f"{strategy.name} stream differs from batch at bar {start + k} ({row.timestamp.isoformat()}), "
                    f"symbol {row.symbols[c]}, {name}: stream {a[c]!r}, batch {b[c]!r}"
                )
    return len(rows)


def _strategy_data(strategy: Strategy, data: MarketData | None) -> Callable[[], MarketData]:
    """Data to check ``strategy`` on: ``data``, else its first example, else ``stocks``."""
    if data is not None:
        return lambda: data
    if type(strategy).examples:
        return type(strategy).examples[0].data
    from ntlab.data import load_sample

    return lambda: load_sample("stocks")


def _strategy_checks(strategy: Strategy, data: MarketData | None) -> list[tuple[str, Callable]]:
    load = _strategy_data(strategy, data)

    def causal(s: Strategy) -> None:
        check_strategy(s, load())

    def stream(s: Strategy) -> None:
        d = load()
        check_stream(s, d, d.n_bars // 2)

    return [("check_strategy", causal), ("check_stream", stream)]


def parametrize_with_checks(*objects: Any, data: MarketData | None = None) -> Any:
    """A ``pytest.mark.parametrize`` that runs every shared check on each object.

    Objects are strategy instances and indicators (a registered name or an
    :class:`~ntlab.indicators.Indicator`). Strategies run :func:`check_strategy` and
    :func:`check_stream` on ``data`` (default: the strategy's first ``examples`` entry,
    else the bundled ``stocks`` sample); indicators run every check of
    :func:`check_indicator`. As scikit-learn's ``parametrize_with_checks``::

        from ntlab.testing import parametrize_with_checks

        @parametrize_with_checks(MyStrategy(), "my_indicator")
        def test_ntlab_checks(obj, check):
            check(obj)
    """
    import pytest

    from ntlab.indicators import Indicator, get_indicator
    from ntlab.indicators._checks import CHECKS

    params = []
    for obj in objects:
        if isinstance(obj, Strategy):
            checks, label = _strategy_checks(obj, data), obj.name
        elif isinstance(obj, (str, Indicator)):
            spec = get_indicator(obj) if isinstance(obj, str) else obj
            obj, label = spec, spec.name
            checks = [(c.__name__, c) for c in CHECKS]
        else:
            raise ConfigError(
                f"parametrize_with_checks takes strategy instances and indicators, got {obj!r}"
            )
        params += [pytest.param(obj, fn, id=f"{label}-{name}") for name, fn in checks]
    return pytest.mark.parametrize("obj, check", params)
