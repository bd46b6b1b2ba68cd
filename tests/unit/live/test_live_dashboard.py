"""The dashboards' shared session is a TradingSession replaying in a background thread."""

import time

from ntlab.dashboards import session as session_api
from ntlab.dashboards.session import dashboard_session
from ntlab.dashboards.tables import fills_frame, orders_frame, positions_frame, status_kpis
from ntlab.model import OrderRequest
from tests.unit.live._helpers import DATA, REQUEST, far_limit


def test_the_shared_session_factory_builds_a_trading_session_that_runs_in_the_background(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("NTLAB_HOME", str(tmp_path))
    try:
        session_api.set_session_factory(lambda: dashboard_session(DATA, bar_interval=0.0))
        s = session_api.shared_session()
        assert type(s).__name__ == "TradingSession" and session_api.shared_session() is s
        started = s.start({**REQUEST, "strategies": []})  # the console: manual trading only
        assert started["status"] == "started"
        s.submit_order(far_limit("IBM", 1))
        s.submit_order(OrderRequest(symbol="AAPL", side="buy", quantity=10))
        deadline = time.monotonic() + 60
        while s.status()["state"] in ("starting", "running") and time.monotonic() < deadline:
            time.sleep(0.05)  # bars run in the session's thread (status may say starting while
            # its kernels warm: status() never waits); the UI only polls
        status = s.status()
        assert status["state"] == "finished" and status["bars_processed"] > 200
        kpis = status_kpis(status)
        assert kpis["Equity"].startswith("$") and "p50" in kpis["Decision latency"]
        assert list(orders_frame(status)["symbol"]) == ["IBM"]  # the far limit still works
        assert len(fills_frame(status)) == 1, (
            status["metrics"],
            status["recent_fills"],
            status["positions"],
        )
        assert positions_frame(status).loc["AAPL", "manual qty"] == 10
        final = s.stop()
        assert final["state"] == "stopped" and final["open_orders"] == []
    finally:
        session_api.set_session_factory()
