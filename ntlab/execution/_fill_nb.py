"""Numba kernels for one definition of an order, a fill and its costs.

The event backtest (:mod:`ntlab.backtest.event`) calls these inside its bar loop, and a
live or paper loop calls the very same kernels one bar at a time, so a backtest and a
paper session cannot drift apart. Everything is scalars and float64 arrays.

Conventions
-----------
side
    ``BUY = 1``, ``SELL = -1``; quantities are positive, positions are signed.
order type
    ``MARKET`` (fills at the bar's open, its close when there is no open),
    ``LIMIT``, ``STOP`` (triggered against the bar's open, high and low; a bar that
    opens through the level fills at the open) and ``MARKET_ON_CLOSE``.
params
    One float64 vector of length ``N_PARAMS`` holding the cost and fill model, indexed
    by the ``P_*`` constants (built by :meth:`ntlab.execution.ExecutionPolicy.params`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "BUY",
    "SELL",
    "MARKET",
    "LIMIT",
    "STOP",
    "MARKET_ON_CLOSE",
    "P_FEE_PCT",
    "P_FEE_FIXED",
    "P_FEE_PER_SHARE",
    "P_FEE_MIN",
    "P_SLIP_PCT",
    "P_SLIP_FIXED",
    "P_IMPACT",
    "P_IMPACT_EXP",
    "P_MAX_PARTICIPATION",
    "P_LOT",
    "N_PARAMS",
    "round_lot_nb",
    "target_shares_nb",
    "order_qty_nb",
    "commission_nb",
    "slipped_price_nb",
    "trigger_price_nb",
    "volume_cap_nb",
    "fill_order_nb",
    "cap_to_buying_power_nb",
    "protective_exit_nb",
    "take_after_fill_nb",
]

BUY = 1
SELL = -1

MARKET = 0
LIMIT = 1
STOP = 2
MARKET_ON_CLOSE = 3

P_FEE_PCT = 0  # commission as a fraction of traded value
P_FEE_FIXED = 1  # commission per order (currency)
P_FEE_PER_SHARE = 2  # commission per share (currency)
P_FEE_MIN = 3  # minimum commission per order (currency)
P_SLIP_PCT = 4  # slippage as a fraction of price, against the trader
P_SLIP_FIXED = 5  # slippage in price units per share, against the trader
P_IMPACT = 6  # extra slippage fraction: impact * (qty / bar volume) ** impact_exp
P_IMPACT_EXP = 7
P_MAX_PARTICIPATION = 8  # a fill takes at most this share of the bar's volume (0 = no cap)
P_LOT = 9  # quantities are whole multiples of this lot (0 = fractional)
N_PARAMS = 10

_EPS = 1e-9


@njit(cache=True)
def round_lot_nb(qty: float, lot: float) -> float:
    """``qty`` rounded toward zero to a multiple of ``lot`` (unchanged when ``lot <= 0``)."""
    if lot <= 0.0:
        return qty
    a = np.floor(abs(qty) / lot + _EPS) * lot
    return a if qty >= 0.0 else -a


@njit(cache=True)
def target_shares_nb(
    target: float, weight_scale: float, equity: float, price: float, lot: float
) -> float:
    """Signed shares for a sleeve target: ``target * weight_scale * equity / price``, lot-rounded.

    ``weight_scale`` is ``1 / n_symbols`` for equal sleeves. Zero when the price or the
    equity cannot carry a position (non-finite, or equity <= 0).
    """
    if not (price > 0.0) or not np.isfinite(price) or not (equity > 0.0) or target == 0.0:
        return 0.0
    return round_lot_nb(target * weight_scale * equity / price, lot)


@njit(cache=True)
def order_qty_nb(
    target: float, weight_scale: float, equity: float, price: float, position: float, lot: float
) -> float:
    """Signed order quantity that moves ``position`` to the sleeve target (0 = nothing to do)."""
    q = target_shares_nb(target, weight_scale, equity, price, lot) - position
    if abs(q) < _EPS * max(1.0, abs(position)):
        return 0.0
    return q


@njit(cache=True)
def commission_nb(qty: float, price: float, params: np.ndarray) -> float:
    """Commission of one fill: ``fixed + per_share * qty + pct * qty * price``, at least the minimum."""
    if qty <= 0.0:
        return 0.0
    fee = params[P_FEE_FIXED] + params[P_FEE_PER_SHARE] * qty + params[P_FEE_PCT] * qty * price
    return max(fee, params[P_FEE_MIN])


@njit(cache=True)
def slipped_price_nb(
    side: int, price: float, qty: float, volume: float, params: np.ndarray
) -> float:
    """``price`` moved against the trader by the fixed, percentage and volume-impact slippage."""
    frac = params[P_SLIP_PCT]
    if params[P_IMPACT] > 0.0 and volume > 0.0 and np.isfinite(volume):
        frac += params[P_IMPACT] * (qty / volume) ** params[P_IMPACT_EXP]
    return price * (1.0 + side * frac) + side * params[P_SLIP_FIXED]


@njit(cache=True)
def trigger_price_nb(
    side: int,
    order_type: int,
    limit: float,
    stop: float,
    open_: float,
    high: float,
    low: float,
    close: float,
) -> float:
    """Price at which an order executes on this bar before slippage (NaN: it does not).

    Market orders take the open (the close when there is no open); limit and stop orders
    fill at the open when the bar opens through their level, else at the level when the
    bar's range reaches it.
    """
    if not np.isfinite(close):
        return np.nan
    if order_type == MARKET:
        return open_ if np.isfinite(open_) else close
    if order_type == MARKET_ON_CLOSE:
        return close
    o = open_ if np.isfinite(open_) else close
    h = high if np.isfinite(high) else max(o, close)
    lo = low if np.isfinite(low) else min(o, close)
    if order_type == LIMIT:
        if side > 0:
            if o <= limit:
                return o
            if lo <= limit:
                return limit
        else:
            if o >= limit:
                return o
            if h >= limit:
                return limit
        return np.nan
    if order_type == STOP:
        if side > 0:
            if o >= stop:
                return o
            if h >= stop:
                return stop
        else:
            if o <= stop:
                return o
            if lo <= stop:
                return stop
        return np.nan
    return np.nan


@njit(cache=True)
def volume_cap_nb(qty: float, volume: float, params: np.ndarray) -> float:
    """``qty`` capped at ``max_participation * volume`` and rounded down to the lot."""
    cap = params[P_MAX_PARTICIPATION]
    if cap > 0.0 and np.isfinite(volume):
        qty = min(qty, cap * max(volume, 0.0))
    return max(round_lot_nb(qty, params[P_LOT]), 0.0)


@njit(cache=True)
def fill_order_nb(
    side: int,
    qty: float,
    order_type: int,
    limit: float,
    stop: float,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    params: np.ndarray,
) -> tuple[float, float, float]:
    """Fill one order against one bar.

    Parameters
    ----------
    side : int
        ``BUY`` (1) or ``SELL`` (-1).
    qty : float
        Wanted quantity (positive).
    order_type : int
        ``MARKET``, ``LIMIT``, ``STOP`` or ``MARKET_ON_CLOSE``.
    limit, stop : float
        Limit and stop levels (ignored by the types that have none).
    open_, high, low, close, volume : float
        The bar (NaN open/high/low fall back on the close; NaN volume means no volume cap).
    params : ndarray of shape (N_PARAMS,)

    Returns
    -------
    filled_qty, price, fee : float
        ``(0, nan, 0)`` when the order does not fill on this bar. Market, stop and
        market-on-close fills pay slippage; limit fills execute at the limit or better.
    """
    base = trigger_price_nb(side, order_type, limit, stop, open_, high, low, close)
    if not np.isfinite(base) or qty <= 0.0:
        return 0.0, np.nan, 0.0
    q = volume_cap_nb(qty, volume, params)
    if q <= 0.0:
        return 0.0, np.nan, 0.0
    price = base if order_type == LIMIT else slipped_price_nb(side, base, q, volume, params)
    if not (price > 0.0):
        return 0.0, np.nan, 0.0
    return q, price, commission_nb(q, price, params)


@njit(cache=True)
def cap_to_buying_power_nb(
    side: int,
    qty: float,
    price: float,
    mark: float,
    position: float,
    cash: float,
    long_value: float,
    short_value: float,
    initial_margin: float,
    params: np.ndarray,
) -> float:
    """Largest part of a fill that keeps gross exposure within ``equity / initial_margin``.

    The part of the order that closes an existing position is never cut; the part that
    opens or adds exposure is, after paying its fill price and commission (marked at
    ``mark``). With ``initial_margin = 1`` and no shorts this is a cash account: a buy
    costs at most the cash on hand, as in vectorbt's cash-limited orders.

    Parameters
    ----------
    long_value, short_value : float
        Market value of all long positions and of all short positions (both >= 0), marked
        at the same prices as ``mark``.
    """
    closing = 0.0
    if side * position < 0.0:
        closing = min(qty, abs(position))
    opening = qty - closing
    if opening <= 0.0:
        return qty
    lot = params[P_LOT]
    pct = params[P_FEE_PCT]
    fixed = max(params[P_FEE_FIXED], params[P_FEE_MIN])
    equity = (
        cash + long_value - short_value + side * closing * (mark - price) - pct * closing * price
    )
    gross = long_value + short_value - closing * mark
    room = equity / initial_margin - gross - fixed / initial_margin
    per_share = (
        mark + (price * pct + params[P_FEE_PER_SHARE] + side * (price - mark)) / initial_margin
    )
    if room <= 0.0 or per_share <= 0.0:
        return closing
    allowed = room / per_share
    if allowed >= opening * (1.0 - 1e-12):
        return qty
    return closing + max(round_lot_nb(allowed, lot), 0.0)


@njit(cache=True)
def take_after_fill_nb(order_type: int, price: float, open_: float, close: float) -> bool:
    """May a take-profit trigger later in the bar on which an entry filled at ``price``?

    A market or stop entry, or a limit entry that filled at the open, has the rest of the
    bar after it: yes. A limit entry that filled inside the bar (the price came back to
    the limit) may have seen the bar's high *before* the fill, so a take-profit above it
    is not known to be reachable after it: no. (A stop-loss stays live either way: the
    prices beyond the limit came after the fill.)
    """
    if order_type != LIMIT:
        return True
    o = open_ if np.isfinite(open_) else close
    return price == o


@njit(cache=True)
def protective_exit_nb(
    position: float,
    stop_level: float,
    take_level: float,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    params: np.ndarray,
    take_ok: bool = True,
) -> tuple[float, float, float, int]:
    """Stop-loss / take-profit exit of an open position on one bar.

    The stop is a stop order and the take-profit a limit order on the closing side.
    When the bar touches both, the stop counts (the conservative reading of a bar whose
    path is unknown), except when the bar *opens* beyond the take-profit, which then
    fills at the open. A gap through the stop fills at the open, not at the stop.
    ``take_ok`` False (the position was entered inside this bar, see
    :func:`take_after_fill_nb`) checks the stop only.

    Returns
    -------
    filled_qty, price, fee, reason : (float, float, float, int)
        ``reason`` is 1 for a stop, 2 for a take-profit, 0 when nothing fills.
    """
    if position == 0.0:
        return 0.0, np.nan, 0.0, 0
    side = SELL if position > 0.0 else BUY
    qty = abs(position)
    o = open_ if np.isfinite(open_) else close
    if not take_ok:
        take_level = np.nan
    gapped_take = np.isfinite(take_level) and np.isfinite(o) and side * (o - take_level) <= 0.0
    if np.isfinite(stop_level) and not gapped_take:
        q, p, f = fill_order_nb(
            side, qty, STOP, np.nan, stop_level, open_, high, low, close, volume, params
        )
        if q > 0.0:
            return q, p, f, 1
    if np.isfinite(take_level):
        q, p, f = fill_order_nb(
            side, qty, LIMIT, take_level, np.nan, open_, high, low, close, volume, params
        )
        if q > 0.0:
            return q, p, f, 2
    return 0.0, np.nan, 0.0, 0
