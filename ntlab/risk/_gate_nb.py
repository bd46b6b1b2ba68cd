"""Numba core of the pre-trade risk gate: one definition of each limit rule.

The Python :class:`ntlab.risk.RiskGate` and a numba event-backtest loop call these same
kernels, so a backtest and a live session apply identical rules. All quantities are
*signed* units (buy > 0, sell < 0); values are in account currency; a limit of ``np.inf``
means "no limit".

Reason codes (``REASONS`` maps them to messages):

====  ===================  ==========================================================
code  name                 meaning
====  ===================  ==========================================================
0     APPROVED             within every limit
1     REDUCES_EXPOSURE     only brings the position towards zero: always allowed,
                           even while halted
2     HALT_DAILY_LOSS      circuit breaker: loss since the day's start >= limit
3     HALT_DRAWDOWN        circuit breaker: fall from the equity peak >= limit
4     POSITION_LIMIT       ``|position| * price`` would exceed the per-symbol cap
5     LEVERAGE_LIMIT       gross exposure / equity would exceed the leverage cap
6     SECTOR_LIMIT         the sector's gross exposure / equity would exceed its cap
7     CORRELATION_LIMIT    correlated with a held name beyond the limit
8     LOT_SIZE             the allowed quantity rounds down to less than one lot
9     INVALID_INPUT        non-finite quantity/price, non-positive equity or price
====  ===================  ==========================================================

How an order is sized (:func:`check_order_nb`): a pure reduction (same side as the
position, no further than flat) is approved as is. Otherwise every limit gives a cap on
the *absolute new position* in units; the tightest cap wins (ties go to the earlier code in
the table) and the order is cut back to it, then rounded down to whole lots. An order that
crosses through zero keeps its closing part even when the cap is 0. The decision is
``approve`` when the allowed quantity equals the request, ``reject`` when it is 0 and
``resize`` otherwise; the code says which rule bound.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "APPROVED",
    "REDUCES_EXPOSURE",
    "HALT_DAILY_LOSS",
    "HALT_DRAWDOWN",
    "POSITION_LIMIT",
    "LEVERAGE_LIMIT",
    "SECTOR_LIMIT",
    "CORRELATION_LIMIT",
    "LOT_SIZE",
    "INVALID_INPUT",
    "REASONS",
    "floor_to_lot_nb",
    "check_order_nb",
    "check_orders_nb",
    "breaker_nb",
    "latch_breaker_nb",
    "max_correlation_nb",
]

APPROVED = 0
REDUCES_EXPOSURE = 1
HALT_DAILY_LOSS = 2
HALT_DRAWDOWN = 3
POSITION_LIMIT = 4
LEVERAGE_LIMIT = 5
SECTOR_LIMIT = 6
CORRELATION_LIMIT = 7
LOT_SIZE = 8
INVALID_INPUT = 9

REASONS = {
    APPROVED: "approved: within every limit",
    REDUCES_EXPOSURE: "approved: the order only reduces exposure",
    HALT_DAILY_LOSS: "circuit breaker: the daily loss limit was reached",
    HALT_DRAWDOWN: "circuit breaker: the drawdown limit was reached",
    POSITION_LIMIT: "per-symbol position limit",
    LEVERAGE_LIMIT: "leverage limit",
    SECTOR_LIMIT: "sector exposure limit",
    CORRELATION_LIMIT: "correlation limit with a held position",
    LOT_SIZE: "the quantity rounds down to less than one lot",
    INVALID_INPUT: "invalid input (quantity, price or equity)",
}

_TOL = 1e-9


@njit(cache=True)
def floor_to_lot_nb(qty: float, lot_size: float) -> float:
    """Round a signed quantity toward zero to a whole number of lots (``lot_size <= 0``: unchanged)."""
    if lot_size <= 0:
        return qty
    lots = np.floor(abs(qty) / lot_size + _TOL)
    return np.sign(qty) * lots * lot_size


@njit(cache=True)
def check_order_nb(
    order_qty: float,
    position: float,
    price: float,
    equity: float,
    gross_exposure: float,
    sector_exposure: float,
    max_position_value: float,
    max_position_fraction: float,
    max_leverage: float,
    max_sector_fraction: float,
    correlation: float,
    max_correlation: float,
    halt_code: int,
    lot_size: float,
) -> tuple[float, int]:
    """Allowed signed quantity and reason code for one order.

    Parameters
    ----------
    order_qty : float
        Requested signed quantity (units; buy > 0).
    position : float
        Current signed position in the symbol.
    price, equity : float
        Valuation price of the symbol and account equity (both > 0).
    gross_exposure : float
        ``sum(|q_i| * price_i)`` over all positions, *including* this symbol's.
    sector_exposure : float
        The same sum over the symbol's sector, including this symbol's.
    max_position_value, max_position_fraction : float
        Cap on ``|new position| * price``: currency, and fraction of equity (inf = none).
    max_leverage, max_sector_fraction : float
        Caps on gross exposure / equity and sector gross exposure / equity (inf = none).
    correlation, max_correlation : float
        Largest signed correlation of the new position with a held one (see
        :func:`max_correlation_nb`; -inf when none) and its limit (inf = none).
    halt_code : int
        0, or the circuit breaker's halt code (only reductions pass while halted).
    lot_size : float
        Round the allowed quantity down to whole lots (0 = fractional units allowed).

    Returns
    -------
    (allowed_qty, code) : (float, int)
    """
    finite = (
        np.isfinite(order_qty)
        and np.isfinite(position)
        and np.isfinite(price)
        and np.isfinite(equity)
    )
    if not finite or price <= 0 or equity <= 0:
        return 0.0, INVALID_INPUT
    if order_qty == 0:
        return 0.0, APPROVED
    d = 1.0 if order_qty > 0 else -1.0
    if d * position < 0 and abs(order_qty) <= abs(position):
        return order_qty, REDUCES_EXPOSURE
    new_abs = abs(position + order_qty)
    own = abs(position) * price
    cap = new_abs
    code = APPROVED
    caps = (
        0.0 if halt_code != APPROVED else np.inf,
        min(max_position_value, max_position_fraction * equity) / price,
        (max_leverage * equity - gross_exposure + own) / price,
        (max_sector_fraction * equity - sector_exposure + own) / price,
        0.0 if correlation > max_correlation else np.inf,
    )
    codes = (halt_code, POSITION_LIMIT, LEVERAGE_LIMIT, SECTOR_LIMIT, CORRELATION_LIMIT)
    for i in range(5):
        c = max(caps[i], 0.0)
        if c < cap * (1.0 - _TOL) - _TOL:
            cap = c
            code = codes[i]
    if d * position >= 0 and cap <= abs(position):
        allowed_new = position  # an increase with no room left
    else:
        allowed_new = d * min(new_abs, cap)
    allowed = floor_to_lot_nb(allowed_new - position, lot_size)
    if allowed == 0.0:
        return 0.0, code if code != APPROVED else LOT_SIZE
    if code == APPROVED and abs(allowed) < abs(order_qty) * (1.0 - _TOL):
        code = LOT_SIZE
    return allowed, code


@njit(cache=True)
def check_orders_nb(
    order_qty: np.ndarray,
    positions: np.ndarray,
    prices: np.ndarray,
    sector_ids: np.ndarray,
    equity: float,
    max_position_value: float,
    max_position_fraction: float,
    max_leverage: float,
    max_sector_fraction: float,
    correlations: np.ndarray,
    max_correlation: float,
    halt_code: int,
    lot_size: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Gate a batch of orders, one per symbol, as a sequence (e.g. one bar of an event backtest).

    Arrays are of shape (n_symbols,): requested signed quantities, current positions,
    prices, integer sector ids (-1 = none: not sector-limited; :class:`~ntlab.risk.RiskGate`
    puts symbols missing from its sector map in one shared "UNKNOWN" sector, so give those one
    id to match it) and each order's correlation input. Reductions are processed first (they free room), then the rest in index order;
    each approved quantity updates the gross and sector exposures the next orders see.
    Returns allowed signed quantities and reason codes, both of shape (n_symbols,).
    """
    n = order_qty.size
    allowed = np.zeros(n)
    codes = np.zeros(n, dtype=np.int64)
    n_sectors = int(sector_ids.max()) + 1 if n > 0 else 0
    sector_gross = np.zeros(max(n_sectors, 1))
    gross = 0.0
    for j in range(n):
        if np.isfinite(positions[j]) and np.isfinite(prices[j]):
            e = abs(positions[j]) * prices[j]
            gross += e
            if sector_ids[j] >= 0:
                sector_gross[sector_ids[j]] += e
    for reducing in (True, False):
        for j in range(n):
            if (order_qty[j] * positions[j] < 0) != reducing:
                continue
            sid = sector_ids[j]
            sec = sector_gross[sid] if sid >= 0 else 0.0
            sec_cap = max_sector_fraction if sid >= 0 else np.inf
            q, c = check_order_nb(
                order_qty[j], positions[j], prices[j], equity, gross, sec,
                max_position_value, max_position_fraction, max_leverage, sec_cap,
                correlations[j], max_correlation, halt_code, lot_size,
            )  # fmt: skip
            allowed[j] = q
            codes[j] = c
            if q != 0.0:
                delta = (abs(positions[j] + q) - abs(positions[j])) * prices[j]
                gross += delta
                if sid >= 0:
                    sector_gross[sid] += delta
    return allowed, codes


