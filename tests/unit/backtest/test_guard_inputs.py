"""Issue 14, hole 4: declared side inputs are cut with the data; caches cannot poison."""

from dataclasses import dataclass
from typing import ClassVar

import pandas as pd
import pytest

from ntlab.backtest import run_event
from ntlab.errors import LookAheadError, NonDeterministicError
from ntlab.strategies import Signals, Strategy, StrategyConfig
from ntlab.strategies.base import cut_until
from ntlab.strategies.inputs import SideInputs
from ntlab.testing import check_causal


@dataclass(frozen=True, kw_only=True)
class FeatureConfig(StrategyConfig):
    ahead: int = 1


class Feature(SideInputs, Strategy):
    """Trades on a feature table given to the constructor, read ``ahead`` rows later."""

    name = "feature_probe"
    Config = FeatureConfig
    side_inputs = ("features",)
    time_inputs = {"features": None}

    def signals(self, data):
        f = self.side_input("features").shift(-self.config.ahead)
        t = (f.reindex(data.index) > 0).astype(float)
        return Signals(self.name, t, t)


class News(SideInputs, Strategy):
    """Long a symbol when a story about it is published within the next 3 days."""

    name = "news_probe"
    Config = StrategyConfig
    side_inputs = ("news",)
    time_inputs = {"news": "published"}

    def signals(self, data):
        t = pd.DataFrame(0.0, index=data.index, columns=data.symbols)
        for item in self.side_input("news"):
            when = pd.Timestamp(item["published"])
            rows = (data.index < when) & (data.index >= when - pd.Timedelta(days=3))
            t.loc[rows, item["symbol"]] = 1.0
        return Signals(self.name, t, t)


class Cached(Strategy):
    """Keeps the longest run's centred mean in a class-level cache and answers shorter
    runs from it (a cache that ignores what data it was given)."""

    name = "cached_probe"
    Config = StrategyConfig
    store: ClassVar[dict] = {}

    def signals(self, data):
        key = tuple(data.symbols)
        got = self.store.get(key)
        if got is None or len(got) < data.n_bars:
            got = data.close.rolling(9, center=True, min_periods=1).mean()
            self.store[key] = got
        m = got.iloc[: data.n_bars]
        t = (m.diff() > 0).astype(float)
        return Signals(self.name, t, t)


def _future_returns(bars):
    return bars.close.pct_change().shift(-1).fillna(0.0)  # a feature built outside, honest


def test_a_constructor_table_read_ahead_is_caught(bars):
    feats = _future_returns(bars).shift(1).fillna(0.0)  # row t: the return into t (causal)
    assert check_causal(Feature(ahead=0, features=feats), bars).bars
    with pytest.raises(LookAheadError, match="feature_probe is not causal"):
        run_event(Feature(ahead=1, features=feats), bars)


def test_news_published_later_is_caught(bars):
    days = bars.index[10::15]
    news = [{"published": t + pd.Timedelta(hours=2), "symbol": "AAA"} for t in days]
    with pytest.raises(LookAheadError, match="news_probe is not causal"):
        check_causal(News(news=news), bars)


def test_cut_until_handles_frames_columns_and_records(bars):
    end = bars.index[9]
    frame = bars.close
    assert len(cut_until(frame, None, end)) == 10
    table = pd.DataFrame({"filing_date": ["2024-01-02", "2030-01-01"], "x": [1, 2]})
    assert cut_until(table, "filing_date", end)["x"].tolist() == [1]
    records = [{"published": bars.index[3]}, {"published": bars.index[50]}]
    assert cut_until(records, "published", end) == records[:1]
    assert cut_until("some/path.csv", "published", end) == "some/path.csv"


def test_a_cache_filled_by_the_full_run_cannot_hide_a_leak(bars):
    Cached.store.clear()
    with pytest.raises(NonDeterministicError, match="state kept between runs"):
        run_event(Cached(), bars)  # the short runs went first, so the cache shows
    Cached.store.clear()
