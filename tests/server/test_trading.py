"""A paper session started, traded and stopped through the API: journal, broker and book agree."""

import pytest

START = {"strategies": ["momentum"], "symbols": ["AAPL", "MSFT", "IBM"], "risk_level": "high",
         "max_position_size": 40000, "stop_loss_percentage": 0.08, "replay_from": "2011-01-03"}  # fmt: skip


@pytest.fixture(scope="module")
def session(server, api):
    r = api.post("/trading/start", json=START)
    assert r.status_code == 200, r.text
    return r.json()


def test_start_answers_the_seeds_start_response(session, server):
    assert session["status"] == "started"
    assert session["active_strategies"] == ["momentum"] and session["symbols"] == [
        "AAPL",
        "MSFT",
        "IBM",
    ]
    assert isinstance(session["timestamp"], int)
    hosted = server.ctx.sessions.get(session["session_id"])
    assert hosted.state == "running" and hosted.request["risk_level"] == "high"


def test_status_portfolio_positions_equal_the_sessions_own(session, server, api):
    sid = session["session_id"]
    stepped = api.post(f"/sessions/{sid}/step", params={"bars": 40}).json()
    assert stepped["bars"] == 40 and stepped["bars_processed"] == 40
    hosted = server.ctx.sessions.get(sid)
    ref = hosted.status()
    got = api.get("/trading/status").json()
    for key in (
        "session_id",
        "state",
        "bar_time",
        "bars_processed",
        "cash",
        "equity",
        "realized_pnl",
        "fees",
    ):
        assert got[key] == ref[key], key
    assert "equity_curve" not in got
    assert (
        len(api.get("/trading/status", params={"equity_curve": "true"}).json()["equity_curve"])
        == 40
    )
    pf = api.get("/portfolio/status").json()
    assert pf["total_value"] == ref["equity"] and pf["cash"] == ref["cash"]
    assert api.get("/positions").json()["positions"] == pf["positions"]
    assert api.get(f"/sessions/{sid}").json()["equity"] == ref["equity"]
    assert [s["session_id"] for s in api.get("/sessions").json()["sessions"]] == [sid]


