"""Research explorer: ``ntlab serve explorer`` (or ``panel serve dashboards/explorer.py``)."""

import panel as pn

from ntlab.dashboards import ResearchExplorer

pn.extension(notifications=False, sizing_mode="stretch_width")

pn.template.FastListTemplate(
    title="ntlab · research explorer",
    main=[ResearchExplorer()],
    header_background="#1f3a5f",
).servable()
