"""TradingSession: feed -> strategies -> ExecutionPolicy -> RiskGate -> broker -> journal -> portfolio.

Each bar: (1) the broker fills the orders decided on the previous bar (a SimClient is
advanced to this bar; a remote broker's fills are awaited, then asked for); (2) the order
updates are journaled in one transaction and booked in the portfolio; (3) the book is
marked at the close; (4) the strategies' streams give this bar's targets, the decision
kernel turns target changes into orders, the risk gate checks them all at once; (5) the
requests are journaled in one transaction *before* they are sent, each with the
deterministic client_order_id :func:`ntlab.execution.journal.decision_id`; (6) they are
sent. A decision on bar t's close is filled on bar t+1.

Latencies: ``decision_latency_ms`` times (3)-(6), from a bar's close being known with the
previous fills booked to its last order sent; ``bar_latency_ms`` times (1)-(6).

Implements :class:`ntlab.live.api.TradingSessionAPI`.
"""

from __future__ import annotations

import collections
import math
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ntlab._memory import release_unused
from ntlab._time import iso_utc, now_utc, to_utc
from ntlab.data.replay import BarBatch
from ntlab.errors import ConfigError, ExecutionError, OrderRejectedError
from ntlab.execution.client import OrderUpdate
from ntlab.execution.journal import UNSENT, Journal, decision_id
from ntlab.execution.sleeves import first_prices, warn_small_sleeves
from ntlab.live.api import SessionStatus, StartResponse, validate_start_request
from ntlab.live.decide import EXIT_TAGS, BarDecision, Decider
from ntlab.live.markets import Connection, Market
from ntlab.live.metrics import Counters, DecisionLog, LatencyStats
from ntlab.live.orders import CLOSING_TAGS, MANUAL, STRATEGY, OrderBook, Tracked
from ntlab.live.portfolio import Portfolio
from ntlab.live.recovery import (
    check_clock,
    position_gaps,
    reconcile,
    restore,
    settle_disagreement,
)
from ntlab.live.settings import RISK_LEVELS, SessionSettings, limits_for
from ntlab.model import Fill, Order, OrderRequest, OrderType
from ntlab.risk import _gate_nb as gate_nb
from ntlab.risk.gate import RiskGate
from ntlab.risk.limits import PortfolioState
from ntlab.strategies import Strategy, resolve_strategy, strategy_class, strategy_spec

__all__ = ["ReplayRun", "TradingSession", "replay_session"]

_ACTIONS = {True: "approve", False: "reject"}
#: Order tag -> the reason its fills show (the console's and monitor's fill tables).
_WHY = {STRATEGY: "signal", MANUAL: "manual", "flatten": "flatten", "stop-loss": "stop-loss",
        "take-profit": "take-profit"}  # fmt: skip


def _why(tag: str, requested: float, allowed: float, code: int, halt: int) -> str:
    """Why an order of the session's own was sent: its tag, and what the risk gate or the
    circuit breaker did to it."""
    why = _WHY.get(tag, tag)
    if halt:
        return f"{why} (circuit breaker: {gate_nb.REASONS[halt]}; reducing only)"
    if allowed != requested:
        return f"{why} (resized by the risk gate: {gate_nb.REASONS[code]})"
    return why


def _now_ms() -> int:
    return int(time.time() * 1000)


