"""OrderBook: every broker report merged monotonically, each execution booked exactly once."""

from datetime import UTC, datetime

import pytest

from ntlab.live.orders import MANUAL, STRATEGY, OrderBook
from ntlab.model import Fill, Order, OrderRequest

T = datetime(2024, 3, 1, 21, 0, tzinfo=UTC)


def _order(cid, status, filled=0.0, avg=None, qty=10, side="buy"):
    return Order(order_id=f"b-{cid}", client_order_id=cid, symbol="AAPL", side=side, quantity=qty,
                 order_type="market", time_in_force="day", status=status, submitted_at=T,
                 filled_qty=filled, filled_avg_price=avg)  # fmt: skip


def _book(cid="c1", side="buy", tag=STRATEGY):
    book = OrderBook(["AAPL", "MSFT"])
    book.add(OrderRequest(symbol="AAPL", side=side, quantity=10, client_order_id=cid), tag)
    return book


def test_the_same_execution_reported_twice_is_booked_once():
    book = _book()
    assert book.pending.tolist() == [10.0, 0.0]
    fill = Fill(order_id="b-c1", client_order_id="c1", symbol="AAPL", side="buy", quantity=10,
                price=101.5, timestamp=T, commission=0.7)  # fmt: skip
    moved, made = book.merge(_order("c1", "filled", 10, 101.5), fill, T)
    assert moved and made.quantity == 10 and made.price == 101.5 and made.commission == 0.7
    assert made.fill_id == "c1:10"
    # the stream's copy, a REST lookup and a stale acknowledgement change nothing
    assert book.merge(_order("c1", "filled", 10, 101.5), fill, T) == (False, None)
    assert book.merge(_order("c1", "new"), None, T) == (False, None)
    assert book.get("c1").status == "filled" and book.pending.tolist() == [0.0, 0.0]
    assert book.working() == []


def test_missed_executions_come_from_the_cumulative_quantity_and_average():
    book = _book()
    _, first = book.merge(_order("c1", "partially_filled", 4, 100.0), None, T)
    assert (first.quantity, first.price) == (4, 100.0) and book.pending[0] == 6
    # the session was down for the next fill; the broker now says 10 filled at an average of 101
    _, second = book.merge(_order("c1", "filled", 10, 101.0), None, T)
    assert second.quantity == pytest.approx(6) and second.price == pytest.approx((1010 - 400) / 6)
    assert first.fill_id != second.fill_id


def test_terminal_states_stick_and_unknown_orders_are_ignored():
    book = _book(side="sell")
    book.merge(_order("c1", "canceled", side="sell"), None, T)
    assert book.merge(_order("c1", "new", side="sell"), None, T) == (False, None)
    assert book.get("c1").status == "canceled" and book.pending[0] == 0
    assert book.merge(_order("someone-else", "filled", 10, 5.0), None, T) == (False, None)


def test_manual_shares_are_counted_apart():
    book = _book(tag=MANUAL)
    assert book.manual_pending.tolist() == [10.0, 0.0]
    book.merge(_order("c1", "filled", 10, 50.0), None, T)
    assert book.manual_qty.tolist() == [10.0, 0.0] and book.manual_pending.tolist() == [0.0, 0.0]
    book.closed_out(0)
    assert book.manual_qty[0] == 0
