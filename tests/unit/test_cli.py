import json
import subprocess
import sys

import pytest

from ntlab.cli import build_parser, main


def test_every_subcommand_has_help(capsys):
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        with pytest.raises(SystemExit) as exc:
            main([name, "--help"])
        assert exc.value.code == 0
        assert "usage: ntlab " + name in capsys.readouterr().out


def test_data_list_and_show(capsys):
    assert main(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "sp500_1y" in out and "public domain" in out
    assert main(["data", "show", "sample:indices", "--head", "2"]) == 0
    out = capsys.readouterr().out
    assert "5031 bars x 2 symbols" in out and "1228.099976" in out


def test_data_import_then_backtest_stored(tmp_path, capsys):
    from ntlab.data import load_sample

    frame = load_sample("stocks").select(["IBM"]).symbol_frame("IBM")
    path = tmp_path / "ibm.csv"
    frame.tz_convert("America/New_York").tz_localize(None).rename_axis("Date").to_csv(path)
    assert main(["data", "import", str(path), "--name", "ibm", "--symbol", "IBM", "--tz", "America/New_York"]) == 0
    assert "load it as store:ibm" in capsys.readouterr().out
    assert main(["backtest", "--strategy", "momentum", "--data", "store:ibm", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["trades"] > 5


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["data", "import", str(tmp_path / "nope.csv"), "--name", "x"]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["backtest", "--strategy", "nope"]) == 2
    assert "unknown strategy 'nope'" in capsys.readouterr().err
    assert main(["backtest", "--strategy", "momentum", "-p", "lookback=0"]) == 2
    assert "lookback must be >= 1" in capsys.readouterr().err


def test_backtest_command_prints_the_summary():
    out = subprocess.run(
        [sys.executable, "-m", "ntlab.cli", "backtest", "--strategy", "momentum", "--data", "sample:stocks"],
        capture_output=True, text=True, check=True,
    ).stdout
    for key in ("total_return", "cagr", "sharpe", "max_drawdown", "trades"):
        assert key in out