def test_manual_orders_placed_listed_cancelled_replaced_and_audited(session, server, api):
    sid = session["session_id"]
    placed = api.post("/trading/execute", json={"symbol": "MSFT", "side": "buy", "quantity": 7})
    assert placed.status_code == 200, placed.text
    order = placed.json()
    assert (
        order["symbol"] == "MSFT"
        and order["quantity"] == 7
        and order["status"] in ("new", "accepted")
    )
    api.post(f"/sessions/{sid}/step")
    got = api.get(f"/orders/{order['orderId']}").json()
    assert got["status"] == "filled" and got["filledQty"] == 7
    assert got == api.get(f"/orders/{order['clientOrderId']}").json()
    fills = api.get("/fills").json()["fills"]
    assert any(f["clientOrderId"] == order["clientOrderId"] and f["quantity"] == 7 for f in fills)
    # a limit far below the market stays working: cancel it, and replace another
    low = {
        "symbol": "IBM",
        "side": "buy",
        "quantity": 2,
        "orderType": "limit",
        "limitPrice": 1.0,
        "timeInForce": "gtc",
    }
    working = api.post("/trading/execute", json=low).json()
    api.post(f"/sessions/{sid}/step")
    assert api.get("/orders", params={"status": "open"}).json()["count"] >= 1
    cancelled = api.delete(f"/orders/{working['orderId']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "canceled"
    assert api.delete(f"/orders/{working['orderId']}").status_code == 409  # not open any more
    second = api.post("/trading/execute", json=low).json()
    replaced = api.patch(f"/orders/{second['orderId']}", json={"quantity": 3, "limitPrice": 2.0})
    assert replaced.status_code == 200, replaced.text
    new = replaced.json()["order"]
    assert (
        replaced.json()["cancelled"]["status"] == "canceled"
        and new["quantity"] == 3
        and new["limitPrice"] == 2.0
    )
    audit = api.get(f"/sessions/{sid}/journal", params={"kind": "audit"}).json()["events"]
    actions = [
        (e["payload"]["action"], e["payload"]["actor"], e["payload"]["outcome"]) for e in audit
    ]
    place, me = ("place_order", "api-key:admin", "done"), "api-key:admin"
    assert actions == [place, place, ("cancel_order", me, "done"), ("cancel_order", me, "refused"), place,
                       ("replace_order", me, "done")]  # fmt: skip
    assert all(e["session_id"] == sid for e in audit)


def test_gate_resizes_then_rejects_and_both_are_audited(session, server, api):
    sid = session["session_id"]
    big = api.post(
        "/trading/execute", json={"symbol": "AAPL", "side": "buy", "quantity": 1_000_000}
    )
    assert big.status_code == 200, big.text
    hosted = server.ctx.sessions.get(sid)
    price = hosted.portfolio.last[hosted.portfolio.column["AAPL"]]
    held = hosted.portfolio.qty[hosted.portfolio.column["AAPL"]]
    assert 0 < big.json()["quantity"] < 1_000_000
    assert (held + big.json()["quantity"]) * price <= 40000 + 1e-6  # cut to max_position_size
    r = api.post("/trading/execute", json={"symbol": "AAPL", "side": "buy", "quantity": 10})
    assert r.status_code == 422 and r.json()["error"]["code"] == "order_rejected", r.text
    last = api.get(f"/sessions/{sid}/journal", params={"kind": "audit"}).json()["events"][-1][
        "payload"
    ]
    assert last["outcome"] == "refused" and "reason" in last


def test_rebalance_plan_and_execution(session, server, api):
    sid = session["session_id"]
    api.post(f"/sessions/{sid}/step")
    plan = api.post("/portfolio/rebalance", json={"target_weights": {"AAPL": 0.05}}).json()
    hosted = server.ctx.sessions.get(sid)
    pf = hosted.portfolio
    from ntlab.risk import rebalance_orders

    prices = dict(zip(pf.symbols, pf.last.tolist(), strict=True))
    ref = rebalance_orders({"AAPL": 0.05}, prices, pf.net_positions(), cash=pf.cash, lot_size=1.0)
    assert [(o["symbol"], o["side"], o["quantity"]) for o in plan["orders"]] == [
        (o.symbol, o.side.value, o.quantity) for o in ref.orders
    ]
    assert plan["executed"] == []
    done = api.post(
        "/portfolio/rebalance", json={"target_weights": {"AAPL": 0.05}, "execute": True}
    ).json()
    assert [(e["order"] or e["request"])["symbol"] for e in done["executed"]] == [
        o.symbol for o in ref.orders
    ]
    assert any(e["order"] is not None for e in done["executed"])
    refused = [e["rejected"] for e in done["executed"] if e["rejected"]]
    assert all(isinstance(r, str) and r for r in refused)


def test_decisions_limits_metrics(session, server, api):
    sid = session["session_id"]
    records = api.get(f"/sessions/{sid}/decisions").json()["records"]
    from ntlab.live.metrics import DecisionLog

    hosted = server.ctx.sessions.get(sid)
    assert records == DecisionLog.read(hosted.status()["decision_log"])[-500:]
    limits = api.get("/risk/limits").json()
    assert (
        limits["limits"] == hosted.gate.limits.to_dict()
        and limits["limits"]["maxPositionValue"] == 40000
    )
    text = api.get("/metrics").text
    orders = hosted.status()["metrics"]["orders"]
    assert f'ntlab_session_orders_total{{session_id="{sid}"}} {float(orders)}' in text
    assert f'ntlab_session_equity{{session_id="{sid}"}}' in text


def test_stop_then_journal_broker_and_book_agree(session, server, api):
    sid = session["session_id"]
    api.post(f"/sessions/{sid}/step", params={"bars": 5})
    hosted = server.ctx.sessions.get(sid)
    agree = hosted.agreement()
    assert agree["gaps"] == {} or not any(agree["gaps"].values()), agree
    assert agree["session"] == agree["broker"] == agree["journal"]
    stopped = api.post("/trading/stop", json={"session_id": sid})
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
    assert api.post("/trading/stop").status_code == 409
    assert (
        api.post(
            "/trading/execute", json={"symbol": "AAPL", "side": "buy", "quantity": 1}
        ).status_code
        == 409
    )
    journal = {
        p["symbol"]: p["quantity"]
        for p in api.get("/positions").json()["positions"]
        if p["quantity"]
    }
    assert journal == agree["session"]
    fills = api.get("/fills").json()["fills"]
    net = {}
    for f in fills:
        net[f["symbol"]] = net.get(f["symbol"], 0) + (
            f["quantity"] if f["side"] == "buy" else -f["quantity"]
        )
    assert {k: v for k, v in net.items() if v} == agree["journal"]
    assert api.get(f"/sessions/{sid}/journal", params={"kind": "session_stop"}).json()["count"] == 1
