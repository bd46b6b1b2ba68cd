"""Orders of a hosted session: place (the seed's /trading/execute), list, get, cancel, replace.

Manual orders go through the session's risk gate, are journaled before they are sent
and are kept apart from the strategies' shares (:meth:`TradingSession.submit_order`).
Every order-changing call writes an ``audit`` event (who, what, outcome) into the
session's journal once its input is valid.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from ntlab.errors import ExecutionError, NotFoundError, NtlabError, OrderRejectedError
from ntlab.service._base import Context, default_context, jsonable
from ntlab.service.sessions import SessionRef, audit, with_journal

__all__ = [
    "OrderBody",
    "place_order",
    "list_orders",
    "get_order",
    "cancel_order",
    "replace_order",
    "flatten",
]


class OrderBody(SessionRef):
    """The seed's OrderRequest (snake_case or camelCase keys)."""

    symbol: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9.\-/]+$")
    side: Literal["buy", "sell"]
    quantity: float = Field(gt=0, le=1e12, allow_inf_nan=False)
    order_type: Literal["market", "limit", "stop", "stop_limit"] = "market"
    time_in_force: Literal["day", "gtc", "ioc", "fok"] = "day"
    limit_price: float | None = Field(None, gt=0, allow_inf_nan=False)
    stop_price: float | None = Field(None, gt=0, allow_inf_nan=False)
    client_order_id: str | None = Field(None, min_length=1, max_length=128)

    def to_request(self) -> Any:
        from ntlab.model import OrderRequest

        fields = self.model_dump(exclude={"session_id"}, exclude_none=True)
        fields["symbol"] = fields["symbol"].upper()
        return OrderRequest(**fields)


def _session(ref: SessionRef, ctx: Context | None) -> Any:
    return (ctx or default_context()).sessions.get(ref.session_id)


def _check_symbol(session: Any, symbol: str) -> None:
    symbols = list((session.request or {}).get("symbols", []))
    if symbol not in symbols:
        from ntlab.errors import UnknownSymbolError

        raise UnknownSymbolError(
            f"unknown symbol {symbol!r}: session {session.session_id} trades {symbols}"
        )


def _running(session: Any, what: str) -> None:
    if session.state != "running":
        raise ExecutionError(f"cannot {what}: session {session.session_id} is {session.state}")


def _audited(session: Any, actor: str, action: str, payload: dict[str, Any], fn: Any) -> Any:
    try:
        out = fn()
    except NtlabError as exc:
        audit(session, actor, action, payload | {"outcome": "refused", "reason": str(exc)})
        raise
    audit(session, actor, action, payload | {"outcome": "done", "result": out})
    return out


def place_order(req: OrderBody, ctx: Context | None = None, actor: str = "local") -> dict[str, Any]:
    """Place a manual order; the seed's OrderResponse fields in camelCase (``orderId``, ``filledQty``...)."""
    session = _session(req, ctx)
    request = req.to_request()
    _check_symbol(session, request.symbol)
    _running(session, "place an order")
    payload = {"request": request.to_dict()}
    return _audited(session, actor, "place_order", payload,
                    lambda: session.submit_order(request).to_dict())  # fmt: skip


def _order_row(o: Any) -> dict[str, Any]:
    return jsonable(
        o.request.to_dict()
        | {
            "orderId": o.broker_order_id,
            "sessionId": o.session_id,
            "status": o.status,
            "filledQty": o.filled_qty,
            "filledAvgPrice": o.filled_avg_price,
        }
    )


class OrdersRequest(SessionRef):
    status: Literal["all", "open", "closed"] = "all"
    limit: int = Field(500, ge=1, le=100_000)


def list_orders(req: OrdersRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The session's orders from its journal (requests with their latest state), oldest first."""
    session = _session(req, ctx)
    rows = with_journal(session, lambda j: j.orders(session.session_id))
    if req.status != "all":
        rows = [o for o in rows if o.is_open == (req.status == "open")]
    return {
        "session_id": session.session_id,
        "count": len(rows),
        "orders": [_order_row(o) for o in rows[-req.limit :]],
    }


class OrderRef(SessionRef):
    order_id: str = Field(min_length=1, max_length=128)


def _find(session: Any, order_id: str) -> Any:
    rows = with_journal(session, lambda j: j.orders(session.session_id))
    for o in rows:
        if order_id in (o.client_order_id, o.broker_order_id):
            return o
    raise NotFoundError(f"session {session.session_id} has no order {order_id!r}")


def get_order(req: OrderRef, ctx: Context | None = None) -> dict[str, Any]:
    """One order by the broker's id or the client_order_id."""
    session = _session(req, ctx)
    return _order_row(_find(session, req.order_id))


def cancel_order(req: OrderRef, ctx: Context | None = None, actor: str = "local") -> dict[str, Any]:
    """Cancel a working order; the broker's order after the cancel."""
    session = _session(req, ctx)
    _find(session, req.order_id)
    _running(session, "cancel")
    return _audited(session, actor, "cancel_order", {"order_id": req.order_id},
                    lambda: session.cancel(req.order_id).to_dict())  # fmt: skip


class ReplaceBody(SessionRef):
    """New quantity and/or prices for a working order (the rest is kept)."""

    quantity: float | None = Field(None, gt=0, le=1e12, allow_inf_nan=False)
    limit_price: float | None = Field(None, gt=0, allow_inf_nan=False)
    stop_price: float | None = Field(None, gt=0, allow_inf_nan=False)


class ReplaceRequest(ReplaceBody, OrderRef):
    """Which order to replace, and its new quantity and/or prices."""


def replace_order(
    req: ReplaceRequest, ctx: Context | None = None, actor: str = "local"
) -> dict[str, Any]:
    """Replace = cancel the working order, then place the changed one through the gate.

    Returns ``cancelled`` (the old order after its cancel) and ``order`` (the new one).
    """
    from dataclasses import replace

    session = _session(req, ctx)
    old = _find(session, req.order_id)
    changes = req.model_dump(include={"quantity", "limit_price", "stop_price"}, exclude_none=True)
    if not changes:
        raise OrderRejectedError("replace needs a new quantity, limit_price or stop_price")
    _running(session, "replace an order")
    cid = f"{old.client_order_id[:100]}-r{uuid.uuid4().hex[:8]}"
    new = replace(old.request, **changes, client_order_id=cid)  # validated as it is built

    def act() -> dict[str, Any]:
        cancelled = session.cancel(req.order_id).to_dict()
        return {"cancelled": cancelled, "order": session.submit_order(new).to_dict()}

    return _audited(session, actor, "replace_order",
                    {"order_id": req.order_id, "changes": changes}, act)  # fmt: skip


def flatten(req: SessionRef, ctx: Context | None = None, actor: str = "local") -> dict[str, Any]:
    """Cancel every working order and close every position with market orders."""
    session = _session(req, ctx)
    _running(session, "flatten")
    orders = _audited(session, actor, "flatten", {},
                      lambda: [o.to_dict() for o in session.flatten()])  # fmt: skip
    return {"session_id": session.session_id, "orders": orders}
