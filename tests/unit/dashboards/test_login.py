"""The dashboards' basic login: exact compare, failed logins rate-limited (real tornado server)."""

import asyncio
import socket
import threading

import httpx
import pytest

from ntlab.cli._login import MAX_FAILURES, Throttle, login_handler

PASSWORD = "correct-horse-battery"


@pytest.fixture
def server(monkeypatch):
    from panel.config import config
    from tornado.web import Application

    monkeypatch.setattr(config, "basic_auth", PASSWORD)
    handler = login_handler(Throttle(max_failures=MAX_FAILURES, window=3600.0))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.setblocking(False)
    port = sock.getsockname()[1]
    ready, box = threading.Event(), {}

    def run():
        from tornado.httpserver import HTTPServer

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def start():  # tornado binds its sockets to the running loop
            srv = HTTPServer(Application([("/login", handler)], cookie_secret="s" * 32))
            srv.add_sockets([sock])
            box["loop"], box["srv"] = loop, srv
            ready.set()

        loop.run_until_complete(start())
        loop.run_forever()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    ready.wait(10)
    yield f"http://127.0.0.1:{port}/login", handler
    box["loop"].call_soon_threadsafe(box["srv"].stop)
    box["loop"].call_soon_threadsafe(box["loop"].stop)
    t.join(5)


def _login(url, password):
    return httpx.post(url, data={"username": "me", "password": password}, follow_redirects=False)


def test_the_right_password_logs_in_and_whitespace_is_not_stripped(server):
    url, _ = server
    ok = _login(url, PASSWORD)
    assert ok.status_code == 302 and "user" in ok.cookies and "error" not in ok.headers["location"]
    padded = _login(url, f" {PASSWORD} ")
    assert padded.status_code == 302 and "error=" in padded.headers["location"]


def test_a_flood_of_wrong_guesses_locks_the_client_out_even_for_the_right_password(server):
    url, handler = server
    codes = [_login(url, f"guess-{i}").status_code for i in range(300)]
    assert codes[:MAX_FAILURES] == [302] * MAX_FAILURES  # told "invalid", then refused
    assert set(codes[MAX_FAILURES:]) == {429}
    locked = _login(url, PASSWORD)
    assert locked.status_code == 429 and "too many failed logins" in locked.text
    assert int(locked.headers["Retry-After"]) > 0


def test_the_throttle_forgets_after_its_window():
    t = Throttle(max_failures=2, window=10.0)
    t.failed("a", now=0.0)
    t.failed("a", now=1.0)
    assert t.wait("a", now=2.0) == pytest.approx(8.0) and t.wait("b", now=2.0) == 0.0
    assert t.wait("a", now=11.5) == 0.0
