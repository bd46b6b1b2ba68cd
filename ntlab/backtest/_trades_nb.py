"""Round-trip trades from the event engine's fill records (numba)."""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.backtest._event_nb import R_BAR, R_COL, R_FEE, R_PRICE, R_QTY, R_REASON, REASON_OPEN

__all__ = ["trades_nb", "TRADE_FIELDS"]

#: Columns of the array :func:`trades_nb` returns.
TRADE_FIELDS = (
    "symbol", "side", "entry_bar", "exit_bar", "entry_price", "exit_price", "quantity", "pnl", "return", "reason",
)  # fmt: skip

_EPS = 1e-9


@njit(cache=True)
def trades_nb(rec: np.ndarray, n_symbols: int, last_bar: int, last_mark: np.ndarray) -> np.ndarray:
    """Round-trip trades from fill records (flat -> position -> flat; a flip closes and opens).

    Entries and exits are volume-weighted; fees are split pro rata when one fill closes
    a trade and opens the next. Positions still open are marked at ``last_mark`` with
    the reason ``REASON_OPEN``.

    Returns
    -------
    ndarray of shape (n_trades, 10)
        Columns: symbol, side (+1/-1), entry bar, exit bar, entry price, exit price,
        quantity, pnl, return, exit reason.
    """
    out = np.empty((rec.shape[0] + n_symbols, 10))
    nt = 0
    pos = np.zeros(n_symbols)
    e_bar = np.zeros(n_symbols)
    e_qty = np.zeros(n_symbols)
    e_val = np.zeros(n_symbols)
    x_qty = np.zeros(n_symbols)
    x_val = np.zeros(n_symbols)
    fees = np.zeros(n_symbols)
    for k in range(rec.shape[0]):
        j = int(rec[k, R_COL])
        q = rec[k, R_QTY]
        p = rec[k, R_PRICE]
        f = rec[k, R_FEE]
        old = pos[j]
        if old == 0.0 or (q > 0.0) == (old > 0.0):
            if old == 0.0:
                e_bar[j] = rec[k, R_BAR]
                e_qty[j] = 0.0
                e_val[j] = 0.0
                x_qty[j] = 0.0
                x_val[j] = 0.0
                fees[j] = 0.0
            e_qty[j] += abs(q)
            e_val[j] += abs(q) * p
            fees[j] += f
            pos[j] = old + q
            continue
        closing = min(abs(q), abs(old))
        part = closing / abs(q)
        x_qty[j] += closing
        x_val[j] += closing * p
        fees[j] += f * part
        new = old + q
        if abs(new) < _EPS * max(1.0, abs(old)):
            new = 0.0
        if new == 0.0 or new * old < 0.0:
            _emit_nb(
                out,
                nt,
                j,
                old,
                e_bar[j],
                rec[k, R_BAR],
                e_qty[j],
                e_val[j],
                x_qty[j],
                x_val[j],
                fees[j],
                rec[k, R_REASON],
            )
            nt += 1
            if new != 0.0:
                e_bar[j] = rec[k, R_BAR]
                e_qty[j] = abs(new)
                e_val[j] = abs(new) * p
                x_qty[j] = 0.0
                x_val[j] = 0.0
                fees[j] = f * (1.0 - part)
        pos[j] = new
    for j in range(n_symbols):
        if pos[j] != 0.0:
            rest = e_qty[j] - x_qty[j]
            _emit_nb(
                out,
                nt,
                j,
                pos[j],
                e_bar[j],
                last_bar,
                e_qty[j],
                e_val[j],
                x_qty[j] + rest,
                x_val[j] + rest * last_mark[j],
                fees[j],
                REASON_OPEN,
            )
            nt += 1
    return out[:nt].copy()


@njit(cache=True)
def _emit_nb(out, nt, j, side_pos, e_bar, x_bar, e_qty, e_val, x_qty, x_val, fees, reason):
    side = 1.0 if side_pos > 0.0 else -1.0
    entry = e_val / e_qty
    exit_ = x_val / x_qty
    pnl = side * (x_val - entry * x_qty) - fees
    out[nt, 0] = j
    out[nt, 1] = side
    out[nt, 2] = e_bar
    out[nt, 3] = x_bar
    out[nt, 4] = entry
    out[nt, 5] = exit_
    out[nt, 6] = e_qty
    out[nt, 7] = pnl
    out[nt, 8] = pnl / e_val
    out[nt, 9] = reason
