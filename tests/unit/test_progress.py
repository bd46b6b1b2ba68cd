"""Long single runs show a tqdm bar; progress=False turns it (and the bars inside) off."""

from __future__ import annotations

import pytest

import ntlab._progress as prog
from ntlab.backtest.event import run_event
from ntlab.data import load_sample
from ntlab.strategies import get


@pytest.fixture
def bars(monkeypatch):
    """Every bar made, shown at once (no delay); each is kept to read its count afterwards."""
    made = []
    real = prog.progress_bar
    monkeypatch.setattr(prog, "DELAY_S", 0.0)

    def spy(*args, **kwargs):
        bar = real(*args, **kwargs)
        made.append((bar, bar.disable))  # tqdm sets disable on close: keep what it was
        return bar

    monkeypatch.setattr(prog, "progress_bar", spy)
    return made


def test_scopes_nest_and_an_explicit_flag_wins():
    assert prog.progress_on() is True
    with prog.progress_scope(False):
        assert prog.progress_on() is False and prog.progress_on(True) is True
        with prog.progress_scope(None):
            assert prog.progress_on() is False
        with prog.progress_scope(True):
            assert prog.progress_on() is True
    assert prog.progress_on() is True
    assert prog.progress_bar(range(3), progress=False).disable is True


def test_a_bar_by_bar_backtest_shows_a_bar_and_progress_false_hides_it(bars, capsys):
    data = load_sample("sp500_20").select(["KO", "PEP", "XOM", "CVX"])[-300:]
    strategy = get("pairs")
    shown = run_event(strategy, data, allow_lookahead=True)
    ((bar, off),) = bars
    assert not off and bar.n == bar.total == 300 and bar.desc == "pairs signals"
    assert "pairs signals" in capsys.readouterr().err
    quiet = run_event(strategy, data, allow_lookahead=True, progress=False)
    assert bars[1][1] and "pairs signals" not in capsys.readouterr().err
    assert quiet.final_equity == shown.final_equity
