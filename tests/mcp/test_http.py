"""``ntlab mcp --transport http``: the SDK's streamable-HTTP client, with ntlab server's auth."""

from __future__ import annotations

import httpx
import pytest

from ntlab.mcp.client import SyncClient, start_http, stop

SECRET = "s" * 40
SYM = {"data": "sample:stocks", "start": "2011-01-01", "end": "2012-12-31"}


@pytest.fixture(scope="module")
def creds(server_home):
    from ntlab.server.auth import ApiKey, KeyStore, Tokens

    reader, read_secret = ApiKey.create("reader", ("read",))
    trader, trade_secret = ApiKey.create("trader", ("read", "trade"))
    KeyStore([reader, trader]).save(server_home / "server" / "keys.json")
    jwt = Tokens(SECRET).issue(reader)["access_token"]
    return {"jwt": jwt, "read_key": read_secret, "trade_key": trade_secret}


@pytest.fixture(scope="module")
def served(server_home, creds):
    proc, url = start_http(server_home, NTLAB_JWT_SECRET=SECRET)
    yield url
    stop(proc)


def _client(url, credential):
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    http = create_mcp_http_client(headers={"Authorization": f"Bearer {credential}"})
    return SyncClient(streamable_http_client(url, http_client=http))


def test_http_lists_and_calls_tools_like_the_library(served, creds):
    from ntlab import risk
    from ntlab.data import load_sample
    from ntlab.strategies import available

    assert served.startswith("http://127.0.0.1:")
    with _client(served, creds["jwt"]) as mcp:
        tools = mcp.run(mcp.client.list_tools()).tools
        assert len(tools) >= 58 and len({t.meta["ntlab/group"] for t in tools}) == 9
        assert mcp.call("health", {}) == {"status": "ok"}
        assert [s["name"] for s in mcp.call("list_strategies", {})["strategies"]] == available()
        r = load_sample("stocks").between("2011-01-01T00:00Z", "2012-12-31T00:00Z").close["IBM"]
        perf = mcp.call("performance_summary", {**SYM, "symbol": "IBM"})
        assert perf["sharpe"] == pytest.approx(risk.sharpe_ratio(r.pct_change().iloc[1:]))
        assert "invalid arguments: level" in mcp.error(
            "value_at_risk", {"symbol": "IBM", "level": 2}
        )
        start = {"symbols": ["AAPL"], "max_position_size": 1000, "replay_from": "2012-01-03"}
        assert "needs the 'trade' scope" in mcp.error("start_session", start)


def test_api_keys_carry_their_scopes(served, creds):
    start = {"symbols": ["AAPL"], "max_position_size": 1000, "replay_from": "2012-01-03",
             "session_id": "httpkey"}  # fmt: skip
    with _client(served, creds["read_key"]) as mcp:
        assert mcp.call("health", {}) == {"status": "ok"}
        assert "needs the 'trade' scope" in mcp.error("start_session", start)
    with _client(served, creds["trade_key"]) as mcp:
        assert mcp.call("start_session", start)["status"] == "started"
        assert "needs the 'admin' scope" in mcp.error(
            "set_risk_limits", {"session_id": "httpkey", "limits": {"maxDrawdown": 0.2}}
        )
        assert mcp.call("stop_session", {"session_id": "httpkey"})["state"] == "stopped"


def test_http_refuses_requests_without_valid_credentials(served):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer ntk_wrong"}):
        answer = httpx.post(served, json=body, headers=headers, timeout=10)
        assert answer.status_code == 401, headers
        assert answer.json()["error"]


def test_binding_beyond_loopback_needs_the_server_secret(monkeypatch):
    from ntlab.errors import ConfigError
    from ntlab.mcp.server import HttpAuth, build_server, http_app, http_settings

    monkeypatch.delenv("NTLAB_JWT_SECRET", raising=False)
    server = build_server()
    with pytest.raises(ConfigError, match="NTLAB_JWT_SECRET"):
        http_app(server, host="0.0.0.0")
    with pytest.raises(ConfigError, match="NTLAB_JWT_SECRET"):
        http_settings("0.0.0.0", 8765)
    monkeypatch.setenv("NTLAB_JWT_SECRET", SECRET)
    assert http_app(server, host="0.0.0.0", auth=HttpAuth(http_settings("0.0.0.0", 8765)))


def test_the_url_is_announced_only_once_the_server_accepts_connections(server_home):
    import socket
    from urllib.parse import urlsplit

    proc, url = start_http(server_home)
    try:
        where = urlsplit(url)
        socket.create_connection((where.hostname, where.port), timeout=5).close()
    finally:
        stop(proc)
