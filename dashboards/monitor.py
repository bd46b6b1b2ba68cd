"""Live monitor: ``ntlab serve monitor`` (or ``panel serve dashboards/monitor.py``).

Serve it with the console (``ntlab serve console monitor``): both use the server process's one session.
"""

import panel as pn

from ntlab.dashboards import LiveMonitor

pn.extension(notifications=False, sizing_mode="stretch_width")

pn.template.FastListTemplate(
    title="ntlab · live monitor",
    main=[LiveMonitor()],
    header_background="#1f3a5f",
).servable()
