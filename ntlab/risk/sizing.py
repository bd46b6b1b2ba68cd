"""Position sizing and stop-loss / take-profit levels.

Every sizer returns an unsigned number of units, rounded down to whole lots
(``lot_size=0`` keeps fractions). Apply the direction yourself; the gate then applies the
account-level limits.

=====================  ====================================================================
sizer                  units
=====================  ====================================================================
fixed fractional       ``equity * risk_fraction / |entry - stop|``: lose ``risk_fraction``
                       of equity if the stop is hit (the classic fixed-fractional rule)
fraction of equity     ``equity * fraction / price``
volatility target      ``equity * min(target_vol / asset_vol, max_leverage) / price``
                       (both volatilities annualised the same way)
ATR                    ``equity * risk_fraction / (atr_multiple * atr)``: the stop sits
                       ``atr_multiple`` ATRs away
Kelly                  fraction ``f* = p - (1 - p) / b`` (win rate ``p``, win/loss ratio
                       ``b``) or ``mean / variance`` of excess returns, scaled by
                       ``fraction`` and capped to ``[0, cap]``
=====================  ====================================================================
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, RiskError
from ntlab.risk._checks import check_fraction, check_positive, clean_returns
from ntlab.risk._gate_nb import floor_to_lot_nb

__all__ = [
    "round_to_lot",
    "fixed_fractional_size",
    "fraction_of_equity_size",
    "volatility_target_size",
    "atr_size",
    "kelly_fraction",
    "stop_levels",
]


def round_to_lot(quantity: float, lot_size: float = 1.0) -> float:
    """Round a signed quantity toward zero to whole lots (``lot_size=0``: unchanged)."""
    check_positive(lot_size, "lot_size", allow_zero=True)
    return float(floor_to_lot_nb(float(quantity), float(lot_size)))


def fixed_fractional_size(
    equity: float,
    risk_fraction: float,
    entry_price: float,
    stop_price: float,
    *,
    lot_size: float = 1.0,
) -> float:
    """Units such that hitting the stop loses ``risk_fraction`` of ``equity``."""
    check_positive(equity, "equity")
    check_fraction(risk_fraction, "risk_fraction")
    check_positive(entry_price, "entry_price")
    check_positive(stop_price, "stop_price")
    risk_per_unit = abs(entry_price - stop_price)
    if risk_per_unit == 0:
        raise RiskError(
            "fixed-fractional sizing needs a stop away from the entry price (they are equal)"
        )
    return round_to_lot(equity * risk_fraction / risk_per_unit, lot_size)


def fraction_of_equity_size(
    equity: float, fraction: float, price: float, *, lot_size: float = 1.0
) -> float:
    """Units worth ``fraction`` of ``equity`` at ``price``."""
    check_positive(equity, "equity")
    check_positive(fraction, "fraction")
    check_positive(price, "price")
    return round_to_lot(equity * fraction / price, lot_size)


def volatility_target_size(
    equity: float,
    target_volatility: float,
    asset_volatility: float,
    price: float,
    *,
    max_leverage: float = 1.0,
    lot_size: float = 1.0,
) -> float:
    """Units that give the position ``target_volatility`` (capped at ``max_leverage`` x equity)."""
    check_positive(equity, "equity")
    check_positive(target_volatility, "target_volatility")
    check_positive(price, "price")
    check_positive(max_leverage, "max_leverage")
    if (
        not (isinstance(asset_volatility, (int, float)) and math.isfinite(asset_volatility))
        or asset_volatility < 0
    ):
        raise RiskError(f"asset_volatility must be a finite number >= 0, got {asset_volatility!r}")
    if asset_volatility == 0:
        raise RiskError("volatility targeting is undefined for an asset with zero volatility")
    weight = min(target_volatility / asset_volatility, max_leverage)
    return round_to_lot(equity * weight / price, lot_size)


def atr_size(
    equity: float,
    risk_fraction: float,
    atr: float,
    *,
    atr_multiple: float = 2.0,
    lot_size: float = 1.0,
) -> float:
    """Units that lose ``risk_fraction`` of equity at a stop ``atr_multiple`` ATRs away."""
    check_positive(equity, "equity")
    check_fraction(risk_fraction, "risk_fraction")
    check_positive(atr_multiple, "atr_multiple")
    if not (isinstance(atr, (int, float)) and math.isfinite(atr)) or atr <= 0:
        raise RiskError(f"ATR must be a positive finite number (is the warm-up over?), got {atr!r}")
    return round_to_lot(equity * risk_fraction / (atr_multiple * atr), lot_size)


def kelly_fraction(
    returns: pd.Series | np.ndarray | None = None,
    *,
    win_rate: float | None = None,
    win_loss_ratio: float | None = None,
    risk_free: float = 0.0,
    fraction: float = 1.0,
    cap: float = 0.25,
) -> float:
    """Capped Kelly fraction of equity to commit, in ``[0, cap]``.

    Either from trade statistics (``win_rate`` ``p`` and ``win_loss_ratio`` ``b``:
    ``f* = p - (1 - p) / b``) or from per-bar ``returns`` (continuous Kelly
    ``f* = mean(r - rf) / var(r)``, ddof=1). ``fraction`` scales it (0.5 = "half Kelly");
    negative edges give 0.
    """
    check_fraction(fraction, "fraction")
    check_positive(cap, "cap")
    if returns is not None:
        if win_rate is not None or win_loss_ratio is not None:
            raise ConfigError("give either returns or win_rate/win_loss_ratio, not both")
        r = clean_returns(returns, min_size=2) - risk_free
        var = np.var(r, ddof=1)
        if np.ptp(r) == 0:
            raise RiskError("Kelly fraction is undefined: the returns have zero variance")
        full = float(np.mean(r) / var)
    else:
        if win_rate is None or win_loss_ratio is None:
            raise ConfigError("give returns, or both win_rate and win_loss_ratio")
        if not 0 <= win_rate <= 1:
            raise ConfigError(f"win_rate must lie in [0, 1], got {win_rate!r}")
        check_positive(win_loss_ratio, "win_loss_ratio")
        full = win_rate - (1.0 - win_rate) / win_loss_ratio
    return float(min(max(full * fraction, 0.0), cap))


def stop_levels(
    entry_price: float,
    side: str,
    *,
    stop_pct: float | None = None,
    take_pct: float | None = None,
    atr: float | None = None,
    stop_atr: float | None = None,
    take_atr: float | None = None,
) -> tuple[float | None, float | None]:
    """Stop-loss and take-profit prices for a ``"long"`` or ``"short"`` entry.

    A long's stop is ``entry * (1 - stop_pct)`` or ``entry - stop_atr * atr`` and its target
    ``entry * (1 + take_pct)`` or ``entry + take_atr * atr``; a short mirrors them. Give a
    percentage or an ATR multiple per level, not both; an omitted level is None. The levels
    satisfy :class:`ntlab.model.Signal`'s checks (a long's stop below its entry, ...).
    """
    check_positive(entry_price, "entry_price")
    if side not in ("long", "short"):
        raise ConfigError(f"side must be 'long' or 'short', got {side!r}")
    sign = 1.0 if side == "long" else -1.0

    def level(pct: float | None, mult: float | None, direction: float, name: str) -> float | None:
        if pct is not None and mult is not None:
            raise ConfigError(f"give {name}_pct or {name}_atr, not both")
        if pct is not None:
            distance = entry_price * check_positive(pct, f"{name}_pct")
        elif mult is not None:
            if atr is None:
                raise ConfigError(f"{name}_atr needs atr=")
            distance = check_positive(mult, f"{name}_atr") * check_positive(atr, "atr")
        else:
            return None
        price = entry_price + direction * sign * distance
        if price <= 0:
            raise RiskError(
                f"the {name} level {price:.4g} is not a positive price; use a smaller distance"
            )
        return float(price)

    return level(stop_pct, stop_atr, -1.0, "stop"), level(take_pct, take_atr, 1.0, "take")