class TradingSession:
    """A paper (or live) trading session over a :class:`~ntlab.live.markets.Market`.

    Parameters
    ----------
    market : Market
        Where bars come from and orders go (:class:`~ntlab.live.ReplayMarket`,
        :class:`~ntlab.live.LocalExchangeMarket`, :class:`~ntlab.live.AlpacaMarket`).
    settings : SessionSettings, optional

    Examples
    --------
    >>> session = TradingSession(ReplayMarket(load_sample("stocks")))     # doctest: +SKIP
    >>> session.start({"strategies": ["momentum"], "symbols": ["AAPL", "MSFT"],
    ...                "risk_level": "medium", "max_position_size": 50_000})
    >>> session.run(); session.stop()["equity"]
    """

    def __init__(self, market: Market, settings: SessionSettings | None = None) -> None:
        self.market = market
        self.settings = settings or SessionSettings()
        self._lock = threading.RLock()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._updates: collections.deque = collections.deque()
        self.state = "idle"
        self.session_id: str | None = None
        self.request: dict[str, Any] | None = None
        self.conn: Connection | None = None
        self.journal: Journal | None = None
        self.log: DecisionLog | None = None
        self.portfolio: Portfolio | None = None
        self.book: OrderBook | None = None
        self.decider: Decider | None = None
        self.gate: RiskGate | None = None
        self.latency = LatencyStats()  # bar close known -> its orders sent (the decision)
        self.bar_latency = LatencyStats()  # bar handed over -> orders sent (fills booked first)
        self.decision_cpu = LatencyStats()  # the decision's CPU time (no wait for a core)
        self.counts = Counters()
        self.recovery: dict[str, Any] | None = None
        self._snapshot: SessionStatus | None = None
        self._reset_clock()

    def _reset_clock(self) -> None:
        self.bar_time: pd.Timestamp | None = None
        self.bars = 0
        self._curve: collections.deque = collections.deque(maxlen=5000)
        self._fills: collections.deque = collections.deque(maxlen=50)
        self._peak = self._day_start = self._max_dd = self._last_equity = 0.0
        self._day = None
        self._actions = 0

    def __repr__(self) -> str:
        return f"TradingSession({self.session_id or '-'}, {self.state}, market={self.market!r})"

    # ================================================================== the protocol
    def universe(self) -> list[str]:
        return self.market.universe() or []

    def start(self, request: Mapping[str, Any]) -> StartResponse:
        """Start trading; the same ``session_id`` as a journaled session resumes it."""
        req = validate_start_request(request, self.market.universe())
        with self._lock:
            if self.state == "running":
                return self._response("already_running")
        if self.conn is not None:  # a finished run still holds its broker and journal
            self.stop()
        # what status() shows while the start holds the session (opening the strategies'
        # streams may compile their kernels for seconds)
        self._snapshot = (self._snapshot or self._idle_status()) | {"state": "starting"}
        with self._lock:
            try:
                self._open(dict(req))
            except (
                BaseException
            ):  # refused (a disagreeing book, a locked journal...): let go of it all
                self._abandon()
                raise
            # a status() that finds the session busy from here on shows this session, not
            # the one before the start
            self._snapshot = self._build_status()
        if self.settings.background:
            self._halt.clear()
            self._thread = threading.Thread(
                target=self._loop, name=f"session-{self.session_id}", daemon=True
            )
            self._thread.start()
        return self._response("started")

    def _abandon(self) -> None:
        for part in ("log", "conn", "journal"):
            obj = getattr(self, part, None)
            if obj is not None and hasattr(obj, "close"):
                try:
                    obj.close()
                except Exception:  # closing what failed to open: the first error is the one to see
                    pass
        self.conn = None
        self.state = "idle"

    def _response(self, status: str) -> StartResponse:
        req = self.request or {}
        return StartResponse(
            session_id=self.session_id,
            status=status,
            active_strategies=list(req.get("strategies", [])),
            symbols=list(req.get("symbols", [])),
            timestamp=_now_ms(),
        )

    def stop(self, *, cancel_orders: bool | None = None) -> SessionStatus:
        """Stop: the bar loop ends, working orders are cancelled (``cancel_on_stop``), the
        journal and the decision log are flushed and closed. Positions are kept."""
        if self.state == "idle":
            raise ExecutionError("no session to stop; start one first")
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(30)
        with self._lock:
            if self.conn is None:
                return self.status()
            cancel = self.settings.cancel_on_stop if cancel_orders is None else cancel_orders
            try:
                if cancel:
                    self._cancel_working()
                self._settle(None, wait_all=True)
                self._drain()
                self.state = "stopped"
                self.journal.stop_session(self.session_id)
                final = self.status()
            finally:
                self.log.close()
                self.conn.close()
                self.journal.close()
                self.conn = None
            return final

    def status(self) -> SessionStatus:
        """A consistent snapshot (cheap: no broker call), and it never waits for a bar.

        While another thread holds the session (a bar being processed, a start compiling
        its strategies' kernels) this returns the snapshot last taken, at most one bar
        old, with ``stale: True``; a face polling from its event loop is never blocked.
        """
        if not self._lock.acquire(blocking=False):
            snap = self._snapshot
            if snap is None:  # first call while the first start holds the session
                snap = self._idle_status()
            return snap | {"timestamp": _now_ms(), "stale": True}
        try:
            snap = self._build_status()
            self._snapshot = snap
            return snap | {"stale": False}
        finally:
            self._lock.release()

    def _idle_status(self) -> SessionStatus:
        req = self.request or {}
        return SessionStatus(
            session_id=self.session_id, state=self.state, timestamp=_now_ms(), bar_time=None,
            bars_processed=self.bars, active_strategies=list(req.get("strategies", [])),
            symbols=list(req.get("symbols", [])), cash=0.0, equity=0.0, realized_pnl=0.0,
            unrealized_pnl=0.0, fees=0.0, positions=[], open_orders=[], recent_fills=[],
            risk={}, circuit_breaker={}, decision_latency_ms={}, equity_curve=[],
        )  # fmt: skip

    def _build_status(self) -> SessionStatus:
        """The status, built now (the caller holds the lock)."""
        pf, req = self.portfolio, self.request or {}
        when = None if self.bar_time is None else self.bar_time.to_pydatetime()
        equity = pf.equity if pf is not None else 0.0
        gross = pf.gross_exposure if pf is not None else 0.0
        breaker = self.gate.breaker if self.gate is not None else None
        working = self.book.working() if self.book is not None else []
        limits = self.gate.limits if self.gate is not None else None
        return SessionStatus(
            session_id=self.session_id,
            state=self.state,
            timestamp=_now_ms(),
            bar_time=None if when is None else self.bar_time.isoformat(),
            bars_processed=self.bars,
            active_strategies=list(req.get("strategies", [])),
            symbols=list(req.get("symbols", [])),
            cash=pf.cash if pf is not None else 0.0,
            equity=equity,
            realized_pnl=float(pf.realized.sum()) if pf is not None else 0.0,
            unrealized_pnl=pf.unrealized if pf is not None else 0.0,
            fees=pf.fees if pf is not None else 0.0,
            positions=pf.positions(when or now_utc(), self.book.manual_qty)
            if pf is not None
            else [],
            open_orders=[self._order_dict(t) for t in working],
            recent_fills=list(self._fills),
            risk={
                "equity": equity,
                "peak_equity": self._peak,
                "drawdown": 1 - equity / self._peak if self._peak > 0 else 0.0,
                "max_drawdown": self._max_dd,
                "gross_exposure": gross,
                "leverage": gross / equity if equity > 0 else 0.0,
            },
            circuit_breaker={
                "tripped": bool(breaker and breaker.halted),
                "reason": breaker.reason if breaker else "",
                "limit": (limits.max_drawdown or 0.0)
                if limits
                else RISK_LEVELS.get(req.get("risk_level"), 0.0),
            },
            decision_latency_ms=self.latency.summary(),
            equity_curve=[list(p) for p in self._curve],
        ) | {
            "metrics": dict(self.counts) | {"decision_log_records": self.log.n if self.log else 0},
            "bar_latency_ms": self.bar_latency.summary(),
            "journal": None if self.journal is None else str(self.journal.path),
            "decision_log": None
            if self.log is None or self.log.path is None
            else str(self.log.path),
            "recovery": self.recovery,
        }

    def _order_dict(self, t: Tracked) -> dict[str, Any]:
        r = t.request
        return {
            "orderId": t.broker_id, "clientOrderId": r.client_order_id, "symbol": r.symbol,
            "side": r.side.value, "quantity": r.quantity, "orderType": r.order_type.value,
            "timeInForce": r.time_in_force.value, "status": t.status, "filledQty": t.filled_qty,
            "limitPrice": r.limit_price, "stopPrice": r.stop_price,
            "submittedAt": t.submitted_at, "tag": t.tag, "reason": t.why or _WHY.get(t.tag, t.tag),
        }  # fmt: skip

    # ================================================================== opening
    def _open(self, req: dict[str, Any]) -> None:
        s = self.settings
        strategies = self._strategies(req)
        # the request as JSON: each strategy by its spec (registered name or import path)
        req["strategies"] = [strategy_spec(st) for st in strategies]
        config_strategies = [st.to_dict() for st in strategies]
        warmup = max((st.warmup for st in strategies), default=0)
        self.session_id = s.session_id or uuid.uuid4().hex[:12]
        folder = s.folder_for(self.session_id)
        self.journal = Journal(folder / "journal.db", durable=s.durable, writer=True)
        if getattr(self.market, "ephemeral", False) and self.journal.session_config(
            self.session_id
        ):
            self.journal.close()
            raise ConfigError(
                f"session {self.session_id!r} is in the journal {folder / 'journal.db'}, but its broker "
                f"({type(self.market).__name__}) lived in the process that ran it and is gone: it cannot "
                "be resumed. Start a new session_id, or trade through a broker that outlives the "
                "process (the local exchange, Alpaca) to resume after a stop or a crash."
            )
        self.log = DecisionLog(folder / "decisions.jsonl" if s.log_decisions else None)
        self.request, symbols = req, req["symbols"]
        self.conn = conn = self.market.connect(symbols, warmup)
        history = conn.feed.history()
        limits = s.limits or limits_for(req)
        self.gate = RiskGate(limits, s.sectors, lot_size=self.market.policy.lot)
        self.decider = Decider(
            strategies, history, limits, sectors=s.sectors, lot=self.market.policy.lot,
            stop_pct=req["stop_loss_percentage"], take_pct=req["take_profit_percentage"],
        )  # fmt: skip
        self.book = OrderBook(symbols)
        self._reset_clock()
        self.latency, self.bar_latency, self.counts = LatencyStats(), LatencyStats(), Counters()
        self.decision_cpu = LatencyStats()
        known = self.journal.session_config(self.session_id)
        cash = known["init_cash"] if known else conn.client.account().equity
        self.portfolio = Portfolio(symbols, cash)
        sleeve = min(cash / len(symbols), limits.max_position_value or float("inf"))
        last = first_prices(history.close.to_numpy(dtype=float)[::-1])
        warn_small_sleeves(sleeve, last, self.market.policy.lot, len(symbols))
        config = {
            "request": req,
            "strategies": config_strategies,
            "init_cash": cash,
            "settings": s.to_dict(),
            "market": repr(self.market),
        }
        fresh = self.journal.start_session(self.session_id, config)
        conn.client.subscribe(self._updates.append)  # before reconciling: nothing is missed
        if history.n_bars:
            self.portfolio.mark(history.close.to_numpy()[-1])
        self._peak = self._day_start = self._last_equity = self.portfolio.equity
        self._venue_last = history.index[-1] if history.n_bars else None
        if not fresh:
            self._recover()
        elif not getattr(self.market, "ephemeral", False):
            self._check_fresh()
        self.state = "running"
        release_unused()  # set-up's scratch memory back to the OS: a session idles at its size

    def _strategies(self, req: dict[str, Any]) -> list[Strategy]:
        """The request's strategy specs as objects (:func:`ntlab.strategies.resolve_strategy`:
        an object is copied with its fitted state; a name or import path is built with
        ``settings.strategy_params[spec]``, on the GPU when ``use_gpu`` and it has a device)."""
        out = []
        for spec in req["strategies"]:
            if not isinstance(spec, str):
                out.append(resolve_strategy(spec))
                continue
            params = dict(self.settings.strategy_params.get(spec, {}))
            fields = strategy_class(spec).Config.__dataclass_fields__
            if req.get("use_gpu") and "device" in fields and "device" not in params:
                params["device"] = "auto"  # the GPU when there is one
            out.append(resolve_strategy(spec, **params))
        return out

    def _check_fresh(self) -> None:
        """A new session on a broker that outlives processes must find it flat in its symbols
        (else the journal lost its contents, or the account holds another book)."""
        held = {p.symbol: p for p in self.conn.client.positions() if p.symbol in self.book.column}
        gaps = {s: {"session": 0.0, "broker": p.quantity, "journal": 0.0}
                for s, p in held.items() if abs(p.quantity) > 1e-12}  # fmt: skip
        self._settle_gaps(
            gaps,
            [],
            held,
            "a new session (nothing in its journal) found the broker holding positions in its symbols",
        )

    def _settle_gaps(self, gaps, lost, held, why: str) -> None:
        def record(kind: str, payload: dict) -> None:
            with self.journal.batch() as b:
                b.event(kind, payload, sid=self.session_id)

        last = dict(zip(self.book.symbols, self.portfolio.last, strict=True))
        prices = {s: held[s].avg_entry_price if s in held else float(last[s]) for s in gaps}
        adopted = settle_disagreement(self.settings.on_disagreement, gaps, lost=lost, prices=prices,
                                      why=why, record=record)  # fmt: skip
        for symbol, (qty, price) in adopted.items():
            self.portfolio.apply(symbol, qty, price)
        if adopted:
            self.counts.bump("adoptions")

    def _broker_positions(self, when, reads: int = 4) -> tuple[dict, dict]:
        """The broker's positions in the book's symbols, and where they disagree with the
        book and the journal. The broker trades on while a session restarts: an order read
        as working may fill before the positions are read, so while they disagree and
        orders are working, the orders are read again (their fills booked) and so are the
        positions; a gap that stays after ``reads`` reads is a real one."""
        held, gaps = self._positions_now(when)
        for attempt in range(1, reads):
            working = self.book.working()
            if not gaps or not working:
                break
            time.sleep(0.05 * attempt)
            self._updates.extend(reconcile(self.conn.client, working, when).updates)
            held, gaps = self._positions_now(when)
        return held, gaps

    def _positions_now(self, when) -> tuple[dict, dict]:
        held = {p.symbol: p for p in self.conn.client.positions() if p.symbol in self.book.column}
        self._drain(when)  # order updates that came meanwhile (the stream, a reconcile)
        broker = {s: p.quantity for s, p in held.items()}
        journal = self.journal.net_positions(self.session_id)
        return held, position_gaps(self.book.symbols, self.portfolio.qty, broker, journal)

    def _recover(self) -> None:
        info, fills = restore(self.journal, self.session_id, self.book)
        check_clock(info.last_bar, self._venue_last)
        self._restore_risk(info.risk)
        for fill, tag in fills:
            self._book_fill(fill, tag, record=False)
        for symbol, qty, price in info.adopted:
            self.portfolio.apply(symbol, qty, price)
        for symbol, target in info.targets.items():
            j = self.book.column.get(symbol)
            if j is not None:
                self.decider.prev[j] = target
        when = now_utc()
        rec = reconcile(self.conn.client, self.book.working(), when)
        self._updates.extend(rec.updates)
        self._drain(when)
        held, gaps = self._broker_positions(when)
        self._settle_gaps(
            gaps,
            rec.lost,
            held,
            "the restart found the session's book and the broker's disagreeing",
        )
        self.recovery = {
            "restored_orders": info.orders,
            "restored_fills": info.fills,
            "last_bar": info.last_bar,
            **rec.to_dict(),
            "position_gaps": gaps,
            "adopted": bool(gaps or rec.lost),
        }
        self.counts.bump("restarts")

    # ================================================================== the bar loop
    def step(self, n: int = 1, timeout: float | None = None) -> int:
        """Process up to ``n`` bars (waiting up to ``timeout`` s for each); returns how many."""
        done = 0
        for _ in range(n):
            if self.state != "running":
                break
            batch = self.conn.feed.next(timeout)
            if batch is None:
                if self.conn.feed.finished:
                    self._finish()
                break
            with self._lock:
                self._on_bar(batch)
            done += 1
            if self.settings.max_bars is not None and self.bars >= self.settings.max_bars:
                self._finish()
        return done

    def _finish(self) -> None:
        with self._lock:
            if self.state == "running":
                self._settle(None, wait_all=True)
                self._drain()
                self.state = "finished"

    def run(self, *, progress: bool = False, timeout: float = 0.25) -> SessionStatus:
        """Process bars until the feed ends, ``max_bars`` or :meth:`stop` (from another thread)."""
        bar = None
        if progress:
            from tqdm.auto import tqdm

            total = len(self.conn.feed) if hasattr(self.conn.feed, "__len__") else None
            bar = tqdm(total=total, unit="bar", desc=f"session {self.session_id}", mininterval=0.5)
        try:
            while self.state == "running" and not self._halt.is_set():
                got = self.step(1, timeout)
                if bar is not None and got:
                    bar.update(got)
                    bar.set_postfix(
                        equity=f"{self.portfolio.equity:,.0f}",
                        orders=self.counts["orders"],
                        refresh=False,
                    )
                if got and self.settings.bar_interval:
                    self._halt.wait(self.settings.bar_interval)
        finally:
            if bar is not None:
                bar.close()
        return self.status()

    def _loop(self) -> None:
        try:
            self.run()
        except Exception as exc:  # the dashboard shows it; the journal keeps what happened
            with self._lock:
                self.state = "failed"
                self.counts.bump("loop_errors")
                self.recovery = (self.recovery or {}) | {"error": f"{type(exc).__name__}: {exc}"}

    def _on_bar(self, batch: BarBatch) -> None:
        t0 = time.perf_counter()
        conn, pf = self.conn, self.portfolio
        if conn.sim is not None:
            conn.sim.on_bar_arrays(batch.timestamp, self.book.symbols, batch.open, batch.high,
                                   batch.low, batch.close, batch.volume)  # fmt: skip
        else:
            self._settle(batch)
        self._drain(batch.timestamp.to_pydatetime())
        self._retry_unsent()
        t1 = time.perf_counter()  # the previous bar's fills are booked: the decision starts
        c1 = time.thread_time()
        pf.mark(batch.close)
        self.bar_time, self.bars = batch.timestamp, self.bars + 1
        equity = pf.equity
        halt = self._risk(batch.timestamp, equity)
        book = self.book
        target, rows = self.decider.targets(batch)
        self._replace_working(target)
        held = pf.qty + book.pending
        d = self.decider.decide(
            batch,
            target,
            rows,
            strategy_position=held - book.manual_qty - book.manual_pending,
            position=held,
            avg_price=pf.avg,
            mark=pf.last,
            busy=book.pending != 0,
            equity=equity,
            halt=halt,
        )
        sent = self._send(d, equity, halt)
        t2 = time.perf_counter()
        ms = (t2 - t1) * 1e3
        self.latency.add(ms)
        self.decision_cpu.add((time.thread_time() - c1) * 1e3)
        self.bar_latency.add((t2 - t0) * 1e3)
        self._log(d, sent, ms)
        self._curve.append([batch.timestamp.value // 1_000_000, equity])

    def _replace_working(self, target: np.ndarray) -> None:
        """A new target replaces the strategies' order still working for that symbol (the
        event backtest's rule): cancel it, and size the new one from the filled position.
        A cancel the broker has not confirmed leaves the order counted as working."""
        book = self.book
        working = (book.pending - book.manual_pending) != 0
        if not working.any():
            return
        changed = np.flatnonzero(working & (target != self.decider.prev))
        if changed.size == 0:
            return
        cols = set(changed.tolist())
        for t in book.working():
            if t.col in cols and t.tag != MANUAL and t.broker_id is not None:
                try:
                    self.conn.client.cancel(t.broker_id)
                    self._updates.append((self.conn.client.get_order(t.broker_id), None))
                    self.counts.bump("replaced")
                except ExecutionError:
                    continue  # filled or gone meanwhile: its update says which
        self._drain()

    def _risk_state(self, equity: float) -> dict[str, Any]:
        """What the breaker needs after a restart (a drawdown halt must survive one)."""
        breaker = self.gate.breaker
        return {
            "equity": equity, "peak": self._peak, "day_start": self._day_start, "max_dd": self._max_dd,
            "day": None if self._day is None else self._day.isoformat(), "halt": breaker.code,
            "halt_reason": breaker.reason,
            "halted_at": None if breaker.tripped_at is None else iso_utc(breaker.tripped_at),
        }  # fmt: skip

    def _restore_risk(self, state: dict[str, Any]) -> None:
        if not state:
            return
        self._peak, self._day_start = state["peak"], state["day_start"]
        self._max_dd, self._last_equity = state["max_dd"], state["equity"]
        self._day = None if state["day"] is None else date.fromisoformat(state["day"])
        breaker = self.gate.breaker
        breaker.code, breaker.reason = int(state["halt"]), state["halt_reason"]
        breaker.tripped_at = None if state["halted_at"] is None else to_utc(state["halted_at"])
        if self._day is not None:
            breaker._day = self._day

    def _risk(self, ts: pd.Timestamp, equity: float) -> int:
        day = ts.tz_convert("America/New_York").date()
        if self._day is not None and day != self._day:
            self._day_start = self._last_equity
        self._day, self._last_equity = day, equity
        self._peak = max(self._peak, equity)
        if self._peak > 0:
            self._max_dd = max(self._max_dd, 1 - equity / self._peak)
        state = PortfolioState(cash=equity, equity=equity, day_start_equity=self._day_start,
                               peak_equity=self._peak, timestamp=ts)  # fmt: skip
        before = self.gate.breaker.halted
        code = self.gate.breaker.update(state)
        if self.gate.breaker.halted and not before:
            self.counts.bump("breaker_trips")
        return code

    # ================================================================== orders
    def _send(
        self, d: BarDecision, equity: float, halt: int = 0
    ) -> dict[int, tuple[OrderRequest, Order | None]]:
        """Journal the bar's requests (one transaction), then send them."""
        cols = np.flatnonzero(d.allowed)
        bar_iso = iso_utc(d.timestamp)
        when = d.timestamp.to_pydatetime()
        requests: list[tuple[int, OrderRequest, str]] = []
        for j in cols:
            q = float(d.allowed[j])
            tag = EXIT_TAGS.get(int(d.exits[j]), STRATEGY)
            cid = decision_id(self.session_id, tag, self.book.symbols[j], when, 0)
            req = OrderRequest(
                symbol=self.book.symbols[j], side="buy" if q > 0 else "sell", quantity=abs(q),
                time_in_force=self.settings.time_in_force, client_order_id=cid, strategy_id=tag,
            )  # fmt: skip
            requests.append((j, req, tag))
        changed = np.flatnonzero(d.changed)
        fresh = []
        with self.journal.batch() as b:
            for j, req, tag in requests:
                if b.request(self.session_id, req):
                    fresh.append((j, req, tag))
                else:  # journaled before a restart: never sent twice
                    self.counts.bump("duplicate_decisions")
            targets = {self.book.symbols[j]: float(d.target[j]) for j in changed}
            b.event(
                "bar",
                {"time": bar_iso, "targets": targets, **self._risk_state(equity)},
                sid=self.session_id,
            )
        rejected = np.count_nonzero((d.requested != 0) & (d.allowed == 0))
        resized = np.count_nonzero((d.allowed != 0) & (d.allowed != d.requested))
        self.counts.bump("gate_rejections", int(rejected))
        self.counts.bump("gate_resizes", int(resized))
        sent: dict[int, tuple[OrderRequest, Order | None]] = {}
        for j, req, tag in fresh:
            t = self.book.add(req, tag)
            t.submitted_at = bar_iso
            t.why = _why(tag, float(d.requested[j]), float(d.allowed[j]), int(d.codes[j]), halt)
            sent[j] = (req, self._submit(req))
        return sent

    def _submit(self, req: OrderRequest) -> Order | None:
        try:
            order = self.conn.client.submit(req)
        except ExecutionError as exc:  # stays unsent in the journal: looked up / resent next bar
            self.counts.bump("submit_errors")
            self.recovery = (self.recovery or {}) | {"last_submit_error": str(exc)}
            return None
        self.counts.bump("orders")
        if order.status.value == "rejected":
            self.counts.bump("broker_rejections")
        if self.conn.sim is None or order.status.value == "rejected":
            self._updates.append((order, None))  # a SimClient already reported it to the handler
        return order

    def _retry_unsent(self) -> None:
        """Requests journaled on an earlier bar that never reached the broker: look them up, resend."""
        unsent = [t for t in self.book.working() if t.status == UNSENT]
        if not unsent:
            return
        rec = reconcile(self.conn.client, unsent, now_utc())
        self.counts.bump("resubmitted", len(rec.resubmitted))
        self._updates.extend(rec.updates)
        self._drain()

    def _settle(self, batch: BarBatch | None, *, wait_all: bool = False) -> None:
        """Wait (up to ``settle_timeout``) for the broker to report on working market orders
        that this bar fills; then ask the broker for those still unreported."""
        if self.conn.sim is not None:
            return

        def expected() -> list[Tracked]:
            out = []
            for t in self.book.working():
                if t.status == UNSENT or t.broker_id is None:
                    continue
                if wait_all or (
                    t.request.order_type is OrderType.MARKET and np.isfinite(batch.close[t.col])
                ):
                    out.append(t)
            return out

        self._drain()  # the acknowledgements first: an order is expected once the broker has it
        deadline = time.monotonic() + self.settings.settle_timeout
        waiting = expected()
        while waiting and time.monotonic() < deadline:
            time.sleep(0.005)
            self._drain()
            waiting = expected()
        for t in waiting:
            self._updates.append((self.conn.client.get_order(t.broker_id), None))
            self.counts.bump("settled_by_rest")

    def _drain(self, when=None) -> None:
        """Journal the queued order updates in one transaction, then book their fills."""
        items = []
        while self._updates:
            items.append(self._updates.popleft())
        if not items:
            return
        when = when or now_utc()
        changed: dict[str, Tracked] = {}  # the final state of each order, journaled once
        fills: list[tuple[Fill, Tracked]] = []
        for item in items:
            order, fill = (item.order, item.fill) if isinstance(item, OrderUpdate) else item
            moved, made = self.book.merge(order, fill, when)
            if moved or made is not None:
                t = self.book.get(order.client_order_id)
                changed[t.client_order_id] = t
                if made is not None:
                    fills.append((made, t))
        if not changed:
            return
        with self.journal.batch() as b:
            for made, _ in fills:
                b.fill(made)
            for t in changed.values():
                b.state(t.client_order_id, t.status, t.broker_id, t.filled_qty, t.avg_price)
        for made, t in fills:
            self._book_fill(made, t.tag, why=t.why or _WHY.get(t.tag, t.tag))

    def _book_fill(self, fill: Fill, tag: str, *, record: bool = True, why: str = "") -> None:
        pf = self.portfolio
        pf.apply_fill(fill)
        j = pf.column[fill.symbol]
        if tag in CLOSING_TAGS and pf.qty[j] == 0:
            self.book.closed_out(j)
        elif tag == MANUAL and not record:
            self.book.manual_qty[j] += fill.signed_quantity
        if record:
            self.counts.bump("fills")
            self._fills.append(fill.to_dict() | {"reason": why})

    def _cancel_working(self) -> list[Order]:
        out = []
        for t in self.book.working():
            if t.broker_id is None:
                continue
            try:
                self.conn.client.cancel(t.broker_id)
                out.append(self.conn.client.get_order(t.broker_id))
            except ExecutionError:
                continue  # filled or gone meanwhile: the update says which
            self._updates.append((out[-1], None))
            self.counts.bump("cancels")
        self._drain()
        return out

    # ================================================================== the decision log
    def _log(
        self, d: BarDecision, sent: dict[int, tuple[OrderRequest, Order | None]], ms: float
    ) -> None:
        log = self.log
        if log is None or log.path is None:
            return
        bar_iso = d.timestamp.isoformat()
        for j in d.columns:
            requested, allowed, code = float(d.requested[j]), float(d.allowed[j]), int(d.codes[j])
            action = "none" if requested == 0 else _ACTIONS[allowed != 0]
            if requested and allowed and allowed != requested:
                action = "resize"
            req, order = sent.get(j, (None, None))
            log.add({
                "time": bar_iso,
                "symbol": self.book.symbols[j],
                "target": float(d.target[j]),
                "kind": EXIT_TAGS.get(int(d.exits[j]), "target_change" if d.changed[j] else "order"),
                "reasoning": [str(r.reasoning[j]) for r in d.rows if r.reasoning is not None and r.reasoning[j]],
                "requested_qty": requested,
                "gate": {"action": action, "code": code, "reason": gate_nb.REASONS[code] if requested else ""},
                "order": None if req is None else {
                    "client_order_id": req.client_order_id, "side": req.side.value, "qty": req.quantity,
                    "status": None if order is None else order.status.value,
                    "reject_reason": None if order is None else order.reject_reason,
                },
                "latency_ms": round(ms, 4),
            })  # fmt: skip
        log.flush()

    # ================================================================== manual trading
    def _check_running(self, what: str) -> None:
        if self.state != "running" or self.conn is None:
            raise ExecutionError(f"cannot {what}: no session is running; start one first")

    def submit_order(self, request: OrderRequest) -> Order:
        """A manual order: checked by the risk gate, journaled, then sent; its shares are kept
        apart from the strategies' (they never trade them away)."""
        with self._lock:
            self._check_running("place an order")
            if request.symbol not in self.book.column:
                raise OrderRejectedError(
                    f"unknown symbol {request.symbol!r}: this session trades {list(self.book.symbols)}"
                )
            pf = self.portfolio
            held = pf.qty + self.book.pending
            prices = {
                s: float(p) for s, p in zip(pf.symbols, pf.last, strict=True) if np.isfinite(p)
            }
            state = PortfolioState(
                cash=pf.cash, positions={s: float(q) for s, q in zip(pf.symbols, held, strict=True) if q},
                prices=prices, equity=pf.equity, day_start_equity=self._day_start or None,
                peak_equity=self._peak or None, timestamp=None if self.bar_time is None else self.bar_time,
            )  # fmt: skip
            decision = self.gate.check(request, state)
            self.log.add({"time": None if self.bar_time is None else self.bar_time.isoformat(),
                          "symbol": request.symbol, "kind": "manual", "requested_qty": request.signed_quantity,
                          "gate": {"action": decision.action, "code": decision.code, "reason": decision.reason}})  # fmt: skip
            self.log.flush()
            if not decision.approved:
                self.counts.bump("gate_rejections")
                raise OrderRejectedError(decision.reason)
            req = replace(decision.approved_order(), strategy_id=MANUAL)
            return self._manual(req, MANUAL)

    def _manual(self, req: OrderRequest, tag: str) -> Order:
        with self.journal.batch() as b:
            if not b.request(self.session_id, req):
                raise ExecutionError(f"client_order_id {req.client_order_id} was already used")
        t = self.book.add(req, tag)
        t.submitted_at = iso_utc(self.bar_time if self.bar_time is not None else now_utc())
        t.why = _WHY.get(tag, tag)
        order = self._submit(req)
        if order is None:
            raise ExecutionError(
                "the broker could not be reached; the order is journaled and will be retried"
            )
        self._drain()
        return order

    def cancel(self, order_id: str) -> Order:
        """Cancel one working order (by the broker's order id or the client_order_id)."""
        with self._lock:
            self._check_running("cancel")
            t = self.book.by_broker_id(order_id) or self.book.get(order_id)
            if t is None or t.terminal or t.broker_id is None:
                raise ExecutionError(
                    f"order {order_id!r} is not open (filled, cancelled or unknown)"
                )
            self.conn.client.cancel(t.broker_id)
            order = self.conn.client.get_order(t.broker_id)
            self._updates.append((order, None))
            self._drain()
            self.counts.bump("cancels")
            return order

    def flatten(self) -> list[Order]:
        """Cancel every working order and close every position with market orders."""
        with self._lock:
            self._check_running("flatten")
            self._cancel_working()
            self._actions += 1
            out = []
            when = self.bar_time or pd.Timestamp.now(tz="UTC")
            for j in np.flatnonzero(self.portfolio.qty):
                q = -float(self.portfolio.qty[j])
                symbol = self.book.symbols[j]
                cid = decision_id(self.session_id, f"flatten-{self._actions}", symbol, when, 0)
                req = OrderRequest(symbol=symbol, side="buy" if q > 0 else "sell", quantity=abs(q),
                                   client_order_id=cid, strategy_id="flatten")  # fmt: skip
                out.append(self._manual(req, "flatten"))
            return out

    # ================================================================== reading
    def orders(self) -> list[dict[str, Any]]:
        """The working orders (``status()["open_orders"]``: camelCase, with ``reason``)."""
        return self.status()["open_orders"]

    def positions(self) -> list[dict[str, Any]]:
        """The positions (``status()["positions"]``: ``Position.to_dict()`` records plus
        ``unrealizedPnl`` and ``manualQuantity``)."""
        return self.status()["positions"]

    def fills(self) -> list[dict[str, Any]]:
        """Every fill of this session, oldest first, read from its journal (the durable
        record, also after ``stop()``): ``Fill.to_dict()`` records plus ``reason``."""
        with self._lock:
            if self.session_id is None or self.journal is None:
                return []
            why = {} if self.book is None else {
                cid: t.why or _WHY.get(t.tag, t.tag) for cid, t in self.book.orders.items()
            }  # fmt: skip
            journal = self.journal if self.conn is not None else Journal(self.journal.path)
            try:
                return [
                    f.to_dict() | {"reason": why.get(f.client_order_id, "")}
                    for f in journal.fills(self.session_id)
                ]
            finally:
                if journal is not self.journal:
                    journal.close()

    # ================================================================== checks
    def agreement(self) -> dict[str, Any]:
        """Positions by the session's book, the broker and the journal's fills, and where they differ."""
        with self._lock:
            broker = {
                p.symbol: p.quantity
                for p in self.conn.client.positions()
                if p.symbol in self.book.column
            }
            journal = self.journal.net_positions(self.session_id)
            gaps = position_gaps(self.book.symbols, self.portfolio.qty, broker, journal)
            return {
                "session": self.portfolio.net_positions(),
                "broker": broker,
                "journal": journal,
                "gaps": gaps,
            }

    @property
    def equity(self) -> float:
        return self.portfolio.equity if self.portfolio is not None else math.nan


class ReplayRun:
    """What :func:`replay_session` returns: the finished session's status, fills and equity."""

    def __init__(self, status: dict[str, Any], fills: pd.DataFrame, equity: pd.Series) -> None:
        self.status, self.fills, self.equity = status, fills, equity

    def __repr__(self) -> str:
        return f"ReplayRun({len(self.fills)} fills, final equity {self.equity.iloc[-1]:,.2f})"


def replay_session(
    strategy: Strategy | str | dict[str, Any],
    data: Any,
    *,
    cash: float = 100_000.0,
    policy: Any = None,
    limits: Any = None,
    start: int = 1,
    folder: Any = None,
) -> ReplayRun:
    """Run one strategy as a paper session over every bar of ``data`` (SimClient fills).

    ``strategy`` is anything :func:`ntlab.strategies.resolve_strategy` takes: an object
    (run as a copy, fitted state kept), a registered name or an import path.

    The session starts flat at bar ``start`` (earlier bars warm the strategy's stream); no
    risk limit applies unless ``limits`` is given, and the broker is a 2x margin account, so
    that the fills equal the event backtest's with ``EventSettings(use_signal_stops=False,
    initial_margin=0.5)`` and the same ``limits`` (the session has no intrabar stops).

    Returns
    -------
    ReplayRun
        ``equity`` is a Series over ``data.index`` (``cash`` before ``start``), ``fills`` a
        DataFrame (time, symbol, side, quantity, price, fee) from the journal.
    """
    import tempfile

    from ntlab.execution.journal import Journal
    from ntlab.live.markets import ReplayMarket
    from ntlab.risk.limits import RiskLimits

    strategy = resolve_strategy(strategy)
    with tempfile.TemporaryDirectory() as tmp:
        settings = SessionSettings(
            folder=folder or tmp, session_id="replay", log_decisions=False,
            limits=limits or RiskLimits(max_leverage=None),
        )  # fmt: skip
        session = TradingSession(
            ReplayMarket(data, start=start, cash=cash, policy=policy), settings
        )
        session.start({"strategies": [strategy], "symbols": list(data.symbols),
                       "risk_level": "aggressive", "max_position_size": 1e18})  # fmt: skip
        session.run()
        status = session.stop()
        fills = pd.DataFrame(
            [(pd.Timestamp(f.timestamp), f.symbol, f.side.value, f.quantity, f.price, f.commission)
             for f in Journal(status["journal"]).fills("replay")],
            columns=["time", "symbol", "side", "quantity", "price", "fee"],
        )  # fmt: skip
    times = pd.to_datetime([t for t, _ in status["equity_curve"]], unit="ms", utc=True)
    curve = pd.Series([e for _, e in status["equity_curve"]], index=times)
    equity = curve.reindex(data.index).fillna(cash).rename("equity")
    return ReplayRun(status, fills, equity)
