"""Page load to first chart of the live monitor, with a paper TradingSession replaying in
the server's background thread, against the same page with no session (the baseline).

Real parts only: ``panel serve console monitor`` as ``ntlab serve`` runs it, headless
Chromium driven by Playwright. The console starts a momentum session on three symbols
(the server replays a bar every 0.25 s); each sample opens a fresh page on ``/monitor``
and times ``goto`` until the equity chart's data source holds points and its canvas is
drawn. Interleaved: idle and running samples alternate around a stop/start.

    python -m benchmarks.dashboard_load [--n 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._common import write_results

TARGET_S = 3.0


def _first_chart_s(browser, base: str, *, points: bool) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    t0 = time.perf_counter()
    page.goto(base + "/monitor")
    page.locator(".ntlab-monitor-equity canvas").first.wait_for(state="visible")
    if points:
        page.wait_for_function(
            """() => { for (const d of Bokeh.documents) for (const m of d.all_models) {
                const x = m.data; if (!x) continue; const c = x instanceof Map ? x.get('equity') : x['equity'];
                if (c && c.length > 0) return true; } return false; }"""
        )
    took = time.perf_counter() - t0
    context.close()
    return took


def _console(browser, base: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base + "/console")
    page.locator(".ntlab-session p").wait_for()
    return context, page


def _start(page) -> None:
    field = page.locator(".ntlab-symbols input")
    field.fill("AAPL, MSFT, IBM")
    field.press("Tab")
    page.locator(".ntlab-start button").click()
    page.locator(".ntlab-message").get_by_text("started").wait_for()


def _stop(page) -> None:
    page.locator(".ntlab-stop button").click()
    page.locator(".ntlab-message").get_by_text("stopped").wait_for()


def measure(n: int = 5) -> list[dict]:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, panel_serve, serve

    idle, running = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = {"NTLAB_HOME": tmp, "RAY_USAGE_STATS_ENABLED": "0"}
        log = Path(tmp) / "server.log"
        with serve(panel_serve("console", "monitor"), "/console", log, env) as base:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                context, console = _console(browser, base)
                _first_chart_s(browser, base, points=False)  # the first page builds the session
                for k in range(n):
                    idle.append(_first_chart_s(browser, base, points=False))
                    _start(console)
                    time.sleep(1.0)  # a few bars replayed
                    running.append(_first_chart_s(browser, base, points=True))
                    print(
                        f"sample {k + 1}: idle {idle[-1]:.2f} s, session running {running[-1]:.2f} s"
                    )
                    _stop(console)
                context.close()
                browser.close()
    rows = []
    for what, xs in (("no session", idle), ("session running", running)):
        rows.append({
            "monitor page": what, "samples": len(xs), "median_s": statistics.median(xs),
            "max_s": max(xs), "target_s": TARGET_S, "median / target": statistics.median(xs) / TARGET_S,
        })  # fmt: skip
    rows[1]["running / idle (median)"] = rows[1]["median_s"] / rows[0]["median_s"]
    return rows


_FIRST_START = """
import time
from ntlab.data import load_sample
from ntlab.live import ReplayMarket, SessionSettings, TradingSession
s = TradingSession(ReplayMarket(load_sample("stocks")), SessionSettings(folder={folder!r}))
t0 = time.perf_counter()
s.start({{"strategies": ["momentum"], "symbols": ["AAPL", "MSFT", "IBM"], "risk_level": "medium",
         "max_position_size": 100000}})
s.step(1)
print(time.perf_counter() - t0)
s.stop()
"""


def first_start_s(*, cold: bool) -> float:
    """Seconds a fresh process takes to start a momentum session and process its first bar:
    with an empty numba cache (``cold``: every session kernel compiles) or the usual one.
    This is how long the session is held (and, before the fix, every page of the server)."""
    import os
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        if cold:
            env["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba")
        code = _FIRST_START.format(folder=str(Path(tmp) / "session"))
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True, timeout=900)  # fmt: skip
        return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5)
    args = parser.parse_args()
    rows = measure(args.n)
    cold, warm = first_start_s(cold=True), first_start_s(cold=False)
    rows.append({"monitor page": "first start + bar, empty numba cache (s)", "median_s": cold})
    rows.append({"monitor page": "first start + bar, warm numba cache (s)", "median_s": warm})
    write_results(
        "dashboard_load",
        rows,
        title="Live monitor: page load to first chart (s), with and without a session replaying",
        notes="panel serve console monitor (as `ntlab serve`), headless Chromium via Playwright; "
        "momentum on AAPL, MSFT, IBM, one bar per 0.25 s; samples interleaved.",
    )


if __name__ == "__main__":
    main()
