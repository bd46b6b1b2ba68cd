"""Keys go only to the configured venue: a non-local, non-paper URL is live (opt-in needed),
an exchange's status cannot redirect the session's keys, and ``ntlab exchange`` neither
takes keys on its command line nor prints them."""

import subprocess
import sys

import pytest

from ntlab.cli import main
from ntlab.errors import ConfigError
from ntlab.exchange.serving import serve_in_thread
from ntlab.execution.alpaca import LIVE_CONFIRMATION, AlpacaClient, venue_of
from ntlab.live.markets import exchange_market


@pytest.fixture
def env_keys(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", "env-key-123")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "env-secret-456")
    monkeypatch.delenv("NTLAB_ALLOW_LIVE", raising=False)


@pytest.mark.parametrize(
    "url, kind",
    [("http://127.0.0.1:8765", "local"), ("http://localhost:1", "local"), ("ws://[::1]:9/stream", "local"),
     ("https://paper-api.alpaca.markets", "paper"), ("https://api.alpaca.markets", "live"),
     ("https://paper-api.alpaca.markets.evil.example", "live"), ("http://10.0.0.5:8765", "live")],
)  # fmt: skip
def test_venue_of(url, kind):
    assert venue_of(url) == kind


@pytest.mark.parametrize("kw", [{"url_override": "https://api.alpaca.markets"},
                                {"stream_url": "wss://api.alpaca.markets/stream"},
                                {"url_override": "http://192.168.1.20:8765"}])  # fmt: skip
def test_a_live_url_needs_the_opt_in_whatever_the_paper_flag_says(env_keys, monkeypatch, kw):
    with pytest.raises(
        ConfigError, match="is neither this machine nor Alpaca's paper host, so it is live"
    ):
        AlpacaClient(**kw)
    monkeypatch.setenv("NTLAB_ALLOW_LIVE", "1")
    with pytest.raises(ConfigError, match="live trading is off"):
        AlpacaClient(**kw)  # the opt-in alone is not enough: the confirmation too
    client = AlpacaClient(**kw, confirm_live=LIVE_CONFIRMATION)
    assert client.paper is False


def test_paper_and_local_urls_need_no_opt_in(env_keys):
    assert AlpacaClient(url_override="https://paper-api.alpaca.markets").paper is True
    assert AlpacaClient(url_override="http://127.0.0.1:9").paper is True


def _status_server(urls: dict, seen: list):
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def status(request):
        seen.append(dict(request.headers))
        return JSONResponse({"urls": urls, "symbols": ["AAPL"], "finished": False})

    async def anything(request):
        seen.append(dict(request.headers))
        return JSONResponse({}, status_code=404)

    return Starlette(routes=[Route("/ntlab/status", status), Route("/{p:path}", anything)])


@pytest.mark.parametrize("point", ["remote", "other-port"])
def test_an_exchange_status_cannot_send_the_keys_elsewhere(env_keys, point):
    seen: list = []
    urls: dict = {}
    with serve_in_thread(_status_server(urls, seen)) as base:
        other = "http://203.0.113.7:8765" if point == "remote" else "http://127.0.0.1:9"
        urls.update(
            rest=other, trade_stream="ws://127.0.0.1:9/stream", data_stream="ws://127.0.0.1:9"
        )
        with pytest.raises(ConfigError, match="keys|not on this machine"):
            exchange_market(base)
    assert seen and all("apca-api-key-id" not in h for h in seen)


def test_exchange_url_must_be_local(env_keys):
    with pytest.raises(ConfigError, match="not on this machine"):
        exchange_market("https://api.alpaca.markets")


def test_ntlab_exchange_takes_keys_from_env_or_file_and_never_prints_them(
    env_keys, tmp_path, capsys
):
    args = ["exchange", "--symbols", "AAPL", "--port", "0", "--speed", "0", "--duration", "0.2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "from ALPACA_API_KEY / ALPACA_SECRET_KEY" in out
    assert "env-key-123" not in out and "env-secret-456" not in out
    keys = tmp_path / "keys"
    keys.write_text("file-key-789\nfile-secret-000\n")
    keys.chmod(0o600)
    assert main([*args, "--keys-file", str(keys)]) == 0
    out = capsys.readouterr().out
    assert f"from {keys}" in out and "file-key" not in out and "file-secret" not in out


def test_ntlab_exchange_refuses_keys_on_the_command_line():
    r = subprocess.run([sys.executable, "-m", "ntlab.cli", "exchange", "--key", "k", "--secret", "s"],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode == 2 and "unrecognized arguments" in r.stderr


@pytest.mark.parametrize(
    "flag, value",
    [("--cash", "nan"), ("--cash", "-100"), ("--cash", "0"), ("--leverage", "-1"), ("--leverage", "inf"),
     ("--speed", "nan"), ("--speed", "-2"), ("--commission", "1.5"), ("--slippage", "-0.1"),
     ("--port", "70000"), ("--port", "-1"), ("--duration", "0")],
)  # fmt: skip
def test_ntlab_exchange_refuses_bad_numbers_in_one_line(flag, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["exchange", flag, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"argument {flag}" in err[-1] and value in err[-1]


def test_a_bad_keys_file_is_refused(tmp_path, capsys):
    bad = tmp_path / "keys"
    bad.write_text("only-a-key\n")
    assert main(["exchange", "--keys-file", str(bad), "--port", "0", "--duration", "0.1"]) == 2
    assert "must hold 2 non-empty lines" in capsys.readouterr().err
