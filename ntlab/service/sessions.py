"""Trading sessions hosted by this process: start, status, step, stop, list, journal, decisions.

A session is one :class:`ntlab.live.TradingSession`; every face (REST, MCP, dashboards)
that shows it talks to that object through these functions. The request is the seed's
StartRequest plus where to trade (``data``, ``broker``, ``cash``, replay window) and how
to run (``background`` with ``bar_interval``, or stepped by :func:`step_session`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from ntlab.errors import ConfigError, ExecutionError, NotFoundError
from ntlab.service._base import Context, Request, default_context, jsonable
from ntlab.service.data import DataRef, _utc_text

__all__ = [
    "SessionHost",
    "StartRequest",
    "SessionRef",
    "start_session",
    "session_status",
    "stop_session",
    "step_session",
    "list_sessions",
    "journal_events",
    "decision_log",
]

_audit_log = logging.getLogger("ntlab.audit")

_SEED_KEYS = ("strategies", "symbols", "risk_level", "max_position_size",
              "stop_loss_percentage", "take_profit_percentage", "use_gpu")  # fmt: skip


class SessionHost:
    """The sessions of this process by id; the last one started is the ``current`` one."""

    def __init__(self) -> None:
        self._sessions: dict[str, Any] = {}
        self._current: str | None = None
        self._lock = threading.RLock()

    def add(self, session: Any) -> None:
        with self._lock:
            self._sessions[session.session_id] = session
            self._current = session.session_id

    def get(self, session_id: str | None = None) -> Any:
        with self._lock:
            key = session_id or self._current
            if key is None:
                raise NotFoundError("no session yet; start one (POST /trading/start)")
            found = self._sessions.get(key)
        if found is None:
            raise NotFoundError(
                f"no session {key!r} in this server; GET /sessions lists the sessions it hosts"
            )
        return found

    def running(self, session_id: str | None) -> Any:
        """The session if it is hosted and running (else None)."""
        with self._lock:
            found = self._sessions.get(session_id) if session_id else None
        return found if found is not None and found.state == "running" else None

    def all(self) -> list[Any]:
        with self._lock:
            return list(self._sessions.values())

    def close(self) -> None:
        for s in self.all():
            if s.state in ("running", "finished"):
                try:
                    s.stop()
                except ExecutionError:
                    continue


class StartRequest(Request):
    """The seed's StartRequest, plus where and how this session trades.

    Seed fields: ``strategies``, ``symbols``, ``risk_level``, ``max_position_size`` (USD per
    symbol), ``stop_loss_percentage``, ``take_profit_percentage``, ``use_gpu``. The rest
    have paper defaults: bundled ``sample:stocks`` replayed from ``replay_from`` through an
    in-process SimClient (``broker="sim"``) with ``cash``; ``broker="exchange"`` with
    ``exchange_url`` trades through alpaca-py against a running local exchange. A
    ``background`` session replays one bar every ``bar_interval`` seconds by itself; a
    stepped one moves only on :func:`step_session`. ``limits`` (a RiskLimits dict)
    replaces the limits the request implies.
    """

    strategies: list[str] = Field(default_factory=list, max_length=20)
    symbols: list[str] = Field(min_length=1, max_length=1000)
    risk_level: Literal["low", "medium", "high", "aggressive"] = "medium"
    max_position_size: float = Field(gt=0, allow_inf_nan=False)
    stop_loss_percentage: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False)
    take_profit_percentage: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False)
    use_gpu: bool = False
    session_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    data: str = Field("sample:stocks", min_length=1, max_length=500)
    replay_from: str | None = Field(None, max_length=40)
    replay_to: str | None = Field(None, max_length=40)
    broker: Literal["sim", "exchange"] = "sim"
    exchange_url: str | None = Field(None, max_length=500)
    cash: float = Field(100_000.0, gt=0, le=1e15, allow_inf_nan=False)
    strategy_params: dict[str, dict[str, Any]] = Field(default_factory=dict)
    limits: dict[str, Any] | None = None
    background: bool = False
    bar_interval: float = Field(0.0, ge=0, le=60, allow_inf_nan=False)
    max_bars: int | None = Field(None, ge=1)


def _paper_config(req: StartRequest, ctx: Context) -> Any:
    from ntlab.live.config import PaperConfig
    from ntlab.service.data import load_data

    load_data(DataRef(data=req.data), ctx)  # the data policy, and a clear error early
    unknown = sorted(set(req.strategy_params) - set(req.strategies))
    if unknown:
        raise ConfigError(f"strategy_params names {unknown}, which are not in strategies")
    raw = {k: getattr(req, k) for k in _SEED_KEYS} | {
        "data": req.data,
        "replay_from": _utc_text(req.replay_from),
        "replay_to": _utc_text(req.replay_to),
        "broker": req.broker,
        "exchange_url": req.exchange_url,
        "cash": req.cash,
        "strategy_params": req.strategy_params,
        "limits": req.limits,
    }
    for key in ("session_id", "max_bars"):
        if getattr(req, key) is not None:
            raw[key] = getattr(req, key)
    return PaperConfig.from_dict({k: v for k, v in raw.items() if v is not None})


def start_session(req: StartRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Start a session (the seed's StartResponse); a running ``session_id`` is ``already_running``."""
    from ntlab.live.config import open_session
    from ntlab.strategies import strategy_class

    ctx = ctx or default_context()
    for name in req.strategies:
        strategy_class(name)  # an unknown strategy is a ConfigError before anything is opened
    running = ctx.sessions.running(req.session_id)
    if running is not None:
        return dict(running.start(running.request))
    cfg = _paper_config(req, ctx)
    session = open_session(cfg, background=req.background, bar_interval=req.bar_interval)
    response = session.start(cfg.request)
    ctx.sessions.add(session)
    return dict(response)


