"""A hosted session's book: portfolio status, positions, fills, rebalancing."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from ntlab.errors import ExecutionError, OrderRejectedError
from ntlab.service._base import Context, default_context, jsonable
from ntlab.service.orders import _audited, _running
from ntlab.service.sessions import SessionRef, with_journal

__all__ = ["portfolio_status", "positions", "fills", "RebalanceRequest", "rebalance"]


def _session(ref: SessionRef, ctx: Context | None) -> Any:
    return (ctx or default_context()).sessions.get(ref.session_id)


def portfolio_status(req: SessionRef, ctx: Context | None = None) -> dict[str, Any]:
    """The seed's PortfolioStatus: ``total_value``, ``cash``, ``positions``, ``unrealized_pnl``,
    ``realized_pnl`` (plus ``fees``, ``gross_exposure`` and the bar it is marked at)."""
    session = _session(req, ctx)
    s = session.status()
    return jsonable(
        {
            "session_id": s["session_id"],
            "state": s["state"],
            "bar_time": s["bar_time"],
            "total_value": s["equity"],
            "cash": s["cash"],
            "positions": s["positions"],
            "unrealized_pnl": s["unrealized_pnl"],
            "realized_pnl": s["realized_pnl"],
            "fees": s["fees"],
            "gross_exposure": s["risk"]["gross_exposure"],
        }
    )


def positions(req: SessionRef, ctx: Context | None = None) -> dict[str, Any]:
    """Held positions (``Position`` records, camelCase) by the session's book."""
    s = _session(req, ctx).status()
    return jsonable({"session_id": s["session_id"], "positions": s["positions"]})


class FillsRequest(SessionRef):
    limit: int = Field(500, ge=1, le=100_000)


def fills(req: FillsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The session's fills from its journal, oldest first."""
    session = _session(req, ctx)
    rows = with_journal(session, lambda j: j.fills(session.session_id))
    return {
        "session_id": session.session_id,
        "count": len(rows),
        "fills": jsonable([f.to_dict() for f in rows[-req.limit :]]),
    }


def _place(session: Any, order: Any) -> dict[str, Any]:
    """One order of a plan: the broker's order, or the gate's reason for refusing it."""
    try:
        return {"order": session.submit_order(order).to_dict(), "rejected": None}
    except OrderRejectedError as exc:
        return {"order": None, "rejected": str(exc), "request": order.to_dict()}


class RebalanceRequest(SessionRef):
    """Target weights of equity per symbol (held symbols not named go to 0).

    ``execute`` False returns the plan only; True places its orders (sells first) as
    manual orders through the session's risk gate; each one the gate refuses is listed
    with its reason and the rest are still placed.
    """

    target_weights: dict[str, float] = Field(min_length=1, max_length=1000)
    execute: bool = False
    min_trade_value: float = Field(0.0, ge=0, allow_inf_nan=False)


def rebalance(
    req: RebalanceRequest, ctx: Context | None = None, actor: str = "local"
) -> dict[str, Any]:
    """``ntlab.risk.rebalance_orders`` on the session's book at its last closes."""
    from ntlab.risk.rebalance import rebalance_orders

    session = _session(req, ctx)
    pf = session.portfolio
    if pf is None:
        raise ExecutionError(f"session {session.session_id} has no portfolio yet")
    from ntlab.service.orders import _check_symbol

    for symbol in req.target_weights:
        _check_symbol(session, symbol)
    prices = {s: float(p) for s, p in zip(pf.symbols, pf.last, strict=True) if np.isfinite(p)}
    plan = rebalance_orders(
        req.target_weights, prices, pf.net_positions(), cash=pf.cash,
        lot_size=session.market.policy.lot, min_trade_value=req.min_trade_value,
    )  # fmt: skip
    out = {
        "session_id": session.session_id,
        "equity": plan.equity,
        "cash_after": plan.cash_after,
        "plan": jsonable(plan.table.rename_axis("symbol")),
        "orders": [o.to_dict() for o in plan.orders],
        "executed": [],
    }
    if req.execute and plan.orders:
        _running(session, "rebalance")
        payload = {"target_weights": req.target_weights, "orders": out["orders"]}
        out["executed"] = _audited(
            session, actor, "rebalance", payload, lambda: [_place(session, o) for o in plan.orders]
        )
    return jsonable(out)
