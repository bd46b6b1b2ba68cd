"""Routes of trading: the seed's /trading and /portfolio, sessions, orders, positions, fills, limits.

Each route calls one ``ntlab.service`` function; order-changing ones pass the caller's
key as the actor written into the session's audit trail.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query, Request

from ntlab.server.app import actor, need
from ntlab.service import orders, portfolio, risk, sessions
from ntlab.service.sessions import SessionRef

__all__ = ["install"]

SID = Query(None, min_length=1, max_length=64, description="session id (default: the last started)")


def install(app: FastAPI) -> None:
    def ctx(request: Request) -> Any:
        return request.app.state.ntlab.ctx

    # ------------------------------------------------------------------ the seed's trading API
    @app.get("/trading/status", tags=["trading"])
    def trading_status(request: Request, session_id: str | None = SID, equity_curve: bool = False,
                       key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """The session's status: state, cash, equity, P&L, positions, open orders, risk, latency."""
        req = sessions.StatusRequest(session_id=session_id, equity_curve=equity_curve)
        return sessions.session_status(req, ctx(request))

    @app.post("/trading/start", tags=["trading"])
    def trading_start(
        req: sessions.StartRequest, request: Request, key: str = need("trade")
    ) -> dict[str, Any]:
        """StartRequest -> StartResponse: a paper session over replayed bars (or the local exchange)."""
        return sessions.start_session(req, ctx(request))

    @app.post("/trading/stop", tags=["trading"])
    def trading_stop(
        request: Request, req: SessionRef | None = None, key: str = need("trade")
    ) -> dict[str, Any]:
        """Stop a session (working orders cancelled, positions kept); its final status."""
        return sessions.stop_session(req or SessionRef(), ctx(request))

    @app.post("/trading/execute", tags=["trading"])
    def trading_execute(
        req: orders.OrderBody, request: Request, key: str = need("trade")
    ) -> dict[str, Any]:
        """OrderRequest -> OrderResponse: a manual order through the session's risk gate."""
        return orders.place_order(req, ctx(request), actor(key))

    @app.post("/trading/flatten", tags=["trading"])
    def trading_flatten(
        request: Request, req: SessionRef | None = None, key: str = need("trade")
    ) -> dict[str, Any]:
        """Cancel every working order and close every position with market orders."""
        return orders.flatten(req or SessionRef(), ctx(request), actor(key))

    @app.get("/trading/universe", tags=["trading"])
    def trading_universe(request: Request, session_id: str | None = SID,
                         data: str = Query("sample:stocks", min_length=1, max_length=500),
                         key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """Symbols the session (or a new one over ``data``) can trade."""
        return sessions.universe(
            sessions.UniverseRequest(session_id=session_id, data=data), ctx(request)
        )

    @app.get("/portfolio/status", tags=["trading"])
    def portfolio_status(
        request: Request, session_id: str | None = SID, key: str = need("read")
    ) -> dict[str, Any]:
        """PortfolioStatus: total value, cash, positions, unrealised and realised P&L."""
        return portfolio.portfolio_status(SessionRef(session_id=session_id), ctx(request))

    @app.post("/portfolio/rebalance", tags=["trading"])
    def portfolio_rebalance(req: portfolio.RebalanceRequest, request: Request,
                            key: str = need("trade")) -> dict[str, Any]:  # fmt: skip
        """Orders that move the book to target weights; placed when ``execute`` is true."""
        return portfolio.rebalance(req, ctx(request), actor(key))

    # ------------------------------------------------------------------ sessions
    @app.get("/sessions", tags=["sessions"])
    def sessions_list(request: Request, key: str = need("read")) -> dict[str, Any]:
        """Sessions this server hosts."""
        return sessions.list_sessions(ctx(request))

    @app.get("/sessions/{session_id}", tags=["sessions"])
    def sessions_get(session_id: str, request: Request, equity_curve: bool = False,
                     key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """One session's status."""
        req = sessions.StatusRequest(session_id=session_id, equity_curve=equity_curve)
        return sessions.session_status(req, ctx(request))

    @app.post("/sessions/{session_id}/stop", tags=["sessions"])
    def sessions_stop(
        session_id: str, request: Request, key: str = need("trade")
    ) -> dict[str, Any]:
        """Stop one session."""
        return sessions.stop_session(SessionRef(session_id=session_id), ctx(request))

    @app.post("/sessions/{session_id}/step", tags=["sessions"])
    def sessions_step(session_id: str, request: Request, bars: int = Query(1, ge=1, le=100_000),
                      key: str = need("trade")) -> dict[str, Any]:  # fmt: skip
        """Process the next ``bars`` bars of a stepped session."""
        return sessions.step_session(
            sessions.StepRequest(session_id=session_id, bars=bars), ctx(request)
        )

    @app.get("/sessions/{session_id}/journal", tags=["sessions"])
    def sessions_journal(session_id: str, request: Request, kind: str | None = Query(None, max_length=50),
                         limit: int = Query(500, ge=1, le=100_000), key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """Journal events: requests, order states, fills, bars, audit (``kind`` filters)."""
        req = sessions.JournalRequest(session_id=session_id, kind=kind, limit=limit)
        return sessions.journal_events(req, ctx(request))

    @app.get("/sessions/{session_id}/decisions", tags=["sessions"])
    def sessions_decisions(session_id: str, request: Request, symbol: str | None = Query(None, max_length=20),
                           limit: int = Query(500, ge=1, le=100_000), key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """The decision log: per bar and symbol, target, reasoning, gate verdict, order, latency."""
        req = sessions.DecisionsRequest(session_id=session_id, symbol=symbol, limit=limit)
        return sessions.decision_log(req, ctx(request))

    # ------------------------------------------------------------------ orders and the book
    @app.get("/orders", tags=["orders"])
    def orders_list(request: Request, session_id: str | None = SID, status: str = Query("all", pattern="^(all|open|closed)$"),
                    limit: int = Query(500, ge=1, le=100_000), key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """The session's orders from its journal."""
        req = orders.OrdersRequest(session_id=session_id, status=status, limit=limit)
        return orders.list_orders(req, ctx(request))

    @app.get("/orders/{order_id}", tags=["orders"])
    def orders_get(order_id: str, request: Request, session_id: str | None = SID,
                   key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """One order by broker id or client_order_id."""
        return orders.get_order(
            orders.OrderRef(session_id=session_id, order_id=order_id), ctx(request)
        )

    @app.delete("/orders/{order_id}", tags=["orders"])
    def orders_cancel(order_id: str, request: Request, session_id: str | None = SID,
                      key: str = need("trade")) -> dict[str, Any]:  # fmt: skip
        """Cancel a working order."""
        req = orders.OrderRef(session_id=session_id, order_id=order_id)
        return orders.cancel_order(req, ctx(request), actor(key))

    @app.patch("/orders/{order_id}", tags=["orders"])
    def orders_replace(order_id: str, req: orders.ReplaceBody, request: Request,
                       key: str = need("trade")) -> dict[str, Any]:  # fmt: skip
        """Replace a working order's quantity or prices (cancel, then a new order through the gate)."""
        full = orders.ReplaceRequest(order_id=order_id, **req.model_dump())
        return orders.replace_order(full, ctx(request), actor(key))

    @app.get("/positions", tags=["orders"])
    def positions(
        request: Request, session_id: str | None = SID, key: str = need("read")
    ) -> dict[str, Any]:
        """Held positions by the session's book."""
        return portfolio.positions(SessionRef(session_id=session_id), ctx(request))

    @app.get("/fills", tags=["orders"])
    def fills(request: Request, session_id: str | None = SID, limit: int = Query(500, ge=1, le=100_000),
              key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """The session's fills from its journal."""
        return portfolio.fills(
            portfolio.FillsRequest(session_id=session_id, limit=limit), ctx(request)
        )

    # ------------------------------------------------------------------ risk limits
    @app.get("/risk/limits", tags=["risk"])
    def limits_get(
        request: Request, session_id: str | None = SID, key: str = need("read")
    ) -> dict[str, Any]:
        """The limits the session's risk gate enforces, and the breaker."""
        return risk.get_limits(SessionRef(session_id=session_id), ctx(request))

    @app.put("/risk/limits", tags=["risk"])
    def limits_set(
        req: risk.LimitsRequest, request: Request, key: str = need("admin")
    ) -> dict[str, Any]:
        """Change a running session's limits (admin)."""
        return risk.set_limits(req, ctx(request), actor(key))
