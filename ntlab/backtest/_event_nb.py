"""Numba core of the event backtest: one bar at a time, no Python objects per bar.

Every order, fill, cost and protective exit goes through the shared kernels of
:mod:`ntlab.execution._fill_nb`; this module only keeps the books (cash, positions,
working orders, protective levels) and the bar loop.

Fill records are rows of a float64 array with the columns ``R_*``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ntlab.execution._fill_nb import (  # the shared execution kernels
    MARKET,
    MARKET_ON_CLOSE,
    P_LOT,
    cap_to_buying_power_nb,
    commission_nb,
    fill_order_nb,
    order_qty_nb,
    protective_exit_nb,
    take_after_fill_nb,
)
from ntlab.risk._gate_nb import APPROVED, REDUCES_EXPOSURE, check_orders_nb, latch_breaker_nb

__all__ = [
    "simulate_nb",
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

# risk limits vector read by the gate (``ntlab.risk.RiskLimits.kernel_args``; inf = none)
G_POS_VALUE, G_POS_FRACTION, G_LEVERAGE, G_SECTOR_FRACTION = 0, 1, 2, 3
G_DAILY_LOSS, G_DAILY_LOSS_VALUE, G_DRAWDOWN = 4, 5, 6
N_GATE = 7

_EPS = 1e-9


@njit(cache=True)
def _reserve_nb(rec: np.ndarray, n: int, extra: int) -> np.ndarray:
    """``rec`` with room for ``extra`` more rows (doubling when full)."""
    if n + extra <= rec.shape[0]:
        return rec
    grown = np.empty((max(2 * rec.shape[0], n + extra), rec.shape[1]), dtype=np.float64)
    grown[:n] = rec[:n]
    return grown


@njit(cache=True)
def _push_nb(
    rec: np.ndarray, n: int, bar: int, col: int, qty: float, price: float, fee: float, reason: int
) -> None:
    rec[n, R_BAR] = bar
    rec[n, R_COL] = col
    rec[n, R_QTY] = qty
    rec[n, R_PRICE] = price
    rec[n, R_FEE] = fee
    rec[n, R_REASON] = reason


@njit(cache=True)
def _bar_price_nb(open_: float, close: float, at_close: bool, mark: float) -> float:
    """Execution-time price of a market order (open, close, or the last mark when missing)."""
    p = close if at_close else open_
    if not np.isfinite(p):
        p = close
    if not np.isfinite(p):
        p = mark
    return p


@njit(cache=True)
def _new_order_nb(
    q: float,
    position: float,
    decision_close: float,
    entry_type: int,
    entry_offset: float,
    fill_at_close: bool,
) -> tuple[int, float, float]:
    """Type, limit and stop level of a new order of signed quantity ``q``.

    Orders that open or add exposure use ``entry_type``; orders that reduce a position
    are market orders (at the close with ``fill_at_close``).
    """
    adds = position == 0.0 or (q > 0.0) == (position > 0.0)
    otype = entry_type if adds else MARKET
    if otype == MARKET and fill_at_close:
        otype = MARKET_ON_CLOSE
    sgn = 1.0 if q > 0.0 else -1.0
    return (
        otype,
        decision_close * (1.0 - sgn * entry_offset),
        decision_close * (1.0 + sgn * entry_offset),
    )


@njit(cache=True)
def _touched_nb(side_pos: float, sl: float, tp: float, low: float, high: float) -> bool:
    """Cheap pre-test: does the bar reach either protective level? (NaN levels never do.)"""
    if side_pos > 0.0:
        return low <= sl or high >= tp
    return high >= sl or low <= tp


@njit(cache=True)
def _book_value_nb(position: float, price: float) -> tuple[float, float]:
    """(long value, short value) contributions of one position marked at ``price``."""
    v = position * price
    if v > 0.0:
        return v, 0.0
    if v < 0.0:
        return 0.0, -v
    return 0.0, 0.0


@njit(cache=True)
def _snap_nb(new: float, old: float) -> float:
    """Round a position that float error left a hair away from zero."""
    return 0.0 if abs(new) < _EPS * max(1.0, abs(old)) else new


@njit(cache=True)
def _gate_nb(
    new_q: np.ndarray,
    pos: np.ndarray,
    px: np.ndarray,
    sector_ids: np.ndarray,
    equity: float,
    limits: np.ndarray,
    halt: int,
    lot: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The bar's new orders through ``ntlab.risk``'s pre-trade gate (reductions first)."""
    no_corr = np.full(new_q.shape[0], -np.inf)
    return check_orders_nb(
        new_q, pos, px, sector_ids, equity, limits[G_POS_VALUE], limits[G_POS_FRACTION],
        limits[G_LEVERAGE], limits[G_SECTOR_FRACTION], no_corr, np.inf, halt, lot,
    )  # fmt: skip


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
    stop_on_entry_bar: bool,
    optimistic_take: bool,
    limits: np.ndarray,
    sector_ids: np.ndarray,
    new_day: np.ndarray,
    start: int,
):
    """Run the book over every bar.

    Each bar: (1) the targets decided at the previous close become working orders,
    sized by the ExecutionPolicy kernel; (2) working orders fill at the open, sells
    first; (3) stop-loss / take-profit exits are checked against the bar's range;
    (4) the book is marked at the close and carry costs are charged. With
    ``fill_at_close`` the exits (3) come before the fills (2), which then happen at the close.

    The steps are written out in this one loop on purpose: numba helpers that take many
    arrays add reference counting on every call (measured ~80 ns per bar each), so the
    helpers here take scalars only.

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
        Order type for orders that open or add exposure (MARKET, LIMIT or STOP).
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
    stop_on_entry_bar : bool
        Check protective levels on the bar a position is opened (after its fill);
        False waits for the next bar, as backtrader's bracket orders do. On that bar a
        limit entry that filled inside the range checks its stop only
        (:func:`take_after_fill_nb`), unless ``optimistic_take``.
    optimistic_take : bool
        Let a take-profit trigger on the bar a limit entry filled inside.
    limits : ndarray of shape (N_GATE,) or (0,)
        Risk limits for ``ntlab.risk``'s pre-trade gate (``G_*`` slots, inf = none); empty
        = no gate. New orders of a bar pass ``check_orders_nb`` together (valued at their
        sizing prices), and the circuit breaker (``latch_breaker_nb``) is updated at every
        close from the equity, its peak and the day's starting equity.
    sector_ids : ndarray of shape (n_symbols,)
        Integer sector of each symbol for the sector limit.
    new_day : ndarray of shape (n_bars,), bool
        True where a bar starts a new trading day (clears a daily-loss halt).
    start : int
        First bar of the book; decisions from bar ``start`` on are traded.

    Returns
    -------
    equity, cash : ndarray of shape (n_bars,)
    positions : ndarray of shape (n_bars, n_symbols)
    records : ndarray of shape (n_fills, N_REC)
    totals : ndarray of shape (3,)
        Commission paid, borrow fees and margin interest.
    marks : ndarray of shape (n_symbols,)
        Last valid close of each symbol (0 where it never had one).
    gate_records : ndarray of shape (n_cut, 5)
        Orders the gate cut or refused: bar, symbol, requested and allowed quantity, code.
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
    mark = np.zeros(m)  # last valid close (0 = none yet: such a symbol cannot be sized)
    prev_t = np.zeros(m)
    work = np.zeros(m)  # signed remaining quantity of the working order (0 = none)
    wtype = np.zeros(m, dtype=np.int64)
    wlim = np.full(m, np.nan)
    wstop = np.full(m, np.nan)
    key = np.zeros(m)
    act_stop = np.full(m, np.nan)
    act_take = np.full(m, np.nan)
    entry_px = np.full(m, np.nan)
    opened = np.full(m, -1, dtype=np.int64)  # bar at which the current position was opened
    take_ok = np.ones(m, dtype=np.bool_)  # may the entry bar's rest reach the take-profit?
    idx = np.empty(m, dtype=np.int64)
    gated = limits.shape[0] == N_GATE
    halt = APPROVED
    peak = init_cash
    day_start = init_cash
    new_q = np.zeros(m)
    px_all = np.zeros(m)
    grec = np.empty((16, 5))
    n_grec = 0
    if start > 0:
        for j in range(m):
            if np.isfinite(close[start - 1, j]):
                mark[j] = close[start - 1, j]

    for i in range(start, n):
        if n_rec + 2 * m > rec.shape[0]:
            rec = _reserve_nb(rec, n_rec, 2 * m)

        # (1) targets decided at the previous close -> working orders
        if i > start:
            r = i - 1
            eq_s = equity[r]
            if size_at_fill:
                eq_s = cash
                for j in range(m):
                    if pos[j] != 0.0:
                        eq_s += pos[j] * _bar_price_nb(
                            open_[i, j], close[i, j], fill_at_close, mark[j]
                        )
            n_new = 0
            for j in range(m):
                t = target[r, j]
                if t == prev_t[j]:
                    continue
                prev_t[j] = t
                px = mark[j]
                if size_at_fill:
                    px = _bar_price_nb(open_[i, j], close[i, j], fill_at_close, mark[j])
                q = order_qty_nb(t, weight_scale, eq_s, px, pos[j], lot)
                work[j] = q
                if gated:
                    new_q[j] = q
                    n_new += 1
                if q != 0.0:
                    # sort key: the notional before rounding, as vectorbt (ties keep column order)
                    key[j] = t * weight_scale * eq_s - pos[j] * px
                    wtype[j], wlim[j], wstop[j] = _new_order_nb(
                        q, pos[j], mark[j], entry_type, entry_offset, fill_at_close
                    )
            # -- the risk gate: the single place where new orders' quantities pass ntlab.risk's check --
            if gated and n_new > 0:
                for j in range(m):
                    px_all[j] = mark[j]
                    if size_at_fill:
                        px_all[j] = _bar_price_nb(open_[i, j], close[i, j], fill_at_close, mark[j])
                allowed, codes = _gate_nb(new_q, pos, px_all, sector_ids, eq_s, limits, halt, lot)
                for j in range(m):
                    if new_q[j] == 0.0:
                        continue
                    ok = codes[j] == APPROVED or codes[j] == REDUCES_EXPOSURE
                    if allowed[j] != new_q[j] or not ok:
                        if n_grec >= grec.shape[0]:
                            grec = _reserve_nb(grec, n_grec, grec.shape[0])
                        grec[n_grec, 0] = i
                        grec[n_grec, 1] = j
                        grec[n_grec, 2] = new_q[j]
                        grec[n_grec, 3] = allowed[j]
                        grec[n_grec, 4] = codes[j]
                        n_grec += 1
                    work[j] = allowed[j]
                    new_q[j] = 0.0

        for step in range(2):
            # (3) protective exits inside the bar: after the open fills, or before the close fills
            if (step == 1) != fill_at_close:
                for j in range(m):
                    pj = pos[j]
                    if pj == 0.0 or (opened[j] == i and not stop_on_entry_bar):
                        continue
                    side_pos = 1.0 if pj > 0.0 else -1.0
                    if has_levels and i > 0 and target[i - 1, j] * side_pos > 0.0:
                        act_stop[j] = stop_level[i - 1, j]
                        act_take[j] = take_level[i - 1, j]
                    sl = act_stop[j]
                    tp = act_take[j]
                    if stop_pct > 0.0 and not np.isfinite(sl):
                        sl = entry_px[j] * (1.0 - side_pos * stop_pct)
                    if take_pct > 0.0 and not np.isfinite(tp):
                        tp = entry_px[j] * (1.0 + side_pos * take_pct)
                    if not _touched_nb(side_pos, sl, tp, low[i, j], high[i, j]):
                        continue
                    vol = volume[i, j] if has_volume else np.nan
                    tk = opened[j] != i or take_ok[j]
                    fq, p, f, why = protective_exit_nb(
                        pj, sl, tp, open_[i, j], high[i, j], low[i, j], close[i, j], vol, params, tk
                    )
                    if fq <= 0.0:
                        continue
                    sgn = -side_pos
                    cash -= sgn * fq * p + f
                    totals[0] += f
                    pos[j] = _snap_nb(pj + sgn * fq, pj)
                    work[j] = 0.0
                    _push_nb(rec, n_rec, i, j, sgn * fq, p, f, why)
                    n_rec += 1
                continue

            # (2) working orders, sells before buys (ascending signed notional, as vectorbt's
            # automatic call sequence), so cash freed by sales pays for the buys of the bar
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
                continue
            long_v = 0.0
            short_v = 0.0
            for j in range(m):
                if pos[j] != 0.0:
                    lv, sv = _book_value_nb(
                        pos[j], _bar_price_nb(open_[i, j], close[i, j], fill_at_close, mark[j])
                    )
                    long_v += lv
                    short_v += sv
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
                mk = _bar_price_nb(open_[i, j], close[i, j], fill_at_close, mark[j])
                capped = cap_to_buying_power_nb(
                    side, fq, p, mk, pos[j], cash, long_v, short_v, initial_margin, params
                )
                cut = capped < fq
                if cut:
                    fq = capped
                    f = commission_nb(fq, p, params)
                if fq > 0.0:
                    old = pos[j]
                    new = _snap_nb(old + side * fq, old)
                    cash -= side * fq * p + f
                    totals[0] += f
                    lv, sv = _book_value_nb(old, mk)
                    long_v -= lv
                    short_v -= sv
                    lv, sv = _book_value_nb(new, mk)
                    long_v += lv
                    short_v += sv
                    pos[j] = new
                    _push_nb(rec, n_rec, i, j, side * fq, p, f, REASON_SIGNAL)
                    n_rec += 1
                    if old == 0.0 or old * new < 0.0:
                        opened[j] = i
                        take_ok[j] = optimistic_take or take_after_fill_nb(
                            wtype[j], p, open_[i, j], close[i, j]
                        )
                        entry_px[j] = p
                        act_stop[j] = np.nan
                        act_take[j] = np.nan
                rem = q - side * fq
                work[j] = 0.0 if cut or abs(rem) < _EPS * max(1.0, abs(q)) else rem

        # (4) the close: mark to market, carry costs, book the bar
        long_v = 0.0
        short_v = 0.0
        for j in range(m):
            c = close[i, j]
            if np.isfinite(c):
                mark[j] = c
            v = pos[j] * mark[j]
            positions[i, j] = pos[j]
            long_v += max(v, 0.0)
            short_v += max(-v, 0.0)
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
        if gated:
            if new_day[i] and i > start:
                day_start = equity[i - 1]
            peak = max(peak, equity[i])
            halt = latch_breaker_nb(
                halt, new_day[i], equity[i], day_start, peak,
                limits[G_DAILY_LOSS], limits[G_DAILY_LOSS_VALUE], limits[G_DRAWDOWN],
            )  # fmt: skip
    return equity, cash_out, positions, rec[:n_rec].copy(), totals, mark, grec[:n_grec].copy()
