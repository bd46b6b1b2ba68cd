"""The local exchange survives its clients: a stalled, vanished or broken client never stops
its clock, and malformed requests are answered 4xx with one line, never 500."""

import base64
import json
import os
import socket
import time

import httpx
import msgpack
import pytest

from ntlab.data import load_sample
from ntlab.exchange.app import LocalExchange
from ntlab.exchange.stream import MarketDataStreamServer
from ntlab.model import Bar

KEYS = ("fault-key", "fault-secret")
H = {"APCA-API-KEY-ID": KEYS[0], "APCA-API-SECRET-KEY": KEYS[1]}
pytestmark = pytest.mark.filterwarnings("ignore:connect\\(\\) must be used")
DATA = load_sample("stocks").select(["AAPL", "IBM", "MSFT"])[:120]


def _frame(payload: bytes) -> bytes:
    """One masked binary websocket frame (as a client must send)."""
    head = bytes([0x82])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    mask = os.urandom(4)
    return head + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload))


def _raw_client(url: str, *, subscribe: dict) -> socket.socket:
    """A websocket client on a bare socket: handshake, auth, subscribe, then it never reads
    (a stalled process: its receive buffer fills and stays full)."""
    host, port = url.removeprefix("ws://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Content-Type: application/msgpack\r\n\r\n".encode()
    )
    sock.sendall(_frame(msgpack.packb({"action": "auth", "key": KEYS[0], "secret": KEYS[1]})))
    sock.sendall(_frame(msgpack.packb({"action": "subscribe", **subscribe})))
    return sock


def _healthy(url: str):
    from websockets.sync.client import connect

    ws = connect(url, additional_headers={"Content-Type": "application/msgpack"})
    ws.recv(5)  # connected
    ws.send(msgpack.packb({"action": "auth", "key": KEYS[0], "secret": KEYS[1]}))
    ws.recv(5)
    ws.send(msgpack.packb({"action": "subscribe", "news": ["*"]}))
    ws.recv(5)
    return ws


def test_a_stalled_client_is_dropped_and_the_others_still_get_every_message():
    with MarketDataStreamServer(keys=KEYS, send_timeout=0.3) as server:
        stalled = _raw_client(server.url, subscribe={"news": ["*"]})
        healthy = _healthy(server.url)
        assert server.wait_for_subscription("news") and len(server.subscriptions()) == 2
        big = "x" * 500_000
        got, sent = 0, 0
        deadline = time.monotonic() + 30
        while server.dropped == 0:  # the stalled client's buffers fill, then it is dropped
            assert time.monotonic() < deadline, "a client that never reads was never dropped"
            # never raises, never blocks past send_timeout
            server.publish("news", {"T": "n", "id": sent, "symbols": ["AAPL"], "content": big})
            sent += 1
            healthy.recv(10)
            got += 1
        assert server.dropped == 1 and len(server.subscriptions()) == 1
        assert got == sent  # the healthy client got every message, before and after the drop
        healthy.close()
        stalled.close()


def _serve(ex: LocalExchange):
    return ex.serve()


def test_the_clock_survives_clients_that_vanish_or_fail(monkeypatch):
    ex = LocalExchange(DATA, start=60, keys=KEYS)
    with ex.serve() as urls:
        ex._stream.send_timeout = 0.2
        gone = _raw_client(urls.data_stream, subscribe={"bars": ["*"]})
        assert ex._stream.wait_for_subscription("bars")
        gone.close()  # vanishes without a close frame
        stalled = _raw_client(urls.data_stream, subscribe={"bars": ["*"]})
        real = ex.client.on_bar
        calls = {"n": 0}

        def flaky(ts, bars):  # the venue's own failure on one bar: named, and the clock goes on
            calls["n"] += 1
            if calls["n"] == 5:
                raise RuntimeError("injected fill-engine failure")
            return real(ts, bars)

        monkeypatch.setattr(ex.client, "on_bar", flaky)
        ex.run(200)
        assert ex.wait_until_finished(30), f"the clock stopped at {ex.position}: {ex.status()}"
        status = httpx.get(f"{urls.rest}/ntlab/status").json()
        assert status["finished"] is True and status["position"] == DATA.n_bars - 1
        assert len(status["clock_errors"]) == 1
        assert "injected fill-engine failure" in status["clock_errors"][0]
        stalled.close()


def test_step_mode_answers_200_while_a_client_stalls():
    ex = LocalExchange(DATA, start=60, keys=KEYS)
    with ex.serve() as urls:
        ex._stream.send_timeout = 0.2
        stalled = _raw_client(urls.data_stream, subscribe={"bars": ["*"]})
        with httpx.Client(base_url=urls.rest, headers=H, timeout=30) as http:
            for _ in range(20):
                r = http.post("/ntlab/step", params={"bars": 5})
                assert r.status_code == 200, r.text
                if r.json()["finished"]:
                    break
        assert ex.finished
        stalled.close()


def test_publish_failures_are_counted_not_fatal(monkeypatch):
    ex = LocalExchange(DATA, start=100, keys=KEYS)
    with ex.serve():

        def broken(bar: Bar, **_):
            raise TimeoutError("the stream server's loop is wedged")

        monkeypatch.setattr(ex._stream, "publish_bar", broken)
        ex.step(3)
        assert ex.position == 102 and ex.publish_errors == 9  # 3 bars x 3 symbols


