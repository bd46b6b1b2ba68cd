"""More than 100 malformed requests: every one a 4xx in the one error shape, none a 500,
and nothing written (no session, job, model, journal event or file)."""

from pathlib import Path

import httpx
import pytest

from tests.server.conftest import running_server

START = {"strategies": ["momentum"], "symbols": ["AAPL", "MSFT"], "max_position_size": 20000,
         "replay_from": "2012-01-03"}  # fmt: skip
ORDER = {"symbol": "AAPL", "side": "buy", "quantity": 5}
BACKTEST = {"strategy": "momentum", "symbols": ["AAPL"], "start": "2012-01-01"}

BODY_ENDPOINTS = [("POST", "/trading/start"), ("POST", "/trading/execute"), ("POST", "/trading/stop"),
                  ("POST", "/portfolio/rebalance"), ("POST", "/neural/forecast"), ("POST", "/neural/train"),
                  ("POST", "/backtest/run"), ("POST", "/signals"), ("POST", "/strategies/check"),
                  ("POST", "/indicators/compute"), ("POST", "/research/sweep"), ("POST", "/research/walk-forward"),
                  ("POST", "/reports/notebook"), ("POST", "/risk/analysis"), ("POST", "/risk/var-backtest"),
                  ("PUT", "/risk/limits"), ("PATCH", "/orders/x"), ("POST", "/auth/token")]  # fmt: skip
RAW = [b"{not json", b'{"symbol": "AAPL",}', b"[1, 2, 3]", b'"a string"', b"\xff\xfe\x00", b"null"]


def cases():
    out = []
    for method, path in BODY_ENDPOINTS:
        for raw in RAW:
            if path == "/trading/stop" and raw == b"null":
                continue  # an empty body is a valid stop of the last session
            out.append(
                (method, path, {"content": raw, "headers": {"content-type": "application/json"}})
            )
    bad_orders = [{"quantity": "5"}, {"quantity": -5}, {"quantity": 0}, {"quantity": 1e20}, {"side": "hold"}, {"side": 1}, {"symbol": ""}, {"symbol": "NOPE"},
                  {"symbol": "AA PL"}, {"symbol": 7}, {"orderType": "limit"}, {"limitPrice": -1, "orderType": "limit"},
                  {"stopPrice": 10}, {"timeInForce": "forever"}, {"live": True}, {"quantity": True},
                  {"clientOrderId": ""}, {"session_id": "nope"}, {"quantity": None}]  # fmt: skip
    out += [("POST", "/trading/execute", {"json": ORDER | b}) for b in bad_orders]
    for token in (b"Infinity", b"NaN", b"-Infinity"):  # JSON extensions Python's parser accepts
        raw = b'{"symbol": "AAPL", "side": "buy", "quantity": ' + token + b"}"
        out.append(
            (
                "POST",
                "/trading/execute",
                {"content": raw, "headers": {"content-type": "application/json"}},
            )
        )
    out += [
        ("POST", "/trading/execute", {"json": {k: v for k, v in ORDER.items() if k != key}})
        for key in ORDER
    ]
    bad_starts = [{"strategies": ["nope"]}, {"symbols": []}, {"symbols": "AAPL"}, {"symbols": ["NOPE"]},
                  {"max_position_size": -1}, {"max_position_size": 0}, {"max_position_size": "big"},
                  {"risk_level": "yolo"}, {"stop_loss_percentage": 1.5}, {"take_profit_percentage": -0.1},
                  {"use_gpu": "yes"}, {"live": True}, {"data": "file:/etc/passwd"}, {"data": "sample:nope"},
                  {"cash": -5}, {"replay_from": "2011-01-01T00:00"}, {"broker": "alpaca"},
                  {"session_id": "../../etc"}, {"strategy_params": {"momentum": {"lookback": "x"}}},
                  {"strategy_params": {"momentum": {"nope": 1}}}, {"strategy_params": {"pairs": {}}},
                  {"limits": {"maxLeverage": -1}}, {"limits": {"bogus": 1}}, {"bar_interval": -1},
                  {"max_bars": 0}]  # fmt: skip
    out += [("POST", "/trading/start", {"json": START | b}) for b in bad_starts]
    bad_backtests = [{"strategy": "nope"}, {"strategy": "pkg.mod:Evil"}, {"params": {"lookback": -3}},
                     {"params": {"lookback": "x"}}, {"params": {"nope": 1}}, {"symbols": ["NOPE"]},
                     {"fees": -0.1}, {"fees": 2}, {"init_cash": 0}, {"engine": "magic"},
                     {"start": "2013-01-01", "end": "2012-01-01"}, {"start": "yesterday"},
                     {"limits": {"maxPositionFraction": "a lot"}}, {"data": "/etc/passwd"}, {"symbols": []}]  # fmt: skip
    out += [("POST", "/backtest/run", {"json": BACKTEST | b}) for b in bad_backtests]
    out += [("POST", "/research/sweep", {"json": BACKTEST | b}) for b in
            [{"grid": {}}, {"grid": {"nope": [1, 2]}}, {"grid": {"lookback": [-1, -2]}}, {"metric": "luck"},
             {"grid": {"lookback": 5}}]]  # fmt: skip
    out += [("POST", "/research/walk-forward", {"json": BACKTEST | {"grid": {"lookback": [10]}} | b}) for b in
            [{"train": 5, "test": 2}, {"train": 100000, "test": 100}, {"test": 1, "train": 50}]]  # fmt: skip
    out += [("POST", "/indicators/compute", {"json": {"indicator": i, "symbols": ["AAPL"]} | p}) for i, p in
            [("nope", {}), ("rsi", {"params": {"window": -3}}), ("rsi", {"params": {"span": 3}}),
             ("rsi", {"params": {"window": "x"}}), ("rolling_corr", {}), ("rsi", {"limit": 0})]]  # fmt: skip
    out += [
        ("POST", "/signals", {"json": {"strategy": "momentum"} | b})
        for b in [{"mode": "all"}, {"symbols": ["NOPE"]}, {"limit": -1}, {"strategy": ""}]
    ]
    out += [
        ("POST", "/neural/forecast", {"json": b})
        for b in [
            {"model_id": "nope"},
            {},
            {"model_id": "x", "inputs": []},
            {
                "model_id": "x",
                "inputs": [{"symbol": "A", "historicalPrices": [1], "timestamps": [1]}],
            },
        ]
    ]
    out += [
        ("POST", "/neural/train", {"json": b})
        for b in [
            {"model": "gpt"},
            {"h": 0},
            {"input_size": -1},
            {"symbols": ["NOPE"]},
            {"model_id": "../x"},
        ]
    ]
    out += [
        ("POST", "/risk/analysis", {"json": b})
        for b in [
            {"weights": {"NOPE": 1}},
            {"method": "vibes"},
            {"symbols": ["NOPE"]},
            {"n_paths": 1},
        ]
    ]
    out += [
        ("POST", "/risk/var-backtest", {"json": b})
        for b in [
            {"level": 1.5},
            {"window": 2},
            {"symbols": ["AAPL"], "start": "2013-01-01", "window": 250},
        ]
    ]
    out += [
        ("PUT", "/risk/limits", {"json": b})
        for b in [{"limits": {}}, {"limits": {"maxLeverage": -2}}]
    ]
    out += [
        ("POST", "/portfolio/rebalance", {"json": b})
        for b in [
            {"target_weights": {}},
            {"target_weights": {"NOPE": 0.5}},
            {"target_weights": {"AAPL": "half"}},
        ]
    ]
    out += [
        ("POST", "/reports/notebook", {"json": b})
        for b in [
            {"notebook": "../../etc/passwd"},
            {"notebook": "nope"},
            {"notebook": "quickstart", "timeout": -1},
        ]
    ]
    out += [("GET", path, {}) for path in
            ["/data/bars?symbols=NOPE", "/data/bars?limit=0", "/data/bars?limit=abc", "/data/bars?spec=file:/etc/passwd",
             "/data/bars?start=2013-01-01&end=2000-01-01", "/risk/analysis?method=vibes", "/risk/analysis?symbols=NOPE",
             "/strategies/nope", "/orders/nope", "/jobs/nope", "/sessions/nope", "/sessions/nope/journal",
             "/orders?status=weird", "/fills?limit=-1", "/trading/status?session_id=nope", "/nope"]]  # fmt: skip
    out += [("DELETE", "/orders/nope", {}), ("DELETE", "/jobs/nope", {}), ("POST", "/sessions/nope/step", {}),
            ("POST", "/sessions/x/step?bars=0", {}), ("PATCH", "/orders/nope", {"json": {"quantity": 2}}),
            ("PATCH", "/orders/nope", {"json": {"quantity": -2}}), ("PUT", "/health", {}),
            ("POST", "/auth/token", {"json": {"api_key": "short"}})]  # fmt: skip
    return out


