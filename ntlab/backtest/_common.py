"""Shared by both engines: the look-ahead guard, signal alignment and price arrays."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ntlab._causality import TRADED, CausalityCheck, check_causal
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError, LookAheadError
from ntlab.strategies.base import Signals, Strategy

__all__ = [
    "resolve_signals",
    "resolve_checked",
    "guard_lookahead",
    "guard_fit_range",
    "check_summary",
    "price_arrays",
]


_REFUSED = (
    "The backtest refuses a strategy that looks ahead: fix it, or pass "
    "allow_lookahead=True to run it anyway (its results will be too good to be true)."
)


def guard_lookahead(
    strategy: Strategy,
    data: MarketData,
    *,
    full: Signals | Callable[[], Signals] | None = None,
    thorough: bool = False,
) -> CausalityCheck:
    """Refuse a strategy that fails :func:`ntlab.testing.check_causal` on ``data``.

    Compares the frames a backtest trades on (target, confidence, stop-loss and
    take-profit levels).

    Raises
    ------
    LookAheadError
        Naming the first bar and symbol whose signal changes once later bars are added.
    """
    try:
        return check_causal(strategy, data, full=full, thorough=thorough, fields=TRADED)
    except LookAheadError as exc:
        raise LookAheadError(f"{exc}. {_REFUSED}") from exc


def guard_fit_range(strategy: Strategy, data: MarketData, start: int = 0) -> None:
    """Refuse to evaluate a fitted strategy on bars it was fitted on.

    ``start`` is the first bar whose result counts (earlier bars are history).
    """
    fitted = strategy.fit_range
    if fitted is None:
        return
    lo, hi = fitted
    first, last = data.index[start], data.index[-1]
    if first <= hi and last >= lo:
        raise LookAheadError(
            f"{strategy.name} was fitted on {lo.isoformat()} .. {hi.isoformat()} and would be "
            f"evaluated on {first.isoformat()} .. {last.isoformat()}, which overlaps what it "
            f"learned from: evaluate it on bars after {hi.isoformat()} only, or fit it on "
            "earlier bars (ntlab.reports.run_config fits on the first part and reports the "
            "rest). " + _REFUSED
        )


def resolve_checked(
    strategy: Strategy | Signals,
    data: MarketData,
    *,
    allow_lookahead: bool = False,
    start: int = 0,
) -> tuple[Signals, CausalityCheck | None]:
    """Signals of ``strategy`` on ``data`` after the guards (fit range, look-ahead), and
    what the look-ahead check looked at (None when skipped or for ready-made signals).

    The check reuses the run's own signals (the instance that runs computes them once).
    """
    check = None
    if isinstance(strategy, Signals):
        signals = strategy
    elif isinstance(strategy, Strategy):
        if allow_lookahead:
            signals = strategy.signals(data)
        else:
            guard_fit_range(strategy, data, start)
            box: list[Signals] = []

            def run() -> Signals:
                box.append(strategy.signals(data))
                return box[0]

            check = guard_lookahead(strategy, data, full=run)
            signals = box[0]
    else:
        raise ConfigError(f"a backtest needs a Strategy or Signals, got {type(strategy).__name__}")
    if not signals.index.equals(data.index) or list(signals.symbols) != data.symbols:
        raise DataError(
            f"signals of {signals.strategy_id} do not line up with the data: signals have "
            f"{len(signals)} bars x {len(signals.symbols)} symbols, data {data.n_bars} x {data.n_symbols}; "
            "compute them on the same MarketData"
        )
    if data.n_bars < 2:
        raise DataError(
            f"a backtest needs at least 2 bars, {data.name or 'the data'} has {data.n_bars}"
        )
    return signals, check


def resolve_signals(
    strategy: Strategy | Signals, data: MarketData, *, allow_lookahead: bool = False
) -> Signals:
    """Signals of ``strategy`` on ``data`` (after the guards), or ready-made signals checked
    for shape (see :func:`resolve_checked`)."""
    return resolve_checked(strategy, data, allow_lookahead=allow_lookahead)[0]


def check_summary(check: CausalityCheck | None, allow_lookahead: bool) -> str:
    """The look-ahead check as a result's settings record it."""
    if check is not None:
        return str(check)
    return "off (allow_lookahead=True)" if allow_lookahead else "not run (ready-made signals)"


def layout_of(a: np.ndarray) -> str:
    """'F' for a Fortran-ordered 2-D array, else 'C'."""
    return "F" if (a.flags.f_contiguous and not a.flags.c_contiguous) else "C"


def as_layout(frame_or_array, layout: str) -> np.ndarray:
    """float64 array of a frame in the given memory layout (no copy when it already is).

    Kernels take any layout; keeping every input in the close's layout avoids copies of
    whole panels and keeps numba to one compiled variant per layout.
    """
    a = (
        frame_or_array.to_numpy(dtype=np.float64)
        if hasattr(frame_or_array, "to_numpy")
        else frame_or_array
    )
    return np.asarray(a, dtype=np.float64, order=layout)


def price_arrays(
    data: MarketData,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """open, high, low, close of shape (n_bars, n_symbols) as float64 in the close's memory
    layout, missing fields replaced by the close, and volume (an empty (0, 0) array when
    the data has none)."""
    raw = data.close.to_numpy(dtype=np.float64)
    layout = layout_of(raw)
    close = as_layout(raw, layout)

    def get(name: str) -> np.ndarray:
        return as_layout(data.field(name), layout) if data.has(name) else close

    volume = get("volume") if data.has("volume") else np.empty((0, 0))
    return get("open"), get("high"), get("low"), close, volume
