"""Tables built from a backtest summary and from a session status."""

from __future__ import annotations

from ntlab.dashboards.tables import (
    fills_frame,
    metrics_frame,
    orders_frame,
    positions_frame,
    status_kpis,
)
from ntlab.model import OrderRequest
from tests.unit.dashboards._data import paper_session, start_request


def test_metrics_are_formatted_like_a_person_reads_them():
    row = metrics_frame(
        {
            "total_return": 0.9738,
            "sharpe": 0.60512,
            "max_drawdown": -0.2553,
            "trades": 208.0,
            "final_equity": 197385.2,
        }
    )
    assert row.iloc[0].to_dict() == {
        "Total return": "97.38%",
        "Sharpe": "0.605",
        "Max drawdown": "-25.53%",
        "Trades": "208",
        "Final equity": "197,385",
    }
    assert metrics_frame({"sharpe": float("nan")}).iloc[0].to_dict() == {"Sharpe": "n/a"}


def test_session_tables_follow_the_status():
    idle = paper_session().status()
    assert positions_frame(idle).empty and orders_frame(idle).empty and fills_frame(idle).empty
    assert (
        status_kpis(idle)["Circuit breaker"] == "n/a"
        and status_kpis(idle)["Decision latency"] == "n/a"
    )
    s = paper_session()
    s.start(start_request())
    s.submit_order(OrderRequest(symbol="X", side="buy", quantity=7))
    s.step()
    s.submit_order(OrderRequest(symbol="Y", side="sell", quantity=2))
    st = s.status()
    pos = positions_frame(st)
    assert (
        pos.loc["X", "qty"] == 7
        and pos.loc["X", "manual qty"] == 7
        and pos.loc["X", "avg entry"] == 11.0055  # the next open, 11, plus 5 bp slippage
    )
    orders = orders_frame(st)
    assert orders[["symbol", "side", "qty"]].values.tolist() == [["Y", "sell", 2.0]]
    assert fills_frame(st)[["symbol", "qty", "price"]].values.tolist() == [["X", 7.0, 11.0055]]
    kpis = status_kpis(st)
    assert (
        kpis["Equity"] == f"${st['equity']:,.2f}"
        and kpis["Circuit breaker"] == "ok (trips at 35% drawdown)"
    )
