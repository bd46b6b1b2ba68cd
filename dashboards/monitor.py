"""Live monitor: ``ntlab serve console monitor`` (the console starts the session it shows)."""

from ntlab.dashboards import LiveMonitor, app_page

app_page("live monitor", LiveMonitor).servable()