@pytest.fixture(scope="module")
def rest():
    ex = LocalExchange(DATA, start=60, keys=KEYS)
    with ex.serve() as urls, httpx.Client(base_url=urls.rest, headers=H, timeout=10) as http:
        yield ex, http


MALFORMED_ORDERS = [
    b"[1, 2]", b'"buy"', b"null", b"42", b"\xff\xfe\xfa", b"{not json",
    json.dumps({"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day",
                "client_order_id": 123}).encode(),
    json.dumps({"symbol": "AAPL", "qty": 1e-12, "side": "buy", "type": "market", "time_in_force": "day"}).encode(),
    json.dumps({"symbol": "AAPL", "qty": "NaN", "side": "buy", "type": "market", "time_in_force": "day"}).encode(),
    json.dumps({"symbol": "AAPL", "qty": -3, "side": "buy", "type": "market", "time_in_force": "day"}).encode(),
    json.dumps({"symbol": ["AAPL"], "qty": 1, "side": "buy"}).encode(),
    json.dumps({"symbol": "AAPL", "qty": 1, "side": "sideways"}).encode(),
    json.dumps({"symbol": "AAPL", "qty": True, "side": "buy"}).encode(),
    json.dumps({"symbol": "AAPL", "qty": {"a": 1}, "side": "buy"}).encode(),
]  # fmt: skip


@pytest.mark.parametrize("body", MALFORMED_ORDERS)
def test_malformed_orders_are_refused_with_one_line_and_nothing_placed(rest, body):
    ex, http = rest
    before = len(ex.client.list_orders("all"))
    r = http.post("/v2/orders", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, (body, r.status_code, r.text)
    message = r.json()["message"]
    assert message and "\n" not in message
    assert len(ex.client.list_orders("all")) == before


@pytest.mark.parametrize(
    "body",
    [
        b"[1]",
        b"null",
        b"\xff",
        json.dumps({"qty": "abc"}).encode(),
        json.dumps({"time_in_force": 5}).encode(),
    ],
)
def test_malformed_replace_is_refused(rest, body):
    ex, http = rest
    r = http.post("/v2/orders", json={"symbol": "AAPL", "qty": 1, "side": "buy", "type": "limit",
                                       "limit_price": 1.0, "time_in_force": "gtc"})  # fmt: skip
    assert r.status_code == 200, r.text
    r2 = http.patch(f"/v2/orders/{r.json()['id']}", content=body)
    assert r2.status_code == 422, (body, r2.text)
    assert ex.client.get_order(r.json()["id"]).status.value == "new"


BAD_BARS = [
    {"symbols": "AAPL", "limit": "-5"}, {"symbols": "AAPL", "limit": "abc"}, {"symbols": "AAPL", "limit": "0"},
    {"symbols": "AAPL", "start": "yesterday-ish"}, {"symbols": "AAPL", "end": "2012-13-45"},
    {"symbols": "AAPL", "page_token": "%%%"}, {"symbols": "AAPL", "page_token": base64.b64encode(b"x|y").decode()},
    {"symbols": "AAPL", "timeframe": "1Min"}, {"symbols": "AAPL", "timeframe": "fortnightly"},
    {"symbols": "AAPL", "start": "2012-06-01T00:00:00Z", "end": "2012-01-01T00:00:00Z"},
]  # fmt: skip


@pytest.mark.parametrize("params", BAD_BARS)
def test_bad_bar_queries_are_refused(rest, params):
    _, http = rest
    r = http.get("/v2/stocks/bars", params=params)
    assert r.status_code == 422, (params, r.text)
    assert "\n" not in r.json()["message"]


@pytest.mark.parametrize("bars", ["abc", "-1", "1.5", "", "100001"])
def test_bad_steps_are_refused(rest, bars):
    ex, http = rest
    at = ex.position
    r = http.post("/ntlab/step", params={"bars": bars})
    assert r.status_code == 422 and ex.position == at


def test_data_and_step_endpoints_need_the_keys(rest):
    ex, http = rest
    at = ex.position
    for headers in ({}, {"APCA-API-KEY-ID": KEYS[0], "APCA-API-SECRET-KEY": "wrong"}):
        base = str(http.base_url).rstrip("/")
        assert httpx.post(f"{base}/ntlab/step", headers=headers).status_code == 401
        r = httpx.get(f"{base}/v2/stocks/bars", params={"symbols": "AAPL"}, headers=headers)
        assert r.status_code == 401
    assert ex.position == at


def test_pages_of_one_request_never_see_bars_the_clock_added_meanwhile():
    ex = LocalExchange(DATA, start=60, keys=KEYS)
    with ex.serve() as urls, httpx.Client(base_url=urls.rest, headers=H) as http:
        params = {"symbols": "AAPL,IBM,MSFT", "limit": 50, "timeframe": "1Day"}
        first = http.get("/v2/stocks/bars", params=params).json()
        ex.step(7)  # the clock ticks between pages
        rows, body = [], first
        while True:
            rows += [(s, b["t"]) for s, bars in body["bars"].items() for b in bars]
            if not body["next_page_token"]:
                break
            body = http.get(
                "/v2/stocks/bars", params=params | {"page_token": body["next_page_token"]}
            ).json()
        assert (
            len(rows) == len(set(rows)) == 3 * 60
        )  # the 60 bars visible at the first page, once each
