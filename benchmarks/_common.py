"""Shared benchmark helpers: best-of-N timing and writing result tables (JSON + Markdown)."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"

__all__ = ["best_time", "interleaved_best", "load_average", "write_results", "machine_facts"]


def best_time(fn: Callable[[], Any], *, repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls, over ``repeat`` rounds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def interleaved_best(fns: dict[str, Callable[[], Any]], rounds: int = 5) -> dict[str, float]:
    """Best wall time of each function over ``rounds`` rounds that run them in turn.

    One warm-up call each first. On a shared machine the load drifts from second to second;
    taking turns exposes every contender to the same conditions, so the ratios between them
    are fairer than timing one after the other.
    """
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def load_average() -> str:
    """The 1-minute load average and the core count, as a benchmark note states them."""
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def machine_facts() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, rows: list[dict[str, Any]], *, title: str, notes: str = "") -> Path:
    """Write ``rows`` to ``results/<name>.json`` and a Markdown table to ``results/<name>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "title": title,
        "machine": machine_facts(),
        "notes": notes,
        "rows": rows,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=float))
    cols = list(dict.fromkeys(k for row in rows for k in row))
    lines = [f"# {title}", "", f"Machine: {payload['machine']}", ""]
    if notes:
        lines += [notes, ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    for row in rows:
        cells = []
        for c in cols:
            v = row.get(c, "")
            cells.append(f"{v:.4g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    path = RESULTS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return path
