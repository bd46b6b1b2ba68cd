"""JWT: tokens for API keys, expiry, signatures, scopes; the per-key rate limit; binding."""

import time

import httpx
import jwt
import pytest

from ntlab.errors import ConfigError
from ntlab.server import ApiKey, KeyStore, ServerSettings
from tests.server.conftest import SECRET, running_server


def error(r):
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "status", "details"}
    assert body["error"]["status"] == r.status_code
    return body["error"]


def test_token_claims_scopes_and_expiry(server):
    r = httpx.post(f"{server.url}/auth/token", json={"api_key": server.secrets["trader"]})
    assert r.status_code == 200
    body = r.json()
    assert (
        body["token_type"] == "bearer"
        and body["scopes"] == ["trade"]
        and body["expires_in"] == 3600
    )
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    # iat is floored and exp ceiled, so the token lives at least its hour
    assert claims["sub"] == "trader" and claims["exp"] - claims["iat"] in (3600, 3601)
    narrower = httpx.post(
        f"{server.url}/auth/token", json={"api_key": server.secrets["admin"], "scopes": ["read"]}
    )
    assert narrower.json()["scopes"] == ["read"]
    wider = httpx.post(
        f"{server.url}/auth/token", json={"api_key": server.secrets["reader"], "scopes": ["admin"]}
    )
    assert wider.status_code == 403 and error(wider)["code"] == "forbidden"
    bad = httpx.post(f"{server.url}/auth/token", json={"api_key": "ntk_not-a-key-at-all"})
    assert bad.status_code == 401 and error(bad)["code"] == "invalid_api_key"


def test_every_endpoint_but_health_needs_a_token(server, api):
    spec = api.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        if path in ("/health", "/auth/token"):
            continue
        for method in ops:
            url = server.url + path.replace("{", "").replace("}", "")
            r = httpx.request(method.upper(), url)
            assert r.status_code == 401, (method, path, r.status_code)
            assert error(r)["code"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"


def test_expired_forged_and_malformed_tokens_are_401(server):
    before = time.time()
    short = httpx.post(
        f"{server.url}/auth/token", json={"api_key": server.secrets["reader"], "ttl": 3}
    ).json()
    assert short["expires_in"] == 3
    exp = jwt.decode(short["access_token"], SECRET, algorithms=["HS256"])["exp"]
    assert exp >= before + 3  # it lives at least its ttl
    ok = httpx.get(
        f"{server.url}/strategies", headers={"Authorization": f"Bearer {short['access_token']}"}
    )
    assert ok.status_code == 200 or time.time() >= exp, ok.text
    time.sleep(max(0.0, exp - time.time()) + 1.1)
    late = httpx.get(
        f"{server.url}/strategies", headers={"Authorization": f"Bearer {short['access_token']}"}
    )
    assert late.status_code == 401 and error(late)["code"] == "token_expired"
    now = int(time.time())
    forged = jwt.encode(
        {"sub": "admin", "scopes": ["admin"], "iat": now, "exp": now + 60},
        "y" * 40,
        algorithm="HS256",
    )
    r = httpx.get(f"{server.url}/strategies", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and error(r)["code"] == "invalid_token"
    none_alg = jwt.encode(
        {"sub": "admin", "scopes": ["admin"], "iat": now, "exp": now + 60}, None, algorithm="none"
    )
    assert (
        httpx.get(
            f"{server.url}/strategies", headers={"Authorization": f"Bearer {none_alg}"}
        ).status_code
        == 401
    )
    for header in ("Bearer", "Basic abc", "Bearer a.b.c", "token"):
        r = httpx.get(f"{server.url}/strategies", headers={"Authorization": header})
        assert r.status_code == 401, header


def test_scopes_read_trade_admin(server):
    with server.client("reader") as reader, server.client("trader") as trader:
        assert reader.get("/strategies").status_code == 200
        r = reader.post("/trading/start", json={"symbols": ["AAPL"], "max_position_size": 1000})
        assert r.status_code == 403 and "'trade' scope" in error(r)["message"]
        assert reader.delete("/orders/x").status_code == 403
        assert trader.get("/strategies").status_code == 200  # trade includes read
        r = trader.put("/risk/limits", json={"limits": {"maxLeverage": 1.0}})
        assert r.status_code == 403 and "'admin' scope" in error(r)["message"]
    assert len(server.ctx.sessions.all()) == 0 or all(
        s.session_id for s in server.ctx.sessions.all()
    )


def test_rate_limit_429_with_retry_after_per_key(tmp_path, monkeypatch):
    monkeypatch.setenv("NTLAB_HOME", str(tmp_path))
    with running_server(rate_limit="5/minute") as s:
        with s.client("reader") as reader, s.client("trader") as trader:
            codes = [reader.get("/strategies").status_code for _ in range(5)]
            assert codes == [200] * 5
            r = reader.get("/strategies")
            assert r.status_code == 429 and error(r)["code"] == "rate_limited"
            assert 1 <= int(r.headers["retry-after"]) <= 60
            assert trader.get("/strategies").status_code == 200  # the limit is per key
            assert httpx.get(f"{s.url}/health").status_code == 200  # the probe is not limited


def test_binding_wider_needs_a_jwt_secret():
    with pytest.raises(ConfigError, match="NTLAB_JWT_SECRET"):
        ServerSettings(host="0.0.0.0")
    assert ServerSettings(host="0.0.0.0", jwt_secret="z" * 40).host == "0.0.0.0"
    with pytest.raises(ConfigError, match="32 characters"):
        ServerSettings(jwt_secret="short").tokens()


def test_keys_are_stored_hashed(tmp_path):
    key, secret = ApiKey.create("alice", ("read", "trade"))
    store = KeyStore([key])
    store.save(tmp_path / "keys.json")
    text = (tmp_path / "keys.json").read_text()
    assert secret not in text and key.digest in text and secret not in repr(key)
    assert KeyStore.load(tmp_path / "keys.json").check(secret).name == "alice"


def test_json_logs_one_line_per_request_and_order_event_without_secrets(
    tmp_path, monkeypatch, caplog
):
    import json
    import logging

    monkeypatch.setenv("NTLAB_HOME", str(tmp_path))
    caplog.set_level(logging.INFO, logger="ntlab")
    with running_server(log_requests=True) as s:
        token = s.token("trader")
        with httpx.Client(base_url=s.url, headers={"Authorization": f"Bearer {token}"}) as c:
            c.post(
                "/trading/start",
                json={"symbols": ["AAPL"], "max_position_size": 5000, "replay_from": "2012-01-03"},
            )
            c.post("/trading/execute", json={"symbol": "AAPL", "side": "buy", "quantity": 2})
            c.get("/nope")
    lines = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name in ("ntlab.server.access", "ntlab.audit")
    ]
    requests = [x for x in lines if x["event"] == "request"]
    assert [(x["method"], x["endpoint"], x["status"]) for x in requests] == [
        ("POST", "/auth/token", 200), ("POST", "/trading/start", 200), ("POST", "/trading/execute", 200),
        ("GET", "unmatched", 404)]  # fmt: skip
    assert requests[2]["key"] == "trader" and requests[2]["ms"] > 0
    audit = [x for x in lines if x["event"] == "audit"]
    assert (
        len(audit) == 1
        and audit[0]["action"] == "place_order"
        and audit[0]["actor"] == "api-key:trader"
    )
    text = caplog.text
    assert token not in text and s.secrets["trader"] not in text and SECRET not in text