CASES = cases()


def snapshot(home: Path, server) -> dict:
    files = {
        str(p.relative_to(home)): p.stat().st_size
        for p in home.rglob("*")
        if p.is_file() and p.suffix != ".db-shm"
    }
    events = sum(
        len(s.journal.events()) for s in server.ctx.sessions.all() if s.journal is not None
    )
    return {"files": files, "events": events, "sessions": len(server.ctx.sessions.all()),
            "jobs": len(server.ctx.jobs.list()), "models": len(server.ctx.models)}  # fmt: skip


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("NTLAB_HOME", str(home))
    with running_server() as s:
        with s.client("admin") as c:
            r = c.post("/trading/start", json=START)
            assert r.status_code == 200, r.text
            c.post(f"/sessions/{r.json()['session_id']}/step", params={"bars": 3})
        yield s, home
    mp.undo()


def test_there_are_more_than_100_cases():
    assert len(CASES) >= 100, len(CASES)


def test_malformed_requests_get_4xx_and_write_nothing(target):
    server, home = target
    before = snapshot(home, server)
    failures = []
    with server.client("admin") as c:
        for method, path, kw in CASES:
            r = c.request(method, path, **kw)
            ok = 400 <= r.status_code < 500
            try:
                body = r.json()["error"]
                ok = ok and body["status"] == r.status_code and body["message"] and body["code"]
            except (ValueError, KeyError, TypeError):
                ok = False
            if not ok:
                failures.append((method, path, kw, r.status_code, r.text[:300]))
    for f in failures:
        print("FAIL", f[0], f[1], f[2], f[3], f[4][:200])
    assert failures == []
    assert snapshot(home, server) == before


def test_error_messages_say_what_was_wrong(target):
    server, _ = target
    with server.client("admin") as c:
        e = c.post("/trading/execute", json=ORDER | {"quantity": -5}).json()["error"]
        assert e["code"] == "invalid_request" and e["message"].startswith("quantity:")
        e = c.post("/backtest/run", json=BACKTEST | {"strategy": "nope"}).json()["error"]
        assert e["code"] == "invalid_parameter" and "unknown strategy 'nope'" in e["message"]
        e = c.post("/trading/execute", json=ORDER | {"symbol": "NOPE"}).json()["error"]
        assert e["code"] == "unknown_symbol" and "NOPE" in e["message"]
        e = c.post(
            "/trading/execute", content=b"{x", headers={"content-type": "application/json"}
        ).json()["error"]
        assert e["code"] == "malformed_json"
        r = httpx.get(f"{server.url}/jobs/nope")
        assert r.status_code == 401  # auth comes before the lookup
