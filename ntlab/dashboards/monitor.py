"""LiveMonitor: a session's equity, positions, orders, fills, risk and latency, updating live.

The page polls ``status()`` every :data:`REFRESH_MS` milliseconds
(``pn.state.add_periodic_callback``) and streams new equity points into the chart, so
nothing reloads. Read-only: the monitor places no orders.
"""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ntlab.dashboards._widgets import SessionView
from ntlab.dashboards.session import shared_session

__all__ = ["LiveMonitor", "REFRESH_MS"]

#: How often the monitor re-reads the session's status.
REFRESH_MS = 500


class LiveMonitor(pn.viewable.Viewer):
    """The live monitor app (``ntlab serve monitor``)."""

    session = param.Parameter(doc="a TradingSessionAPI; the process's shared session by default")

    def __init__(self, **params) -> None:
        from bokeh.models import ColumnDataSource, NumeralTickFormatter
        from bokeh.plotting import figure

        params.setdefault("session", shared_session())
        super().__init__(**params)
        self.view = SessionView()
        self.source = ColumnDataSource(data={"time": [], "equity": []})
        fig = figure(
            x_axis_type="datetime",
            height=280,
            sizing_mode="stretch_width",
            title="Equity (replayed bar time, UTC)",
            tools="pan,wheel_zoom,box_zoom,reset,save",
            toolbar_location="right",
        )
        fig.line("time", "equity", source=self.source, line_width=2, color="#1f77b4")
        fig.yaxis.axis_label = "equity ($)"
        fig.yaxis.formatter = NumeralTickFormatter(format="$0,0")
        self.chart = pn.Column(
            pn.pane.Bokeh(fig, sizing_mode="stretch_width"),
            css_classes=["ntlab-monitor-equity"],
            sizing_mode="stretch_width",
        )
        self._session_id, self._last_ms = None, None
        self.refresh()
        if pn.state.curdoc is not None:
            pn.state.onload(lambda: pn.state.add_periodic_callback(self.refresh, period=REFRESH_MS))

    def refresh(self) -> None:
        """Read the status; update the tables and stream the equity points not yet drawn."""
        status = self.session.status()
        self.view.update(status)
        curve = status["equity_curve"]
        if status["session_id"] != self._session_id:  # a new session: start the chart over
            self._session_id, self._last_ms = status["session_id"], None
            self.source.data = {"time": [], "equity": []}
        new = [p for p in curve if self._last_ms is None or p[0] > self._last_ms]
        if new:
            self._last_ms = new[-1][0]
            times = pd.to_datetime([p[0] for p in new], unit="ms")
            self.source.stream({"time": times, "equity": [p[1] for p in new]}, rollover=5000)

    def __panel__(self):
        paper = pn.pane.Alert(
            f"**Live monitor** of the paper session (`{type(self.session).__name__}`), refreshed every "
            f"{REFRESH_MS} ms. Read-only.",
            alert_type="info",
        )
        return pn.Column(
            paper,
            self.view.header,
            self.view.kpis,
            self.chart,
            self.view.tables(),
            sizing_mode="stretch_width",
        )