@njit(cache=True)
def breaker_nb(
    equity: float,
    day_start_equity: float,
    peak_equity: float,
    max_daily_loss_fraction: float,
    max_daily_loss_value: float,
    max_drawdown: float,
) -> int:
    """Halt code for the account now: HALT_DAILY_LOSS, HALT_DRAWDOWN or APPROVED (0).

    Trips when ``day_start_equity - equity >= min(fraction * day_start_equity, value)`` or
    when ``1 - equity / peak_equity >= max_drawdown`` (limits of inf never trip).
    """
    if not (np.isfinite(equity) and day_start_equity > 0 and peak_equity > 0):
        return INVALID_INPUT
    loss_cap = min(max_daily_loss_fraction * day_start_equity, max_daily_loss_value)
    if day_start_equity - equity >= loss_cap * (1.0 - _TOL):
        return HALT_DAILY_LOSS
    if 1.0 - equity / peak_equity >= max_drawdown * (1.0 - _TOL):
        return HALT_DRAWDOWN
    return APPROVED


@njit(cache=True)
def latch_breaker_nb(
    halt_code: int,
    new_day: bool,
    equity: float,
    day_start_equity: float,
    peak_equity: float,
    max_daily_loss_fraction: float,
    max_daily_loss_value: float,
    max_drawdown: float,
) -> int:
    """The breaker's next state: halts latch until reset.

    A daily-loss halt clears on a new trading day (``new_day``); a drawdown halt (and an
    invalid-input halt) clears only by a manual reset, i.e. the caller setting the code to 0
    (and, usually, restarting the peak at the current equity). While not halted the limits
    are checked afresh.
    """
    if new_day and halt_code == HALT_DAILY_LOSS:
        halt_code = APPROVED
    if halt_code == APPROVED:
        halt_code = breaker_nb(
            equity,
            day_start_equity,
            peak_equity,
            max_daily_loss_fraction,
            max_daily_loss_value,
            max_drawdown,
        )
    return halt_code


