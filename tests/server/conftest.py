"""A real uvicorn server in this process on 127.0.0.1 (a free port), called with httpx."""

from contextlib import contextmanager

import httpx
import pytest

from ntlab.exchange.serving import serve_in_thread
from ntlab.server import ApiKey, KeyStore, ServerSettings, create_app
from ntlab.service import Context

SECRET = "test-secret-" + "x" * 40


@contextmanager
def running_server(rate_limit="100000/minute", ttl=3600.0, log_requests=False, **ctx_options):
    keys, secrets = [], {}
    for name, scopes in (("reader", ("read",)), ("trader", ("trade",)), ("admin", ("admin",))):
        key, secret = ApiKey.create(name, scopes)
        keys.append(key)
        secrets[name] = secret
    settings = ServerSettings(
        jwt_secret=SECRET,
        token_ttl=ttl,
        rate_limit=rate_limit,
        keys=KeyStore(keys),
        log_requests=log_requests,
    )
    ctx = Context(**ctx_options)
    app = create_app(settings, ctx)
    try:
        with serve_in_thread(app) as url:
            yield Server(url, secrets, ctx, app)
    finally:
        ctx.close()


class Server:
    def __init__(self, url, secrets, ctx, app):
        self.url, self.secrets, self.ctx, self.app = url, secrets, ctx, app
        self._tokens = {}

    def token(self, who="admin", **extra):
        r = httpx.post(f"{self.url}/auth/token", json={"api_key": self.secrets[who], **extra})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def client(self, who="admin", timeout=120.0):
        if who not in self._tokens:
            self._tokens[who] = self.token(who)
        headers = {"Authorization": f"Bearer {self._tokens[who]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)


@pytest.fixture(scope="module")
def server(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("NTLAB_HOME", str(tmp_path_factory.mktemp("home")))
    with running_server() as s:
        yield s


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def api(server):
    with server.client("admin") as c:
        yield c
