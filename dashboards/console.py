"""Paper-trading console: ``ntlab serve console`` (or ``panel serve dashboards/console.py``).

Serve it with the monitor (``ntlab serve console monitor``): both use the server process's one session.
"""

import panel as pn

from ntlab.dashboards import TradingConsole

pn.extension(notifications=False, sizing_mode="stretch_width")

pn.template.FastListTemplate(
    title="ntlab · paper-trading console",
    main=[TradingConsole()],
    header_background="#1f3a5f",
).servable()
