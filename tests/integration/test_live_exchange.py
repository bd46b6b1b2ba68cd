"""TradingSession through the real alpaca-py clients against the local paper exchange.

Two ways in: the exchange started in process and stepped one bar per session step
(LocalExchangeMarket), and an exchange served here and stepped by the test while the
session listens to its market-data stream with alpaca-py's StockDataStream (AlpacaMarket
via exchange_market). Either way the journal, the broker and the session's book agree.
"""

import time

import pytest

from ntlab.exchange.app import LocalExchange
from ntlab.execution import Commission, ExecutionPolicy
from ntlab.execution.journal import Journal
from ntlab.live import LocalExchangeMarket, SessionSettings, TradingSession, exchange_market
from tests.unit.live._helpers import DATA, FAST, REQUEST, SYMBOLS

pytestmark = pytest.mark.timeout(180)
KEYS = ("live-key", "live-secret")
FREE = ExecutionPolicy(
    commission=Commission(pct=0.0)
)  # Alpaca charges none; trade updates carry none


def _check_agreement(session, broker_orders, broker_cash):
    agree = session.agreement()
    assert agree["gaps"] == {} and agree["session"] == agree["broker"] == agree["journal"]
    assert session.portfolio.cash == pytest.approx(broker_cash, rel=1e-9)
    journal = {
        o.client_order_id: o for o in Journal(session.journal.path).orders(session.session_id)
    }
    by_cid = {o.client_order_id: o for o in broker_orders}
    assert set(by_cid) == set(journal)  # nothing sent unjournaled, nothing journaled unsent
    for cid, o in journal.items():
        assert by_cid[cid].filled_qty == o.filled_qty and by_cid[cid].status.value == o.status
    return journal


def test_a_session_trades_through_alpaca_py_on_the_stepped_exchange(tmp_path):
    market = LocalExchangeMarket(DATA, policy=FREE, keys=KEYS)
    s = TradingSession(market, SessionSettings(folder=tmp_path, session_id="via-exchange",
                                               strategy_params=FAST, max_bars=60))  # fmt: skip
    s.start(REQUEST)
    s.run()
    assert s.state == "finished" and s.bars == 60
    broker = s.conn.client  # AlpacaClient (alpaca-py TradingClient over HTTP)
    journal = _check_agreement(s, broker.list_orders("all"), broker.account().cash)
    assert len(journal) >= 15 and s.counts["fills"] >= 15
    assert s.counts["fills"] == sum(1 for f in Journal(s.journal.path).fills("via-exchange"))
    final = s.stop()
    assert final["state"] == "stopped" and final["metrics"]["orders"] == len(journal)


@pytest.mark.slow
def test_a_session_listens_to_the_bar_stream_and_trades(tmp_path, monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    live_bars = 40
    start = 60
    exchange = LocalExchange(DATA.select(SYMBOLS)[: start + live_bars], start=start, keys=KEYS, policy=FREE,
                             max_leverage=2.0)  # fmt: skip
    with exchange.serve() as urls:
        market = exchange_market(urls.rest, batch_wait=0.3)
        s = TradingSession(market, SessionSettings(folder=tmp_path, session_id="via-stream",
                                                   strategy_params=FAST, background=True))  # fmt: skip
        s.start(REQUEST)
        assert exchange._stream.wait_for_subscription("bars", "AAPL", timeout=30)
        for k in range(live_bars):
            exchange.step()
            deadline = time.monotonic() + 20
            while s.bars < k + 1 and time.monotonic() < deadline:
                time.sleep(0.01)  # the session takes each bar from the stream
            assert s.bars == k + 1, f"bar {k + 1} never reached the session"
        deadline = time.monotonic() + 30
        while s.state == "running" and time.monotonic() < deadline:
            time.sleep(0.05)  # the exchange has finished: so does the feed, then the session
        assert s.state == "finished"
        journal = _check_agreement(
            s, exchange.client.list_orders("all"), exchange.client.account().cash
        )
        assert len(journal) >= 8
        final = s.stop()
    assert final["bars_processed"] == live_bars and final["metrics"]["fills"] >= 8


def test_through_alpaca_py_the_session_makes_the_in_process_sessions_fills(tmp_path):
    """The same session over the exchange (HTTP, websocket, asynchronous fills) and over an
    in-process SimClient: the same orders and fills, bar for bar (commission-free, as the
    exchange's trade updates carry no fees)."""
    from ntlab.live import ReplayMarket

    def fills(market, name):
        s = TradingSession(market, SessionSettings(folder=tmp_path / name, session_id=name,
                                                   strategy_params=FAST, max_bars=50))  # fmt: skip
        s.start(REQUEST)
        s.run()
        out = [
            (f.timestamp, f.symbol, f.side.value, f.quantity, f.price)
            for f in Journal(s.journal.path).fills(name)
        ]
        s.stop()
        return out

    remote = fills(LocalExchangeMarket(DATA, policy=FREE, keys=KEYS), "remote")
    local = fills(ReplayMarket(DATA, policy=FREE), "local")
    assert len(remote) > 10 and remote == local
