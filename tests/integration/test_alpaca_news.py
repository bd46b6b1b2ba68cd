"""Alpaca news through the REAL alpaca-py clients against ntlab's local Alpaca-protocol servers.

REST: ``NewsClient`` (url_override) -> uvicorn/Starlette ``/v1beta1/news`` with pagination.
Stream: ``NewsDataStream`` / ``StockDataStream`` (url_override) -> the msgpack websocket server.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import msgpack
import pytest
import requests
from alpaca.data.live.news import NewsDataStream
from alpaca.data.live.stock import StockDataStream
from websockets.sync.client import connect

from ntlab.errors import BrokerConnectionError, ConfigError, DataError
from ntlab.exchange.news import NewsStore, news_app
from ntlab.exchange.serving import serve_in_thread
from ntlab.exchange.stream import NEWS_CHANNELS, MarketDataStreamServer
from ntlab.model import Bar, Tick
from ntlab.sentiment import AlpacaNewsSource, AlpacaNewsStream, NewsItem

pytestmark = pytest.mark.timeout(120)
KEYS = ("test-key", "test-secret")
T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
SYMBOLS = ("AAPL", "MSFT", "IBM")


def make_items(n=130):
    return [
        NewsItem(
            id=str(5000 + k),
            published=T0 + timedelta(minutes=7 * k),
            headline=f"Story {k} about {SYMBOLS[k % 3]}",
            symbols=(SYMBOLS[k % 3],) if k % 10 else (SYMBOLS[k % 3], "GOOG"),
            summary=f"summary {k}",
            body=f"<p>body {k}</p>" if k % 4 else "",
            source="benzinga",
            url=f"https://example.invalid/{k}",
            author="A. Writer",
        )
        for k in range(n)
    ]


ITEMS = make_items()


class CountingStore(NewsStore):
    def __init__(self, items):
        super().__init__(items)
        self.calls = []

    def query(self, params):
        self.calls.append(dict(params))
        return super().query(params)


@pytest.fixture
def rest(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    store = CountingStore(ITEMS)
    with serve_in_thread(news_app(store, keys=KEYS)) as url:
        yield url, store


def without_body(items):
    return [replace(it, body="") for it in items]


def test_newsclient_follows_next_page_token_through_every_page(rest):
    url, store = rest
    got = AlpacaNewsSource(url_override=url).fetch(
        sort="asc", include_content=True
    )  # keys from the environment
    assert got == ITEMS
    assert len(store.calls) == 3  # 50 + 50 + 30
    assert [c.get("page_token") for c in store.calls][0] is None
    assert all(c.get("page_token") for c in store.calls[1:]) and all(
        c["limit"] == "50" for c in store.calls
    )


def test_filters_limit_and_order(rest):
    url, store = rest
    source = AlpacaNewsSource(url_override=url)
    start, end = ITEMS[20].published, ITEMS[80].published
    got = source.fetch(["aapl", "GOOG"], start, end)
    expected = [it for it in ITEMS[20:81] if {"AAPL", "GOOG"} & set(it.symbols)]
    assert got == without_body(expected)  # start and end are inclusive; content left out by default
    latest = source.fetch(limit=70, sort="desc")
    assert [it.id for it in latest] == [it.id for it in ITEMS[::-1][:70]]
    assert [c["limit"] for c in store.calls[-2:]] == ["50", "20"]


def test_keys_are_required_and_checked(rest, monkeypatch):
    url, _ = rest
    with pytest.raises(DataError, match="HTTP 403"):
        AlpacaNewsSource(api_key="test-key", secret_key="wrong", url_override=url).fetch()
    monkeypatch.delenv("ALPACA_API_KEY")
    with pytest.raises(ConfigError, match="set ALPACA_API_KEY"):
        AlpacaNewsSource(url_override=url).fetch()


def test_unreachable_server_is_a_connection_error(monkeypatch):
    with serve_in_thread(news_app([])) as url:
        pass  # stopped: nothing listens there now
    source = AlpacaNewsSource(api_key="k", secret_key="s", url_override=url)
    with pytest.raises(BrokerConnectionError, match="cannot reach"):
        source.fetch()


def test_wire_format_and_query_errors(rest):
    url, _ = rest
    headers = {"APCA-API-KEY-ID": KEYS[0], "APCA-API-SECRET-KEY": KEYS[1]}
    body = requests.get(
        f"{url}/v1beta1/news", params={"symbols": "IBM", "limit": 2}, headers=headers, timeout=10
    ).json()
    assert (
        set(body) == {"news", "next_page_token"}
        and len(body["news"]) == 2
        and body["next_page_token"]
    )
    first = body["news"][0]
    assert set(first) == {
        "id",
        "headline",
        "author",
        "created_at",
        "updated_at",
        "summary",
        "content",
        "url",
        "images",
        "symbols",
        "source",
    }
    newest_ibm = [it for it in ITEMS if "IBM" in it.symbols][-1]  # default sort: newest first
    assert first["id"] == int(newest_ibm.id) and first["content"] == "" and first["images"] == []
    assert first["created_at"] == newest_ibm.published.strftime("%Y-%m-%dT%H:%M:%SZ")
    for params, message in [
        ({"limit": 0}, "invalid limit 0"),
        ({"limit": 51}, "between 1 and 50"),
        ({"sort": "up"}, "invalid sort"),
        ({"start": "2024-03-01T00:00:00"}, "needs a time zone"),
        ({"page_token": "not-a-token"}, "invalid page_token"),
        ({"include_content": "maybe"}, "use true or false"),
    ]:
        r = requests.get(f"{url}/v1beta1/news", params=params, headers=headers, timeout=10)
        assert r.status_code == 422 and message in r.json()["message"], params
    assert requests.get(f"{url}/v1beta1/news", timeout=10).status_code == 403
    dated = requests.get(
        f"{url}/v1beta1/news",
        params={"start": "2024-03-02", "sort": "asc"},
        headers=headers,
        timeout=10,
    )
    assert dated.json()["news"][0]["created_at"] >= "2024-03-02T00:00:00Z"


def wait_until(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def news_server():
    with MarketDataStreamServer(keys=KEYS, channels=NEWS_CHANNELS) as server:
        yield server


def test_real_newsdatastream_gets_only_its_symbols(news_server):
    received = []
    stream = NewsDataStream(*KEYS, url_override=news_server.url)

    async def on_news(news):
        received.append(news)

    stream.subscribe_news(on_news, "AAPL")
    thread = threading.Thread(target=stream.run, daemon=True)
    thread.start()
    try:
        assert news_server.wait_for_subscription("news", "AAPL")
        aapl, msft, sentinel = ITEMS[0], ITEMS[1], ITEMS[3]
        assert news_server.publish_news(msft) == 0
        assert news_server.publish_news(aapl) == 1
        assert news_server.publish_news(sentinel) == 1
        assert wait_until(lambda: len(received) == 2)
    finally:
        stream.stop()
        news_server.stop()  # closing the socket ends alpaca-py's 5 s receive wait
        thread.join(10)
    first = received[0]
    assert (
        first.id == int(aapl.id)
        and first.headline == aapl.headline
        and first.symbols == list(aapl.symbols)
    )
    assert (
        first.created_at == aapl.published and first.content == aapl.body and first.url == aapl.url
    )
    assert [n.id for n in received] == [int(aapl.id), int(sentinel.id)]  # MSFT never came


def test_alpaca_news_stream_yields_news_items(news_server, monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", KEYS[0])
    monkeypatch.setenv("ALPACA_SECRET_KEY", KEYS[1])
    seen = []
    untagged = NewsItem(id="77", published=T0, headline="Markets quiet", source="benzinga")
    with AlpacaNewsStream(on_item=seen.append, url_override=news_server.url) as stream:
        assert news_server.wait_for_subscription("news", "*")
        for it in (ITEMS[0], ITEMS[10], untagged):
            news_server.publish_news(it)
        got = [stream.get(timeout=10) for _ in range(3)]
    assert got == [ITEMS[0], ITEMS[10], untagged] == seen
    assert not stream.running


def test_stream_protocol_messages(news_server):
    msgpack_header = {"Content-Type": "application/msgpack"}
    with connect(news_server.url, additional_headers=msgpack_header) as ws:
        recv = lambda: msgpack.unpackb(ws.recv(timeout=5))  # noqa: E731
        send = lambda msg: ws.send(msgpack.packb(msg))  # noqa: E731
        assert recv() == [{"T": "success", "msg": "connected"}]
        send({"action": "subscribe", "news": ["*"]})
        assert recv() == [{"T": "error", "code": 401, "msg": "not authenticated"}]
        send({"action": "auth", "key": KEYS[0], "secret": "wrong"})
        assert recv() == [{"T": "error", "code": 402, "msg": "auth failed"}]
        send({"action": "auth", "key": KEYS[0], "secret": KEYS[1]})
        assert recv() == [{"T": "success", "msg": "authenticated"}]
        send({"action": "auth", "key": KEYS[0], "secret": KEYS[1]})
        assert recv()[0]["code"] == 403
        send({"action": "subscribe", "bars": ["AAPL"]})
        assert recv() == [
            {"T": "error", "code": 410, "msg": "invalid subscribe action for this feed"}
        ]
        ws.send(b"\xc1garbage")
        assert recv()[0]["code"] == 400
        send({"action": "subscribe", "news": ["AAPL", "msft"]})
        assert recv() == [{"T": "subscription", "news": ["AAPL", "MSFT"]}]
        send({"action": "unsubscribe", "news": ["AAPL"]})
        assert recv() == [{"T": "subscription", "news": ["MSFT"]}]
    with connect(news_server.url) as ws:  # no msgpack header: JSON text frames
        assert json.loads(ws.recv(timeout=5)) == [{"T": "success", "msg": "connected"}]
        ws.send(json.dumps({"action": "auth", "key": KEYS[0], "secret": KEYS[1]}))
        ws.recv(timeout=5)
        ws.send(json.dumps({"action": "subscribe", "news": ["IBM"]}))
        ws.recv(timeout=5)
        threading.Thread(target=news_server.publish_news, args=(ITEMS[2],)).start()
        news = json.loads(ws.recv(timeout=5))[0]
        assert news["T"] == "n" and news["id"] == int(ITEMS[2].id)
        assert news["created_at"] == ITEMS[2].published.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_auth_timeout_and_local_only():
    with MarketDataStreamServer(keys=KEYS, auth_timeout=0.3) as server, connect(server.url) as ws:
        ws.recv(timeout=5)
        assert json.loads(ws.recv(timeout=5)) == [
            {"T": "error", "code": 404, "msg": "auth timeout"}
        ]
    with pytest.raises(ConfigError, match="loopback only"):
        MarketDataStreamServer(host="0.0.0.0")
    with pytest.raises(ConfigError, match="unknown channel"):
        MarketDataStreamServer(channels=["orders"])
    with (
        pytest.raises(ConfigError, match="loopback only"),
        serve_in_thread(news_app([]), host="0.0.0.0"),
    ):
        pass


def test_bars_and_trades_reach_the_real_stock_stream():
    bars, trades = [], []
    with MarketDataStreamServer(keys=KEYS) as server:
        stream = StockDataStream(*KEYS, url_override=server.url)

        async def on_bar(bar):
            bars.append(bar)

        async def on_trade(trade):
            trades.append(trade)

        stream.subscribe_bars(on_bar, "AAPL")
        stream.subscribe_trades(on_trade, "*")
        thread = threading.Thread(target=stream.run, daemon=True)
        thread.start()
        try:
            assert server.wait_for_subscription("trades", "*") and server.wait_for_subscription(
                "bars", "AAPL"
            )
            bar = Bar(
                symbol="AAPL",
                timestamp=T0,
                open=10.0,
                high=11.0,
                low=9.5,
                close=10.5,
                volume=1200.0,
            )
            assert server.publish_bar(bar, vwap=10.2) == 1
            assert server.publish_bar(replace(bar, symbol="MSFT")) == 0
            assert (
                server.publish_trade(
                    Tick(symbol="MSFT", timestamp=T0, price=10.25, size=5.0, conditions=("@",))
                )
                == 1
            )
            assert wait_until(lambda: bars and trades)
        finally:
            stream.stop()
            server.stop()
            thread.join(10)
    got = bars[0]
    assert (got.symbol, got.timestamp, got.open, got.high, got.low, got.close, got.volume) == (
        "AAPL", T0, 10.0, 11.0, 9.5, 10.5, 1200.0,
    )  # fmt: skip
    assert got.vwap == 10.2 and got.trade_count is None
    assert (trades[0].symbol, trades[0].price, trades[0].size, trades[0].conditions, trades[0].id) == (
        "MSFT", 10.25, 5.0, ["@"], 1,
    )  # fmt: skip
