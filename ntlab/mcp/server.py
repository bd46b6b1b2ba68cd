"""``ntlab mcp``: the MCP server over stdio (desktop assistants) or streamable HTTP.

HTTP binds 127.0.0.1 by default. Bound to any other address it refuses to start
without a bearer token (``NTLAB_MCP_TOKEN``), and then every request must carry
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer

from ntlab.errors import ConfigError
from ntlab.mcp import prompts, resources
from ntlab.mcp._adapter import make_tool
from ntlab.mcp.catalog import tool_specs

__all__ = ["build_server", "serve_stdio", "serve_http", "http_app"]

INSTRUCTIONS = """\
ntlab: a quant research workbench. Every number these tools return is computed from the
data named in the call (bundled real samples such as sample:stocks), never canned.
Backtests fill at the next bar's open with costs on and refuse strategies that fail the
look-ahead check. Sweeps report how many trials were run: judge their best Sharpe by the
deflated Sharpe and out-of-sample (walk_forward) results, not the in-sample figure.
Orders go to paper sessions this server hosts (start_session first)."""


def build_server(service_ctx: Any = None, *, strict: bool = True) -> MCPServer:
    """The MCPServer with every catalog tool, the resources and the prompts."""
    import ntlab
    from ntlab.service import default_context

    ctx = service_ctx or default_context()
    tools = [make_tool(spec, ctx) for spec in tool_specs(strict=strict)]
    server = MCPServer(
        "ntlab",
        title="ntlab quant research workbench",
        version=ntlab.__version__,
        instructions=INSTRUCTIONS,
        tools=tools,
        log_level="WARNING",
    )
    resources.register(server, ctx)
    prompts.register(server)
    return server


def serve_stdio(service_ctx: Any = None) -> None:
    """Serve over stdin/stdout until the client closes them."""
    build_server(service_ctx).run("stdio")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _BearerAuth:
    """ASGI middleware: 401 unless ``Authorization: Bearer <token>`` matches."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self._token = app, token.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            scheme, _, value = given.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(value.strip(), self._token):
                body = b'{"error": "missing or wrong bearer token"}'
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"www-authenticate", b"Bearer")]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def http_app(server: MCPServer, host: str = "127.0.0.1", token: str | None = None) -> Any:
    """The streamable-HTTP ASGI app at ``/mcp`` (token-checked when a token is given)."""
    if not _loopback(host) and not token:
        raise ConfigError(
            f"binding {host} exposes the tools beyond this machine: set NTLAB_MCP_TOKEN "
            "(clients then send 'Authorization: Bearer <token>') or bind 127.0.0.1"
        )
    app = server.streamable_http_app(host=host)
    return _BearerAuth(app, token) if token else app


def serve_http(
    service_ctx: Any = None, host: str = "127.0.0.1", port: int = 8765, token: str | None = None
) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp``; prints the URL once listening."""
    import anyio
    import uvicorn

    app = http_app(build_server(service_ctx), host, token)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    print(f"ntlab mcp: streamable HTTP on http://{host}:{bound}/mcp", file=sys.stderr, flush=True)
    anyio.run(lambda: uv.serve(sockets=[sock]))
