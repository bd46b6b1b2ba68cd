"""``ntlab mcp``: serve ntlab's tools to an AI assistant over MCP.

stdio (the default) is what desktop assistants launch. ``--transport http`` serves
streamable HTTP at http://HOST:PORT/mcp on 127.0.0.1. With ``NTLAB_JWT_SECRET`` set (needed
to bind any other address) clients must send ``ntlab server``'s credentials: ``Authorization:
Bearer <token>`` (a JWT from its POST /auth/token) or ``Bearer ntk_...`` (an API key from
``ntlab server add-key``). Data specs the
tools may read default to bundled samples and the local store; ``--data-kinds`` widens it.
"""

from __future__ import annotations

from ntlab.errors import ConfigError

__all__ = ["add_parser"]

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
    p.add_argument(
        "--import-paths",
        action="store_true",
        help="let tools take strategies by import path (package.module:Class): imports your code",
    )
    p.set_defaults(run=_run)


def _run(args) -> int:
    from ntlab.service import Context

    kinds = tuple(k.strip() for k in args.data_kinds.split(",") if k.strip())
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown or not kinds:
        raise ConfigError(f"--data-kinds: unknown kind(s) {unknown}; use some of {list(KINDS)}")
    ctx = Context(data_kinds=kinds, import_paths=args.import_paths)
    try:
        if args.transport == "stdio":
            from ntlab.mcp.server import serve_stdio

            serve_stdio(ctx)
        else:
            from ntlab.mcp.server import serve_http

            serve_http(ctx, args.host, args.port)
    finally:
        ctx.close()
    return 0
