"""``ntlab serve``: serve the dashboards with ``panel serve`` (on 127.0.0.1 unless told otherwise).

Binding wider than this machine (``--address 0.0.0.0``) needs ``--basic-auth``: the
password comes from an environment variable (never the command line) and the cookie
secret from ``NTLAB_COOKIE_SECRET`` (a random one per run when unset).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

from ntlab.errors import ConfigError

__all__ = ["APPS", "LOCAL_ADDRESSES", "dashboards_dir", "panel_args", "resolve_apps"]

APPS = ("explorer", "console", "monitor")
LOCAL_ADDRESSES = ("127.0.0.1", "localhost", "::1")
PASSWORD_ENV = "NTLAB_DASHBOARD_PASSWORD"
COOKIE_ENV = "NTLAB_COOKIE_SECRET"
MIN_PASSWORD = 8


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="serve the Panel dashboards", description=__doc__)
    p.add_argument(
        "apps",
        nargs="+",
        metavar="APP",
        help=f"{', '.join(APPS)}, all, or a path to a Panel app .py",
    )
    p.add_argument(
        "--address",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=5006, help="port (default 5006)")
    p.add_argument(
        "--basic-auth",
        action="store_true",
        help=f"require a login; the password is read from ${PASSWORD_ENV}",
    )
    p.add_argument(
        "--password-env",
        default=PASSWORD_ENV,
        metavar="VAR",
        help=f"variable holding the password (default {PASSWORD_ENV})",
    )
    p.add_argument(
        "--allow-websocket-origin",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="extra allowed origin (repeatable)",
    )
    p.add_argument(
        "--no-warm",
        action="store_true",
        help="do not run each app once at start (first page loads slower)",
    )
    p.add_argument(
        "--server",
        metavar="URL",
        help="show the session hosted by `ntlab server` at URL (API key from $NTLAB_API_KEY), "
        "so separate dashboard processes see the same session",
    )
    p.add_argument("--show", action="store_true", help="open a browser")
    p.add_argument(
        "--print-command",
        action="store_true",
        help="print the panel command (password masked) and exit",
    )
    p.set_defaults(run=_run)


def dashboards_dir() -> Path:
    """The dashboard apps shipped with ntlab (the top-level ``dashboards/`` folder)."""
    from ntlab._resources import bundled

    folder = bundled("dashboards")
    if not (folder / "explorer.py").is_file():
        raise ConfigError(
            f"the dashboard apps are missing from {folder}; reinstall ntlab, or give app paths (.py files)"
        )
    return folder


def resolve_apps(names: list[str]) -> list[Path]:
    """App names (or ``all``, or paths to .py files) -> the app files, each once."""
    out: list[Path] = []
    for name in names:
        if name.endswith(".py"):
            path = Path(name)
            if not path.is_file():
                raise ConfigError(f"app file {name} not found")
            paths = [path.resolve()]
        elif name == "all":
            paths = [dashboards_dir() / f"{app}.py" for app in APPS]
        elif name in APPS:
            paths = [dashboards_dir() / f"{name}.py"]
        else:
            raise ConfigError(
                f"unknown app {name!r}; choose from {', '.join(APPS)}, all, or a .py file"
            )
        out += [p for p in paths if p not in out]
    return out


def panel_args(
    apps: list[Path],
    *,
    address: str = "127.0.0.1",
    port: int = 5006,
    password: str | None = None,
    cookie_secret: str | None = None,
    origins: list[str] | tuple[str, ...] = (),
    warm: bool = True,
    show: bool = False,
) -> list[str]:
    """The ``panel serve`` arguments; refuses a non-local address without a password.

    Raises
    ------
    ConfigError
        When ``address`` is not local and no password is given, or the password is short.
    """
    local = address in LOCAL_ADDRESSES
    if not local and not password:
        raise ConfigError(
            f"refusing to serve on {address} without authentication: anyone who can reach this machine could "
            f"trade. Add --basic-auth and set ${PASSWORD_ENV} (at least {MIN_PASSWORD} characters), "
            "or serve on 127.0.0.1"
        )
    if password is not None and len(password) < MIN_PASSWORD:
        raise ConfigError(f"the dashboard password must have at least {MIN_PASSWORD} characters")
    for origin in origins:
        if "*" in origin or not origin.strip():
            raise ConfigError(
                f"--allow-websocket-origin {origin!r} would let any web page drive the dashboards "
                "from a visitor's browser; name the HOST:PORT browsers use"
            )
    args = ["serve", *map(str, apps), "--address", address, "--port", str(port)]
    for origin in [f"localhost:{port}", f"127.0.0.1:{port}", *origins]:
        args += ["--allow-websocket-origin", origin]
    if password:
        args += [
            "--basic-auth",
            password,
            "--cookie-secret",
            cookie_secret or secrets.token_urlsafe(32),
        ]
    if warm:
        args.append("--warm")
    if show:
        args.append("--show")
    return args


def _masked(args: list[str]) -> list[str]:
    hidden = {i + 1 for i, a in enumerate(args) if a in ("--basic-auth", "--cookie-secret")}
    return ["***" if i in hidden else a for i, a in enumerate(args)]


def _run(args: argparse.Namespace) -> int:
    from ntlab.cli._params import import_from_working_folder

    import_from_working_folder()  # the explorer can load package.module:ClassName from here
    apps = resolve_apps(args.apps)
    password = None
    if args.basic_auth:
        password = os.environ.get(args.password_env, "")
        if not password:
            raise ConfigError(
                f"--basic-auth needs the password in ${args.password_env}; it is unset or empty"
            )
    cookie = os.environ.get(COOKIE_ENV) or None
    panel = panel_args(
        apps,
        address=args.address,
        port=args.port,
        password=password,
        cookie_secret=cookie,
        origins=args.allow_websocket_origin,
        warm=not args.no_warm,
        show=args.show,
    )
    if args.print_command:
        print(" ".join(["panel", *_masked(panel)]))
        return 0
    names = ", ".join(p.stem for p in apps)
    print(f"ntlab serve: {names} on http://{args.address}:{args.port}/ (paper trading only)")
    if password:
        print(f"authentication: basic login (any user name, password from ${args.password_env})")
        if cookie is None:
            print(
                f"cookie secret: random for this run (set ${COOKIE_ENV} to keep logins across restarts)"
            )
    if args.address not in LOCAL_ADDRESSES and not args.allow_websocket_origin:
        print(
            "note: browsers on other machines need --allow-websocket-origin HOST:PORT (the name they use)"
        )
    if args.server:
        from ntlab.dashboards.session import set_session_factory
        from ntlab.server.client import RemoteSession

        RemoteSession(args.server).universe()  # fails now, with the reason, if it cannot connect
        set_session_factory(lambda: RemoteSession(args.server))
        print(f"session: the one ntlab server at {args.server} hosts")
    sys.stdout.flush()
    return _panel_main(panel)


def _panel_main(panel: list[str]) -> int:
    """Run ``panel serve`` in this process (the password stays out of the process list)."""
    from ntlab._optional import attempt_import

    command = attempt_import("panel.command", purpose="serving the dashboards")
    from ntlab.cli._login import install

    install()  # exact password compare, failed logins rate-limited
    sys.argv = ["panel", *panel]
    command.main()
    return 0
