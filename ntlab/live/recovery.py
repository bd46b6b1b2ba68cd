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

Then the books are compared, and a session never trades on a book that disagrees with
the broker's (:func:`settle_disagreement`): positions that differ between the session,
the broker and the journal, orders the broker once acknowledged and no longer knows, a
*new* session (an empty or lost journal) on a broker that already holds positions in its
symbols, or a venue whose clock is behind the journal's last bar (it would replay older
bars). By default (``on_disagreement="halt"``) the session does not start and says what
differs in one line (:class:`~ntlab.errors.ReconciliationError`); ``"adopt"`` takes the
broker's positions as the session's own (journaled as an ``adopt`` event, replayed on every
later restart). A venue behind the journal is always refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ntlab.errors import ReconciliationError
from ntlab.execution.client import ExecutionClient
from ntlab.execution.journal import UNSENT, Journal
from ntlab.live.orders import STRATEGY, OrderBook, Tracked
from ntlab.model import Order, OrderStatus

__all__ = [
    "Restored",
    "Reconciled",
    "restore",
    "reconcile",
    "position_gaps",
    "settle_disagreement",
    "check_clock",
    "DISAGREEMENT_CHOICES",
]

#: What a session does when its book and the broker's disagree (``SessionSettings.on_disagreement``).
DISAGREEMENT_CHOICES = ("halt", "adopt")


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
    adopted: list[tuple[str, float, float]] = field(default_factory=list)  # (symbol, qty, price)


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
    for event in journal.events("adopt", session_id):
        for symbol, (qty, price) in event["payload"]["positions"].items():
            info.adopted.append((symbol, float(qty), float(price)))
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


def check_clock(last_bar: str | None, venue_last: pd.Timestamp | None) -> None:
    """Refuse a venue whose newest bar is older than the journal's last decided bar."""
    if last_bar is None or venue_last is None:
        return
    journaled = pd.Timestamp(last_bar)
    if venue_last < journaled:
        raise ReconciliationError(
            f"the venue's newest bar ({venue_last.isoformat()}) is older than the journal's last "
            f"bar ({journaled.isoformat()}): it would replay bars the session already traded "
            "(a restarted exchange?); not trading. Restart the venue at or after that bar, or "
            "start a new session id"
        )


def _describe(gaps: dict[str, dict[str, float]], lost: list[str]) -> str:
    parts = [
        f"{s} session {g['session']:g} / broker {g['broker']:g} / journal {g['journal']:g}"
        for s, g in sorted(gaps.items())
    ]
    if lost:
        parts.append(f"{len(lost)} acknowledged order(s) unknown to the broker ({lost[0]}...)")
    return "; ".join(parts)


def settle_disagreement(
    choice: str,
    gaps: dict[str, dict[str, float]],
    *,
    lost: list[str] | None = None,
    prices: dict[str, float] | None = None,
    why: str = "the restart found the books disagreeing",
    record=None,
) -> dict[str, list[float]]:
    """Halt (raise :class:`ReconciliationError`) or adopt the broker's book; returns what was adopted.

    ``gaps`` as :func:`position_gaps`; ``prices`` the price to book an adopted position at
    (the broker's average entry); ``record(kind, payload)`` journals the outcome.
    """
    lost = lost or []
    if not gaps and not lost:
        return {}
    text = _describe(gaps, lost)
    if choice != "adopt":
        if record is not None:
            record("disagreement", {"gaps": gaps, "lost": lost})
        raise ReconciliationError(
            f"{why}: {text}. Not trading on either book: rerun with on_disagreement='adopt' to "
            "take the broker's positions, or stop and find out why"
        )
    adopted = {
        s: [g["broker"] - g["session"], float((prices or {}).get(s, 0.0))] for s, g in gaps.items()
    }
    if record is not None:
        record("adopt", {"positions": adopted, "lost": lost, "why": why})
    return adopted
