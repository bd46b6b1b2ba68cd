import numpy as np

from ntlab.data.replay import ReplayFeed
from tests.conftest import make_bars


def test_replay_yields_bars_in_time_then_symbol_order():
    md = make_bars(n=5, symbols=("B", "A"))
    bars = list(ReplayFeed(md))
    assert len(bars) == 10
    assert [b.timestamp for b in bars] == sorted(b.timestamp for b in bars)
    assert [b.symbol for b in bars[:2]] == ["B", "A"]
    assert bars[3].close == md.close["A"].iloc[1]


def test_replay_skips_missing_bars_and_starts_late(sp500_1y):
    feed = ReplayFeed(sp500_1y, start=200)
    assert len(feed) == sp500_1y.n_bars - 200
    batches = list(feed.batches())
    assert batches[0].position == 200
    expected = int(np.isfinite(sp500_1y.close.to_numpy()[200:]).sum())
    assert sum(int(b.present.sum()) for b in batches) == expected
