"""REST API benchmark: ``ntlab server`` in its own process, called with a real HTTP client.

Run from the repository root: ``python -m benchmarks.api``.

The server is started as ``python -m ntlab.cli server`` (uvicorn, one worker) on
127.0.0.1 with a temporary ``NTLAB_HOME``, an API key and a rate limit high enough not
to interfere; the client is httpx with keep-alive in this process. For every seed
endpoint the table gives p50/p99 latency over N calls (after warm-up calls) next to the
seed's Python baseline and its target, and the same service function called directly
in-process (what the HTTP face adds is the difference). Throughput: T client threads,
each with its own connection, call ``/health`` and ``/trading/status`` for a fixed
number of calls. Client and server share this machine's cores.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks._common import write_results

START = {"strategies": ["momentum"], "symbols": ["AAPL", "MSFT", "IBM"], "risk_level": "high",
         "max_position_size": 40000, "replay_from": "2011-01-03"}  # fmt: skip
BACKTEST = {"strategy": "momentum", "data": "sample:stocks"}
TRAIN = {"symbols": ["AAPL", "MSFT", "IBM", "GOOG", "FB"], "start": "2012-03-01", "h": 5, "input_size": 30,
         "max_steps": 50, "model_id": "bench"}  # fmt: skip
FORECAST = {
    "model_id": "bench",
    "symbols": ["AAPL", "MSFT", "IBM", "GOOG", "FB"],
    "start": "2012-06-01",
}
HEADLINES = ["Apple beats estimates and raises its guidance", "Microsoft shares plunge after a downgrade",
             "IBM announces a new dividend", "Regulators open a probe into the merger"] * 5  # fmt: skip
RISK = {"spec": "sample:stocks", "symbols": "AAPL,MSFT,IBM"}

#: endpoint -> (seed Python p50 ms, seed target ms)
SEED = {
    "GET /health": (12, 1), "GET /trading/status": (35, 5), "POST /trading/start": (145, 20),
    "POST /trading/stop": (90, 10), "POST /trading/execute": (180, 20), "GET /portfolio/status": (28, 5),
    "POST /portfolio/rebalance": (450, 50), "POST /neural/forecast": (85, 40), "GET /risk/analysis": (320, 30),
    "POST /backtest/run": (8200, 2000), "POST /news/analyze": (250, 50),
}  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(home: Path) -> tuple[subprocess.Popen, str, str]:
    from ntlab.server.auth import ApiKey, KeyStore

    key, secret = ApiKey.create("bench", ("admin",))
    KeyStore([key]).save(home / "server" / "keys.json")
    port = _free_port()
    env = os.environ | {"NTLAB_HOME": str(home), "NTLAB_JWT_SECRET": "b" * 48,
                        "NTLAB_RATE_LIMIT": "100000000/minute", "PYTHONPATH": os.getcwd()}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "ntlab.cli", "server", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url, secret
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("ntlab server did not start: " + proc.stderr.read().decode()[-2000:])


PEER = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()

@app.get("/health")
async def health():
    return {"status": "ok"}

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


def _start_peer() -> tuple[subprocess.Popen, str]:
    """The framework floor: a bare FastAPI app with one async route on the same uvicorn."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", PEER, str(port)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the bare FastAPI peer did not start")


