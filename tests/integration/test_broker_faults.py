"""Short broker trouble (429s, 500s, no answer) is retried with backoff and jitter under a
stated budget; an order retried after it had reached the broker is not doubled; past the
budget one line names the real cause."""

import time

import pytest

from ntlab.data import load_sample
from ntlab.errors import BrokerConnectionError
from ntlab.exchange.app import LocalExchange
from ntlab.execution.alpaca import AlpacaClient
from ntlab.model import OrderRequest

KEYS = ("retry-key", "retry-secret")
DATA = load_sample("stocks").select(["AAPL", "IBM"])[:80]


@pytest.fixture
def venue(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    ex = LocalExchange(DATA, start=60, keys=KEYS)
    with ex.serve() as urls:

        def client(**kw):
            kw = {"backoff": 0.02, "max_backoff": 0.1, "request_timeout": 0.5, **kw}
            return AlpacaClient(url_override=urls.rest, **kw)

        yield ex, client


def _order(cid: str) -> OrderRequest:
    return OrderRequest(symbol="AAPL", side="buy", quantity=3, client_order_id=cid)


def test_twelve_429s_in_a_row_are_ridden_out(venue):
    ex, make = venue
    c = make()
    ex.faults.rate_limit_next = 12
    order = c.submit(_order("after-429s"))
    assert order.status.value != "rejected" and c.retries == 12
    assert [o.client_order_id for o in ex.client.list_orders("all")] == ["after-429s"]


def test_a_run_of_500s_is_ridden_out(venue):
    ex, make = venue
    c = make()
    ex.faults.error_next = 15
    assert c.account().cash == pytest.approx(100_000.0)
    assert c.retries == 15


def test_no_answer_is_retried_and_the_order_is_not_doubled(venue):
    ex, make = venue
    c = make()
    ex.faults.stall_next, ex.faults.stall_seconds = 2, 1.2  # longer than the request timeout
    order = c.submit(_order("stalled"))
    assert c.retries == 2 and order.client_order_id == "stalled"
    time.sleep(1.5)  # the stalled requests are answered by now (and refused as duplicates)
    assert [o.client_order_id for o in ex.client.list_orders("all")] == ["stalled"]


def test_past_the_budget_one_line_names_the_real_cause(venue):
    ex, make = venue
    c = make(retry_budget=0.5)
    ex.faults.error_next = 10**6
    t0 = time.monotonic()
    with pytest.raises(BrokerConnectionError) as exc:
        c.positions()
    spent = time.monotonic() - t0
    line = str(exc.value)
    assert "\n" not in line and "for 0.5 s" in line and "last: HTTP 500" in line
    assert 0.3 < spent < 2.0
    ex.faults.error_next = 0


def test_a_broker_that_went_away_is_named(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    c = AlpacaClient(url_override="http://127.0.0.1:9", retry_budget=0.3, backoff=0.05)
    with pytest.raises(BrokerConnectionError, match=r"last: no connection \(ConnectionError\)"):
        c.account()
