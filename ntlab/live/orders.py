"""The session's view of its orders, merged from every source that reports on them.

A broker reports an order's progress several ways that may arrive late, twice or out of
order: the submit response, the order-update stream, a REST lookup after a restart.
:class:`OrderBook` merges them monotonically (an order never goes back from filled to
new, a terminal order stays terminal) and turns each rise of an order's *cumulative*
filled quantity into exactly one fill, so the same execution reported twice is booked
once, and an execution the session missed (it was down) is booked from the broker's
cumulative quantity and average price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ntlab.execution.journal import UNSENT
from ntlab.execution.sim import evolve
from ntlab.model import Fill, Order, OrderRequest

__all__ = ["OrderBook", "Tracked", "MANUAL", "STRATEGY", "CLOSING_TAGS"]

#: Tag of the orders a session makes from its strategies' targets.
STRATEGY = "strategy"
#: Tag of orders placed by hand (the dashboard's console); their shares are kept apart.
MANUAL = "manual"
#: Tags of orders that close a whole position.
CLOSING_TAGS = ("flatten", "stop-loss", "take-profit")

_RANK = {UNSENT: 0, "pending_new": 1, "new": 1, "accepted": 1, "pending_cancel": 1,
         "pending_replace": 1, "partially_filled": 2}  # fmt: skip
_EPS = 1e-9


@dataclass
class Tracked:
    """One order of the session: its request, tag and latest merged state."""

    request: OrderRequest
    tag: str
    col: int
    status: str = UNSENT
    broker_id: str | None = None
    filled_qty: float = 0.0
    avg_price: float | None = None
    reason: str | None = None
    #: When it was decided (the bar's time, ISO) and why (what its fills say).
    submitted_at: str | None = None
    why: str = ""

    @property
    def client_order_id(self) -> str:
        return self.request.client_order_id

    @property
    def terminal(self) -> bool:
        return self.status not in _RANK

    @property
    def remaining(self) -> float:
        """Signed quantity still working (0 once terminal)."""
        if self.terminal:
            return 0.0
        left = self.request.quantity - self.filled_qty
        return left if self.request.side.value == "buy" else -left


class OrderBook:
    """Every order of a session by client_order_id, with per-symbol working quantities.

    Attributes
    ----------
    pending : ndarray of shape (n_symbols,)
        Signed quantity of all working orders per symbol.
    manual_pending, manual_qty : ndarray of shape (n_symbols,)
        The same for manual orders, and the shares manual fills bought or sold.
    """

    def __init__(self, symbols: Sequence[str]) -> None:
        m = len(symbols)
        self.symbols = list(symbols)
        self.column = {s: j for j, s in enumerate(self.symbols)}
        self.orders: dict[str, Tracked] = {}
        self._working: dict[str, Tracked] = {}
        self.pending = np.zeros(m)
        self.manual_pending = np.zeros(m)
        self.manual_qty = np.zeros(m)

    def __len__(self) -> int:
        return len(self.orders)

    def get(self, client_order_id: str) -> Tracked | None:
        return self.orders.get(client_order_id)

    def by_broker_id(self, order_id: str) -> Tracked | None:
        for t in self.orders.values():
            if t.broker_id == order_id:
                return t
        return None

    def working(self) -> list[Tracked]:
        """The orders not yet terminal (unsent ones included), oldest first."""
        return list(self._working.values())

    def add(self, request: OrderRequest, tag: str, **state: object) -> Tracked:
        """Track a request about to be sent (state ``unsent``), or one restored from a journal
        with its journaled ``status``, ``broker_id``, ``filled_qty`` and ``avg_price``."""
        t = Tracked(request, tag, self.column[request.symbol], **state)  # type: ignore[arg-type]
        self.orders[request.client_order_id] = t
        self._shift(t, t.remaining)
        return t

    def _shift(self, t: Tracked, delta: float) -> None:
        if delta:
            self.pending[t.col] += delta
            if t.tag == MANUAL:
                self.manual_pending[t.col] += delta
        if t.terminal:
            self._working.pop(t.client_order_id, None)
        else:
            self._working[t.client_order_id] = t

    def merge(
        self, order: Order, fill: Fill | None = None, when: datetime | None = None
    ) -> tuple[bool, Fill | None]:
        """Merge the broker's ``order``; returns (state changed, the new fill if any).

        The fill covers the rise of the cumulative filled quantity. Its price is the
        reported ``fill``'s when that covers exactly the rise, else the one implied by the
        average prices before and after; its id is ``<client_order_id>:<cumulative qty>``,
        the same whichever report brought it.
        """
        t = self.orders.get(order.client_order_id)
        if t is None:
            return False, None
        before = (t.status, t.filled_qty, t.broker_id)
        old_remaining, old_filled, old_avg = t.remaining, t.filled_qty, t.avg_price
        new_filled = max(old_filled, float(order.filled_qty))
        status = order.status.value
        if not t.terminal and (status not in _RANK or _RANK[status] >= _RANK[t.status]):
            t.status = status
        t.broker_id = order.order_id or t.broker_id
        t.reason = order.reject_reason or t.reason
        made = None
        rise = new_filled - old_filled
        if rise > _EPS * max(1.0, new_filled):
            t.filled_qty = new_filled
            t.avg_price = order.filled_avg_price if order.filled_avg_price else t.avg_price
            made = self._fill(t, order, fill, rise, old_filled, old_avg, when)
        self._shift(t, t.remaining - old_remaining)
        return (t.status, t.filled_qty, t.broker_id) != before, made

    def _fill(
        self,
        t: Tracked,
        order: Order,
        fill: Fill | None,
        rise: float,
        old_filled: float,
        old_avg: float | None,
        when: datetime | None,
    ) -> Fill:
        fill_id = f"{t.client_order_id}:{t.filled_qty:.10g}"
        if t.tag == MANUAL:
            self.manual_qty[t.col] += rise if t.request.side.value == "buy" else -rise
        if fill is not None and abs(fill.quantity - rise) <= _EPS * max(1.0, rise):
            return evolve(fill, fill_id=fill_id)  # the reported execution, under the session's id
        total = (t.avg_price or 0.0) * t.filled_qty
        price = (total - (old_avg or 0.0) * old_filled) / rise
        stamp = fill.timestamp if fill is not None else (order.filled_at or when)
        return Fill(
            order_id=order.order_id,
            client_order_id=t.client_order_id,
            symbol=t.request.symbol,
            side=t.request.side,
            quantity=rise,
            price=price,
            commission=0.0,  # not reported: a broker's cumulative view carries no fees
            timestamp=stamp,
            fill_id=fill_id,
        )

    def closed_out(self, col: int) -> None:
        """A whole position was closed: no shares are manual any more."""
        self.manual_qty[col] = 0.0
