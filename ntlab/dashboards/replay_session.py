"""ReplaySession: the in-process stand-in that issue 9's ``ntlab.live.TradingSession`` replaces.

It implements :class:`~ntlab.live.api.TradingSessionAPI` for real: a bundled
sample is replayed bar by bar (:class:`ntlab.data.replay.ReplayFeed`); each bar, every
strategy runs on the window seen so far and a change of its target becomes a whole-share
market order (sleeve = ``min(max_position_size, equity / n_symbols) / n_strategies``),
filled at the next bar's open with a fee by :class:`~ntlab.dashboards._paper.PaperBroker`.
Manual orders are booked apart, so no strategy trades them away. Session stop-loss /
take-profit close a position at the next open; the circuit breaker trips past the risk
level's drawdown limit (:data:`~ntlab.live.api.RISK_LEVELS`), flattens and
stops the strategies.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ntlab.dashboards._paper import PaperBroker
from ntlab.data.market import MarketData
from ntlab.data.replay import ReplayFeed
from ntlab.errors import ExecutionError, OrderRejectedError
from ntlab.live.api import (
    RISK_LEVELS,
    SessionStatus,
    StartResponse,
    validate_start_request,
)
from ntlab.model import Order, OrderRequest
from ntlab.strategies import get

__all__ = ["ReplaySession"]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _latency(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {}
    r = np.array(ms[-500:])  # the recent decisions
    return {"last": ms[-1], "p50": float(np.median(r)), "max": float(r.max()), "n": len(ms)}


class ReplaySession:
    """Paper session over replayed bars (see the module docstring).

    Parameters
    ----------
    data : MarketData, optional
        Bars to replay; the bundled ``sample:stocks`` by default.
    replay_bars : int
        How many of the last bars to replay (earlier bars are history for warm-up).
    bar_interval : float or None
        Seconds between bars on a background thread; None: call :meth:`step` yourself.
    init_cash, fee_rate : float
        Starting cash and commission as a fraction of traded value.
    """

    def __init__(
        self,
        data: MarketData | None = None,
        *,
        replay_bars: int = 750,
        bar_interval: float | None = 0.25,
        init_cash: float = 100_000.0,
        fee_rate: float = 0.001,
    ) -> None:
        self._source, self.replay_bars, self.bar_interval = data, replay_bars, bar_interval
        self.init_cash, self.fee_rate = init_cash, fee_rate
        self._lock, self._thread, self._halt = threading.RLock(), None, threading.Event()
        self._state, self._id, self._req, self._strategies = "idle", None, None, []
        self._broker = PaperBroker([], init_cash, fee_rate, [])
        self._time, self._curve, self._lat = None, [], []
        self._peak, self._max_dd, self._breaker = init_cash, 0.0, ""

    @property
    def data(self) -> MarketData:
        if self._source is None:
            from ntlab.data import load_sample

            self._source = load_sample("stocks")
        return self._source

    def universe(self) -> list[str]:
        return self.data.symbols

    # ------------------------------------------------------------------ control
    def start(self, request: Mapping[str, Any]) -> StartResponse:
        req = validate_start_request(request, self.universe())
        with self._lock:
            if self._state == "running":
                return self._response("already_running")
            self._reset(req, [get(name) for name in req["strategies"]])
        if self.bar_interval is not None:
            self._halt.clear()
            self._thread = threading.Thread(
                target=self._run, name=f"replay-{self._id}", daemon=True
            )
            self._thread.start()
        return self._response("started")

    def _response(self, status: str) -> StartResponse:
        req = self._req
        return StartResponse(
            session_id=self._id,
            status=status,
            active_strategies=list(req["strategies"]),
            symbols=list(req["symbols"]),
            timestamp=_now_ms(),
        )

    def _reset(self, req, strategies) -> None:
        self._req, self._strategies, self._id = req, strategies, uuid.uuid4().hex[:12]
        self._md = self.data.select(req["symbols"])
        warmup, names = max((s.warmup for s in strategies), default=0), [s.name for s in strategies]
        first = max(self._md.n_bars - self.replay_bars, warmup + 1)
        self._feed = ReplayFeed(self._md, start=first).batches()
        self._broker = PaperBroker(self._md.symbols, self.init_cash, self.fee_rate, names)
        self._broker.mark(self._md.close.to_numpy()[first - 1])
        self._target = {s.name: np.zeros(self._md.n_symbols) for s in strategies}
        self._t, self._time, self._curve, self._lat = first - 1, self._md.index[first - 1], [], []
        self._peak, self._max_dd, self._breaker, self._state = self.init_cash, 0.0, "", "running"

    def _run(self) -> None:
        while not self._halt.wait(self.bar_interval):
            if not self.step():
                return

    def stop(self) -> SessionStatus:
        if self._state == "idle":
            raise ExecutionError("no session to stop; start one first")
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)
        with self._lock:
            if self._state == "running":
                self._broker.open.clear()
                self._state = "stopped"
            return self.status()

    # ------------------------------------------------------------------ one bar
    def step(self) -> bool:
        """Process the next bar: fills at its open, marks, exits, decisions. False at the end."""
        with self._lock:
            batch = next(self._feed, None) if self._state == "running" else None
            if batch is None:
                self._state = "finished" if self._state == "running" else self._state
                return False
            self._t, self._time, b = batch.position, batch.timestamp, self._broker
            b.fill_at_open(batch.open, self._time)
            b.mark(batch.close)
            equity = b.equity
            self._peak = max(self._peak, equity)
            drawdown, limit = 1 - equity / self._peak, RISK_LEVELS[self._req["risk_level"]]
            self._max_dd = max(self._max_dd, drawdown)
            self._curve.append([self._time.value // 1_000_000, equity])
            if not self._breaker and drawdown > limit:
                self._breaker = f"drawdown {drawdown:.1%} passed the {self._req['risk_level']} limit {limit:.0%}"
                b.close_all("circuit-breaker", self._time)
            b.protective_exits(
                self._req["stop_loss_percentage"], self._req["take_profit_percentage"], self._time
            )
            if not self._breaker:
                self._decide(equity)
            return True

    def _decide(self, equity: float) -> None:
        window, b = self._md[: self._t + 1], self._broker
        sleeve = min(self._req["max_position_size"], equity / self._md.n_symbols) / max(
            len(self._strategies), 1
        )
        for strategy in self._strategies:
            t0 = time.perf_counter()
            target = strategy.signals(window).target.to_numpy()[-1]
            self._lat.append((time.perf_counter() - t0) * 1000)
            changed, name = np.flatnonzero(target != self._target[strategy.name]), strategy.name
            self._target[name] = target
            for j in (j for j in changed if b.symbols[j] not in b.closing()):  # a close-out wins
                shares = np.sign(target[j]) * math.floor(abs(target[j]) * sleeve / b.last[j])
                delta = shares - b.books[name][j] - b.pending(b.symbols[j], name)
                if delta:
                    b.submit(j, delta, name, self._time)

    # ------------------------------------------------------------------ manual trading
    def _check_running(self, what: str) -> None:
        if self._state != "running":
            raise ExecutionError(f"cannot {what}: no session is running; start one first")

    def submit_order(self, request: OrderRequest) -> Order:
        with self._lock:
            self._check_running("place an order")
            if self._breaker:
                raise OrderRejectedError(
                    f"circuit breaker tripped ({self._breaker}); no new orders"
                )
            j = self._broker.check(request, self._req["max_position_size"])
            return self._broker.submit(j, request.signed_quantity, "manual", self._time, request)

    def cancel(self, order_id: str) -> Order:
        with self._lock:
            return self._broker.cancel(order_id)

    def flatten(self) -> list[Order]:
        with self._lock:
            self._check_running("flatten")
            return self._broker.close_all("flatten", self._time)

    # ------------------------------------------------------------------ status
    def status(self) -> SessionStatus:
        with self._lock:
            b, req = self._broker, self._req or {}
            equity, gross = b.equity, b.gross_exposure
            return SessionStatus(
                session_id=self._id,
                state=self._state,
                timestamp=_now_ms(),
                bar_time=None if self._time is None else pd.Timestamp(self._time).isoformat(),
                bars_processed=len(self._curve),
                active_strategies=[s.name for s in self._strategies],
                symbols=list(b.symbols),
                **b.snapshot(self._time),
                risk={
                    "equity": equity,
                    "peak_equity": self._peak,
                    "drawdown": 1 - equity / self._peak,
                    "max_drawdown": self._max_dd,
                    "gross_exposure": gross,
                    "leverage": gross / equity,
                },
                circuit_breaker={
                    "tripped": bool(self._breaker),
                    "reason": self._breaker,
                    "limit": RISK_LEVELS.get(req.get("risk_level"), 0.0),
                },
                decision_latency_ms=_latency(self._lat),
                equity_curve=list(self._curve[-1000:]),
            )
