"""One ``ntlab mcp`` server process per test module, driven by the MCP SDK's own client."""

from __future__ import annotations

import pytest

from ntlab.mcp.client import SyncClient, stdio_params

# small data everywhere: two symbols, two years
D = {
    "data": "sample:stocks",
    "symbols": ["AAPL", "IBM"],
    "start": "2011-01-01",
    "end": "2012-12-31",
}


@pytest.fixture(scope="module")
def server_home(tmp_path_factory):
    return tmp_path_factory.mktemp("mcp_home")


@pytest.fixture(scope="module")
def mcp(server_home):
    with SyncClient(stdio_params(server_home, "--import-paths")) as client:
        yield client
