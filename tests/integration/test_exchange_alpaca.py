"""The real alpaca-py clients (through ntlab's AlpacaClient) against the local paper exchange."""

import queue
import time

import pytest

from ntlab.data import load_sample
from ntlab.errors import ConfigError
from ntlab.exchange.app import LocalExchange
from ntlab.execution.alpaca import LIVE_CONFIRMATION, AlpacaClient
from ntlab.execution.fills import FillModel
from ntlab.execution.policy import ExecutionPolicy
from ntlab.model import OrderRequest

KEYS = ("test-key", "test-secret")
DATA = load_sample("stocks").select(["AAPL", "IBM", "MSFT"]).between("2012-01-01T00:00Z", "2012-12-31T23:59Z")


@pytest.fixture
def exchange(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    # orders may take at most 0.01% of a bar's volume: large orders fill over several bars
    policy = ExecutionPolicy(fills=FillModel(max_participation=1e-4))
    ex = LocalExchange(DATA, start=20, keys=KEYS, cash=1_000_000, policy=policy)
    with ex.serve() as urls:
        client = AlpacaClient(url_override=urls.rest, stream_url=urls.trade_stream, rate_limit_wait=0.05)
        updates: queue.Queue = queue.Queue()
        client.subscribe(updates.put)
        yield ex, client, updates
        client.close()


def _next_events(updates, n, timeout=10.0):
    out, deadline = [], time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        try:
            out.append(updates.get(timeout=0.1))
        except queue.Empty:
            continue
    return out


def _wait_stream(ex, client, updates):
    """Submit and cancel a probe order until the trade_updates stream delivers (it connects lazily)."""
    for _ in range(50):
        probe = client.submit(OrderRequest(symbol="IBM", side="buy", quantity=1, order_type="limit", limit_price=1.0))
        client.cancel(probe.order_id)
        got = _next_events(updates, 2, timeout=0.2)
        if got:
            _next_events(updates, 2, timeout=0.3)
            return
    pytest.fail("trade_updates stream never delivered")


def test_round_trip_with_partial_fills(exchange):
    ex, client, updates = exchange
    _wait_stream(ex, client, updates)
    clock = ex.position
    volume = DATA.volume["AAPL"].iloc[clock + 1]  # the order fills from the next bar on
    qty = float(int(volume * 1.5e-4))  # 1.5x what one bar allows: two bars
    order = client.submit(OrderRequest(symbol="AAPL", side="buy", quantity=qty, time_in_force="gtc"))
    assert order.status.value == "new"
    ex.step()
    first = client.get_order(order.order_id)
    assert first.status.value == "partially_filled" and 0 < first.filled_qty < qty
    ex.step()
    done = client.get_order(order.order_id)
    assert done.status.value == "filled" and done.filled_qty == qty
    events = [u.event for u in _next_events(updates, 3)]
    assert events == ["new", "partial_fill", "fill"]
    held = {p.symbol: p.quantity for p in client.positions()}
    assert held == {"AAPL": qty}
    # sell it all again
    sell = client.submit(OrderRequest(symbol="AAPL", side="sell", quantity=qty, time_in_force="gtc"))
    ex.step(3)
    assert client.get_order(sell.order_id).status.value == "filled"
    assert client.positions() == []
    account = client.account()
    assert account.equity == pytest.approx(account.cash)
    fills = [u for u in _next_events(updates, 10, timeout=2) if u.fill is not None]
    assert sum(u.fill.quantity for u in fills) == pytest.approx(qty)


def test_cancel_and_replace(exchange):
    ex, client, updates = exchange
    low = float(DATA.low["MSFT"].min()) * 0.5  # a limit that cannot fill
    order = client.submit(OrderRequest(symbol="MSFT", side="buy", quantity=10, order_type="limit", limit_price=low, time_in_force="gtc"))
    ex.step()
    assert client.get_order(order.order_id).status.value == "new"
    new = client.replace(order.order_id, limit_price=round(low * 1.1, 2), quantity=20)
    assert new.limit_price == pytest.approx(round(low * 1.1, 2)) and new.quantity == 20
    assert client.get_order(order.order_id).status.value == "replaced"
    client.cancel(new.order_id)
    assert client.get_order(new.order_id).status.value == "canceled"
    assert [o.order_id for o in client.list_orders("open")] == []
    assert client.get_order_by_client_id(new.client_order_id).order_id == new.order_id
    assert client.get_order_by_client_id("never-sent") is None


def test_rejection_comes_back_with_its_reason(exchange):
    _, client, _ = exchange
    price = float(DATA.close["AAPL"].iloc[19])
    too_big = client.submit(OrderRequest(symbol="AAPL", side="buy", quantity=round(2_000_000 / price)))
    assert too_big.status.value == "rejected"
    assert "insufficient buying power" in too_big.reject_reason
    unknown = client.submit(OrderRequest(symbol="NOPE", side="buy", quantity=1))
    assert unknown.status.value == "rejected" and "unknown symbol NOPE" in unknown.reject_reason


def test_rate_limit_is_retried(exchange):
    ex, client, _ = exchange
    before = ex.faults.requests_seen
    ex.faults.rate_limit_next = 2
    account = client.account()
    assert account.cash == pytest.approx(1_000_000)
    assert ex.faults.requests_seen - before == 3  # two 429s, then the answer


def test_dropped_stream_reconnects(exchange):
    ex, client, updates = exchange
    _wait_stream(ex, client, updates)
    assert ex.faults.drop_streams() == 1
    # alpaca-py reconnects with backoff; updates flow again afterwards
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        order = client.submit(OrderRequest(symbol="IBM", side="buy", quantity=1, order_type="limit", limit_price=1.0))
        client.cancel(order.order_id)
        got = _next_events(updates, 2, timeout=0.5)
        if any(u.order.order_id == order.order_id for u in got):
            break
    else:
        pytest.fail("no trade update after the stream was dropped")
    assert ex.faults.drops == 1


def test_live_money_needs_explicit_opt_in(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", "k")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "s")
    with pytest.raises(ConfigError, match="live trading is off"):
        AlpacaClient(paper=False)
    monkeypatch.setenv("NTLAB_ALLOW_LIVE", "1")
    with pytest.raises(ConfigError, match="live trading is off"):
        AlpacaClient(paper=False, confirm_live="yes")
    client = AlpacaClient(paper=False, confirm_live=LIVE_CONFIRMATION, url_override="http://127.0.0.1:9")
    assert "k" not in repr(client) and "s" not in repr(client).replace("AlpacaClient", "").replace("False", "")


def test_bars_never_show_the_future(exchange, monkeypatch):
    ex, client, _ = exchange
    from ntlab.data.alpaca import fetch_alpaca_bars

    visible = ex.visible()
    url = client._rest._base_url
    md = fetch_alpaca_bars(["IBM"], "2012-01-01T00:00:00Z", "2012-12-31T23:59:59Z", url_override=url)
    assert md.index[-1] == visible.index[-1] and md.n_bars == visible.n_bars
