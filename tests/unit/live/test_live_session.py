"""TradingSession over replayed bars and a SimClient: the loop, the journal, the gate, the API."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError, ExecutionError, OrderRejectedError, UnknownSymbolError
from ntlab.execution.fills import fill_order
from ntlab.execution.journal import Journal
from ntlab.live import DecisionLog
from ntlab.live.api import SessionStatus, TradingSessionAPI
from ntlab.model import OrderRequest
from ntlab.risk import RiskLimits
from tests.unit.live._helpers import DATA, REQUEST, SYMBOLS, far_limit, make_session


def test_start_status_stop_follow_the_dashboard_contract(tmp_path):
    s = make_session(tmp_path)
    assert isinstance(s, TradingSessionAPI) and s.universe() == SYMBOLS
    with pytest.raises(ExecutionError, match="no session to stop"):
        s.stop()
    before = int(time.time() * 1000)
    started = s.start(REQUEST)
    assert started["status"] == "started" and started["session_id"] == "test-session"
    assert started["active_strategies"] == ["momentum"] and started["symbols"] == SYMBOLS
    assert before <= started["timestamp"] <= int(time.time() * 1000)
    assert s.start(REQUEST)["status"] == "already_running"
    status = s.status()
    assert set(SessionStatus.__annotations__) <= set(status) and status["state"] == "running"
    s.run()
    assert s.state == "finished"
    final = s.stop()
    assert final["state"] == "stopped" and final["bars_processed"] == s.bars > 200
    assert (
        final["metrics"]["orders"] > 20 and final["metrics"]["fills"] == final["metrics"]["orders"]
    )
    assert {"p50", "p99", "max", "n", "last"} <= set(final["decision_latency_ms"])
    assert len(final["equity_curve"]) == final["bars_processed"]
    (row,) = Journal(final["journal"]).events("session_stop")
    assert row["session_id"] == "test-session"


def test_bad_requests_say_what_is_wrong(tmp_path):
    s = make_session(tmp_path)
    with pytest.raises(UnknownSymbolError, match="ZZZ"):
        s.start({**REQUEST, "symbols": ["AAPL", "ZZZ"]})
    with pytest.raises(ConfigError, match="unknown field"):
        s.start({**REQUEST, "live": True})
    with pytest.raises(ExecutionError, match="no session is running"):
        s.submit_order(OrderRequest(symbol="AAPL", side="buy", quantity=1))
    with pytest.raises(ConfigError, match="max_correlation"):
        make_session(tmp_path, limits=RiskLimits(max_correlation=0.5))


def test_decisions_on_a_close_fill_at_the_next_bar_and_are_journaled_first(tmp_path):
    s = make_session(tmp_path)
    s.start(REQUEST)
    client = s.conn.client
    sent = {}
    real_submit = client.submit

    def submit(request):
        row = s.journal.order(request.client_order_id)
        assert row is not None and row.status == "unsent"  # journaled before it is sent
        sent[request.client_order_id] = s.bar_time
        return real_submit(request)

    client.submit = submit
    s.run()
    fills = s.journal.fills("test-session")
    assert len(fills) == len(sent) > 20
    index = DATA.index
    params = s.market.policy.params()
    for f in fills:
        decided = index.get_loc(sent[f.client_order_id])
        assert pd.Timestamp(f.timestamp) == index[decided + 1]  # filled on the next bar
        bar = {
            k: float(DATA.field(k)[f.symbol].iloc[decided + 1])
            for k in ("open", "high", "low", "close", "volume")
        }
        want = fill_order(f.side.value, f.quantity, bar, params)
        assert (f.price, f.commission) == (want.price, want.fee)  # the backtest's fill kernel
    s.stop()


def test_book_broker_and_journal_agree_and_the_log_has_every_decision(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPACA_SECRET_KEY", "sentinel-secret-value")
    s = make_session(tmp_path)
    s.start(REQUEST)
    s.run()
    agree = s.agreement()
    assert agree["gaps"] == {} and agree["session"] == agree["broker"] == agree["journal"]
    account = s.conn.client.account()
    assert s.portfolio.cash == pytest.approx(account.cash, rel=1e-12)
    assert s.portfolio.equity == pytest.approx(account.equity, rel=1e-12)
    final = s.stop()
    lines = DecisionLog.read(final["decision_log"])
    assert len(lines) == final["metrics"]["decision_log_records"] >= final["metrics"]["orders"]
    for line in lines:
        assert {"time", "symbol", "target", "gate", "order", "latency_ms", "reasoning"} <= set(line)
    sent = [line for line in lines if line["order"]]
    assert len(sent) == final["metrics"]["orders"]
    explained = [line for line in sent if line["reasoning"]]
    assert (
        len(explained) > len(sent) // 2
    )  # the strategy says why (not for a position held before the start)
    for path in (final["decision_log"], final["journal"]):
        assert b"sentinel-secret-value" not in open(path, "rb").read()
    with pytest.raises(ConfigError, match="looks like a secret"):
        DecisionLog(tmp_path / "x.jsonl").add({"api_key": "x"})


def test_the_gate_caps_each_position_at_max_position_size(tmp_path):
    cap = 8_000.0
    s = make_session(tmp_path)
    s.start({**REQUEST, "max_position_size": cap})
    s.run()
    final = s.stop()
    assert final["metrics"]["gate_resizes"] > 0
    journal = Journal(final["journal"])
    fills, requests = journal.fills("test-session"), journal.events("request")
    close = DATA.close
    decided_at = {}
    for line in DecisionLog.read(final["decision_log"]):
        if line["order"]:
            decided_at[line["order"]["client_order_id"]] = pd.Timestamp(line["time"])
    for e in requests:
        p = e["payload"]
        t = decided_at[e["client_order_id"]]
        before = sum(
            f.signed_quantity
            for f in fills
            if f.symbol == p["symbol"] and pd.Timestamp(f.timestamp) <= t
        )
        after = before + (p["quantity"] if p["side"] == "buy" else -p["quantity"])
        if abs(after) > abs(before):  # only exposure-adding orders are capped
            assert abs(after) * close[p["symbol"]].loc[t] <= cap + 1e-6


def test_manual_orders_are_kept_apart_cancel_and_flatten(tmp_path):
    s = make_session(tmp_path)
    s.start(REQUEST)
    s.step(30)
    order = s.submit_order(OrderRequest(symbol="IBM", side="buy", quantity=7))
    manual = order.quantity  # the gate may cut it: the book is (almost) fully invested at 1x
    assert order.status.value == "new" and 0 < manual <= 7
    limit = s.submit_order(far_limit("MSFT", 5))
    s.step(40)
    ibm = {p["symbol"]: p for p in s.status()["positions"]}["IBM"]
    assert ibm["manualQuantity"] == manual
    strategy_fills = [
        f
        for f in s.journal.fills("test-session")
        if f.symbol == "IBM" and s.book.get(f.client_order_id).tag == "strategy"
    ]
    # the strategy never trades the manual shares away
    assert ibm["quantity"] == sum(f.signed_quantity for f in strategy_fills) + manual
    assert s.cancel(limit.order_id).status.value == "canceled"
    with pytest.raises(ExecutionError, match="not open"):
        s.cancel(limit.order_id)
    with pytest.raises(OrderRejectedError, match="unknown symbol 'GOOG'"):
        s.submit_order(OrderRequest(symbol="GOOG", side="buy", quantity=1))
    closing = s.flatten()
    assert closing and all(o.status.value == "new" for o in closing)
    s.step(1)
    assert all(p["quantity"] == 0 and p["manualQuantity"] == 0 for p in s.status()["positions"])
    s.stop()


def test_stop_cancels_working_orders(tmp_path):
    s = make_session(tmp_path, session_id="stopper")
    s.start({**REQUEST, "strategies": []})
    s.step(2)
    order = s.submit_order(far_limit("AAPL", 3))
    s.step(3)
    final = s.stop()
    assert final["open_orders"] == [] and final["metrics"]["cancels"] == 1
    (row,) = Journal(final["journal"]).orders("stopper")
    assert row.broker_order_id == order.order_id and row.status == "canceled"


def test_circuit_breaker_halts_new_exposure(tmp_path):
    s = make_session(tmp_path, limits=RiskLimits(max_drawdown=0.01, max_leverage=1.0))
    s.start(REQUEST)
    s.run()
    final = s.stop()
    assert final["circuit_breaker"]["tripped"] and "drawdown" in final["circuit_breaker"]["reason"]
    assert final["metrics"]["breaker_trips"] == 1 and final["metrics"]["gate_rejections"] > 0
    lines = DecisionLog.read(final["decision_log"])
    assert any("circuit breaker" in line["gate"]["reason"] for line in lines)
    halted = [line for line in lines if "circuit breaker" in line["gate"]["reason"]]
    # while halted only the part of an order that closes a position passes
    assert {line["gate"]["action"] for line in halted} <= {"reject", "resize"}


def test_status_is_plain_json(tmp_path):
    s = make_session(tmp_path)
    s.start(REQUEST)
    s.step(60)
    text = json.dumps(s.status())
    assert json.loads(text)["bars_processed"] == 60
    assert np.isfinite(s.status()["equity"])
    s.stop()


def test_status_never_waits_for_the_thread_that_holds_the_session(tmp_path):
    """A face polls status() from its event loop: while a bar (or a start compiling
    kernels) holds the session, it gets the last snapshot at once, marked stale."""
    import threading
    import time

    from ntlab.live import ReplayMarket, SessionSettings, TradingSession
    from tests.unit.live._helpers import DATA, REQUEST

    s = TradingSession(ReplayMarket(DATA), SessionSettings(folder=tmp_path))
    s.start({**REQUEST, "strategies": []})
    s.step(3)
    fresh = s.status()
    assert fresh["stale"] is False and fresh["bars_processed"] == 3
    held, release = threading.Event(), threading.Event()

    def hold():
        with s._lock:
            held.set()
            release.wait(10)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(5)
    t0 = time.perf_counter()
    snap = s.status()
    took = time.perf_counter() - t0
    release.set()
    worker.join()
    assert (
        snap["stale"] is True and snap["bars_processed"] == 3 and snap["equity"] == fresh["equity"]
    )
    assert took < 1.0  # the holder keeps the session for up to 10 s
    s.step(1)
    assert s.status()["bars_processed"] == 4 and s.stop()["state"] == "stopped"


def test_public_reads_orders_positions_and_fills_with_their_reasons(tmp_path):
    """What a REST layer calls: orders(), positions(), fills() (from the journal, also after
    stop), each fill saying why it happened."""
    from ntlab.execution.journal import Journal
    from ntlab.live import ReplayMarket, SessionSettings, TradingSession
    from ntlab.model import OrderRequest
    from tests.unit.live._helpers import DATA, REQUEST, far_limit

    s = TradingSession(ReplayMarket(DATA), SessionSettings(folder=tmp_path, session_id="reads"))
    s.start(REQUEST)
    s.submit_order(OrderRequest(symbol="IBM", side="buy", quantity=3))
    s.submit_order(far_limit("AAPL", 1))
    s.step(60)
    orders = s.orders()
    assert [(o["symbol"], o["orderType"], o["reason"]) for o in orders] == [
        ("AAPL", "limit", "manual")
    ]
    assert {p["symbol"] for p in s.positions()} <= set(REQUEST["symbols"])
    fills = s.fills()
    journal = Journal(tmp_path / "journal.db")
    assert [f["fillId"] for f in fills] == [f.fill_id for f in journal.fills("reads")]
    reasons = {f["reason"] for f in fills}
    assert "manual" in reasons and "signal" in reasons and reasons <= {
        "manual", "signal", "stop-loss", "take-profit", "flatten",
    } | {r for r in reasons if r.startswith("signal (")}  # fmt: skip
    s.stop()
    assert s.fills() == fills  # the journal outlives the run