@njit(cache=True)
def max_correlation_nb(
    returns: np.ndarray, col: int, signs: np.ndarray, min_obs: int
) -> tuple[float, int]:
    """Largest signed correlation of column ``col`` with the held columns.

    ``returns`` is (n_obs, n_symbols) and may hold NaN: each pair uses the rows where both are
    finite, and a pair with fewer than ``min_obs`` such rows (too little shared history) or
    zero variance is skipped. ``signs[j]`` is ``sign(new position) * sign(position j)`` (0 for
    names not held and for ``col``). The signed correlation ``corr * signs[j]`` is high when two
    positions move together (two longs on correlated names, or a long and a short on
    anti-correlated ones), i.e. when they concentrate risk. Returns ``(-inf, -1)`` when no
    held name qualifies.
    """
    n, m = returns.shape
    best = -np.inf
    arg = -1
    for j in range(m):
        if j == col or signs[j] == 0:
            continue
        count = 0
        sx = 0.0
        sy = 0.0
        for i in range(n):
            a = returns[i, col]
            b = returns[i, j]
            if np.isfinite(a) and np.isfinite(b):
                count += 1
                sx += a
                sy += b
        if count < min_obs:
            continue
        mx = sx / count
        my = sy / count
        sxx = 0.0
        syy = 0.0
        sxy = 0.0
        for i in range(n):
            a = returns[i, col]
            b = returns[i, j]
            if np.isfinite(a) and np.isfinite(b):
                sxx += (a - mx) ** 2
                syy += (b - my) ** 2
                sxy += (a - mx) * (b - my)
        if sxx == 0 or syy == 0:
            continue
        c = sxy / np.sqrt(sxx * syy) * signs[j]
        if c > best:
            best = c
            arg = j
    return best, arg
