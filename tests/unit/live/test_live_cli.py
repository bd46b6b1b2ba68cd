"""``ntlab paper`` and ``ntlab exchange`` from the command line, and the config files they read."""

from pathlib import Path

import pytest

from ntlab.cli import main
from ntlab.errors import ConfigError
from ntlab.live import load_config
from ntlab.live.markets import LocalExchangeMarket, ReplayMarket

EXAMPLE = Path(__file__).resolve().parents[3] / "data" / "paper_session.example.json"


def test_the_example_config_runs_with_ntlab_paper(tmp_path, capsys):
    args = ["paper", str(EXAMPLE), "--folder", str(tmp_path), "--session-id", "example"]
    assert main([*args, "--max-bars", "60", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "session example started: momentum on 3 symbols, broker sim" in out
    assert "state: finished" not in out and "state: stopped after 60 bars" in out
    assert (tmp_path / "journal.db").exists() and (tmp_path / "decisions.jsonl").exists()
    # its SimClient died with that run: the same session cannot be resumed (the exchange's can)
    assert main([*args, "--max-bars", "5"]) == 2
    assert "cannot be resumed" in capsys.readouterr().err


def test_paper_on_the_local_exchange_in_process(tmp_path, capsys):
    config = tmp_path / "ex.toml"
    config.write_text(
        'strategies = ["momentum"]\nsymbols = ["AAPL", "MSFT"]\nrisk_level = "high"\nmax_position_size = 30000\n'
        'data = "sample:stocks"\nreplay_from = "2012-01-03"\nbroker = "exchange"\nmax_bars = 15\n'
        f'session_id = "toml"\nfolder = "{tmp_path / "s"}"\n[policy.commission]\npct = 0.0\n'
    )
    cfg = load_config(config)
    assert (
        isinstance(cfg.market(), LocalExchangeMarket) and cfg.execution_policy().commission.pct == 0
    )
    assert main(["paper", str(config), "--no-progress"]) == 0
    assert "broker exchange" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"symbols": ["AAPL"], "colour": "red"}', r"unknown key\(s\) \['colour'\]"),
        ('{"symbols": ["AAPL"], "broker": "ib"}', "broker must be one of"),
        ('{"symbols": ["AAPL"]', "not valid JSON"),
        ('["AAPL"]', "must hold one object"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(path)
    assert main(["paper", str(path)]) == 2


def test_replay_window_and_market_from_the_example():
    cfg = load_config(EXAMPLE)
    market = cfg.market()
    assert isinstance(market, ReplayMarket) and market.data.symbols == ["AAPL", "IBM", "MSFT"]
    start, stop = cfg.replay_window(market.data)
    assert market.data.index[start].year == 2011 and market.data.index[start - 1].year == 2010
    assert (
        market.data.index[stop - 1] <= market.data.index[-1]
        and market.data.index[stop - 1].year == 2012
    )
    assert cfg.request["max_position_size"] == 40000 and cfg.session_settings().session_id is None


def test_ntlab_exchange_prints_where_to_connect(capsys):
    assert main(["exchange", "--data", "sample:stocks", "--symbols", "AAPL,MSFT", "--port", "0",
                 "--speed", "0", "--duration", "0.3"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "REST (TradingClient" in out and "ws://127.0.0.1:" in out and "/stream" in out
    assert "export ALPACA_API_KEY=paper-key ALPACA_SECRET_KEY=paper-secret" in out


def _paper_cli(config, cwd):
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "ntlab.cli", "paper", str(config), "--no-progress"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_paper_trades_a_user_strategy_named_by_import_path_in_a_json_config(tmp_path):
    """A user's own class (tests/user_strategies.py, never registered), referenced by
    import path from the config, run by the ``ntlab`` command in a fresh process."""
    import json

    from ntlab.execution.journal import Journal

    spec = {"strategy": "tests.user_strategies:SmaCross", "fast": 3, "slow": 10}
    config = tmp_path / "user.json"
    config.write_text(json.dumps({
        "strategies": [spec], "symbols": ["AAPL", "IBM"], "risk_level": "high",
        "max_position_size": 40000, "data": "sample:stocks", "replay_from": "2011-01-03",
        "max_bars": 120, "session_id": "user", "folder": str(tmp_path / "s"),
    }))  # fmt: skip
    done = _paper_cli(config, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "session user started: tests.user_strategies:SmaCross on 2 symbols" in done.stdout
    journal = Journal(tmp_path / "s" / "journal.db")
    assert journal.session_config("user")["strategies"] == [spec]
    assert len(journal.fills("user")) > 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"strategies": ["tests.user_strategies:Nope"], "symbols": ["AAPL"],
                               "max_position_size": 1000, "folder": str(tmp_path / "b")}))  # fmt: skip
    done = _paper_cli(bad, tmp_path)
    assert done.returncode == 2 and "has no attribute 'Nope'" in done.stderr
