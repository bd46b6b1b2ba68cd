"""Panel dashboards: research explorer, live monitor, paper-trading console.

The components are ``param`` / ``pn.viewable.Viewer`` classes; the apps in the
repository's ``dashboards/`` folder only lay them out, and ``ntlab serve APP`` serves
them. Panel, HoloViews and Bokeh are imported when a component is first asked for
(``ntlab.dashboards.ResearchExplorer``), never by ``import ntlab``.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "ExplorerModel",
    "app_page",
    "dashboard_session",
    "LiveMonitor",
    "ResearchExplorer",
    "TradingConsole",
    "TradingSessionAPI",
    "set_session_factory",
    "shared_session",
    "validate_start_request",
]

_WHERE = {
    "ExplorerModel": "ntlab.dashboards.explorer_model",
    "app_page": "ntlab.dashboards._widgets",
    "LiveMonitor": "ntlab.dashboards.monitor",
    "ResearchExplorer": "ntlab.dashboards.explorer",
    "TradingConsole": "ntlab.dashboards.console",
    "TradingSessionAPI": "ntlab.live.api",
    "dashboard_session": "ntlab.dashboards.session",
    "set_session_factory": "ntlab.dashboards.session",
    "shared_session": "ntlab.dashboards.session",
    "validate_start_request": "ntlab.live.api",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'ntlab.dashboards' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
