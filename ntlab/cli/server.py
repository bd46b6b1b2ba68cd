"""``ntlab server``: serve the REST API (127.0.0.1 unless NTLAB_JWT_SECRET is set).

``ntlab server add-key NAME --scopes read,trade`` makes an API key: its SHA-256 goes to
``$NTLAB_HOME/server/keys.json`` and the key is printed once. Exchange it for a token
with ``POST /auth/token``. Docs at ``http://127.0.0.1:8000/docs``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("server", help="serve the REST API (FastAPI)", description=__doc__)
    p.add_argument("action", nargs="?", default="run", choices=("run", "add-key", "keys"),
                   help="run the server (default), add an API key, or list the keys")  # fmt: skip
    p.add_argument("name", nargs="?", help="name of the key (add-key)")
    p.add_argument(
        "--scopes", default="read", help="scopes of a new key: read, trade, admin (comma-separated)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--rate-limit",
        help="requests per key, e.g. 100/minute (default $NTLAB_RATE_LIMIT or 100/minute)",
    )
    p.add_argument("--data-kinds", default="sample,store",
                   help="data spec kinds callers may use (default sample,store; add file only for trusted callers)")  # fmt: skip
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ntlab.errors import ConfigError
    from ntlab.server.auth import ApiKey, KeyStore
    from ntlab.server.settings import keys_path

    if args.action == "add-key":
        if not args.name:
            raise ConfigError(
                "add-key needs a NAME, e.g. ntlab server add-key alice --scopes read,trade"
            )
        store = KeyStore.load(keys_path())
        key, secret = ApiKey.create(
            args.name, tuple(s.strip() for s in args.scopes.split(",") if s.strip())
        )
        store.add(key)
        store.save(keys_path())
        print(
            f"API key {key.name!r} with scopes {list(key.scopes)} (shown once; only its hash is kept):"
        )
        print(secret)
        return 0
    if args.action == "keys":
        for k in KeyStore.load(keys_path()).keys:
            print(f"{k.name}\t{','.join(k.scopes)}")
        return 0
    return _serve(args)


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if message.startswith("{"):
            return message
        return json.dumps(
            {"event": "log", "level": record.levelname, "logger": record.name, "message": message}
        )


def _serve(args: argparse.Namespace) -> int:
    from ntlab._optional import attempt_import
    from ntlab.server import ServerSettings, create_app

    uvicorn = attempt_import("uvicorn", purpose="ntlab server")
    kinds = tuple(k.strip() for k in args.data_kinds.split(",") if k.strip())
    settings = ServerSettings.from_env(
        host=args.host, port=args.port, rate_limit=args.rate_limit, data_kinds=kinds
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_JsonLines())
    for name in ("ntlab.server", "ntlab.audit"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    if not settings.keys.keys:
        print(
            "no API keys yet: make one with `ntlab server add-key NAME --scopes read,trade`",
            file=sys.stderr,
        )
    print(json.dumps({"event": "start", "url": f"http://{args.host}:{args.port}", "docs": "/docs",
                      "settings": repr(settings)}), flush=True)  # fmt: skip
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False
    )
    return 0
