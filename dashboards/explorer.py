"""Research explorer: ``ntlab serve explorer`` (or ``panel serve dashboards/explorer.py``)."""

from ntlab.dashboards import ResearchExplorer, app_page

app_page("research explorer", ResearchExplorer).servable()
