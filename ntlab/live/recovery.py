"""Restart a session from its journal and reconcile it with the broker.

On a restart (same ``session_id`` and journal) the book is rebuilt from the journal:
every order request, its last journaled state, every fill, and the last decided targets.
Then every order the journal holds as working is looked up at the broker by its
client_order_id:

- the broker has it: its state and any fills the session missed are recorded (fills
  from the broker's cumulative quantity and average price; see
  :class:`~ntlab.live.orders.OrderBook`);
- the broker does not have it and the journal says it was never acknowledged (the
  session died between writing the request and sending it): it is sent now, with the
  same client_order_id, so the broker itself refuses a second copy;
- the broker does not have an order it once acknowledged: it is marked rejected.

A decision is therefore never sent twice, and the fills come from the broker's state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ntlab.execution.client import ExecutionClient
from ntlab.execution.journal import UNSENT, Journal
from ntlab.live.orders import STRATEGY, OrderBook, Tracked
from ntlab.model import Order, OrderStatus

__all__ = ["Restored", "Reconciled", "restore", "reconcile", "position_gaps"]


@dataclass
class Restored:
    """What a restart found in the journal."""

    orders: int = 0
    fills: int = 0
    last_bar: str | None = None
    targets: dict[str, float] = field(default_factory=dict)
    risk: dict[str, Any] = field(
        default_factory=dict
    )  # peak equity, breaker state... at the last bar


@dataclass
class Reconciled:
    """What the broker said about the journal's working orders."""

    checked: int = 0
    recorded: list[str] = field(default_factory=list)  # unsent in the journal, found at the broker
    resubmitted: list[str] = field(default_factory=list)  # unsent and unknown: sent now
    lost: list[str] = field(default_factory=list)  # acknowledged once, unknown now
    updates: list[tuple[Order, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "recorded": len(self.recorded),
            "resubmitted": len(self.resubmitted),
            "lost": len(self.lost),
        }


def restore(journal: Journal, session_id: str, book: OrderBook) -> tuple[Restored, list]:
    """Rebuild ``book`` from the journal; returns the summary and the journaled fills (in order)
    with their order's tag, for the caller to book."""
    info = Restored()
    for jo in journal.orders(session_id):
        book.add(
            jo.request,
            jo.request.strategy_id or STRATEGY,
            status=jo.status,
            broker_id=jo.broker_order_id,
            filled_qty=jo.filled_qty,
            avg_price=jo.filled_avg_price,
        )
        info.orders += 1
    fills = []
    for f in journal.fills(session_id):
        t = book.get(f.client_order_id)
        fills.append((f, t.tag if t is not None else STRATEGY))
    info.fills = len(fills)
    for event in journal.events("bar", session_id):
        info.last_bar = event["payload"].get("time")
        info.targets.update(event["payload"].get("targets", {}))
        info.risk = {k: v for k, v in event["payload"].items() if k not in ("time", "targets")}
    return info, fills


def reconcile(client: ExecutionClient, orders: Iterable[Tracked], when: datetime) -> Reconciled:
    """Look up working ``orders`` (a book's) at the broker (see the module docstring).

    Returns the orders to merge (``updates``: (broker order, None)); resubmissions are
    sent here and their acknowledgements are among the updates.
    """
    out = Reconciled()
    for t in orders:
        out.checked += 1
        found = client.get_order_by_client_id(t.client_order_id)
        if found is not None:
            if t.status == UNSENT:
                out.recorded.append(t.client_order_id)
            out.updates.append((found, None))
        elif t.status == UNSENT:
            out.resubmitted.append(t.client_order_id)
            out.updates.append((client.submit(t.request), None))
        else:
            out.lost.append(t.client_order_id)
            gone = Order(
                order_id=t.broker_id or t.client_order_id,
                client_order_id=t.client_order_id,
                symbol=t.request.symbol,
                side=t.request.side,
                quantity=t.request.quantity,
                order_type=t.request.order_type,
                time_in_force=t.request.time_in_force,
                status=OrderStatus.REJECTED,
                submitted_at=when,
                filled_qty=t.filled_qty,
                filled_avg_price=t.avg_price,
                reject_reason="unknown to the broker at reconciliation",
            )
            out.updates.append((gone, None))
    return out


def position_gaps(
    symbols: list[str], book_qty: np.ndarray, broker: dict[str, float], journal: dict[str, float]
) -> dict[str, dict[str, float]]:
    """Symbols where the session's book, the broker and the journal's fills disagree."""
    gaps = {}
    for j, s in enumerate(symbols):
        a, b, c = float(book_qty[j]), broker.get(s, 0.0), journal.get(s, 0.0)
        if max(abs(a - b), abs(a - c)) > 1e-9 * max(1.0, abs(a)):
            gaps[s] = {"session": a, "broker": b, "journal": c}
    return gaps
