"""Regenerate README's performance table from ``benchmarks/results/*.json``.

Run from the repository root: ``python tools/perf_table.py`` (``--check`` exits 1 when the
README is out of date). Every cell comes from a results file: the figure, what it is set
against in the same run (a peer, a floor or the one-core path), the ratio, the target, and
the load average the file records. Nothing here is typed by hand.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _row(payload: dict, pick: Callable[[dict], bool]) -> dict | None:
    return next((r for r in payload["rows"] if pick(r)), None)


def _load_avg(payload: dict) -> str:
    m = re.search(r"[Ll]oad average[^0-9]*([0-9.]+ on \d+ CPUs)", payload.get("notes", ""))
    return m.group(1) if m else "?"


def _num(x: float, unit: str = "") -> str:
    if x >= 100:
        text = f"{x:,.0f}"
    elif x >= 10:
        text = f"{x:.1f}"
    else:
        text = f"{x:.2f}"
    return text + unit


def _met(flag) -> str:
    return "" if flag is None else ("met" if flag else "**not met**")


def lines() -> list[str]:
    out = ["| figure | ntlab | against (same run) | ratio | target | | load | file |",
           "|---|---|---|---|---|---|---|---|"]  # fmt: skip

    def add(name, figure, ours, against, ratio, target="", met=None):
        payload = _load(name)
        out.append(f"| {figure} | {ours} | {against} | {ratio} | {target} | {_met(met)} | "
                   f"{_load_avg(payload)} | [{name}.md](benchmarks/results/{name}.md) |")  # fmt: skip

    live = _load("live")
    if live:
        lat = _row(live, lambda r: r["task"].strip().startswith("decision latency"))
        cpu = _row(live, lambda r: "CPU time" in r["task"])
        idle = _row(live, lambda r: r["task"].startswith("idle session"))
        floor = _row(live, lambda r: "python + numpy" in r["task"])
        above = _row(live, lambda r: "above that floor" in r["task"])
        loop = _row(live, lambda r: r["task"].startswith("TradingSession, full loop"))
        peer = _row(live, lambda r: r["task"].startswith("peer: backtrader"))
        if loop and peer:
            add("live", "paper session, 524 symbols, full loop", _num(loop["events_per_s"], " events/s"),
                f"backtrader event loop {_num(peer['events_per_s'], ' events/s')}",
                f"{peer['speedup']:.1f}x", ">= 100,000 events/s", loop.get("meets"))  # fmt: skip
        if lat:
            add("live", "decision p99, 524 symbols (wall clock)", _num(lat["p99_ms"], " ms"),
                f"p50 {_num(lat['p50_ms'], ' ms')}", "", "< 3 ms", lat.get("meets"))  # fmt: skip
        if cpu:
            add("live", "decision p99, 524 symbols (CPU time)", _num(cpu["p99_ms"], " ms"),
                f"p50 {_num(cpu['p50_ms'], ' ms')}", "", "< 3 ms", cpu.get("meets"))  # fmt: skip
        if idle and floor:
            extra = above["rss_mb"] if above else idle["rss_mb"] - floor["rss_mb"]
            add("live", "idle session RSS", _num(idle["rss_mb"], " MB"),
                f"floor (Python+numpy+pandas+numba) {_num(floor['rss_mb'], ' MB')}",
                f"+{_num(extra, ' MB')}", "<= +30 MB", above.get("meets") if above else None)  # fmt: skip
    risk = _load("risk")
    if risk:
        full = _row(risk, lambda r: r["task"].startswith("full analysis"))
        if full:
            add("risk", "full 500-position analysis, MC 10k paths", _num(full["ntlab_ms"], " ms"),
                f"{full['peer']}: {_num(full['peer_ms'], ' ms')}", f"{full['speedup']:.2f}x",
                "< 15 ms", full.get("meets_target"))  # fmt: skip
    par = _load("parallel")
    if par:
        one = _row(par, lambda r: "1 worker (today" in r["engine"])
        for r in par["rows"]:
            if "warm pool" in r["engine"] and one:
                add("parallel", f"1,225-pair sweep, {r['cores']} workers", _num(r["seconds"], " s"),
                    f"1 worker: {_num(one['seconds'], ' s')}", f"{r['speedup']:.2f}x "
                    f"({r['per_core']:.2f} per core)", ">= 1.8x on 2 cores",
                    r["speedup"] >= 1.8 if r["cores"] == 2 else None)  # fmt: skip
        for r in par["rows"]:
            if r["work"] == "Ray sweeps":  # the cluster did not start in that run
                add("parallel", "Ray sweep vs 1 local worker", r["engine"], "", "", "", None)
            if "on Ray" in r["engine"]:
                add("parallel", f"Ray sweep: {r['work']}", _num(r["seconds"], " s"),
                    "1 worker, here", f"{r['ray_vs_local']:.2f}x", "", None)  # fmt: skip
    bt = _load("backtest")
    if bt:
        ev = _row(bt, lambda r: r["engine"] == "ntlab event (guard off)" and r["symbols"] == 100)
        vbt = _row(bt, lambda r: r["engine"] == "vectorbt full pipeline")
        if ev and vbt:
            add("backtest", "SMA 20/50, 2520 x 100, end to end", _num(ev["bars_per_s"] / 1e6, " M bars/s"),
                f"vectorbt {_num(vbt['bars_per_s'] / 1e6, ' M bars/s')}", f"{ev['vs_vectorbt']:.1f}x")  # fmt: skip
        for r in bt["rows"]:
            small = _row(
                bt,
                lambda x, w=r["work"]: x["engine"] == "ntlab event (guard off)" and x["work"] == w,
            )
            if r["symbols"] == 5 and r["engine"] != "ntlab event (guard off)" and small:
                peer = r["engine"]
                trades = (
                    f", {r['trades']} trades, equity {r['final_equity']:,.0f}"
                    if r.get("trades")
                    else ""
                )
                ours = f"{_num(small['bars_per_s'] / 1e3, ' k bars/s')}"
                if small.get("trades"):
                    ours += f", {small['trades']} trades, equity {small['final_equity']:,.0f}"
                add("backtest", f"SMA 20/50, 2520 x 5 vs {peer}", ours,
                    f"{_num(r['bars_per_s'] / 1e3, ' k bars/s')}{trades}",
                    f"{small['bars_per_s'] / r['bars_per_s']:.0f}x")  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} ... {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + START + "\n" + "\n".join(lines()) + "\n" + END + tail
    if "--check" in argv:
        return 0 if new == text else 1
    readme.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
