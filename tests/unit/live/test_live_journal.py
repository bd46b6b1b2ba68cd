"""The journal's batch writes a session relies on: all or nothing, idempotent, readable back."""

from datetime import UTC, datetime

import pytest

from ntlab.execution.journal import Journal, decision_id
from ntlab.execution.sim import evolve
from ntlab.model import Fill, OrderRequest

T = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)


def _requests():
    return [
        OrderRequest(
            symbol="A", side="buy", quantity=3, strategy_id="strategy", client_order_id="c1"
        ),
        OrderRequest(
            symbol="B",
            side="sell",
            quantity=2.5,
            order_type="stop_limit",
            limit_price=9.0,
            stop_price=10.0,
            time_in_force="gtc",
            client_order_id="c2",
        ),  # fmt: skip
    ]


def test_a_batch_is_one_transaction_and_reads_back_exactly(tmp_path):
    j = Journal(tmp_path / "j.db")
    j.start_session("s", {})
    with j.batch() as b:
        assert [b.request("s", r) for r in _requests()] == [True, True]
        b.event("bar", {"time": "2024-03-01T21:00:00Z", "targets": {"A": 1.0}}, sid="s")
    assert [o.request for o in j.orders("s")] == _requests()  # the hand-written payload round-trips
    assert [e["payload"] for e in j.events("request")] == [r.to_dict() for r in _requests()]
    with j.batch() as b:
        assert b.request("s", _requests()[0]) is False  # journaled already: never twice
        b.state("c1", "filled", "b-1", 3.0, 10.5)
        fill = Fill(order_id="b-1", client_order_id="c1", symbol="A", side="buy", quantity=3, price=10.5,
                    timestamp=T, commission=0.1, fill_id="c1:3")  # fmt: skip
        assert b.fill(fill) is True and b.fill(fill) is False
    assert j.order("c1").status == "filled" and j.order("c1").filled_avg_price == 10.5
    assert j.fills("s")[0].to_dict() == fill.to_dict()
    assert [e["payload"] for e in j.events("fill")] == [fill.to_dict()]
    assert len(j.events("bar", session_id="s")) == 1 and j.events("bar", session_id="other") == []


def test_a_failed_batch_leaves_nothing(tmp_path):
    j = Journal(tmp_path / "j.db")
    with pytest.raises(RuntimeError), j.batch() as b:
        b.request("s", _requests()[0])
        b.event("bar", {}, sid="s")
        raise RuntimeError("the process dies mid-transaction")
    assert j.orders() == [] and j.events("bar") == []


def test_decision_ids_are_the_same_for_pandas_and_datetime_bar_times():
    import pandas as pd

    ts = pd.Timestamp("2024-03-01T21:00:00Z")
    assert decision_id("s", "strategy", "A", ts) == decision_id(
        "s", "strategy", "A", ts.to_pydatetime()
    )


def test_evolve_copies_a_record_with_new_fields_and_leaves_the_original():
    fill = Fill(
        order_id="b",
        client_order_id="c",
        symbol="A",
        side="buy",
        quantity=1,
        price=2.0,
        timestamp=T,
    )
    other = evolve(fill, fill_id="c:1")
    assert (
        other.fill_id == "c:1"
        and fill.fill_id != "c:1"
        and other.to_dict() | {"fillId": fill.fill_id} == fill.to_dict()
    )
