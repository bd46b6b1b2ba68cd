"""Serve an ASGI app (e.g. Starlette) with uvicorn in a background thread, on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError, NtlabError

__all__ = ["serve_in_thread", "LOCAL_HOSTS"]

#: The only hosts the local servers bind to.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_local(host: str) -> None:
    """Refuse anything but a loopback host: these servers are for this machine only."""
    if host not in LOCAL_HOSTS:
        raise ConfigError(
            f"local servers bind to loopback only ({', '.join(LOCAL_HOSTS)}), not {host!r}"
        )


@contextmanager
def serve_in_thread(
    app: Any, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 10.0
) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread for the duration of the ``with`` block.

    Parameters
    ----------
    app : ASGI application
    host : str
        A loopback address.
    port : int, optional
        None or 0 picks a free port (bound before the server starts, so no race).
    timeout : float
        Seconds to wait for start-up and for shutdown.

    Yields
    ------
    str
        The base URL, e.g. ``"http://127.0.0.1:54321"``.

    Examples
    --------
    >>> with serve_in_thread(news_app(items)) as url:        # doctest: +SKIP
    ...     AlpacaNewsSource(url_override=url).fetch("AAPL")
    """
    check_local(host)
    uvicorn = attempt_import("uvicorn", purpose="serving a local app")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port or 0))
    bound = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="ntlab-uvicorn", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise NtlabError(f"the local server on {host}:{bound} did not start within {timeout} s")
        time.sleep(0.01)
    name = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{name}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
