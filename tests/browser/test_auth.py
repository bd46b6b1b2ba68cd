"""``ntlab serve --basic-auth``: a login page guards the dashboards, and the server says so at start."""

from __future__ import annotations

import sys

import pytest

from tests.browser.conftest import serve

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory, server_env):
    log = tmp_path_factory.mktemp("logs") / "auth.log"

    def command(port: int) -> list[str]:
        return [
            sys.executable,
            "-m",
            "ntlab.cli",
            "serve",
            "monitor",
            "--basic-auth",
            "--port",
            str(port),
            "--no-warm",
        ]

    env = {**server_env, "NTLAB_DASHBOARD_PASSWORD": PASSWORD}
    with serve(command, "/login", log, env) as base:
        yield base, log


def test_login_is_required_and_the_server_says_so(guarded, page, shots):
    base, log = guarded
    text = log.read_text()
    assert "authentication: basic login" in text and PASSWORD not in text
    page.goto(base + "/monitor")
    assert "/login" in page.url
    page.fill("input[name=username]", "trader")
    page.fill("input[name=password]", "wrong password")
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.get_by_text("Invalid username or password").wait_for()
    page.fill("input[name=username]", "trader")
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit], input[type=submit]").first.click()
    page.locator(".ntlab-session p").get_by_text("No session yet").wait_for()
    page.screenshot(path=shots / "monitor_after_login.png")
