"""The paper-trading console and the live monitor in headless Chromium, sharing one server."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import canvas_variance, panel_serve, serve

pytestmark = pytest.mark.browser

_HAS_EQUITY = """() => { for (const d of Bokeh.documents) for (const m of d.all_models) {
    const x = m.data; if (!x) continue; const c = x instanceof Map ? x.get('equity') : x['equity'];
    if (c && c.length > 0) return true; } return false; }"""


@pytest.fixture(scope="module")
def trading_url(tmp_path_factory, server_env):
    log = tmp_path_factory.mktemp("logs") / "trading.log"
    with serve(panel_serve("console", "monitor"), "/console", log, server_env) as base:
        yield base


def _fill(page, css: str, value: str) -> None:
    field = page.locator(f"{css} input")
    field.fill(value)
    field.press("Tab")


def _start(page, symbols: str = "AAPL, MSFT, IBM", max_position: str = "100000") -> None:
    _fill(page, ".ntlab-symbols", symbols)
    _fill(page, ".ntlab-max-position", max_position)
    # no protective exits: one would close the whole AAPL position, manual shares included,
    # at a bar that depends on how fast this machine clicks
    _fill(page, ".ntlab-stop-loss", "0")
    _fill(page, ".ntlab-take-profit", "0")
    page.locator(".ntlab-start button").click()


def _session_line(page) -> str:
    return page.locator(".ntlab-session p").inner_text()


def _bars(page) -> int:
    return int(re.search(r"(\d+) bars", _session_line(page)).group(1))


def test_console_starts_a_session_places_an_order_and_the_monitor_shows_it(
    trading_url, browser, shots
):
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    try:
        console = context.new_page()
        console.goto(trading_url + "/console")
        console.get_by_text("No session yet").wait_for()
        _start(console)
        console.locator(".ntlab-message").get_by_text(
            "started momentum on AAPL, MSFT, IBM"
        ).wait_for()

        _fill(console, ".ntlab-order-symbol", "AAPL")
        _fill(console, ".ntlab-order-qty", "7")
        console.locator(".ntlab-submit button").click()
        console.locator(".ntlab-message").get_by_text("accepted: buy 7 AAPL").wait_for()
        # the order fills at the next replayed bar's open; the console's tables follow
        console.locator(".ntlab-fills").get_by_text("AAPL").first.wait_for()

        monitor = context.new_page()
        t0 = time.perf_counter()
        monitor.goto(trading_url + "/monitor")
        monitor.locator(".ntlab-monitor-equity canvas").first.wait_for(state="visible")
        monitor.wait_for_function(_HAS_EQUITY)
        took = time.perf_counter() - t0
        print(f"\nmonitor page load to first chart, session running: {took:.2f} s (target < 3 s)")
        positions = monitor.locator(".ntlab-positions table")
        positions.wait_for()
        row = positions.locator("tr", has_text="AAPL")
        row.wait_for()
        header = [c.strip() for c in positions.locator("thead tr").first.inner_text().split("\t")]
        # momentum trades AAPL too: its fill can show before the manual one, so wait (the
        # monitor updates itself) until the manual shares appear
        manual = row.locator("th, td").nth(header.index("manual qty"))
        expect(manual).to_have_text("7.0", timeout=30_000)

        # live: the bar count grows without reloading the page
        first = _bars(monitor)
        monitor.wait_for_timeout(1500)
        assert _bars(monitor) > first
        chart = monitor.locator(".ntlab-monitor-equity canvas").first
        chart.wait_for(state="visible")
        assert canvas_variance(chart) > 5.0, "the monitor's equity chart is blank"
        console.screenshot(path=shots / "console.png", full_page=True)
        monitor.screenshot(path=shots / "monitor.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("field", "value", "action", "message"),
    [
        (".ntlab-symbols", " , ", "start", "symbols is empty"),
        (".ntlab-max-position", "-5000", "start", "max_position_size must be a positive amount"),
        (".ntlab-symbols", "AAPL, ZZZZ", "start", "unknown symbol(s) ['ZZZZ']"),
        (".ntlab-stop-loss", "2", "start", "stop_loss_percentage must be a fraction in [0, 1)"),
        (".ntlab-order-qty", "-5", "submit", "quantity must be a positive number of shares"),
        (".ntlab-order-symbol", "ZZZZ", "submit", "unknown symbol 'ZZZZ'"),
    ],
)
def test_bad_input_shows_a_message_and_changes_nothing(
    trading_url, page, shots, field, value, action, message
):
    page.goto(trading_url + "/console")
    page.locator(".ntlab-session p").wait_for()
    if "none (manual)" not in _session_line(page):
        # a manual-only session: nothing but this test's actions could change its orders
        if "No session yet" not in _session_line(page):
            page.locator(".ntlab-stop button").click()
            page.locator(".ntlab-message").get_by_text("stopped").wait_for()
        page.locator(".ntlab-strategies .choices__button").first.click()
        _start(page, symbols="AAPL, MSFT")
        said = page.locator(".ntlab-message").get_by_text(
            "started manual trading only on AAPL, MSFT"
        )
        said.wait_for()
        started = re.search(r"Session (\w+) started", said.inner_text()).group(1)
        expect(page.locator(".ntlab-session p")).to_contain_text(f"Session {started}")
    page.wait_for_timeout(1200)  # one refresh, so the tables show the current state
    session, orders = (
        _session_line(page).split(" · ")[0],
        page.locator(".ntlab-orders table").inner_text(),
    )
    positions = page.locator(".ntlab-positions table").inner_text()
    _fill(page, field, value)
    page.locator(f".ntlab-{action} button").click()
    page.locator(".ntlab-message").get_by_text(message, exact=False).wait_for()
    assert "alert-danger" in page.locator(".ntlab-message").get_attribute("class")
    page.wait_for_timeout(1200)
    assert _session_line(page).split(" · ")[0] == session
    assert page.locator(".ntlab-orders table").inner_text() == orders
    assert _qty_columns(page.locator(".ntlab-positions table").inner_text()) == _qty_columns(
        positions
    )
    if action == "submit" and value == "-5":
        page.screenshot(path=shots / "console_bad_input.png", full_page=True)


def _qty_columns(table: str) -> list[list[str]]:
    """Symbol, qty and manual qty of each row (prices move with every bar, quantities must not)."""
    return [row.split("\t")[:3] for row in table.splitlines()]
