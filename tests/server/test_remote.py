"""Dashboards as clients: two RemoteSessions (two dashboard processes) see the server's one session."""

import pytest

from ntlab.errors import ExecutionError, OrderRejectedError, UnknownSymbolError
from ntlab.live.api import TradingSessionAPI
from ntlab.model import OrderRequest
from ntlab.server.client import RemoteSession

REQUEST = {"strategies": ["momentum"], "symbols": ["AAPL", "MSFT"], "risk_level": "high",
           "max_position_size": 40000, "stop_loss_percentage": 0.0, "take_profit_percentage": 0.0, "use_gpu": False}  # fmt: skip


@pytest.fixture
def pair(server):
    stepped = {"background": False, "replay_from": "2011-01-03"}
    console = RemoteSession(server.url, server.secrets["trader"], start_settings=stepped)
    monitor = RemoteSession(server.url, server.secrets["reader"])
    yield console, monitor
    console.close()
    monitor.close()


def test_console_and_monitor_share_the_servers_session(server, api, pair):
    console, monitor = pair
    assert isinstance(console, TradingSessionAPI)
    idle = monitor.status()
    assert idle["state"] == "idle" and idle["session_id"] is None and idle["positions"] == []
    assert console.universe() == monitor.universe() == ["AAPL", "FB", "GOOG", "IBM", "MSFT"]
    started = console.start(REQUEST)
    sid = started["session_id"]
    assert started["status"] == "started"
    api.post(f"/sessions/{sid}/step", params={"bars": 10})
    hosted = server.ctx.sessions.get(sid)
    seen = monitor.status()
    assert seen["session_id"] == sid and seen["bars_processed"] == 10
    assert seen["equity"] == hosted.status()["equity"] and len(seen["equity_curve"]) == 10
    order = console.submit_order(OrderRequest(symbol="MSFT", side="buy", quantity=4))
    assert order.symbol == "MSFT" and order.quantity == 4
    api.post(f"/sessions/{sid}/step")
    held = {p["symbol"]: p["manualQuantity"] for p in monitor.status()["positions"]}
    assert held["MSFT"] == 4
    limit = console.submit_order(OrderRequest(symbol="AAPL", side="buy", quantity=1, order_type="limit",
                                              limit_price=1.0, time_in_force="gtc"))  # fmt: skip
    assert console.cancel(limit.order_id).status.value == "canceled"
    with pytest.raises(ExecutionError):
        console.cancel(limit.order_id)
    with pytest.raises(UnknownSymbolError):
        console.submit_order(OrderRequest(symbol="IBM", side="buy", quantity=1))
    with pytest.raises(ExecutionError):  # the monitor's key has the read scope only
        monitor.submit_order(OrderRequest(symbol="MSFT", side="buy", quantity=1))
    closing = console.flatten()
    assert closing and all(o.side.value == "sell" for o in closing if o.symbol == "MSFT")
    final = console.stop()
    assert final["state"] == "stopped" and monitor.status()["state"] == "stopped"
    audit = api.get(f"/sessions/{sid}/journal", params={"kind": "audit"}).json()["events"]
    assert {e["payload"]["actor"] for e in audit} == {"api-key:trader"}


def test_gate_refusal_reaches_the_dashboard_as_order_rejected(server, pair):
    console, _ = pair
    console.start(REQUEST)
    console.submit_order(
        OrderRequest(symbol="AAPL", side="buy", quantity=1_000_000)
    )  # cut to the cap
    with pytest.raises(OrderRejectedError):
        console.submit_order(OrderRequest(symbol="AAPL", side="buy", quantity=10))
    console.stop()
