"""Fill model: when and how an order executes against a bar.

:class:`FillModel` holds the choices (entry order type, fill timing, volume cap);
:func:`fill_order` is the one-bar Python entry point a live or paper loop can call. It
runs the same kernel, :func:`ntlab.execution._fill_nb.fill_order_nb`, as the event
backtest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ntlab.errors import ConfigError
from ntlab.execution import _fill_nb as nb

__all__ = ["FillModel", "BarFill", "fill_order", "ORDER_TYPES", "SIDES"]

ORDER_TYPES = {
    "market": nb.MARKET,
    "limit": nb.LIMIT,
    "stop": nb.STOP,
    "market_on_close": nb.MARKET_ON_CLOSE,
}
SIDES = {"buy": nb.BUY, "sell": nb.SELL}


@dataclass(frozen=True, kw_only=True)
class FillModel:
    """How orders execute.

    Parameters
    ----------
    fill_at : {"next_open", "next_close"}
        A decision made on bar t fills at bar t+1's open (default) or close.
    order_type : {"market", "limit", "stop"}
        Type of the orders that open or add exposure. ``limit`` buys ``entry_offset``
        below (sells above) the decision bar's close; ``stop`` buys above (sells below),
        a breakout entry. Orders that reduce a position are always market orders.
        Unfilled orders stay working until the next target change replaces them.
    entry_offset : float
        Distance of the limit/stop level from the decision close, as a fraction.
    max_participation : float
        A fill takes at most this share of the bar's volume (0 = no cap); the rest of a
        market order carries to the next bar.
    optimistic_take : bool
        Let a take-profit trigger on the bar whose range a limit entry filled in. Off by
        default: the bar's high may have come before the fill (a stop-loss stays live on
        that bar either way); see :func:`ntlab.execution._fill_nb.take_after_fill_nb`.
    """

    fill_at: str = "next_open"
    order_type: str = "market"
    entry_offset: float = 0.0
    max_participation: float = 0.0
    optimistic_take: bool = False

    def __post_init__(self) -> None:
        if self.fill_at not in ("next_open", "next_close"):
            raise ConfigError(
                f"FillModel.fill_at must be 'next_open' or 'next_close', got {self.fill_at!r}"
            )
        if self.order_type not in ("market", "limit", "stop"):
            raise ConfigError(
                f"FillModel.order_type must be 'market', 'limit' or 'stop', got {self.order_type!r}"
            )
        if not 0.0 <= self.entry_offset < 0.5:
            raise ConfigError(
                f"FillModel.entry_offset is a fraction in [0, 0.5), got {self.entry_offset}"
            )
        if not 0.0 <= self.max_participation <= 1.0:
            raise ConfigError(
                f"FillModel.max_participation is a share of volume in [0, 1], got {self.max_participation}"
            )

    @property
    def order_type_code(self) -> int:
        if self.order_type == "market" and self.fill_at == "next_close":
            return nb.MARKET_ON_CLOSE
        return ORDER_TYPES[self.order_type]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BarFill:
    """Result of :func:`fill_order` on one bar (``quantity == 0`` when nothing filled)."""

    quantity: float
    price: float
    fee: float


def fill_order(
    side: str,
    quantity: float,
    bar: dict[str, float],
    params: np.ndarray,
    *,
    order_type: str = "market",
    limit: float = float("nan"),
    stop: float = float("nan"),
) -> BarFill:
    """Fill one order against one bar with the shared kernel.

    Parameters
    ----------
    side : {"buy", "sell"}
    quantity : float
        Wanted quantity (> 0).
    bar : mapping
        ``open``, ``high``, ``low``, ``close`` and optionally ``volume``.
    params : ndarray of shape (N_PARAMS,)
        From :meth:`ntlab.execution.ExecutionPolicy.params`.
    """
    if side not in SIDES:
        raise ConfigError(f"side must be 'buy' or 'sell', got {side!r}")
    if order_type not in ORDER_TYPES:
        raise ConfigError(f"order_type must be one of {sorted(ORDER_TYPES)}, got {order_type!r}")
    if not quantity > 0:
        raise ConfigError(f"quantity must be > 0, got {quantity!r}")
    if "close" not in bar:
        raise ConfigError("bar needs at least a 'close'")
    nan = float("nan")
    q, p, f = nb.fill_order_nb(
        SIDES[side],
        float(quantity),
        ORDER_TYPES[order_type],
        float(limit),
        float(stop),
        float(bar.get("open", nan)),
        float(bar.get("high", nan)),
        float(bar.get("low", nan)),
        float(bar["close"]),
        float(bar.get("volume", nan)),
        np.asarray(params, dtype=np.float64),
    )
    return BarFill(q, p, f)
