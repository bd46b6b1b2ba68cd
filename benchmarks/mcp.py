"""MCP tool-call latency of the light tools, through the SDK's own stdio client.

Run from the repository root: ``python -m benchmarks.mcp``.

``ntlab mcp`` runs as a subprocess (what a desktop assistant launches); the SDK's
``Client`` calls ``health``, ``get_portfolio_status`` (a stepped paper session on AAPL and
IBM, 20 bars in) and ``list_strategies``, round-robin, 1,000 calls each. Target (issue 18):
p99 under 10 ms through the stdio client. Peers in the same run, interleaved with it: the
same service functions called directly in this process (no protocol: the floor), the SDK
client against the same server in-process (protocol without a pipe), and streamable HTTP
on 127.0.0.1 (protocol over a socket).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._common import load_average, write_results

N = 1000
LIGHT = ("health", "get_portfolio_status", "list_strategies")
START = {"strategies": ["momentum"], "symbols": ["AAPL", "IBM"], "max_position_size": 20_000,
         "replay_from": "2012-01-03", "session_id": "bench"}  # fmt: skip


def _direct(ctx):
    from ntlab.service import portfolio, sessions, strategies, system

    sessions.start_session(sessions.StartRequest(**(START | {"session_id": "bench-direct"})), ctx)
    sessions.step_session(sessions.StepRequest(session_id="bench-direct", bars=20), ctx)
    ref = sessions.SessionRef(session_id="bench-direct")
    return {
        "health": lambda: _clock(system.health),
        "get_portfolio_status": lambda: _clock(lambda: portfolio.portfolio_status(ref, ctx)),
        "list_strategies": lambda: _clock(strategies.list_strategies),
    }


def _prepare(client):
    client.call("start_session", START)
    client.call("step_session", {"session_id": "bench", "bars": 20})


def _timed(faces: dict) -> dict:
    times = {(f, t): [] for f in faces for t in LIGHT}
    for fns in faces.values():  # warm-up
        for t in LIGHT:
            for _ in range(20):
                fns[t]()
    for _ in range(N):
        for f, fns in faces.items():
            for t in LIGHT:
                times[(f, t)].append(fns[t]())
    return times


def _via(client) -> dict:
    """Per tool: a call that returns the milliseconds of ``await Client.call_tool(...)``,
    timed inside the client's own event loop (the hop from this thread is not counted)."""
    _prepare(client)
    args = {"get_portfolio_status": {"session_id": "bench"}}

    async def timed(tool: str) -> float:
        t0 = time.perf_counter()
        result = await client.client.call_tool(tool, args.get(tool, {}))
        ms = (time.perf_counter() - t0) * 1000
        assert not result.is_error and result.structured_content, tool
        return ms

    return {t: (lambda t=t: client.run(timed(t))) for t in LIGHT}


def _clock(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    from ntlab.mcp.client import SyncClient, start_http, stdio_params, stop
    from ntlab.mcp.server import build_server
    from ntlab.service import Context

    home = Path(tempfile.mkdtemp(prefix="ntlab_mcp_bench_"))
    os.environ["NTLAB_HOME"] = str(home / "inproc")  # sessions of this process
    direct_ctx, inproc_ctx = Context(), Context()
    proc, url = start_http(home / "http")
    try:
        direct = _direct(direct_ctx)
        with (
            SyncClient(stdio_params(home / "stdio")) as stdio,
            SyncClient(url) as http,
            SyncClient(build_server(inproc_ctx)) as inproc,
        ):
            faces = {
                "stdio (subprocess)": _via(stdio),
                "in-process SDK client": _via(inproc),
                "streamable HTTP": _via(http),
                "direct service call (no MCP)": direct,
            }
            load_before = load_average()
            times = _timed(faces)
            load_after = load_average()
    finally:
        stop(proc)
        direct_ctx.close()
        inproc_ctx.close()
    rows = []
    for (f, t), ms in times.items():
        a = np.asarray(ms)
        p99 = float(np.percentile(a, 99))
        row = {"face": f, "tool": t, "calls": len(a), "p50_ms": float(np.median(a)), "p99_ms": p99,
               "max_ms": float(a.max())}  # fmt: skip
        if f.startswith("stdio"):
            row |= {"target": "p99 < 10 ms", "meets": p99 < 10.0}
        rows.append(row)
    base = {r["tool"]: r["p50_ms"] for r in rows if r["face"].startswith("stdio")}
    for r in rows:
        r["p50_vs_stdio"] = r["p50_ms"] / base[r["tool"]]
    write_results(
        "mcp",
        rows,
        title="ntlab mcp: light-tool call latency through the MCP SDK's client",
        notes=(
            f"{N} calls per tool and face, interleaved round-robin over the faces and tools in one run "
            "(after 20 warm-up calls each); each client call is timed around `await Client.call_tool` "
            "in the client's event loop. The light tools run on the server's event loop (no worker "
            "thread). get_portfolio_status reads a stepped paper session (momentum on "
            "AAPL and IBM, 20 bars in). Each call through a client includes JSON-RPC framing, the request "
            "model's validation, and the JSON result (text and structured). "
            "p50_vs_stdio: the face's median over the stdio median (below 1: faster). "
            f"Load average {load_before} when the timed calls began, {load_after} when they ended: "
            "the stdio and HTTP faces wait for two processes to be scheduled per call, so on a "
            "shared machine their latency is mostly queueing for a core."
        ),
    )


if __name__ == "__main__":
    main()
