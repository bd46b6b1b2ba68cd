import pytest

from ntlab.errors import ExecutionError
from ntlab.execution.costs import Commission, Slippage
from ntlab.execution.policy import ExecutionPolicy
from ntlab.execution.sim import SimClient
from ntlab.model import OrderRequest

FREE = ExecutionPolicy(commission=Commission(pct=0.0), slippage=Slippage(pct=0.0))


def bar(o, h, low, c, v=1e6):
    return {"open": o, "high": h, "low": low, "close": c, "volume": v}


def _client(**kw):
    c = SimClient(FREE, cash=10_000, symbols=["X"], **kw)
    c.on_bar("2024-01-02T15:00Z", {"X": bar(10, 10, 10, 10)})
    return c


def test_market_order_fills_next_bar_open_and_pnl_through_a_flip():
    c = _client()
    c.submit(OrderRequest(symbol="X", side="buy", quantity=100))
    c.on_bar("2024-01-03T15:00Z", {"X": bar(11, 12, 10, 12)})
    (pos,) = c.positions()
    assert pos.quantity == 100 and pos.avg_entry_price == 11 and pos.unrealized_pnl == pytest.approx(100)
    c.submit(OrderRequest(symbol="X", side="sell", quantity=150))  # close 100, open 50 short
    c.on_bar("2024-01-04T15:00Z", {"X": bar(13, 13, 12, 12)})
    (pos,) = c.positions()
    assert pos.quantity == -50 and pos.avg_entry_price == 13
    assert c.realized_pnl() == pytest.approx(200)  # (13 - 11) * 100
    assert c.account().equity == pytest.approx(10_000 + 200 + 50 * (13 - 12))


def test_costs_come_from_the_shared_policy():
    c = SimClient(ExecutionPolicy(commission=Commission(pct=0.001), slippage=Slippage(pct=0.01)), cash=10_000)
    c.on_bar("2024-01-02T15:00Z", {"X": bar(10, 10, 10, 10)})
    c.submit(OrderRequest(symbol="X", side="buy", quantity=10))
    (fill,) = c.on_bar("2024-01-03T15:00Z", {"X": bar(20, 20, 20, 20)})
    assert fill.price == pytest.approx(20 * 1.01) and fill.commission == pytest.approx(10 * 20.2 * 0.001)
    assert c.account().cash == pytest.approx(10_000 - 202 - 0.202)


def test_time_in_force():
    c = _client()
    day = c.submit(OrderRequest(symbol="X", side="buy", quantity=1, order_type="limit", limit_price=5))
    gtc = c.submit(OrderRequest(symbol="X", side="buy", quantity=1, order_type="limit", limit_price=5, time_in_force="gtc"))
    ioc = c.submit(OrderRequest(symbol="X", side="buy", quantity=1, order_type="limit", limit_price=5, time_in_force="ioc"))
    fok = c.submit(OrderRequest(symbol="X", side="buy", quantity=5, time_in_force="fok"))
    c.on_bar("2024-01-03T15:00Z", {"X": bar(10, 10, 9, 10, v=1e6)})
    assert c.get_order(ioc.order_id).status.value == "canceled"  # did not fill on its bar
    assert c.get_order(fok.order_id).status.value == "filled"
    assert c.get_order(day.order_id).status.value == "new"  # its first bar: still alive that day
    c.on_bar("2024-01-04T15:00Z", {"X": bar(10, 10, 9, 10)})
    assert c.get_order(day.order_id).status.value == "expired"  # a new day came unfilled
    assert c.get_order(gtc.order_id).status.value == "new"
    c.on_bar("2024-01-05T15:00Z", {"X": bar(6, 6, 4, 5)})
    done = c.get_order(gtc.order_id)
    assert done.status.value == "filled" and done.filled_avg_price == 5


def test_rejections_and_errors():
    c = _client(allow_short=False)
    assert c.submit(OrderRequest(symbol="X", side="buy", quantity=10_000)).reject_reason.startswith("insufficient buying power")
    assert "short selling is off" in c.submit(OrderRequest(symbol="X", side="sell", quantity=1)).reject_reason
    assert "unknown symbol Y" in c.submit(OrderRequest(symbol="Y", side="buy", quantity=1)).reject_reason
    o = c.submit(OrderRequest(symbol="X", side="buy", quantity=1, client_order_id="dup"))
    with pytest.raises(ExecutionError, match="already used"):
        c.submit(OrderRequest(symbol="X", side="buy", quantity=1, client_order_id="dup"))
    c.on_bar("2024-01-03T15:00Z", {"X": bar(10, 10, 10, 10)})
    with pytest.raises(ExecutionError, match="already filled"):
        c.cancel(o.order_id)
    with pytest.raises(ExecutionError, match="unknown order"):
        c.get_order("nope")
