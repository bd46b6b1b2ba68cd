"""The console and the monitor as clients of ``ntlab server``: two separate ``ntlab serve``
processes see the one session the server hosts (a monitor alone used to show "No session yet")."""

from __future__ import annotations

import sys

import pytest

from tests.browser.conftest import serve
from tests.browser.test_trading import _session_line, _start

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stack(tmp_path_factory, server_env):
    from ntlab.server.auth import ApiKey, KeyStore

    home = tmp_path_factory.mktemp("server_home")
    key, secret = ApiKey.create("dashboards", ("trade",))
    KeyStore([key]).save(home / "server" / "keys.json")
    logs = tmp_path_factory.mktemp("logs")
    env = server_env | {"NTLAB_HOME": str(home), "NTLAB_API_KEY": secret}
    api = [sys.executable, "-m", "ntlab.cli", "server", "--port"]
    with serve(lambda port: [*api, str(port)], "/health", logs / "server.log", env) as server:
        dash = [sys.executable, "-m", "ntlab.cli", "serve", "--no-warm", "--server", server]
        with serve(
            lambda port: [*dash, "console", "--port", str(port)],
            "/console",
            logs / "console.log",
            env,
        ) as console:
            with serve(
                lambda port: [*dash, "monitor", "--port", str(port)],
                "/monitor",
                logs / "monitor.log",
                env,
            ) as monitor:
                yield server, console, monitor, secret


def test_a_separate_monitor_shows_the_session_the_console_started(stack, browser):
    import httpx

    server, console_url, monitor_url, secret = stack
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    try:
        console = context.new_page()
        console.goto(console_url + "/console")
        console.get_by_text("No session yet").wait_for(timeout=60_000)
        _start(console)
        console.locator(".ntlab-session p").get_by_text("running").wait_for(timeout=60_000)
        token = httpx.post(server + "/auth/token", json={"api_key": secret}).json()["access_token"]
        status = httpx.get(
            server + "/trading/status", headers={"Authorization": f"Bearer {token}"}
        ).json()
        sid = status["session_id"]
        assert sid and status["state"] == "running" and status["symbols"] == ["AAPL", "MSFT", "IBM"]
        assert sid in _session_line(console)
        monitor = context.new_page()
        monitor.goto(monitor_url + "/monitor")
        monitor.get_by_text(sid).first.wait_for(timeout=60_000)
    finally:
        context.close()
