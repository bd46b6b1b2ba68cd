"""The ExecutionClient protocol shared by SimClient (paper exchange) and AlpacaClient (alpaca-py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from ntlab.model import Fill, Order, OrderRequest, Position, TimeInForce

__all__ = ["Account", "Clock", "OrderUpdate", "ExecutionClient", "OrderUpdateHandler"]


@dataclass(frozen=True)
class Account:
    """Cash and value of the account (currency units)."""

    cash: float
    equity: float
    buying_power: float
    long_market_value: float = 0.0
    short_market_value: float = 0.0
    currency: str = "USD"
    trading_blocked: bool = False


@dataclass(frozen=True)
class Clock:
    timestamp: datetime
    is_open: bool
    next_open: datetime
    next_close: datetime


@dataclass(frozen=True)
class OrderUpdate:
    """One event of an order's life, as Alpaca's trade_updates stream sends them.

    ``event`` is one of new, partial_fill, fill, canceled, expired, rejected, replaced,
    pending_new, pending_cancel, pending_replace; ``fill`` is set for partial_fill/fill.
    """

    event: str
    order: Order
    timestamp: datetime
    fill: Fill | None = None
    position_qty: float | None = None


OrderUpdateHandler = Callable[[OrderUpdate], None]


@runtime_checkable
class ExecutionClient(Protocol):
    """What a trading session needs from a broker."""

    def submit(self, request: OrderRequest) -> Order:
        """Place an order; returns the broker's view of it (status new, or rejected with a reason)."""

    def cancel(self, order_id: str) -> None:
        """Ask to cancel an open order (an error if it is already done)."""

    def replace(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce | None = None,
    ) -> Order:
        """Replace an open order; returns the new order (the old one ends as replaced)."""

    def get_order(self, order_id: str) -> Order: ...

    def get_order_by_client_id(self, client_order_id: str) -> Order | None: ...

    def list_orders(self, status: str = "open") -> list[Order]:
        """``status`` is open, closed or all."""

    def positions(self) -> list[Position]: ...

    def account(self) -> Account: ...

    def clock(self) -> Clock: ...

    def subscribe(self, handler: OrderUpdateHandler) -> None:
        """Call ``handler`` with every :class:`OrderUpdate` from now on."""
