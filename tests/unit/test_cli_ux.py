"""The CLI as a new user meets it: typed -p values, date ranges, one-line errors, plain help."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ntlab.cli import build_parser, main


def _err(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err  # one clear line, no traceback
    return err


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("allow_short=maybe", "momentum: allow_short='maybe' is not true or false"),
        ("lookback=abc", "momentum: lookback='abc' is not a whole number, e.g. 30"),
        ("lookback", "must look like -p NAME=VALUE"),
        ("nope=1", "momentum has no parameter 'nope'"),
    ],
)
def test_bad_parameters_get_one_clear_line(param, message, capsys):
    assert main(["backtest", "--strategy", "momentum", "-p", param]) == 2
    assert message in _err(capsys)


def test_parameters_are_read_by_the_configs_field_types(capsys):
    args = ["backtest", "--strategy", "momentum", "--json", "--symbols", "IBM"]
    assert main([*args, "-p", "allow_short=yes", "-p", "lookback=30", "-p", "entry_z=0.8"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strategy"]["allow_short"] is True and out["strategy"]["lookback"] == 30
    assert out["strategy"]["entry_z"] == 0.8


def test_start_end_and_ranges_in_sample_specs_cut_the_same_bars(capsys, stocks):
    base = ["backtest", "--strategy", "momentum", "--json"]
    assert main([*base, "--start", "2005-01-01", "--end", "2008-12-31"]) == 0
    by_options = json.loads(capsys.readouterr().out)
    assert main([*base, "--data", "sample:stocks?start=2005-01-01&end=2008-12-31"]) == 0
    by_spec = json.loads(capsys.readouterr().out)
    assert by_options["summary"] == by_spec["summary"]
    from ntlab.backtest.event import run_event
    from ntlab.strategies import get

    cut = stocks.between("2005-01-01T00:00Z", "2008-12-31T00:00Z")
    direct = run_event(get("momentum"), cut).summary()
    assert by_spec["summary"]["final_equity"] == pytest.approx(direct["final_equity"], rel=1e-12)
    assert main([*base, "--data", "sample:stocks?from=2005"]) == 2
    assert "unknown option(s) ['from']; use start, end, symbols" in _err(capsys)


def test_data_spec_takes_symbols_and_a_range():
    from ntlab.data import load

    data = load("sample:stocks?symbols=IBM,AAPL&start=2010-01-01&end=2010-12-31")
    assert data.symbols == ["IBM", "AAPL"]
    assert data.index[0].year == 2010 and data.index[-1].year == 2010


def test_html_into_a_missing_folder_is_one_line_and_a_written_report_is_named(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "report.html"
    assert main(["backtest", "--strategy", "momentum", "--html", str(missing)]) == 2
    assert f"the folder {missing.parent} does not exist" in _err(capsys)
    target = tmp_path / "report.html"
    assert (
        main(["backtest", "--strategy", "momentum", "--symbols", "IBM", "--html", str(target)]) == 0
    )
    assert f"html report: {target.resolve()}" in capsys.readouterr().out
    assert target.stat().st_size > 100_000  # BokehJS inlined


def test_data_fetch_without_network_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("ALPACA_API_KEY", "k")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "s")
    # a port nothing listens on stands in for a machine without network
    url = "http://127.0.0.1:9"
    assert (
        main(
            ["data", "fetch", "AAPL", "--start", "2024-01-01", "--end", "2024-01-10", "--url", url]
        )
        == 2
    )
    assert f"cannot reach Alpaca's data API at {url}" in _err(capsys)


def test_help_has_no_raw_rst_and_names_no_missing_option():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    texts = [parser.format_help()]
    for child in sub.choices.values():
        texts.append(child.format_help())
        for action in child._actions:
            if hasattr(action, "choices") and isinstance(action.choices, dict):
                texts += [c.format_help() for c in action.choices.values()]
    for text in texts:
        assert "``" not in text and ":func:`" not in text and ":class:`" not in text, text
    backtest = sub.choices["backtest"].format_help()
    assert "--list" not in backtest and "-p NAME=VALUE" in backtest
    assert "-p NAME=VALUE" in sub.choices["report"].format_help()


def test_the_ntlab_entry_point_prints_help():
    out = subprocess.run(
        [sys.executable, "-m", "ntlab.cli", "backtest", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--start START" in out and "``" not in out


_USER_MODULE = '''
from dataclasses import dataclass

from ntlab.strategies import Signals, Strategy, StrategyConfig


@dataclass(frozen=True, kw_only=True)
class CrossConfig(StrategyConfig):
    fast: int = 10
    slow: int = 40

    def validate(self):
        if not self.fast < self.slow:
            raise ValueError("need fast < slow")


class Cross(Strategy):
    name = "user_cross"
    Config = CrossConfig

    def signals(self, data):
        close = data.close
        target = (close.rolling(self.config.fast).mean() > close.rolling(self.config.slow).mean())
        return Signals(self.name, target.astype(float), target.astype(float) * 0.5)
'''


def test_a_user_class_by_import_path_from_the_working_folder(tmp_path, monkeypatch, capsys):
    import sys

    (tmp_path / "user_strats_cli.py").write_text(_USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    args = ["backtest", "--strategy", "user_strats_cli:Cross", "--symbols", "IBM", "--json"]
    assert main([*args, "-p", "fast=5", "-p", "slow=30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strategy"] == {"strategy": "user_strats_cli:Cross", "fast": 5, "slow": 30}
    from ntlab.backtest.event import run_event
    from ntlab.data import load_sample

    user = sys.modules["user_strats_cli"]
    direct = run_event(user.Cross(fast=5, slow=30), load_sample("stocks").select(["IBM"]))
    assert out["summary"]["final_equity"] == pytest.approx(direct.final_equity, rel=1e-12)
    import os

    assert os.environ["PYTHONPATH"].split(os.pathsep)[:2] == [str(tmp_path), "/somewhere"]
    assert main([*args, "-p", "fast=50"]) == 2
    assert "user_cross: need fast < slow" in _err(capsys)
    assert main(["backtest", "--strategy", "user_strats_cli:Nope"]) == 2
    assert "has no attribute 'Nope'; the Strategy classes it defines: ['Cross'" in _err(capsys)
