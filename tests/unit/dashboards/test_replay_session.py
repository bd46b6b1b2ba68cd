"""ReplaySession (the stand-in paper session) against hand-computed books and independent signals."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from ntlab.dashboards.replay_session import ReplaySession
from ntlab.errors import ExecutionError, OrderRejectedError, UnknownSymbolError
from ntlab.live.api import TradingSessionAPI
from ntlab.model import Fill, Order, OrderRequest, Position
from ntlab.strategies import get
from tests.unit.dashboards._data import FEE, bars_xy, start_request


def _manual(init_cash: float = 10_000.0) -> ReplaySession:
    session = ReplaySession(
        bars_xy(), replay_bars=7, bar_interval=None, init_cash=init_cash, fee_rate=FEE
    )
    session.start(start_request())
    return session


def _position(status: dict, symbol: str) -> dict:
    return next(p for p in status["positions"] if p["symbol"] == symbol)


def test_it_is_a_trading_session_api_and_starts_idle():
    session = ReplaySession(bars_xy(), bar_interval=None)
    assert isinstance(session, TradingSessionAPI)
    status = session.status()
    assert (
        status["state"] == "idle" and status["session_id"] is None and status["equity"] == 100_000.0
    )
    with pytest.raises(ExecutionError, match="no session to stop"):
        session.stop()


def test_manual_orders_fill_at_next_open_with_fees_and_average_cost():
    s = _manual()
    assert (
        s.status()["bar_time"] == "2024-01-02T00:00:00+00:00"
    )  # bar 0 is history; replay starts at bar 1
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=100))
    assert s.status()["open_orders"][0]["quantity"] == 100.0
    s.step()  # bar 1: filled at its open, 11.0
    cash = 10_000 - 100 * 11.0 - FEE * 1100
    st = s.status()
    assert st["cash"] == pytest.approx(cash)
    assert (
        _position(st, "X")["avgEntryPrice"] == 11.0 and _position(st, "X")["manualQuantity"] == 100
    )
    assert st["equity"] == pytest.approx(cash + 100 * 11.5)

    s.submit_order(OrderRequest(symbol="X", side="sell", quantity=40))
    s.step()  # bar 2: sell 40 at 12.0
    realized = -FEE * 1100 + 40 * (12.0 - 11.0) - FEE * 480
    cash += 40 * 12.0 - FEE * 480
    s.submit_order(OrderRequest(symbol="X", side="sell", quantity=100))
    s.step()  # bar 3: sell 100 at 13.0 -> closes 60, opens a 40 short at 13.0
    realized += 60 * (13.0 - 11.0) - FEE * 1300
    cash += 100 * 13.0 - FEE * 1300
    st = s.status()
    x = _position(st, "X")
    assert x["quantity"] == -40 and x["avgEntryPrice"] == 13.0
    assert st["realized_pnl"] == pytest.approx(realized) and st["cash"] == pytest.approx(cash)
    assert st["unrealized_pnl"] == pytest.approx(-40 * (12.8 - 13.0))
    assert st["equity"] == pytest.approx(10_000 + st["realized_pnl"] + st["unrealized_pnl"])
    assert st["fees"] == pytest.approx(FEE * (1100 + 480 + 1300))
    assert [f["price"] for f in st["recent_fills"]] == [11.0, 12.0, 13.0]


def test_status_is_json_and_its_records_parse_as_model_types():
    s = _manual()
    s.submit_order(OrderRequest(symbol="Y", side="buy", quantity=3))
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=5))
    s.step()
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=1))
    st = json.loads(json.dumps(s.status()))
    extra = ("unrealizedPnl", "manualQuantity")
    assert {
        Position.from_dict({k: v for k, v in p.items() if k not in extra}).symbol
        for p in st["positions"]
    } == {"X", "Y"}
    assert Order.from_dict(st["open_orders"][0]).quantity == 1
    assert len([Fill.from_dict(f) for f in st["recent_fills"]]) == 2
    assert len(st["equity_curve"]) == st["bars_processed"] == 1


def test_pre_trade_checks_reject_and_change_nothing():
    s = _manual()
    before = s.status()
    with pytest.raises(UnknownSymbolError, match="unknown symbol 'ZZZ'"):
        s.submit_order(OrderRequest(symbol="ZZZ", side="buy", quantity=1))
    with pytest.raises(OrderRejectedError, match="market orders only"):
        s.submit_order(
            OrderRequest(symbol="X", side="buy", quantity=1, order_type="limit", limit_price=9.0)
        )
    # 10_000 / 10.5 = 952 shares of X at most; pending orders count too
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=900))
    with pytest.raises(OrderRejectedError, match="above the max position size"):
        s.submit_order(OrderRequest(symbol="X", side="buy", quantity=60))
    after = s.status()
    assert len(after["open_orders"]) == 1 and after["cash"] == before["cash"]


def test_cancel_and_flatten():
    s = _manual()
    order = s.submit_order(OrderRequest(symbol="X", side="buy", quantity=10))
    assert s.cancel(order.order_id).status.value == "canceled"
    with pytest.raises(ExecutionError, match="is not open"):
        s.cancel(order.order_id)
    s.step()
    assert s.status()["positions"] == []
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=10))
    s.submit_order(OrderRequest(symbol="Y", side="sell", quantity=5))
    s.step()
    closing = s.flatten()
    assert sorted((o.symbol, o.side.value, o.quantity) for o in closing) == [
        ("X", "sell", 10.0),
        ("Y", "buy", 5.0),
    ]
    s.step()
    st = s.status()
    assert all(p["quantity"] == 0 and p["manualQuantity"] == 0 for p in st["positions"])
    assert st["unrealized_pnl"] == 0 and st["cash"] == pytest.approx(st["equity"])


def test_stop_loss_closes_at_the_next_open():
    s = ReplaySession(bars_xy(), replay_bars=7, bar_interval=None, init_cash=10_000.0, fee_rate=FEE)
    s.start(start_request(stop_loss_percentage=0.05))
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=100))
    for _ in range(7):
        s.step()
    fills = s.status()["recent_fills"]
    # bought at bar 1's open (11.0); the worst close before the last bar is 10.5 (-4.5%): no exit at 5%
    assert [(f["side"], f["price"]) for f in fills] == [("buy", 11.0)]
    s2 = ReplaySession(
        bars_xy(), replay_bars=7, bar_interval=None, init_cash=10_000.0, fee_rate=FEE
    )
    s2.start(start_request(stop_loss_percentage=0.04))
    s2.submit_order(OrderRequest(symbol="X", side="buy", quantity=100))
    for _ in range(6):
        s2.step()  # bar 6 closes at 10.5 = -4.5% from 11.0: exit ordered, filled at bar 7's open (10.0)
    s2.step()
    fills = s2.status()["recent_fills"]
    assert [(f["side"], f["price"]) for f in fills] == [("buy", 11.0), ("sell", 10.0)]


def test_circuit_breaker_flattens_and_refuses_new_orders():
    s = ReplaySession(bars_xy(), replay_bars=7, bar_interval=None, init_cash=2_000.0, fee_rate=0.0)
    s.start(start_request(risk_level="low", max_position_size=100_000.0))  # trips past 5% drawdown
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=150))
    tripped_at = None
    for bar in range(1, 8):
        s.step()
        if s.status()["circuit_breaker"]["tripped"] and tripped_at is None:
            tripped_at = bar
    # equity = 2000 + 150 * (close - 11): peak 2000 + 150 * 1.8 = 2270 on bar 3;
    # bar 5 closes 11.6 -> 2090, drawdown 7.9% > 5%: trips on bar 5, sold at bar 6's open (11.0)
    assert tripped_at == 5
    st = s.status()
    assert "passed the low limit 5%" in st["circuit_breaker"]["reason"]
    assert [(f["side"], f["price"]) for f in st["recent_fills"]] == [("buy", 11.0), ("sell", 11.0)]
    with pytest.raises(OrderRejectedError, match="circuit breaker tripped"):
        s.submit_order(OrderRequest(symbol="X", side="buy", quantity=1))


def test_strategy_orders_follow_the_strategys_own_signals(stocks):
    """Fills happen exactly one bar after each target change of the full-history signals."""
    data = stocks.select(["AAPL", "MSFT"])
    s = ReplaySession(data, replay_bars=400, bar_interval=None, fee_rate=FEE)
    s.start(
        start_request(strategies=["momentum"], symbols=["AAPL", "MSFT"], max_position_size=50_000.0)
    )
    fills = []
    for _ in range(120):
        s.step()
        fills += [f for f in s.status()["recent_fills"] if f not in fills]
    assert not s.status()["circuit_breaker"]["tripped"]
    target = get("momentum").signals(data).target
    first = data.n_bars - 400
    window = target.iloc[first - 1 : first + 119]
    changes = window.ne(window.shift(1)).iloc[1:]
    changes.iloc[0] = window.iloc[1] != 0  # the session adopts the first bar's target
    expected = set()
    for t, symbol in zip(*np.nonzero(changes.to_numpy())):
        when = (
            window.index[t + 2] if t + 2 < len(window) else None
        )  # decided on bar t+1, filled on the next
        if when is not None:
            expected.add((data.symbols[symbol], when.isoformat().replace("+00:00", "Z")))
    got = {(f["symbol"], f["timestamp"]) for f in fills}
    assert got == expected and len(got) > 4
    st = s.status()
    for p in st["positions"]:
        assert np.sign(p["quantity"]) == np.sign(target[p["symbol"]].iloc[first + 118])
    assert st["equity"] == pytest.approx(100_000 + st["realized_pnl"] + st["unrealized_pnl"])
    assert st["decision_latency_ms"]["n"] == 120


def test_background_thread_replays_and_stops():
    s = ReplaySession(bars_xy(), replay_bars=7, bar_interval=0.01)
    assert s.start(start_request())["status"] == "started"
    assert s.start(start_request())["status"] in ("already_running", "started")
    deadline = time.monotonic() + 10
    while s.status()["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert s.status()["state"] == "finished" and s.status()["bars_processed"] == 7
    final = s.stop()
    assert final["state"] == "finished"
    s.start(start_request(symbols=["Y"]))
    assert s.stop()["state"] == "stopped"
    with pytest.raises(ExecutionError, match="no session is running"):
        s.submit_order(OrderRequest(symbol="Y", side="buy", quantity=1))
