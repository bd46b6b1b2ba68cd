"""A session that dies mid-bar resumes from its journal: nothing lost, nothing sent twice.

The broker (a SimClient) and the replay clock outlive the session here, as a real broker
outlives a crashed process (the subprocess SIGKILL tests are in tests/integration).
"""

import pytest

from ntlab.execution.journal import Journal
from tests.unit.live._helpers import REQUEST, SharedSimMarket, make_session


class Crash(BaseException):
    """Stands in for the process dying: nothing in the session catches it."""


def _run(tmp_path, crash_after: int | None = None, *, when: str = "before") -> tuple:
    market = SharedSimMarket()
    s = make_session(tmp_path, market)
    s.start(REQUEST)
    if crash_after is not None:
        client, calls = market.conn.client, []
        real = client.submit

        def submit(request):
            calls.append(request.client_order_id)
            if len(calls) == crash_after and when == "before":
                raise Crash  # journaled, never sent
            order = real(request)
            if len(calls) == crash_after:
                raise Crash  # sent, the acknowledgement never journaled
            return order

        client.submit = submit
        with pytest.raises(Crash):
            s.run()
        client.submit = real
        unsent = [o for o in Journal(s.journal.path).orders("test-session") if o.status == "unsent"]
        s = make_session(tmp_path, market)  # a new process: same session id, same journal
        s.start(REQUEST)
    recovery = s.recovery and {**s.recovery, "unsent_at_crash": len(unsent)}
    s.run()
    agree = s.agreement()
    final = s.stop()
    return market, final, agree, recovery


def _fills(final):
    return [
        (f.timestamp, f.symbol, f.side.value, f.quantity, f.price, f.commission)
        for f in Journal(final["journal"]).fills("test-session")
    ]


@pytest.mark.parametrize("when", ["before", "after"])
def test_restart_after_a_crash_makes_the_same_orders_and_fills(tmp_path, when):
    _, reference, *_ = _run(tmp_path / "ref")
    market, final, agree, recovery = _run(tmp_path / "crash", crash_after=9, when=when)
    assert agree["gaps"] == {} and agree["session"] == agree["broker"] == agree["journal"]
    unsent = recovery["unsent_at_crash"]  # the crashed bar's requests not yet acknowledged
    assert unsent >= 1
    if when == "before":  # journaled, never reached the broker: sent now, with the same ids
        assert recovery["resubmitted"] == unsent and recovery["recorded"] == 0
    else:  # the broker had the last one: recorded, not sent again
        assert recovery["resubmitted"] == unsent - 1 and recovery["recorded"] == 1
    assert recovery["position_gaps"] == {} and final["metrics"]["restarts"] == 1
    # the broker holds each decision once (a second submit of a client_order_id would raise)
    broker_cids = [o.client_order_id for o in market.conn.client.list_orders("all")]
    journal_cids = [o.client_order_id for o in Journal(final["journal"]).orders("test-session")]
    assert sorted(broker_cids) == sorted(journal_cids) and len(set(broker_cids)) == len(broker_cids)
    # and the interrupted run made exactly the orders and fills of the uninterrupted one
    assert _fills(final) == _fills(reference)
    assert final["equity"] == pytest.approx(reference["equity"], rel=1e-12)


def test_a_restart_rebuilds_the_book_and_targets_from_the_journal(tmp_path):
    market = SharedSimMarket()
    s = make_session(tmp_path, market)
    s.start(REQUEST)
    s.step(80)
    held, targets, cash = s.portfolio.qty.copy(), s.decider.prev.copy(), s.portfolio.cash
    working = len(s.book.working())  # decided on the last bar, to fill on the next
    # the process vanishes here (no stop); a new one resumes
    t = make_session(tmp_path, market)
    t.start(REQUEST)
    assert t.recovery["restored_fills"] == len(Journal(t.journal.path).fills("test-session")) > 0
    assert t.portfolio.qty.tolist() == held.tolist() and t.portfolio.cash == pytest.approx(
        cash, rel=1e-12
    )
    assert t.decider.prev.tolist() == targets.tolist()
    assert t.recovery["checked"] == working and t.recovery["position_gaps"] == {}
    assert t.status()["risk"]["peak_equity"] == s.status()["risk"]["peak_equity"]
    t.stop()


def test_a_fill_between_reading_the_orders_and_the_positions_is_no_disagreement(tmp_path):
    """The broker trades on while a session restarts: an order the restart reads as working
    fills before it reads the positions. That is booked, not refused as a disagreement."""
    market = SharedSimMarket()
    s = make_session(tmp_path, market)
    s.start(REQUEST)
    s.step(80)
    working = len(s.book.working())
    assert working > 0  # decided on the last bar, to fill on the next
    client = market.conn.client
    real, traded = client.positions, []

    def positions():
        if not traded:  # the next bar reaches the broker (and fills them) just now
            conn = market.conn
            bar = conn.feed.next(1.0)
            conn.sim.on_bar_arrays(bar.timestamp, list(s.book.symbols), bar.open, bar.high,
                                   bar.low, bar.close, bar.volume)  # fmt: skip
            traded.append(bar.timestamp)
        return real()

    client.positions = positions
    t = make_session(tmp_path, market)
    t.start(REQUEST)
    client.positions = real
    assert traded and t.recovery["position_gaps"] == {} and t.recovery["checked"] == working
    assert t.book.working() == []  # the fills were booked
    agree = t.agreement()
    assert agree["gaps"] == {} and agree["session"] == agree["broker"] == agree["journal"]
    t.stop()
