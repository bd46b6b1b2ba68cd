"""An executed notebook opened in JupyterLab, with the network blocked, draws its plots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import serve
from tests.browser.test_offline_plots import ROOT, _plot_outputs, drawn_canvases, offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.timeout(1800)
def test_executed_notebook_draws_its_plots_in_jupyterlab_offline(
    browser, tmp_path_factory, page, shots
):
    from ntlab.reports.notebook import run_notebook
    from tests.notebooks.test_notebooks import ALTERNATIVE_PARAMS

    folder = tmp_path_factory.mktemp("lab")
    run_notebook("quickstart", ALTERNATIVE_PARAMS["quickstart"], output_dir=folder, html=False, cwd=ROOT, stem="quickstart")
    notebook = folder / "quickstart.ipynb"
    env = {
        "JUPYTER_DATA_DIR": str(folder / "data"),
        "JUPYTER_CONFIG_DIR": str(folder / "config"),
        "JUPYTER_RUNTIME_DIR": str(folder / "runtime"),
        "PYTHONPATH": str(ROOT),
    }
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent))
    subprocess.run([jupyter, "trust", str(notebook)], check=True, env={**os.environ, **env})

    def lab(port: int) -> list[str]:
        return [
            jupyter, "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1", "--allow-root",
            "--IdentityProvider.token=", "--ServerApp.password=",
            f"--ServerApp.root_dir={folder}", "--ServerApp.disable_check_xsrf=True",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]  # fmt: skip

    log = folder / "lab.log"
    with serve(lab, "/lab", log, env) as base:
        refused = offline(page)
        page.goto(f"{base}/lab/tree/quickstart.ipynb")
        page.locator(".jp-Notebook").wait_for(state="visible", timeout=120_000)
        expected = _plot_outputs(notebook)
        # JupyterLab renders cells lazily as they scroll into view: walk down the notebook
        for _ in range(40):
            page.mouse.wheel(0, 800)
            page.wait_for_timeout(200)
        page.locator(".jp-Notebook").click(position={"x": 5, "y": 5})
        page.keyboard.press("Home")
        spreads = []
        for _ in range(3):
            spreads = drawn_canvases(page, expected, timeout_ms=120_000)
            if len(spreads) >= expected:
                break
        page.screenshot(path=str(shots / "offline_jupyterlab.png"))
        assert len(spreads) >= expected, f"{len(spreads)} canvases for {expected} plots"
        assert all(s > 3.0 for s in spreads), spreads
        assert not [u for u in refused if "bokeh" in u or "holoviz" in u and u.endswith(".js")]
