"""``ntlab mcp``: serve ntlab's tools to an AI assistant over MCP.

stdio (the default) is what desktop assistants launch. ``--transport http`` serves
streamable HTTP at http://HOST:PORT/mcp on 127.0.0.1; any other address needs a token in
``NTLAB_MCP_TOKEN`` that clients send as ``Authorization: Bearer <token>``. Data specs the
tools may read default to bundled samples and the local store; ``--data-kinds`` widens it.
"""

from __future__ import annotations

import os

from ntlab.errors import ConfigError

__all__ = ["add_parser"]

TOKEN_ENV = "NTLAB_MCP_TOKEN"
KINDS = ("sample", "store", "file", "alpaca")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "mcp", help="serve the MCP tools (stdio or streamable HTTP)", description=__doc__
    )
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765; 0: any free)")
    p.add_argument(
        "--data-kinds",
        default="sample,store",
        help=f"comma-separated data spec kinds the tools may read, of {', '.join(KINDS)}",
    )
    p.set_defaults(run=_run)


def _run(args) -> int:
    from ntlab.service import Context

    kinds = tuple(k.strip() for k in args.data_kinds.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise ConfigError(f"--data-kinds: unknown kind(s) {unknown}; use some of {list(KINDS)}")
    ctx = Context(data_kinds=kinds)
    try:
        if args.transport == "stdio":
            from ntlab.mcp.server import serve_stdio

            serve_stdio(ctx)
        else:
            from ntlab.mcp.server import serve_http

            serve_http(ctx, args.host, args.port, os.environ.get(TOKEN_ENV) or None)
    finally:
        ctx.close()
    return 0
