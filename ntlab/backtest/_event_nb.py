"""Numba core of the event backtest: one bar at a time, no Python objects per bar.

Every order, fill, cost and protective exit goes through the shared kernels of
:mod:`ntlab.execution._fill_nb`; this module only keeps the books (cash, positions,
working orders, protective levels) and the bar loop.

Fill records are rows of a float64 array with the columns ``R_*``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.execution._fill_nb import (
    MARKET,
    MARKET_ON_CLOSE,
    P_LOT,
    cap_to_buying_power_nb,
    commission_nb,
    fill_order_nb,
    order_qty_nb,
    protective_exit_nb,
)

__all__ = [
    "simulate_nb",
    "trades_nb",
    "R_BAR",
    "R_COL",
    "R_QTY",
    "R_PRICE",
    "R_FEE",
    "R_REASON",
    "N_REC",
]

R_BAR, R_COL, R_QTY, R_PRICE, R_FEE, R_REASON = 0, 1, 2, 3, 4, 5
N_REC = 6

REASON_SIGNAL, REASON_STOP, REASON_TAKE, REASON_OPEN = 0, 1, 2, 3

_EPS = 1e-9


@njit(cache=True)
def _push_nb(
    rec: np.ndarray, n: int, bar: int, col: int, qty: float, price: float, fee: float, reason: int
) -> np.ndarray:
    if n >= rec.shape[0]:
        grown = np.empty((rec.shape[0] * 2 + 16, N_REC), dtype=np.float64)
        grown[:n] = rec[:n]
        rec = grown
    rec[n, R_BAR] = bar
    rec[n, R_COL] = col
    rec[n, R_QTY] = qty
    rec[n, R_PRICE] = price
    rec[n, R_FEE] = fee
    rec[n, R_REASON] = reason
    return rec


@njit(cache=True)
def _bar_price_nb(
    open_: np.ndarray, close: np.ndarray, i: int, j: int, at_close: bool, mark: float
) -> float:
    """Execution-time price of a market order (open, close, or the last mark when missing)."""
    p = close[i, j] if at_close else open_[i, j]
    if not np.isfinite(p):
        p = close[i, j]
    if not np.isfinite(p):
        p = mark
    return p


@njit(cache=True)
def _activate_nb(
    i,
    open_,
    close,
    target,
    weight_scale,
    lot,
    eq_s,
    fill_at_close,
    size_at_fill,
    entry_type,
    entry_offset,
    pos,
    mark,
    prev_t,
    work,
    wtype,
    wlim,
    wstop,
    key,
):
    """Turn the targets decided at bar ``i - 1`` into working orders for bar ``i``."""
    r = i - 1
    for j in range(pos.shape[0]):
        t = target[r, j]
        if t == prev_t[j]:
            continue
        prev_t[j] = t
        px = _bar_price_nb(open_, close, i, j, fill_at_close, mark[j]) if size_at_fill else mark[j]
        q = order_qty_nb(t, weight_scale, eq_s, px, pos[j], lot)
        # -- risk gate: the single place where an order's quantity would pass the pre-trade check --
        work[j] = q
        if q == 0.0:
            continue
        key[j] = q * px
        adds = pos[j] == 0.0 or (q > 0.0) == (pos[j] > 0.0)
        wtype[j] = entry_type if adds else MARKET
        if wtype[j] == MARKET and fill_at_close:
            wtype[j] = MARKET_ON_CLOSE
        sgn = 1.0 if q > 0.0 else -1.0
        wlim[j] = mark[j] * (1.0 - sgn * entry_offset)
        wstop[j] = mark[j] * (1.0 + sgn * entry_offset)


@njit(cache=True)
def _fill_working_nb(
    i,
    open_,
    high,
    low,
    close,
    volume,
    has_volume,
    params,
    fill_at_close,
    initial_margin,
    pos,
    mark,
    work,
    wtype,
    wlim,
    wstop,
    key,
    idx,
    entry_px,
    act_stop,
    act_take,
    cash,
    rec,
    n_rec,
    totals,
):
    """Fill the working orders on bar ``i``, sells before buys (ascending signed notional).

    The order follows vectorbt's automatic call sequence, so cash freed by sales pays for
    the buys of the same bar.
    """
    m = pos.shape[0]
    nw = 0
    for j in range(m):
        if work[j] != 0.0:
            k = nw
            while k > 0 and key[idx[k - 1]] > key[j]:
                idx[k] = idx[k - 1]
                k -= 1
            idx[k] = j
            nw += 1
    if nw == 0:
        return cash, rec, n_rec
    long_v = 0.0
    short_v = 0.0
    for j in range(m):
        if pos[j] != 0.0:
            v = pos[j] * _bar_price_nb(open_, close, i, j, fill_at_close, mark[j])
            if v > 0.0:
                long_v += v
            else:
                short_v -= v
    for k in range(nw):
        j = idx[k]
        q = work[j]
        side = 1 if q > 0.0 else -1
        vol = volume[i, j] if has_volume else np.nan
        fq, p, f = fill_order_nb(
            side,
            abs(q),
            wtype[j],
            wlim[j],
            wstop[j],
            open_[i, j],
            high[i, j],
            low[i, j],
            close[i, j],
            vol,
            params,
        )
        if fq <= 0.0:
            continue
        mk = _bar_price_nb(open_, close, i, j, fill_at_close, mark[j])
        capped = cap_to_buying_power_nb(
            side, fq, p, mk, pos[j], cash, long_v, short_v, initial_margin, params
        )
        cut = capped < fq
        if cut:
            fq = capped
            f = commission_nb(fq, p, params)
        if fq > 0.0:
            old = pos[j]
            new = old + side * fq
            if abs(new) < _EPS * max(1.0, abs(old)):
                new = 0.0
            cash -= side * fq * p + f
            totals[0] += f
            if old > 0.0:
                long_v -= old * mk
            else:
                short_v += old * mk
            if new > 0.0:
                long_v += new * mk
            else:
                short_v -= new * mk
            pos[j] = new
            rec = _push_nb(rec, n_rec, i, j, side * fq, p, f, REASON_SIGNAL)
            n_rec += 1
            if old == 0.0 or old * new < 0.0:
                entry_px[j] = p
                act_stop[j] = np.nan
                act_take[j] = np.nan
        rem = q - side * fq
        work[j] = 0.0 if cut or abs(rem) < _EPS * max(1.0, abs(q)) else rem
    return cash, rec, n_rec


@njit(cache=True)
def _protect_nb(
    i,
    open_,
    high,
    low,
    close,
    volume,
    has_volume,
    stop_level,
    take_level,
    has_levels,
    target,
    params,
    stop_pct,
    take_pct,
    pos,
    work,
    act_stop,
    act_take,
    entry_px,
    cash,
    rec,
    n_rec,
    totals,
):
    """Stop-loss and take-profit exits inside bar ``i`` (levels decided at bar ``i - 1``)."""
    for j in range(pos.shape[0]):
        if pos[j] == 0.0:
            continue
        side_pos = 1.0 if pos[j] > 0.0 else -1.0
        if has_levels and i > 0 and target[i - 1, j] * side_pos > 0.0:
            act_stop[j] = stop_level[i - 1, j]
            act_take[j] = take_level[i - 1, j]
        sl = act_stop[j]
        tp = act_take[j]
        if not np.isfinite(sl) and stop_pct > 0.0:
            sl = entry_px[j] * (1.0 - side_pos * stop_pct)
        if not np.isfinite(tp) and take_pct > 0.0:
            tp = entry_px[j] * (1.0 + side_pos * take_pct)
        if not (np.isfinite(sl) or np.isfinite(tp)):
            continue
        vol = volume[i, j] if has_volume else np.nan
        fq, p, f, why = protective_exit_nb(
            pos[j], sl, tp, open_[i, j], high[i, j], low[i, j], close[i, j], vol, params
        )
        if fq <= 0.0:
            continue
        sgn = -side_pos
        new = pos[j] + sgn * fq
        if abs(new) < _EPS * max(1.0, abs(pos[j])):
            new = 0.0
        cash -= sgn * fq * p + f
        totals[0] += f
        pos[j] = new
        work[j] = 0.0
        rec = _push_nb(rec, n_rec, i, j, sgn * fq, p, f, why)
        n_rec += 1
    return cash, rec, n_rec


@njit(cache=True)
def simulate_nb(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    target: np.ndarray,
    stop_level: np.ndarray,
    take_level: np.ndarray,
    weight_scale: float,
    init_cash: float,
    params: np.ndarray,
    entry_type: int,
    entry_offset: float,
    fill_at_close: bool,
    size_at_fill: bool,
    stop_pct: float,
    take_pct: float,
    initial_margin: float,
    borrow_per_bar: float,
    margin_per_bar: float,
    start: int,
):
    """Run the book over every bar.

    Each bar: (1) the targets decided at the previous close become working orders,
    sized by the ExecutionPolicy kernel; (2) working orders fill at the open, sells
    first; (3) stop-loss / take-profit exits are checked against the bar's range;
    (4) the book is marked at the close and carry costs are charged. With
    ``fill_at_close`` the exits (3) come before the fills (2), which then happen at the close.

    Parameters
    ----------
    open_, high, low, close : ndarray of shape (n_bars, n_symbols)
        Prices (pass ``close`` for missing fields).
    volume : ndarray of shape (n_bars, n_symbols) or (0, 0)
        Bar volume; an empty array disables the volume cap and the impact slippage.
    target : ndarray of shape (n_bars, n_symbols)
        Sleeve targets in [-1, 1] decided at each bar's close.
    stop_level, take_level : ndarray of shape (n_bars, n_symbols) or (0, 0)
        Protective price levels decided at each bar (NaN: none); empty = not given.
    weight_scale : float
        Portfolio weight of a full sleeve (``1 / n_symbols``).
    init_cash : float
    params : ndarray of shape (N_PARAMS,)
        Cost and fill parameters (:meth:`ExecutionPolicy.params`).
    entry_type : int
        Order type for orders that open or add exposure (MARKET, LIMIT or STOP);
        orders that reduce a position are market orders.
    entry_offset : float
        Limit/stop distance from the decision close, as a fraction.
    fill_at_close : bool
        Fill at the next bar's close instead of its open.
    size_at_fill : bool
        Size orders with the fill bar's price and value (vectorbt's target-percent
        orders) instead of the decision bar's close and equity.
    stop_pct, take_pct : float
        Protective levels from the entry fill price where the signals give none (0 = off).
    initial_margin : float
        Gross exposure may reach ``equity / initial_margin`` (1 = cash account).
    borrow_per_bar, margin_per_bar : float
        Borrow fee on short market value and interest on negative cash, per bar.
    start : int
        First bar of the book; decisions from bar ``start`` on are traded.

    Returns
    -------
    equity, cash : ndarray of shape (n_bars,)
    positions : ndarray of shape (n_bars, n_symbols)
    records : ndarray of shape (n_fills, N_REC)
    totals : ndarray of shape (3,)
        Commission paid, borrow fees and margin interest.
    """
    n, m = close.shape
    lot = params[P_LOT]
    has_volume = volume.shape[0] == n
    has_levels = stop_level.shape[0] == n
    equity = np.full(n, init_cash)
    cash_out = np.full(n, init_cash)
    positions = np.zeros((n, m))
    rec = np.empty((64, N_REC))
    n_rec = 0
    totals = np.zeros(3)

    cash = init_cash
    pos = np.zeros(m)
    mark = np.full(m, np.nan)
    prev_t = np.zeros(m)
    work = np.zeros(m)  # signed remaining quantity of the working order (0 = none)
    wtype = np.zeros(m, dtype=np.int64)
    wlim = np.full(m, np.nan)
    wstop = np.full(m, np.nan)
    key = np.zeros(m)
    act_stop = np.full(m, np.nan)
    act_take = np.full(m, np.nan)
    entry_px = np.full(m, np.nan)
    idx = np.empty(m, dtype=np.int64)
    if start > 0:
        for j in range(m):
            mark[j] = close[start - 1, j]

    for i in range(start, n):
        if i > start:
            eq_s = equity[i - 1]
            if size_at_fill:
                eq_s = cash
                for j in range(m):
                    if pos[j] != 0.0:
                        eq_s += pos[j] * _bar_price_nb(open_, close, i, j, fill_at_close, mark[j])
            _activate_nb(
                i,
                open_,
                close,
                target,
                weight_scale,
                lot,
                eq_s,
                fill_at_close,
                size_at_fill,
                entry_type,
                entry_offset,
                pos,
                mark,
                prev_t,
                work,
                wtype,
                wlim,
                wstop,
                key,
            )
        if fill_at_close:
            cash, rec, n_rec = _protect_nb(
                i,
                open_,
                high,
                low,
                close,
                volume,
                has_volume,
                stop_level,
                take_level,
                has_levels,
                target,
                params,
                stop_pct,
                take_pct,
                pos,
                work,
                act_stop,
                act_take,
                entry_px,
                cash,
                rec,
                n_rec,
                totals,
            )
        cash, rec, n_rec = _fill_working_nb(
            i,
            open_,
            high,
            low,
            close,
            volume,
            has_volume,
            params,
            fill_at_close,
            initial_margin,
            pos,
            mark,
            work,
            wtype,
            wlim,
            wstop,
            key,
            idx,
            entry_px,
            act_stop,
            act_take,
            cash,
            rec,
            n_rec,
            totals,
        )
        if not fill_at_close:
            cash, rec, n_rec = _protect_nb(
                i,
                open_,
                high,
                low,
                close,
                volume,
                has_volume,
                stop_level,
                take_level,
                has_levels,
                target,
                params,
                stop_pct,
                take_pct,
                pos,
                work,
                act_stop,
                act_take,
                entry_px,
                cash,
                rec,
                n_rec,
                totals,
            )
        # the close: mark to market, carry costs, book the bar
        long_v = 0.0
        short_v = 0.0
        for j in range(m):
            c = close[i, j]
            if np.isfinite(c):
                mark[j] = c
            pj = pos[j]
            positions[i, j] = pj
            if pj > 0.0:
                long_v += pj * mark[j]
            elif pj < 0.0:
                short_v -= pj * mark[j]
        if short_v > 0.0 and borrow_per_bar > 0.0:
            fee = short_v * borrow_per_bar
            cash -= fee
            totals[1] += fee
        if cash < 0.0 and margin_per_bar > 0.0:
            fee = -cash * margin_per_bar
            cash -= fee
            totals[2] += fee
        equity[i] = cash + long_v - short_v
        cash_out[i] = cash
    return equity, cash_out, positions, rec[:n_rec].copy(), totals


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
