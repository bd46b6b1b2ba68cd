"""Numba kernel of the vector path's protective exits (the strategy's stop-loss / take-profit).

The levels of ``Signals.stop_loss/take_profit`` are prices fixed by the signals, so
whether a bar reaches them depends on the signals and the bars only: this kernel walks
each symbol once and says, per bar, whether the position held in that bar exits at its
stop or take-profit, and at what price. The price and the choice between the two come
from :func:`ntlab.execution._fill_nb.protective_exit_nb`, the event engine's rule (stop
first when a bar touches both, gaps fill at the open), with slippage left to vectorbt.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.backtest._event_nb import _touched_nb
from ntlab.execution._fill_nb import N_PARAMS, protective_exit_nb

__all__ = ["vector_exits_nb"]


@njit(cache=True)
def vector_exits_nb(
    target: np.ndarray,
    stop_level: np.ndarray,
    take_level: np.ndarray,
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    fill_at_close: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Bars where the held position exits at a protective level, and the exit price.

    Parameters
    ----------
    target, stop_level, take_level, open_, high, low, close : ndarray of shape (n_bars, n_symbols)
        Sleeve targets decided at each close and the levels decided with them (NaN:
        none); the bars.
    fill_at_close : bool
        Orders fill at the next bar's close (the exits of a bar come before its fill)
        instead of its open (the exits come after it, on the entry bar too).

    Returns
    -------
    price : ndarray of shape (n_bars, n_symbols)
        Exit price before slippage (NaN: no protective exit on that bar).
    reason : ndarray of int64, same shape
        1 stop-loss, 2 take-profit, 0 none.

    The position of a bar is the sign of the last target that reached the book; after a
    protective exit the symbol stays flat until its target changes (as in the event
    engine).
    """
    n, m = target.shape
    price = np.full((n, m), np.nan)
    reason = np.zeros((n, m), dtype=np.int64)
    params = np.zeros(N_PARAMS)  # no slippage or fees here: vectorbt charges them
    for j in range(m):
        side = 0.0
        prev = 0.0
        sl = np.nan
        tp = np.nan
        for i in range(1, n):
            # the target that set the position held inside bar i: decided at i-1 and
            # filled at bar i's open, or decided at i-2 and filled at bar i-1's close
            lag = 2 if fill_at_close else 1
            if i >= lag:
                t_held = target[i - lag, j]
                if t_held != prev:
                    prev = t_held
                    if np.sign(t_held) != side:
                        sl = np.nan  # a new position: its levels come with its target
                        tp = np.nan
                    side = np.sign(t_held)
            if side == 0.0:
                continue
            if target[i - 1, j] * side > 0.0:
                sl = stop_level[i - 1, j]
                tp = take_level[i - 1, j]
            if not _touched_nb(side, sl, tp, low[i, j], high[i, j]):  # the event engine's pre-test
                continue
            q, p, f, why = protective_exit_nb(
                side, sl, tp, open_[i, j], high[i, j], low[i, j], close[i, j], np.nan, params, True
            )
            if q > 0.0:
                price[i, j] = p
                reason[i, j] = why
                side = 0.0
    return price, reason
