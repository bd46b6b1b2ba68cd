"""The one paper session the dashboards of a server process share.

The console and the live monitor both show :func:`shared_session`; by default it is a
:class:`ntlab.live.TradingSession` over the bundled ``sample:stocks`` replayed in a
background thread with paper fills by a SimClient (:func:`dashboard_session`).
:func:`set_session_factory` chooses another (a session over the local exchange, or a
fake in a test). Any object with the :class:`ntlab.live.api.TradingSessionAPI` methods
will do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ntlab.live.api import TradingSessionAPI

__all__ = ["dashboard_session", "set_session_factory", "shared_session", "warm_session_kernels"]


def dashboard_session(data: Any = None, *, bar_interval: float = 0.25) -> TradingSessionAPI:
    """A :class:`~ntlab.live.TradingSession` replaying ``data`` (default the bundled
    ``sample:stocks``) in a background thread, ``bar_interval`` seconds per bar."""
    from ntlab.live import ReplayMarket, SessionSettings, TradingSession

    if data is None:
        from ntlab.data import load_sample

        data = load_sample("stocks")
    threading.Thread(
        target=warm_session_kernels, args=(data,), name="warm-session-kernels", daemon=True
    ).start()
    return TradingSession(
        ReplayMarket(data), SessionSettings(background=True, bar_interval=bar_interval)
    )


_warmed = False
_warm_lock = threading.Lock()


def warm_session_kernels(data: Any) -> None:
    """Run the console's default strategy (momentum) as a paper session over a few bars of
    ``data`` once per process, so the numba kernels a session needs (its stream, the
    decision, the risk gate, the fills) are compiled or loaded from the cache before the
    first start a user clicks (``benchmarks/dashboard_load.py`` times a first start with an
    empty and with a warm numba cache).
    :func:`dashboard_session` runs it in a background thread: it never delays a page."""
    global _warmed
    with _warm_lock:
        if _warmed:
            return
        _warmed = True
    from ntlab.live import replay_session
    from ntlab.strategies import get

    strategy = get("momentum")
    replay_session(strategy, data.select(list(data.symbols[:2]))[: strategy.warmup + 6])


_factory: Callable[[], TradingSessionAPI] = dashboard_session
_shared: TradingSessionAPI | None = None
_lock = threading.Lock()


def set_session_factory(factory: Callable[[], TradingSessionAPI] = dashboard_session) -> None:
    """Choose what :func:`shared_session` creates (and forget the current one); no
    argument restores the default."""
    global _factory, _shared
    with _lock:
        _factory, _shared = factory, None


def shared_session() -> TradingSessionAPI:
    """The one session of this server process, shared by the console and the monitor."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = _factory()
        return _shared
