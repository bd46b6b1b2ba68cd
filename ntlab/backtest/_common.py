"""Shared by both engines: the look-ahead guard, signal alignment and price arrays."""

from __future__ import annotations

import numpy as np

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError, LookAheadError
from ntlab.strategies.base import Signals, Strategy
from ntlab.testing import check_causal

__all__ = ["resolve_signals", "guard_lookahead", "price_arrays"]


def guard_lookahead(strategy: Strategy, data: MarketData) -> None:
    """Refuse a strategy that fails :func:`ntlab.testing.check_causal` on ``data``.

    Raises
    ------
    LookAheadError
        Naming the first bar and symbol whose signal changes once later bars are added.
    """
    try:
        check_causal(strategy, data)
    except LookAheadError as exc:
        raise LookAheadError(
            f"{exc}. The backtest refuses a strategy that looks ahead: fix it, or pass "
            "allow_lookahead=True to run it anyway (its results will be too good to be true)."
        ) from exc


def resolve_signals(
    strategy: Strategy | Signals,
    data: MarketData,
    *,
    allow_lookahead: bool = False,
    progress: bool | None = None,
) -> Signals:
    """Signals of ``strategy`` on ``data`` (after the look-ahead guard), or ready-made signals
    checked for shape. ``progress`` turns the bars of long signal runs (retrains) on or off."""
    from ntlab._progress import progress_scope

    if isinstance(strategy, Signals):
        signals = strategy
    elif isinstance(strategy, Strategy):
        with progress_scope(progress):
            if not allow_lookahead:
                guard_lookahead(strategy, data)
            signals = strategy.signals(data)
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
    return signals


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
