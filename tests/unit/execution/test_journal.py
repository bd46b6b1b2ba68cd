import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest

from ntlab.errors import ExecutionError
from ntlab.execution.journal import Journal, decision_id
from ntlab.model import Fill, Order, OrderRequest

T = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def _request(cid="c1", qty=10, side="buy"):
    return OrderRequest(symbol="AAPL", side=side, quantity=qty, client_order_id=cid)


def _order(cid, status, filled=0.0, price=None):
    return Order(
        order_id=f"b-{cid}", client_order_id=cid, symbol="AAPL", side="buy", quantity=10, order_type="market",
        time_in_force="day", status=status, submitted_at=T, filled_qty=filled, filled_avg_price=price,
    )


def test_request_state_fill_round_trip(tmp_path):
    j = Journal(tmp_path / "j.db")
    assert j.start_session("s1", {"symbols": ["AAPL"]}) is True
    assert j.record_request("s1", _request()) is True
    assert j.orders("s1", open_only=True)[0].status == "unsent"
    j.record_order(_order("c1", "new"))
    j.record_order(_order("c1", "partially_filled", 4, 100.0))
    fill = Fill(order_id="b-c1", client_order_id="c1", symbol="AAPL", side="buy", quantity=4, price=100.0, timestamp=T, fill_id="f1")
    assert j.record_fill(fill) is True
    assert j.record_fill(fill) is False  # the same fill twice is journaled once
    j.record_order(_order("c1", "filled", 10, 100.5))
    assert j.orders("s1", open_only=True) == []
    assert j.order("c1").filled_avg_price == 100.5
    assert j.net_positions("s1") == {"AAPL": 4.0}
    kinds = [e["kind"] for e in j.events()]
    assert kinds == ["session_start", "request", "state", "state", "fill", "state"]
    assert j.start_session("s1", {}) is False  # a restart, not a new session


def test_requests_are_idempotent_by_client_order_id(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.start_session("s1", {})
    cid = decision_id("s1", "momentum", "AAPL", T)
    assert cid == decision_id("s1", "momentum", "AAPL", T)
    assert cid != decision_id("s1", "momentum", "AAPL", T, seq=1)
    assert j.record_request("s1", _request(cid)) is True
    assert j.record_request("s1", _request(cid)) is False
    assert len(j.orders()) == 1


def test_state_without_request_is_refused(tmp_path):
    j = Journal(tmp_path / "j.db")
    with pytest.raises(ExecutionError, match="without its request"):
        j.record_order(_order("ghost", "new"))


def test_committed_writes_survive_kill_9(tmp_path):
    path = tmp_path / "crash.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from ntlab.execution.journal import Journal
        from ntlab.model import OrderRequest
        j = Journal({str(path)!r})
        j.start_session("s", {{}})
        for i in range(200):
            j.record_request("s", OrderRequest(symbol="AAPL", side="buy", quantity=1, client_order_id=f"c{{i}}"))
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ})
    assert proc.returncode == -signal.SIGKILL and "written" in proc.stdout
    j = Journal(path)
    assert [o.client_order_id for o in j.orders("s")] == [f"c{i}" for i in range(200)]
