"""Bad input at the boundary: each case refused with one clear line, nothing written.

Paper configs and ``ntlab paper`` arguments (the exchange's own arguments are in
test_venue_keys.py, its HTTP requests in test_exchange_faults.py) and imported data files.
"""

import json
from pathlib import Path

import pytest

from ntlab.cli import main
from ntlab.data.files import read_bars

GOOD = {"strategies": ["momentum"], "symbols": ["AAPL", "IBM"], "risk_level": "high",
        "max_position_size": 40000, "data": "sample:stocks", "replay_from": "2012-01-03",
        "replay_to": "2012-02-28", "broker": "sim", "max_bars": 3}  # fmt: skip

BAD_CONFIGS = [
    ({"cash": -100}, "cash must be a finite number > 0"),
    ({"cash": "lots"}, "cash must be a finite number"),
    ({"cash": float("nan")}, "cash must be a finite number"),
    ({"use_gpu": "false"}, "use_gpu must be true or false, got 'false'"),
    ({"replay_from": "2012-03-01", "replay_to": "2012-01-31"}, "replay_from 2012-03-01T00:00:00Z is after replay_to"),
    ({"replay_from": "someday"}, "replay_from"),
    ({"max_bars": 2.5}, "max_bars must be a whole number >= 1, got 2.5"),
    ({"max_bars": 0}, "max_bars must be a whole number >= 1"),
    ({"max_bars": True}, "max_bars must be a whole number"),
    ({"session_id": "../../../escaped-session"}, "session_id must be 1-128 letters"),
    ({"session_id": "a/b"}, "session_id must be 1-128 letters"),
    ({"symbols": ["AAPL", " "]}, "symbols must be a list of non-blank strings"),
    ({"symbols": ["AAPL", None]}, "symbols must be a list of non-blank strings"),
    ({"durable": "yes"}, "durable must be true or false"),
    ({"cancel_on_stop": 1}, "cancel_on_stop must be true or false"),
    ({"settle_timeout": -1}, "settle_timeout must be a number of seconds >= 0"),
    ({"broker": "robinhood"}, "broker must be one of sim, exchange, alpaca"),
    ({"on_disagreement": "ignore"}, "on_disagreement must be 'halt' or 'adopt'"),
    ({"policy": "cheap"}, "policy must be an object"),
    ({"strategy_params": {"momentum": 5}}, "strategy_params must map strategy names"),
    ({"max_position_size": -1}, "max_position_size must be a positive amount"),
    ({"risk_level": "yolo"}, "risk_level 'yolo' is not one of"),
    ({"nonsense": 1}, r"unknown key(s) ['nonsense']"),
]  # fmt: skip


def _paper(tmp_path, capsys, config: dict, *extra: str) -> tuple[int, str]:
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(config))
    rc = main(["paper", str(path), "--folder", str(tmp_path / "session"), "--no-progress", *extra])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("change, message", BAD_CONFIGS)
def test_bad_paper_configs_are_refused_in_one_line_with_nothing_written(
    tmp_path, capsys, change, message
):
    rc, err = _paper(tmp_path, capsys, GOOD | change)
    assert rc == 2
    lines = err.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("ntlab paper: error: ") and message in lines[0]
    ), err
    assert not (tmp_path / "session").exists()


def test_a_session_id_that_would_leave_ntlab_home_is_refused(tmp_path, capsys, monkeypatch):
    home = tmp_path / "home" / "ntlab"
    monkeypatch.setenv("NTLAB_HOME", str(home))
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(GOOD))
    assert (
        main(["paper", str(path), "--session-id", "../../../escaped-session", "--no-progress"]) == 2
    )
    assert "session_id must be 1-128 letters" in capsys.readouterr().err
    assert not list(tmp_path.rglob("escaped-session")) and not home.exists()


def test_the_good_config_runs(tmp_path, capsys):
    rc, err = _paper(tmp_path, capsys, GOOD)
    assert rc == 0, err
    assert (tmp_path / "session" / "journal.db").exists()


CSV_HEADER = "timestamp,symbol,open,high,low,close,volume\n"
BAD_FILES = [
    ("2012-01-03T00:00:00Z,AAPL,10,11,9,12,100\n", "close 12.0 is above high 11.0"),
    ("2012-01-03T00:00:00Z,AAPL,8,11,9,10,100\n", "open 8.0 is below low 9.0"),
    ("2012-01-03T00:00:00Z,AAPL,10,11,12,10.5,100\n", "low 12.0 is above high 11.0"),
    ("1325548800,AAPL,10,11,9,10,100\n", "the time column holds numbers (e.g. 1325548800)"),
    ("2012-01-03T00:00:00Z,,10,11,9,10,100\n", "row 1 has no symbol"),
    ("2012-01-03T00:00:00Z,AAPL,ten,11,9,10,100\n", "column 'open' is not numeric"),
]  # fmt: skip


@pytest.mark.parametrize("row, message", BAD_FILES)
def test_bad_data_files_are_refused_in_one_line(tmp_path, row, message):
    path = tmp_path / "bars.csv"
    path.write_text(CSV_HEADER + "2012-01-02T00:00:00Z,AAPL,10,11,9,10,100\n" + row)
    before = sorted(Path(tmp_path).iterdir())
    with pytest.raises(Exception) as exc:
        read_bars(path)
    assert type(exc.value).__name__ in ("ValidationError", "DataError")
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert sorted(Path(tmp_path).iterdir()) == before


def test_epoch_integer_times_are_refused_not_read_as_1970(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(CSV_HEADER + "1325462400,AAPL,10,11,9,10,100\n1325548800,AAPL,10,11,9,10,100\n")
    with pytest.raises(Exception, match=r"the time column holds numbers \(e.g. 1325462400\)"):
        read_bars(path, tz="UTC")


def test_a_good_file_reads(tmp_path):
    path = tmp_path / "bars.csv"
    path.write_text(
        CSV_HEADER
        + "2012-01-02T00:00:00Z,AAPL,10,11,9,10,100\n2012-01-03T00:00:00Z,AAPL,10,11,9,10.5,100\n"
    )
    assert read_bars(path).close["AAPL"].tolist() == [10.0, 10.5]
