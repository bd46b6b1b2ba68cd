"""Numba kernels of a session's per-bar decision: target changes -> signed order quantities.

The rule is the event backtest's step (1) (:func:`ntlab.backtest._event_nb.simulate_nb`):
a symbol is traded only when its target changes, and the order is sized by the shared
:func:`ntlab.execution._fill_nb.order_qty_nb` on the decision bar's close and the equity.
Both engines call that kernel, so a paper session on replayed bars and the event backtest
size every order the same way.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.execution._fill_nb import order_qty_nb

__all__ = ["combine_targets_nb", "decide_nb", "protective_exits_nb"]


@njit(cache=True)
def combine_targets_nb(targets: np.ndarray) -> np.ndarray:
    """Mean of the strategies' targets per symbol; a NaN target (no opinion yet) counts as 0.

    Parameters
    ----------
    targets : ndarray of shape (n_strategies, n_symbols)

    Returns
    -------
    ndarray of shape (n_symbols,), in [-1, 1] when every input is.
    """
    k, m = targets.shape
    out = np.zeros(m)
    if k == 0:
        return out
    for s in range(k):
        for j in range(m):
            t = targets[s, j]
            if np.isfinite(t):
                out[j] += t
    for j in range(m):
        out[j] /= k
    return out


@njit(cache=True)
def decide_nb(
    target: np.ndarray,
    prev_target: np.ndarray,
    position: np.ndarray,
    mark: np.ndarray,
    equity: float,
    weight_scale: float,
    lot: float,
    changed: np.ndarray,
) -> np.ndarray:
    """Signed order quantities for the symbols whose target changed (0 elsewhere).

    Parameters
    ----------
    target, prev_target : ndarray of shape (n_symbols,)
        This bar's combined targets and the last decided ones; ``prev_target`` is updated
        in place where the target changed.
    position : ndarray of shape (n_symbols,)
        The strategies' signed position per symbol, open orders included.
    mark : ndarray of shape (n_symbols,)
        Last valid close (0 or NaN: the symbol cannot be sized yet).
    equity : float
        Account value that the equal sleeves split.
    weight_scale : float
        Portfolio weight of a full sleeve (``1 / n_symbols``).
    lot : float
        Lot size (0 = fractional).
    changed : ndarray of bool, shape (n_symbols,)
        Set in place: True where the target changed on this bar.
    """
    m = target.size
    qty = np.zeros(m)
    for j in range(m):
        t = target[j]
        if t == prev_target[j]:
            changed[j] = False
            continue
        changed[j] = True
        prev_target[j] = t
        qty[j] = order_qty_nb(t, weight_scale, equity, mark[j], position[j], lot)
    return qty


@njit(cache=True)
def protective_exits_nb(
    position: np.ndarray,
    avg_price: np.ndarray,
    close: np.ndarray,
    busy: np.ndarray,
    stop_pct: float,
    take_pct: float,
) -> np.ndarray:
    """Which positions reached the session's stop-loss or take-profit at this bar's close.

    A long whose close fell ``stop_pct`` below its average entry price (a short: rose
    above) is stopped; one that gained ``take_pct`` takes profit. Symbols with ``busy``
    True (an order already working) and without a finite close are skipped; 0 turns a
    level off.

    Returns
    -------
    ndarray of int8, shape (n_symbols,)
        0 = nothing, 1 = stop-loss, 2 = take-profit.
    """
    m = position.size
    out = np.zeros(m, dtype=np.int8)
    if stop_pct <= 0.0 and take_pct <= 0.0:
        return out
    for j in range(m):
        q = position[j]
        c = close[j]
        if q == 0.0 or busy[j] or not np.isfinite(c) or not avg_price[j] > 0.0:
            continue
        side = 1.0 if q > 0.0 else -1.0
        move = (c / avg_price[j] - 1.0) * side
        if stop_pct > 0.0 and move <= -stop_pct:
            out[j] = 1
        elif take_pct > 0.0 and move >= take_pct:
            out[j] = 2
    return out
