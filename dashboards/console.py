"""Paper-trading console: ``ntlab serve console monitor`` (the monitor shows the same session)."""

from ntlab.dashboards import TradingConsole, app_page

app_page("paper-trading console", TradingConsole).servable()
