"""``ntlab backtest --engine event|vector`` and its HTML report."""

import json

from ntlab.cli import main


def test_backtest_engines_and_html_report(tmp_path, capsys):
    for engine in ("event", "vector"):
        argv = [
            "backtest",
            "--strategy",
            "momentum",
            "--symbols",
            "AAPL,IBM",
            "--engine",
            engine,
            "--json",
        ]
        assert main([*argv, "--html", str(tmp_path / f"{engine}.html")]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["engine"] == engine and out["summary"]["trades"] > 5
        assert (tmp_path / f"{engine}.html").read_text().startswith("<!DOCTYPE html>")
