"""PaperBroker: orders, fills and the account of the replay stand-in session.

Market orders wait until :meth:`PaperBroker.fill_at_open` is called with the next
bar's open prices; each fill pays ``fee_rate`` of its traded value. Positions use
average cost and ``realized`` is net of fees, so
``equity == init_cash + realized.sum() + unrealized`` holds after every fill.
"""

from __future__ import annotations

import math
import uuid
from collections import deque
from datetime import datetime
from typing import Any

import numpy as np

from ntlab.errors import ExecutionError, OrderRejectedError, UnknownSymbolError
from ntlab.model import Fill, Order, OrderRequest, OrderSide, OrderStatus, OrderType, Position

__all__ = ["PaperBroker", "CLOSING_TAGS"]

#: Order tags that close a whole position (every source's shares of that symbol go to zero).
CLOSING_TAGS = ("flatten", "stop-loss", "take-profit", "circuit-breaker")


class PaperBroker:
    """Open orders, fills and average-cost positions over arrays of shape (n_symbols,).

    ``books`` attributes shares to their source: ``"manual"`` and one entry per
    strategy name (the tag an order carries).
    """

    def __init__(
        self, symbols: list[str], cash: float, fee_rate: float, sources: list[str]
    ) -> None:
        k = len(symbols)
        self.symbols, self.cash, self.fee_rate, self.fees = (
            list(symbols),
            float(cash),
            fee_rate,
            0.0,
        )
        self.qty, self.avg, self.realized, self.last = (
            np.zeros(k),
            np.zeros(k),
            np.zeros(k),
            np.full(k, np.nan),
        )
        self.books = {name: np.zeros(k) for name in ["manual", *sources]}
        self.open: dict[str, tuple[Order, str]] = {}
        self.fills: deque[Fill] = deque(maxlen=50)

    # ------------------------------------------------------------------ orders
    def submit(
        self,
        j: int,
        signed_qty: float,
        tag: str,
        when: datetime,
        request: OrderRequest | None = None,
    ) -> Order:
        side = OrderSide.BUY if signed_qty > 0 else OrderSide.SELL
        r = request or OrderRequest(
            symbol=self.symbols[j], quantity=abs(float(signed_qty)), side=side, strategy_id=tag
        )
        fields = ("client_order_id", "symbol", "side", "quantity", "order_type", "time_in_force")
        order = Order(
            order_id=uuid.uuid4().hex,
            status=OrderStatus.NEW,
            submitted_at=when,
            **{f: getattr(r, f) for f in fields},
        )
        self.open[order.order_id] = (order, tag)
        return order

    def check(self, request: OrderRequest, max_value: float) -> int:
        """Pre-trade check of a manual order; returns the symbol's column or raises."""
        if request.symbol not in self.symbols:
            raise UnknownSymbolError(
                f"unknown symbol {request.symbol!r}; this session trades {self.symbols}"
            )
        if request.order_type is not OrderType.MARKET:
            raise OrderRejectedError(
                "the paper broker fills market orders only (at the next bar's open)"
            )
        j = self.symbols.index(request.symbol)
        value = (
            abs(self.qty[j] + self.pending(request.symbol) + request.signed_quantity) * self.last[j]
        )
        if math.isnan(value):
            raise OrderRejectedError(
                f"{request.symbol} has no price yet; it has not started trading"
            )
        if value > max_value:
            raise OrderRejectedError(
                f"{request.symbol}: the order would hold ${value:,.0f}, above the max position size ${max_value:,.0f}"
            )
        return j

    def cancel(self, order_id: str) -> Order:
        if order_id not in self.open:
            raise ExecutionError(f"order {order_id!r} is not open (filled, cancelled or unknown)")
        order, _ = self.open.pop(order_id)
        return Order.from_dict({**order.to_dict(), "status": OrderStatus.CANCELED.value})

    def close_all(self, tag: str, when: datetime) -> list[Order]:
        """Cancel every open order, then order every position back to zero."""
        self.open.clear()
        return [self.submit(j, -self.qty[j], tag, when) for j in np.flatnonzero(self.qty)]

    def protective_exits(self, stop_loss: float, take_profit: float, when: datetime) -> list[Order]:
        """Close-out orders for positions whose move from the average entry hit a limit (0 = none)."""
        busy, out = self.closing(), []
        for j in np.flatnonzero(self.qty):
            move = (self.last[j] / self.avg[j] - 1) * np.sign(self.qty[j])
            tag = (
                "stop-loss"
                if stop_loss and move <= -stop_loss
                else "take-profit"
                if take_profit and move >= take_profit
                else ""
            )
            if tag and self.symbols[j] not in busy:
                out.append(self.submit(j, -self.qty[j], tag, when))
        return out

    def pending(self, symbol: str, tag: str | None = None) -> float:
        """Signed shares of ``symbol`` in open orders (of one tag, or all)."""
        signed = (
            o.quantity * (1 if o.side is OrderSide.BUY else -1)
            for o, t in self.open.values()
            if o.symbol == symbol and tag in (None, t)
        )
        return float(sum(signed))

    def closing(self) -> set[str]:
        """Symbols with an open order that closes the whole position."""
        return {o.symbol for o, tag in self.open.values() if tag in CLOSING_TAGS}

    def fill_at_open(self, open_: np.ndarray, when: datetime) -> None:
        """Fill every open order whose symbol has an open price on this bar."""
        for oid, (order, tag) in list(self.open.items()):
            price = float(open_[self.symbols.index(order.symbol)])
            if math.isnan(price):
                continue
            fee = self._book(self.symbols.index(order.symbol), order, price, tag)
            del self.open[oid]
            self.fills.append(
                Fill(
                    order_id=oid,
                    client_order_id=order.client_order_id,
                    symbol=order.symbol,
                    side=order.side,
                    quantity=order.quantity,
                    price=price,
                    timestamp=when,
                    commission=fee,
                )
            )

    def _book(self, j: int, order: Order, price: float, tag: str) -> float:
        q = order.quantity if order.side is OrderSide.BUY else -order.quantity
        pos, fee = self.qty[j], self.fee_rate * abs(q) * price
        if pos == 0 or np.sign(pos) == np.sign(q):
            self.avg[j] = (self.avg[j] * abs(pos) + price * abs(q)) / (abs(pos) + abs(q))
        else:
            self.realized[j] += min(abs(q), abs(pos)) * (price - self.avg[j]) * np.sign(pos)
            if abs(q) > abs(pos):
                self.avg[j] = price  # flipped side: the rest opens at this price
        self.qty[j] += q
        self.avg[j] = self.avg[j] if self.qty[j] else 0.0
        self.realized[j] -= fee
        self.cash -= q * price + fee
        self.fees += fee
        for name, book in self.books.items():
            book[j] = 0.0 if tag in CLOSING_TAGS else book[j] + q * (name == tag)
        return fee

    # ------------------------------------------------------------------ account
    def mark(self, close: np.ndarray) -> None:
        """Latest prices (a NaN keeps the previous price)."""
        self.last = np.where(np.isnan(close), self.last, close)

    @property
    def equity(self) -> float:
        return float(self.cash + np.nansum(self.qty * self.last))

    @property
    def gross_exposure(self) -> float:
        return float(np.nansum(np.abs(self.qty * self.last)))

    def snapshot(self, when: datetime | None) -> dict[str, Any]:
        """Cash, P&L, positions (``Position.to_dict()`` + ``unrealizedPnl``, ``manualQuantity``), orders, fills."""
        positions = []
        for j in np.flatnonzero((self.qty != 0) | (self.realized != 0)) if when is not None else []:
            p = Position(
                symbol=self.symbols[j],
                quantity=float(self.qty[j]),
                avg_entry_price=float(self.avg[j]),
                market_price=float(self.last[j]),
                realized_pnl=float(self.realized[j]),
                updated_at=when,
            )
            positions.append(
                {
                    **p.to_dict(),
                    "unrealizedPnl": p.unrealized_pnl,
                    "manualQuantity": float(self.books["manual"][j]),
                }
            )
        return {
            "cash": self.cash,
            "equity": self.equity,
            "realized_pnl": float(self.realized.sum()),
            "unrealized_pnl": float(np.nansum(self.qty * (self.last - self.avg))),
            "fees": self.fees,
            "positions": positions,
            "open_orders": [o.to_dict() for o, _ in self.open.values()],
            "recent_fills": [f.to_dict() for f in self.fills],
        }
