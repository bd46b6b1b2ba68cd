"""Panel, Bokeh and HoloViews load only when a dashboard component is asked for."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import ntlab.dashboards, ntlab.live.api, ntlab.dashboards.session, ntlab.cli.serve
light = sorted({m.split('.')[0] for m in sys.modules} & {'panel', 'bokeh', 'holoviews', 'hvplot'})
from ntlab.dashboards import ResearchExplorer
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'panel', 'bokeh', 'holoviews'})
print(repr((light, heavy)))
"""


def test_session_code_is_light_and_components_load_panel_lazily():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True
    ).stdout
    light, heavy = eval(out.strip().splitlines()[-1])
    assert light == []
    assert {"bokeh", "panel"} <= set(heavy)