def _interleaved(a: Any, b: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Alternate two calls so both see the same machine load."""
    out_a, out_b = np.empty(n), np.empty(n)
    for i in range(n):
        for call, out in ((a, out_a), (b, out_b)):
            t0 = time.perf_counter()
            call()
            out[i] = (time.perf_counter() - t0) * 1e3
    return out_a, out_b


def _timed(call: Any, n: int, warmup: int = 3) -> np.ndarray:
    for _ in range(warmup):
        call()
    out = np.empty(n)
    for i in range(n):
        t0 = time.perf_counter()
        r = call()
        out[i] = (time.perf_counter() - t0) * 1e3
        if r is not None and getattr(r, "status_code", 200) >= 400:
            raise RuntimeError(
                f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:300]}"
            )
    return out


def _throughput(url: str, token: str, path: str, threads: int, calls: int) -> dict[str, float]:
    lat: list[np.ndarray] = []
    errors = []

    def worker() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
            c.get(path)
            try:
                lat.append(_timed(lambda: c.get(path), calls, warmup=0))
            except RuntimeError as exc:
                errors.append(str(exc))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(errors[0])
    all_ms = np.concatenate(lat)
    return {"ops_per_s": threads * calls / wall, "p50_ms": float(np.percentile(all_ms, 50)),
            "p99_ms": float(np.percentile(all_ms, 99))}  # fmt: skip


def _direct(tmp: Path) -> dict[str, np.ndarray]:
    """The same service functions in this process (no HTTP), on a session of their own."""
    os.environ["NTLAB_HOME"] = str(tmp / "direct")
    from ntlab.service import Context, backtest, orders, portfolio, risk, sessions, system

    ctx = Context()
    sid = sessions.start_session(sessions.StartRequest(**START), ctx)["session_id"]
    sessions.step_session(sessions.StepRequest(session_id=sid, bars=40), ctx)
    ref = sessions.SessionRef(session_id=sid)
    out = {
        "GET /health": _timed(system.health, 2000),
        "GET /trading/status": _timed(lambda: sessions.session_status(sessions.StatusRequest(session_id=sid), ctx), 300),
        "GET /portfolio/status": _timed(lambda: portfolio.portfolio_status(ref, ctx), 300),
        "POST /trading/execute": _timed(lambda: orders.place_order(
            orders.OrderBody(session_id=sid, symbol="MSFT", side="buy", quantity=1), ctx), 100),
        "GET /risk/analysis": _timed(lambda: risk.risk_analysis(risk.RiskRequest(symbols=["AAPL", "MSFT", "IBM"]), ctx), 20),
        "POST /backtest/run": _timed(lambda: backtest.run_backtest(backtest.BacktestRequest(**BACKTEST), ctx), 5, 1),
    }  # fmt: skip
    ctx.close()
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="ntlab-bench-api-"))
    proc, url, secret = _start_server(tmp / "server-home")
    peer, peer_url = _start_peer()
    try:
        token = httpx.post(url + "/auth/token", json={"api_key": secret}).json()["access_token"]
        c = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
        load_before = os.getloadavg()[0]
        job = c.post("/neural/train", json=TRAIN).json()
        while c.get(f"/jobs/{job['job_id']}").json()["state"] not in ("done", "failed"):
            time.sleep(0.5)  # nothing is timed while the server trains
        trained = c.get(f"/jobs/{job['job_id']}").json()
        sid = c.post("/trading/start", json=START).json()["session_id"]
        c.post(f"/sessions/{sid}/step", params={"bars": 40})
        starts: list[str] = []

        def start() -> httpx.Response:
            r = c.post("/trading/start", json=START)
            starts.append(r.json()["session_id"])
            return r

        side = iter(["buy", "sell"] * 10_000)
        p = httpx.Client(base_url=peer_url)
        for _ in range(20):
            c.get("/health"), p.get("/health")
        ours, floor = _interleaved(lambda: c.get("/health"), lambda: p.get("/health"), 2000)
        http = {
            "GET /health": ours,
            "GET /trading/status": _timed(lambda: c.get("/trading/status", params={"session_id": sid}), 300),
            "GET /portfolio/status": _timed(lambda: c.get("/portfolio/status", params={"session_id": sid}), 300),
            "POST /trading/execute": _timed(lambda: c.post("/trading/execute", json={
                "session_id": sid, "symbol": "MSFT", "side": next(side), "quantity": 1}), 200),
            "POST /portfolio/rebalance": _timed(lambda: c.post("/portfolio/rebalance", json={
                "session_id": sid, "target_weights": {"AAPL": 0.1, "MSFT": 0.1}}), 50),
            "POST /trading/start": _timed(start, 20, 1),
            "GET /risk/analysis": _timed(lambda: c.get("/risk/analysis", params=RISK), 20),
            "POST /backtest/run": _timed(lambda: c.post("/backtest/run", json=BACKTEST), 5, 1),
            "POST /news/analyze": _timed(lambda: c.post("/news/analyze", json={"headlines": HEADLINES}), 100),
        }  # fmt: skip
        stops = iter(starts)
        http["POST /trading/stop"] = _timed(
            lambda: c.post("/trading/stop", json={"session_id": next(stops)}), 15, 1
        )
        http["POST /neural/forecast"] = _timed(
            lambda: c.post("/neural/forecast", json=FORECAST), 50
        )
        tp = {path: _throughput(url, token, path + (f"?session_id={sid}" if "status" in path else ""), 8, 250)
              for path in ("/health", "/trading/status")}  # fmt: skip
        tp["/health on a bare FastAPI app (peer)"] = _throughput(peer_url, token, "/health", 8, 250)
        p.close()
        c.close()
        load_after = os.getloadavg()[0]
    finally:
        for pr in (proc, peer):
            pr.terminate()
            pr.wait(10)
    direct = _direct(tmp)
    rows = []
    for name, ms in http.items():
        py, target = SEED[name]
        p50, p99 = float(np.percentile(ms, 50)), float(np.percentile(ms, 99))
        d = direct.get(name)
        rows.append({
            "endpoint": name, "calls": len(ms), "p50_ms": p50, "p99_ms": p99,
            "seed_python_p50_ms": py, "seed_target_ms": target, "meets_target_p50": p50 <= target,
            "vs_seed_python": f"{py / p50:.1f}x faster" if p50 < py else f"{p50 / py:.1f}x slower",
            "direct_call_p50_ms": None if d is None else float(np.percentile(d, 50)),
        })  # fmt: skip
    rows.append({"endpoint": "peer: GET /health of a bare FastAPI app, same uvicorn (interleaved)", "calls": len(floor),
                 "p50_ms": float(np.percentile(floor, 50)), "p99_ms": float(np.percentile(floor, 99)),
                 "seed_target_ms": 1, "meets_target_p50": float(np.percentile(floor, 50)) <= 1})  # fmt: skip
    for path, t in tp.items():
        rows.append({"endpoint": f"throughput GET {path} (8 clients)", "calls": 2000, "p50_ms": t["p50_ms"],
                     "p99_ms": t["p99_ms"], "ops_per_s": t["ops_per_s"], "seed_target_ops_per_s": 2000,
                     "meets_target_p50": t["ops_per_s"] >= 2000 and t["p99_ms"] < 100})  # fmt: skip
    notes = (
        "ntlab server (uvicorn, 1 process) on 127.0.0.1; client: httpx with keep-alive, same machine (2 shared "
        "cores, other jobs running). Seed targets are the Rust port's targets from the seed's endpoint table; "
        "seed_python is its stated Python baseline (never verified). direct_call is the same ntlab.service "
        "function in-process, so p50 - direct is what JWT check, rate limit, validation, JSON and HTTP add. "
        f"Session: {START['symbols']} momentum, stepped 40 bars; /trading/execute alternates 1-share MSFT "
        f"buys and sells; /backtest/run is momentum on sample:stocks (3270 bars x 5 symbols, event engine); "
        f"/neural/forecast is NHITS (h=5, input 30, {TRAIN['max_steps']} training steps, trained in "
        f"{trained['result']['fit_seconds']:.1f} s on {trained['result']['device']}) for 5 symbols; "
        "The peer rows are a bare FastAPI app with one async route on the same uvicorn, called interleaved with "
        "ntlab's /health: what the framework and this machine cost before ntlab does anything. "
        "/news/analyze scores 20 headlines with VADER and the finance overlay. /risk/analysis includes a 10,000-path Monte Carlo VaR in its table. /trading/start opens a new "
        "session each call (data selection, strategy stream warmed on ~2,700 bars of history, a new SQLite "
        "journal). Throughput: 8 client threads in one Python process (the client's own CPU is part of the "
        f"limit). Load average of the machine: {load_before:.1f} before, {load_after:.1f} after (2 cores)."
    )
    write_results(
        "api",
        rows,
        title="ntlab server: REST latency per seed endpoint and throughput",
        notes=notes,
    )


if __name__ == "__main__":
    main()