class SessionRef(Request):
    """A hosted session by id (None: the one started last)."""

    session_id: str | None = Field(None, min_length=1, max_length=64)


class UniverseRequest(SessionRef):
    """Symbols a session trades; without a hosted session, those of ``data`` (a new one's)."""

    data: str = Field("sample:stocks", min_length=1, max_length=500)


def universe(req: UniverseRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The symbols the session (or a new session over ``data``) can trade."""
    from ntlab.service.data import load_data

    ctx = ctx or default_context()
    if req.session_id is not None or ctx.sessions.all():
        session = ctx.sessions.get(req.session_id)
        return {"session_id": session.session_id, "symbols": list(session.universe())}
    return {"session_id": None, "symbols": list(load_data(DataRef(data=req.data), ctx).symbols)}


class StatusRequest(SessionRef):
    equity_curve: bool = False


def _status(session: Any, curve: bool = False) -> dict[str, Any]:
    out = dict(session.status())
    if not curve:
        out.pop("equity_curve", None)
    return jsonable(out)


def session_status(req: StatusRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The session's status (the dashboards' SessionStatus; ``equity_curve`` on request).

    Before any session is started (and none is asked for by id) it is the state of a
    TradingSession that has not started: ``state`` ``idle``, no ``session_id``.
    """
    ctx = ctx or default_context()
    if req.session_id is None and not ctx.sessions.all():
        from ntlab.live.session import TradingSession

        return _status(TradingSession(None), req.equity_curve)  # type: ignore[arg-type]
    return _status(ctx.sessions.get(req.session_id), req.equity_curve)


def stop_session(req: SessionRef, ctx: Context | None = None) -> dict[str, Any]:
    """Stop: working orders cancelled, journal closed, positions kept; the final status."""
    session = (ctx or default_context()).sessions.get(req.session_id)
    if session.state in ("stopped", "idle"):
        raise ExecutionError(f"session {session.session_id} is already {session.state}")
    final = dict(session.stop())
    final.pop("equity_curve", None)
    return jsonable({"status": "stopped"} | final)


class StepRequest(SessionRef):
    bars: int = Field(1, ge=1, le=100_000)


def step_session(req: StepRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Process up to ``bars`` bars of a stepped (not background) session."""
    session = (ctx or default_context()).sessions.get(req.session_id)
    if session.settings.background:
        raise ExecutionError(
            f"session {session.session_id} replays in the background; it cannot be stepped"
        )
    if session.state != "running":
        raise ExecutionError(f"session {session.session_id} is {session.state}, not running")
    done = session.step(req.bars, timeout=5.0)
    return {"session_id": session.session_id, "bars": done} | _brief(session)


def _brief(session: Any) -> dict[str, Any]:
    s = session.status()
    keys = ("state", "bar_time", "bars_processed", "cash", "equity", "realized_pnl",
            "unrealized_pnl", "active_strategies", "symbols")  # fmt: skip
    return jsonable({k: s[k] for k in keys} | {"orders": s["metrics"].get("orders", 0)})


def list_sessions(ctx: Context | None = None) -> dict[str, Any]:
    """Every session this process hosts, with its state and equity."""
    return {
        "sessions": [
            {"session_id": s.session_id} | _brief(s)
            for s in (ctx or default_context()).sessions.all()
        ]
    }


class JournalRequest(SessionRef):
    kind: str | None = Field(None, min_length=1, max_length=50)
    limit: int = Field(500, ge=1, le=100_000)


def _journal(session: Any) -> tuple[Any, bool]:
    """The session's journal (its own while it runs; else opened from its file, to close)."""
    if session.journal is not None and session.conn is not None:
        return session.journal, False
    path = session.status()["journal"]
    if path is None:
        raise ExecutionError(f"session {session.session_id} has no journal")
    from ntlab.execution.journal import Journal

    return Journal(path), True


def with_journal(session: Any, fn: Any) -> Any:
    journal, own = _journal(session)
    try:
        return fn(journal)
    finally:
        if own:
            journal.close()


def journal_events(req: JournalRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The session's journal events (order requests, states, fills, bars, audit), oldest first."""
    session = (ctx or default_context()).sessions.get(req.session_id)
    events = with_journal(session, lambda j: j.events(req.kind, session.session_id))
    return jsonable(
        {"session_id": session.session_id, "count": len(events), "events": events[-req.limit :]}
    )


class DecisionsRequest(SessionRef):
    limit: int = Field(500, ge=1, le=100_000)
    symbol: str | None = Field(None, min_length=1, max_length=20)


def decision_log(req: DecisionsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The session's decision log records (per bar and symbol: target, gate, order, latency)."""
    from ntlab.live.metrics import DecisionLog

    session = (ctx or default_context()).sessions.get(req.session_id)
    path = session.status()["decision_log"]  # flushed by the session after every bar
    rows = [] if path is None else DecisionLog.read(path)
    if req.symbol is not None:
        rows = [r for r in rows if r.get("symbol") == req.symbol]
    return jsonable(
        {"session_id": session.session_id, "count": len(rows), "records": rows[-req.limit :]}
    )


def audit(session: Any, actor: str, action: str, payload: Mapping[str, Any]) -> None:
    """Write who asked for an order-changing action into the session's journal (and log it)."""
    record = {"actor": actor, "action": action, **jsonable(dict(payload))}
    with_journal(session, lambda j: _write_event(j, record, session.session_id))
    _audit_log.info(json.dumps({"event": "audit", "session_id": session.session_id} | record))


def _write_event(journal: Any, record: dict[str, Any], sid: str) -> None:
    with journal.batch() as b:
        b.event("audit", record, sid=sid)
