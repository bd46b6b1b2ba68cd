"""``ntlab mcp --transport http``: the SDK's streamable-HTTP client, and the token rule."""

from __future__ import annotations

import httpx
import pytest

from ntlab.mcp.client import SyncClient, start_http, stop

TOKEN = "test-token-0123456789"
SYM = {"data": "sample:stocks", "start": "2011-01-01", "end": "2012-12-31"}


@pytest.fixture(scope="module")
def served(server_home):
    proc, url = start_http(server_home, NTLAB_MCP_TOKEN=TOKEN)
    yield url
    stop(proc)


def _client(url, token=TOKEN):
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    headers = {"Authorization": f"Bearer {token}"}
    return SyncClient(
        streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    )


def test_http_lists_and_calls_tools_like_the_library(served):
    from ntlab import risk
    from ntlab.data import load_sample
    from ntlab.strategies import available

    assert served.startswith("http://127.0.0.1:")
    with _client(served) as mcp:
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


def test_http_refuses_requests_without_the_token(served):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        answer = httpx.post(served, json=body, headers=headers, timeout=10)
        assert answer.status_code == 401, headers
    with pytest.raises(Exception), _client(served, token="wrong"):  # noqa: B017 (the SDK raises its own)
        pass


def test_binding_beyond_loopback_needs_a_token():
    from ntlab.errors import ConfigError
    from ntlab.mcp.server import build_server, http_app

    server = build_server()
    with pytest.raises(ConfigError, match="NTLAB_MCP_TOKEN"):
        http_app(server, host="0.0.0.0")
    assert http_app(server, host="0.0.0.0", token=TOKEN) is not None
    assert http_app(server, host="127.0.0.1") is not None
