"""A warning when equal sleeves are too small for whole-share sizing to trade.

With ``n`` symbols each sleeve is ``equity / n`` (capped by a position limit in sessions).
When that is below one lot of a typical symbol (the median first price), whole-share
sizing rounds most orders to zero and the run silently makes a fraction of its trades
(issue 20: 100,000 cash over 2,000 symbols gives 50-dollar sleeves). Backtests and
sessions call :func:`warn_small_sleeves` once, before they trade.
"""

from __future__ import annotations

import warnings

import numpy as np

from ntlab.errors import NtlabWarning

__all__ = ["first_prices", "small_sleeve_message", "warn_small_sleeves"]


def first_prices(close: np.ndarray) -> np.ndarray:
    """Each symbol's first finite price from closes of shape (n_bars, n_symbols), NaN if none."""
    close = np.asarray(close, dtype=float)
    if close.size == 0:
        return np.full(close.shape[1] if close.ndim == 2 else 0, np.nan)
    ok = np.isfinite(close) & (close > 0)
    rows = np.argmax(ok, axis=0)
    out = close[rows, np.arange(close.shape[1])]
    return np.where(ok.any(axis=0), out, np.nan)


def small_sleeve_message(
    sleeve: float, prices: np.ndarray, lot: float, n_symbols: int
) -> str | None:
    """The warning text when ``sleeve`` (currency) buys less than one lot at the median price.

    ``lot`` 0 means fractional sizing, which never warns. ``None`` when the sleeves are fine.
    """
    finite = np.asarray(prices, dtype=float)
    finite = finite[np.isfinite(finite)]
    if lot <= 0 or finite.size == 0:
        return None
    typical = float(np.median(finite))
    if sleeve >= lot * typical:
        return None
    share = "one share" if lot == 1 else f"one lot of {lot:g}"
    return (
        f"each of the {n_symbols:,} symbols gets a sleeve of {sleeve:,.2f}, less than {share} of a "
        f"typical symbol (median price {typical:,.2f}): whole-lot sizing will skip most trades. "
        "Raise the cash, trade fewer symbols, or size fractionally (ExecutionPolicy(fractional=True))."
    )


def warn_small_sleeves(
    sleeve: float, prices: np.ndarray, lot: float, n_symbols: int, *, stacklevel: int = 3
) -> None:
    """Issue an :class:`ntlab.errors.NtlabWarning` when :func:`small_sleeve_message` says so."""
    message = small_sleeve_message(sleeve, prices, lot, n_symbols)
    if message is not None:
        warnings.warn(message, NtlabWarning, stacklevel=stacklevel)
