"""Every plot ntlab makes renders with no network: HTML reports and an executed notebook in
JupyterLab, opened in headless Chromium where every request off this machine is aborted.

Each page must load no script from elsewhere, and each of its plots must draw a non-blank
canvas (Bokeh draws on ``<canvas>``; a CDN-only page stays blank offline).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.conftest import canvas_variance
from tests.notebooks.test_notebooks import ALTERNATIVE_PARAMS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ("quickstart", "forecasting", "risk", "news_sentiment")
_LOCAL = {"127.0.0.1", "localhost", "::1"}
_PLOT_MIME = ("application/vnd.holoviews_exec.v0+json", "application/vnd.bokehjs_exec.v0+json")


def offline(page) -> list[str]:
    """Abort every request that leaves this machine; returns the list of what was refused."""
    refused: list[str] = []

    def handle(route):
        url = route.request.url
        host = urlparse(url).hostname
        if url.startswith(("file:", "data:", "blob:", "about:")) or host in _LOCAL:
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", handle)
    return refused


def _plot_outputs(ipynb: Path) -> int:
    nb = json.loads(ipynb.read_text())
    return sum(
        1
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if any(m in out.get("data", {}) for m in _PLOT_MIME)
    )


def drawn_canvases(page, expected: int, timeout_ms: int = 60_000) -> list[float]:
    """Wait until ``expected`` plots have a canvas; the grey-level spread of each one's drawing."""
    page.wait_for_function(
        """n => typeof Bokeh !== 'undefined' && Bokeh.documents !== undefined
               && Bokeh.documents.reduce((k, d) => k + d.roots().length, 0) >= n""",
        arg=expected,
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1500)  # let every figure finish painting
    canvases = page.locator("canvas")
    spreads = []
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        box = canvas.bounding_box()
        if box is None or box["width"] < 100 or box["height"] < 80:
            continue  # toolbar icons and hidden layers
        canvas.scroll_into_view_if_needed()
        spreads.append(canvas_variance(canvas))
    return spreads


@pytest.fixture(scope="package")
def reports(tmp_path_factory, browser) -> dict[str, Path]:
    """HTML reports: three notebook reports and quickstart, BacktestResult.to_html, the CLI's --html."""
    from ntlab.backtest.event import run_event
    from ntlab.data import load_sample
    from ntlab.reports.notebook import run_notebook
    from ntlab.strategies import get

    out = tmp_path_factory.mktemp("offline_reports")
    pages: dict[str, Path] = {}
    for stem in REPORTS:
        run = run_notebook(stem, ALTERNATIVE_PARAMS[stem], output_dir=out, stem=stem, cwd=ROOT)
        pages[stem] = run.html
    result = run_event(get("momentum"), load_sample("stocks").select(["IBM", "MSFT"]))
    pages["to_html"] = out / "to_html.html"
    result.to_html(pages["to_html"])
    pages["cli"] = out / "cli.html"
    subprocess.run(
        [sys.executable, "-m", "ntlab.cli", "backtest", "--strategy", "momentum", "--html", str(pages["cli"])],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return pages


@pytest.mark.timeout(1800)  # the fixture runs four notebooks on a shared machine
@pytest.mark.parametrize("name", [*REPORTS, "to_html", "cli"])
def test_html_report_draws_every_plot_offline(reports, name, page, shots):
    html = reports[name]
    ipynb = html.with_suffix(".ipynb")
    expected = _plot_outputs(ipynb) if ipynb.exists() else 1
    assert expected >= 1, f"{name} has no plot to check"
    refused = offline(page)
    page.goto(html.as_uri())
    spreads = drawn_canvases(page, expected)
    page.screenshot(path=str(shots / f"offline_{name}.png"), full_page=True)
    assert len(spreads) >= expected, f"{name}: {len(spreads)} canvases for {expected} plots"
    blank = [i for i, s in enumerate(spreads) if s <= 3.0]
    assert not blank, f"{name}: canvases {blank} are blank (spreads {spreads})"
    scripts = [u for u in refused if u.endswith(".js") or "bokeh" in u or "panel" in u]
    assert not [u for u in scripts if "bokeh" in u], f"{name} wanted BokehJS from {scripts}"


def test_panel_lab_extension_comes_from_the_installed_package():
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    listing = subprocess.run(
        [jupyter, "labextension", "list"], capture_output=True, text=True, check=True
    )
    text = listing.stdout + listing.stderr
    assert "@pyviz/jupyterlab_pyviz" in text and "enabled" in text
    assert str(Path(sys.prefix) / "share" / "jupyter" / "labextensions") in text
