"""Public checks for strategies: a look-ahead detector users can run on their own.

>>> from ntlab.testing import check_strategy
>>> report = check_strategy(my_strategy, data)   # raises LookAheadError on a leak
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, LookAheadError, NtlabError
from ntlab.indicators._checks import IndicatorCheckReport, check_indicator
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.live import SignalRow, open_stream

__all__ = [
    "check_strategy",
    "check_causal",
    "check_stream",
    "parametrize_with_checks",
    "check_indicator",
    "IndicatorCheckReport",
    "StrategyCheckReport",
]


@dataclass
class StrategyCheckReport:
    strategy: str
    n_bars: int
    prefixes: list[int]
    passed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.strategy}: {', '.join(self.passed)} passed on {self.n_bars} bars (prefixes {self.prefixes})"


def _default_prefixes(strategy: Strategy, n: int) -> list[int]:
    lo = min(max(strategy.warmup + 5, n // 4), n - 1)
    ks = sorted({lo, (lo + n) // 2, n - 7, n - 1})
    return [k for k in ks if 1 <= k < n]


def _first_difference(a: pd.DataFrame, b: pd.DataFrame, atol: float) -> tuple[int, int] | None:
    numeric = all(pd.api.types.is_numeric_dtype(t) for t in (*a.dtypes, *b.dtypes))
    if not numeric:
        diff = a.to_numpy() != b.to_numpy()
    else:
        x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
        both_nan = np.isnan(x) & np.isnan(y)
        diff = ~both_nan & ~(np.abs(x - y) <= atol * (1 + np.abs(y)))
    if not diff.any():
        return None
    r, c = np.argwhere(diff)[0]
    return int(r), int(c)


def check_causal(
    strategy: Strategy, data: MarketData, prefixes: list[int] | None = None, *, atol: float = 1e-9
) -> list[int]:
    """Prove that ``signals(data[:k])`` equals the first k rows of ``signals(data)``.

    Each run uses a fresh clone (so nothing learned on the full data leaks in).
    Raises :class:`LookAheadError` naming the first bar, symbol and field that differ.
    """
    ks = prefixes or _default_prefixes(strategy, data.n_bars)
    full = strategy.clone().signals(data)
    for k in ks:
        part = strategy.clone().signals(data[:k])
        for name, frame in part.frames().items():
            ref = full.frames().get(name)
            if ref is None:
                raise LookAheadError(
                    f"{strategy.name}: field {name} appears only on the prefix of {k} bars"
                )
            where = _first_difference(frame, ref.iloc[:k], atol)
            if where is not None:
                r, c = where
                raise LookAheadError(
                    f"{strategy.name} is not causal: {name} at bar {r} ({frame.index[r].isoformat()}), "
                    f"symbol {frame.columns[c]} is {frame.iat[r, c]!r} with {k} bars of data but "
                    f"{ref.iat[r, c]!r} with {data.n_bars}: it uses data after bar {r}"
                )
    return ks


def _check_same(a: Signals, b: Signals, what: str, atol: float) -> None:
    for name, frame in a.frames().items():
        if _first_difference(frame, b.frames()[name], atol) is not None:
            raise NtlabError(f"{a.strategy_id} is not {what}: {name} differs between two runs")


def check_strategy(
    strategy: Strategy, data: MarketData, *, prefixes: list[int] | None = None, atol: float = 1e-9
) -> StrategyCheckReport:
    """Run the shared strategy checks: config round-trip, valid output, determinism, causality.

    Raises
    ------
    LookAheadError
        When a signal changes once later bars are added.
    NtlabError
        For any other failed check, with the reason.
    """
    report = StrategyCheckReport(strategy.name, data.n_bars, [])
    cfg = strategy.config
    again = type(cfg).from_dict(cfg.to_dict())
    if again != cfg:
        raise ConfigError(f"{strategy.name}: config does not round-trip through a dict")
    report.passed.append("config round-trip")

    first = strategy.clone().signals(data)  # Signals validates ranges on construction
    if first.target.shape != data.shape or not first.index.equals(data.index):
        raise NtlabError(f"{strategy.name}: signals must have the data's shape {data.shape}")
    report.passed.append("valid output")

    _check_same(first, strategy.clone().signals(data), "deterministic", atol)
    report.passed.append("determinism")

    report.prefixes = check_causal(strategy, data, prefixes, atol=atol)
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
