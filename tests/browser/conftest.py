"""Fixtures for browser tests: a real ``panel serve`` subprocess and headless Chromium.

Chromium is Debian's (``/usr/bin/chromium``, or ``NTLAB_CHROMIUM``; ``.ci/run`` installs it);
Playwright only drives it. Without it every browser test is skipped, saying why.
Screenshots go to a temporary folder (``NTLAB_SCREENSHOT_DIR`` overrides it).
"""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("NTLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SERVER_START_S = 240  # --warm imports vectorbt and compiles its kernels before the port opens
_RUNNING_LOGS: list[Path] = []  # the logs of the servers up now (shown when a test fails)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing browser test's report carries the tail of each running server's log, so a
    CI failure shows what the server said (an exception building a page, a slow start)."""
    report = yield
    if report.failed:
        for log in _RUNNING_LOGS:
            if log.exists():
                report.sections.append((f"server log {log.name}", log.read_text()[-6000:]))
    return report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status in (200, 302)
    except urllib.error.HTTPError as exc:
        return exc.code in (302, 401, 403)
    except OSError:
        return False


@contextmanager
def serve(
    command: Callable[[int], list[str]],
    probe_path: str,
    log_path: Path,
    env: dict[str, str] | None = None,
):
    """Run ``command(port)`` until the block ends (then stop it); yields the server's base URL."""
    port = _free_port()
    full_env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        **(env or {}),
    }
    log = open(log_path, "w")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(
        command(port),
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    _RUNNING_LOGS.append(log_path)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while not _ready(base + probe_path):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"server did not come up (exit {proc.poll()}); log:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.5)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        log.close()
        _RUNNING_LOGS.remove(log_path)


def panel_serve(*apps: str) -> Callable[[int], list[str]]:
    """``python -m panel serve APPS`` with exactly the arguments ``ntlab serve`` uses (127.0.0.1, warm)."""
    from ntlab.cli.serve import panel_args, resolve_apps

    files = resolve_apps(list(apps))
    return lambda port: [
        sys.executable,
        "-m",
        "panel",
        *panel_args(files, address="127.0.0.1", port=port),
    ]


@pytest.fixture(
    scope="package"
)  # closed before other folders run: Playwright marks the loop running
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium; .ci/run does this)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="python playwright is not installed"
    )
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("NTLAB_SCREENSHOT_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server_env(browser, tmp_path_factory) -> dict[str, str]:
    """A private NTLAB_HOME for the server process (asks for the browser first: no server without one)."""
    return {
        "NTLAB_HOME": str(tmp_path_factory.mktemp("ntlab_home")),
        "RAY_USAGE_STATS_ENABLED": "0",
    }


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def canvas_variance(locator) -> float:
    """Standard deviation of the grey levels of an element's screenshot (0 for a blank area)."""
    from PIL import Image

    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    return float(np.asarray(image, dtype=float).std())


def bokeh_columns(page, key: str) -> list[list]:
    """Column ``key`` of every Bokeh ColumnDataSource in the page that has one (the data glyphs draw)."""
    return page.evaluate(
        """key => {
            const out = [];
            for (const doc of Bokeh.documents) {
                for (const m of doc.all_models) {
                    const data = m.data;
                    if (data === null || typeof data !== "object") continue;
                    const col = data instanceof Map ? data.get(key) : data[key];
                    if (col !== undefined) out.push(Array.from(col));
                }
            }
            return out;
        }""",
        key,
    )
