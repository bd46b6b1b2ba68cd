"""``ntlab serve``: local by default, and never wider without authentication."""

from __future__ import annotations

import pytest

from ntlab.cli import main
from ntlab.cli.serve import dashboards_dir, panel_args, resolve_apps
from ntlab.errors import ConfigError


def test_apps_resolve_to_the_dashboard_files(tmp_path):
    folder = dashboards_dir()
    assert resolve_apps(["explorer"]) == [folder / "explorer.py"]
    assert resolve_apps(["all", "console"]) == [
        folder / f"{a}.py" for a in ("explorer", "console", "monitor")
    ]
    own = tmp_path / "mine.py"
    own.write_text("")
    assert resolve_apps([str(own)]) == [own.resolve()]
    with pytest.raises(ConfigError, match="unknown app 'nope'"):
        resolve_apps(["nope"])
    with pytest.raises(ConfigError, match="not found"):
        resolve_apps([str(tmp_path / "missing.py")])


def test_local_by_default_and_warm():
    args = panel_args(resolve_apps(["explorer"]), port=5999)
    assert args[:2] == ["serve", str(dashboards_dir() / "explorer.py")]
    assert (
        args[args.index("--address") + 1] == "127.0.0.1"
        and "--warm" in args
        and "--basic-auth" not in args
    )
    assert "127.0.0.1:5999" in args and "localhost:5999" in args


def test_wider_binding_needs_a_password():
    apps = resolve_apps(["monitor"])
    with pytest.raises(
        ConfigError, match="refusing to serve on 0.0.0.0 without authentication.*--basic-auth"
    ):
        panel_args(apps, address="0.0.0.0")
    with pytest.raises(ConfigError, match="at least 8 characters"):
        panel_args(apps, address="0.0.0.0", password="short")
    args = panel_args(apps, address="0.0.0.0", password="correct horse", cookie_secret="s3cret")
    assert args[args.index("--basic-auth") + 1] == "correct horse"
    assert args[args.index("--cookie-secret") + 1] == "s3cret"
    generated = panel_args(apps, address="0.0.0.0", password="correct horse")
    assert len(generated[generated.index("--cookie-secret") + 1]) >= 32


def test_command_line_refuses_and_never_prints_the_password(monkeypatch, capsys):
    assert main(["serve", "explorer", "--address", "0.0.0.0"]) == 2
    assert "refusing to serve on 0.0.0.0 without authentication" in capsys.readouterr().err
    monkeypatch.delenv("NTLAB_DASHBOARD_PASSWORD", raising=False)
    assert main(["serve", "explorer", "--address", "0.0.0.0", "--basic-auth"]) == 2
    assert "$NTLAB_DASHBOARD_PASSWORD; it is unset" in capsys.readouterr().err
    monkeypatch.setenv("NTLAB_DASHBOARD_PASSWORD", "correct horse battery")
    assert (
        main(["serve", "explorer", "--address", "0.0.0.0", "--basic-auth", "--print-command"]) == 0
    )
    out = capsys.readouterr().out
    assert "--basic-auth *** --cookie-secret ***" in out and "correct horse" not in out


@pytest.mark.parametrize("origin", ["*", "*.example.com:5006", " "])
def test_a_wildcard_websocket_origin_is_refused(origin):
    with pytest.raises(ConfigError, match="would let any web page drive the dashboards"):
        panel_args(resolve_apps(["explorer"]), origins=[origin])
