"""``ntlab mcp``: the MCP server over stdio (desktop assistants) or streamable HTTP.

HTTP binds 127.0.0.1 by default. It takes ``ntlab server``'s credentials (see
:class:`HttpAuth`) whenever ``NTLAB_JWT_SECRET`` is set, and refuses to bind any other
address without it.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from ntlab.errors import ConfigError, NtlabError
from ntlab.mcp import prompts, resources
from ntlab.mcp._adapter import make_tool
from ntlab.mcp.catalog import tool_specs

__all__ = ["build_server", "serve_stdio", "serve_http", "http_app", "http_settings", "HttpAuth"]

INSTRUCTIONS = """\
ntlab: a quant research workbench. Every number these tools return is computed from the
data named in the call (bundled real samples such as sample:stocks), never canned.
Backtests fill at the next bar's open with costs on and refuse strategies that fail the
look-ahead check. Sweeps report how many trials were run: judge their best Sharpe by the
deflated Sharpe and out-of-sample (walk_forward) results, not the in-sample figure.
Orders go to paper sessions this server hosts (start_session first)."""


def build_server(
    service_ctx: Any = None, *, strict: bool = True, auth: HttpAuth | None = None
) -> MCPServer:
    """The MCPServer with every catalog tool, the resources and the prompts.

    With ``auth``, each tool call checks the caller's scope (HTTP only).
    """
    import ntlab
    from ntlab.service import default_context

    ctx = service_ctx or default_context()
    check = auth.authorize if auth is not None else None
    tools = [make_tool(spec, ctx, check) for spec in tool_specs(strict=strict)]
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


class HttpAuth:
    """``ntlab server``'s credentials, for MCP over HTTP: its JWTs or its API keys.

    ``Authorization: Bearer <token>`` with a JWT from ``POST /auth/token`` (same
    ``NTLAB_JWT_SECRET``), or ``Bearer ntk_...`` with an API key from ``ntlab server
    add-key``. Read-only tools need the ``read`` scope, order and session tools ``trade``,
    changing risk limits ``admin``.
    """

    def __init__(self, settings: Any) -> None:
        self.tokens = settings.tokens() if settings.jwt_secret else None
        self.keys = settings.keys

    def scopes(self, header: str | None) -> list[str]:
        """The scopes a request's Authorization header grants (AuthError if none)."""
        from ntlab.errors import AuthError

        kind, _, value = (header or "").partition(" ")
        if kind.lower() == "bearer" and value.startswith("ntk_"):
            return list(self.keys.check(value.strip()).scopes)
        if self.tokens is None:
            raise AuthError("send 'Authorization: Bearer <API key>' (ntlab server add-key)")
        return list(self.tokens.verify(header)["scopes"])

    def authorize(self, context: Any, needed: str) -> None:
        from ntlab.server.auth import grants

        headers = context.headers or {}
        held = self.scopes(headers.get("authorization"))
        if not grants(held, needed):
            raise ToolError(f"this tool needs the {needed!r} scope; the credentials hold {held}")

    def asgi(self, app: Any) -> Any:
        """ASGI middleware: 401 with the reason unless the header carries valid credentials."""

        async def guarded(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                header = dict(scope.get("headers") or []).get(b"authorization", b"").decode()
                try:
                    self.scopes(header)
                except NtlabError as exc:
                    body = json.dumps({"error": str(exc)}).encode()
                    await send({"type": "http.response.start", "status": 401,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"www-authenticate", b"Bearer")]})  # fmt: skip
                    await send({"type": "http.response.body", "body": body})
                    return
            await app(scope, receive, send)

        return guarded


def http_settings(host: str, port: int) -> Any:
    """``ntlab server``'s settings from the environment (refuses a wide bind without a secret)."""
    from ntlab.server.settings import ServerSettings

    return ServerSettings.from_env(host=host, port=port)


def http_app(server: MCPServer, host: str = "127.0.0.1", auth: HttpAuth | None = None) -> Any:
    """The streamable-HTTP ASGI app at ``/mcp`` (credentials checked when ``auth`` is given)."""
    from ntlab.server.settings import _loopback

    if not _loopback(host) and auth is None:
        raise ConfigError(
            f"binding {host} exposes the tools beyond this machine: set NTLAB_JWT_SECRET "
            "(the same as ntlab server's) so clients must send a token or API key, or bind 127.0.0.1"
        )
    app = server.streamable_http_app(host=host)
    return auth.asgi(app) if auth is not None else app


def serve_http(service_ctx: Any = None, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp``; prints the URL once listening.

    Credentials are required when ``NTLAB_JWT_SECRET`` is set (and it must be set to bind
    beyond the loopback interface).
    """
    import anyio
    import uvicorn

    settings = http_settings(host, port)
    auth = HttpAuth(settings) if settings.jwt_secret else None
    app = http_app(build_server(service_ctx, auth=auth), host, auth)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)

    async def serve_then_announce() -> None:
        # Announce only once uvicorn accepts connections: a client that reads the URL and
        # connects at once must never meet a bound but not yet listening socket.
        ended = anyio.Event()

        async def serve() -> None:
            try:
                await uv.serve(sockets=[sock])
            finally:
                ended.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(serve)
            while not uv.started:
                if ended.is_set():
                    raise SystemExit("ntlab mcp: the HTTP server stopped before listening")
                await anyio.sleep(0.01)
            url = f"http://{host}:{bound}/mcp"
            print(f"ntlab mcp: streamable HTTP on {url}", file=sys.stderr, flush=True)

    anyio.run(serve_then_announce)
