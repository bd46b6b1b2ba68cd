import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.sentiment import NewsItem, sentiment_series

T0 = pd.Timestamp("2024-01-01", tz="UTC")
H = pd.Timedelta("1h")


def frame(rows):
    """rows: (hours after T0, symbols, score[, confidence])"""
    return pd.DataFrame(
        {
            "id": [str(k) for k in range(len(rows))],
            "published": pd.DatetimeIndex([T0 + r[0] * H for r in rows]),
            "symbols": [tuple(r[1]) for r in rows],
            "score": [r[2] for r in rows],
            "confidence": [r[3] if len(r) > 3 else 1.0 for r in rows],
        }
    )


def bars(*hours):
    return pd.DatetimeIndex([T0 + h * H for h in hours])


def reference(news, index, symbols, half_life, window, min_count, shrinkage=0.0, conf=False):
    """Direct definition: loop over bars and items."""
    out = np.full((len(index), len(symbols)), np.nan)
    hl = np.inf if half_life is None else pd.Timedelta(half_life) / H
    win = np.inf if window is None else pd.Timedelta(window) / H
    ages_all = [(index - p) / H for p in news["published"]]
    for j in range(len(index)):
        for s, sym in enumerate(symbols):
            num = den = 0.0
            n = 0
            for k in range(len(news)):
                age = ages_all[k][j]
                if sym in news["symbols"].iloc[k] and 0 < age <= win:
                    w = 2.0 ** (-age / hl) * (news["confidence"].iloc[k] if conf else 1.0)
                    num += w * news["score"].iloc[k]
                    den += w
                    n += 1
            if n >= min_count and den > 0:
                out[j, s] = num / (den + shrinkage)
    return out


HAND = frame([(0, ["AAA"], 1.0), (6, ["AAA"], -0.5), (12, ["AAA"], 0.5)])


def test_hand_computed_decay():
    # half-life 12 h, window 24 h: weights 2**(-age/12h) of items strictly before each bar
    res = sentiment_series(
        HAND, bars(0, 12, 18, 30, 36), half_life="12h", window="24h", min_count=1
    )
    w = lambda age: 2.0 ** (-age / 12)  # noqa: E731
    expected = [
        np.nan,  # nothing strictly before 00:00
        (w(12) * 1 + w(6) * -0.5) / (w(12) + w(6)),  # the 12:00 item is AT the bar: excluded
        (w(18) * 1 + w(12) * -0.5 + w(6) * 0.5) / (w(18) + w(12) + w(6)),
        (w(24) * -0.5 + w(18) * 0.5)
        / (w(24) + w(18)),  # 00:00 is 30 h old: out; 06:00 is 24 h old: in
        0.5,  # only the 12:00 item, exactly 24 h old
    ]
    np.testing.assert_allclose(res.value["AAA"], expected, rtol=1e-12)
    np.testing.assert_allclose(expected[1:], [0.1213203, 0.2928932, 0.0857864, 0.5], atol=1e-7)
    assert res.count["AAA"].tolist() == [0, 2, 3, 2, 1]
    shrunk = sentiment_series(
        HAND, bars(12), half_life="12h", window="24h", min_count=1, shrinkage=1.0
    )
    assert shrunk.value["AAA"].iloc[0] == pytest.approx(
        (w(12) - 0.5 * w(6)) / (w(12) + w(6) + 1.0), rel=1e-12
    )


def test_min_count_and_fill():
    res = sentiment_series(HAND, bars(12, 18), half_life="12h", window="24h", min_count=3)
    assert np.isnan(res.value["AAA"].iloc[0]) and res.count["AAA"].iloc[0] == 2
    assert res.value["AAA"].iloc[1] == pytest.approx(0.2928932, abs=1e-7)
    zero = sentiment_series(
        HAND, bars(12, 18), half_life="12h", window="24h", min_count=3, fill=0.0
    )
    assert zero.value["AAA"].iloc[0] == 0.0


def test_matches_pandas_ewm_without_a_window():
    rng = np.random.default_rng(3)
    hours = np.sort(rng.uniform(0, 500, 300))
    news = frame([(h, ["AAA"], float(s)) for h, s in zip(hours, rng.uniform(-1, 1, 300))])
    index = bars(*np.arange(1, 520, 7.0))
    res = sentiment_series(news, index, half_life="10h", window=None, min_count=1)
    ewm = news.set_index("published")["score"].ewm(halflife="10h", times=news["published"]).mean()
    asof = pd.merge_asof(
        pd.DataFrame({"t": index}),
        pd.DataFrame({"t": ewm.index, "v": ewm.to_numpy()}),
        on="t",
        allow_exact_matches=False,  # strictly before
    )
    np.testing.assert_allclose(res.value["AAA"].to_numpy(), asof["v"].to_numpy(), rtol=1e-9)


@pytest.mark.parametrize(
    "half_life, window, min_count, shrinkage, conf",
    [
        ("6h", "48h", 1, 0.0, False),
        ("2h", "12h", 2, 0.5, True),
        (None, "24h", 1, 0.0, False),
        ("1h", None, 3, 2.0, True),
    ],
)
def test_matches_the_direct_definition(half_life, window, min_count, shrinkage, conf):
    rng = np.random.default_rng(11)
    rows = [
        (
            float(h),
            list(rng.choice(["AAA", "BBB", "CCC"], size=rng.integers(1, 3), replace=False)),
            float(s),
            float(c),
        )
        for h, s, c in zip(
            rng.uniform(0, 200, 150), rng.uniform(-1, 1, 150), rng.uniform(0.3, 1, 150)
        )
    ]
    rows += [
        (50.0, ["AAA"], 0.7, 1.0),
        (50.0, ["AAA"], -0.2, 0.5),
    ]  # equal times, and a bar at 50 h below
    news = frame(rows)
    index = bars(*np.unique(np.r_[rng.uniform(-5, 220, 60), 50.0]))
    symbols = ["AAA", "BBB", "CCC", "DDD"]
    res = sentiment_series(
        news, index, symbols=symbols, half_life=half_life, window=window, min_count=min_count,
        shrinkage=shrinkage, confidence_weighted=conf,
    )  # fmt: skip
    expected = reference(news, index, symbols, half_life, window, min_count, shrinkage, conf)
    np.testing.assert_allclose(res.value.to_numpy(), expected, rtol=1e-9, atol=1e-12)
    assert res.value["DDD"].isna().all() and (res.count["DDD"] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.tuples(st.integers(0, 96), st.sampled_from(["AAA", "BBB"]), st.floats(-1, 1)),
        min_size=1,
        max_size=40,
    ),
    bar_hours=st.lists(st.integers(0, 100), min_size=2, max_size=25, unique=True),
    k=st.integers(0, 24),
    future=st.lists(
        st.tuples(st.integers(0, 30), st.sampled_from(["AAA", "BBB"]), st.floats(-1, 1)),
        max_size=10,
    ),
)
def test_news_at_or_after_a_bar_never_changes_it(items, bar_hours, k, future):
    index = bars(*sorted(bar_hours))
    k = k % len(index)
    t_k = (index[k] - T0) / H
    news = frame([(h, [s], v) for h, s, v in items])
    params = {
        "half_life": "5h",
        "window": "30h",
        "min_count": 1,
        "shrinkage": 0.1,
        "symbols": ["AAA", "BBB"],
    }
    full = sentiment_series(news, index, **params)
    # 1. only news strictly before bar k: the rows up to k are unchanged
    past = sentiment_series(news[news["published"] < index[k]], index, **params)
    np.testing.assert_array_equal(past.value.to_numpy()[: k + 1], full.value.to_numpy()[: k + 1])
    np.testing.assert_array_equal(past.count.to_numpy()[: k + 1], full.count.to_numpy()[: k + 1])
    # 2. adding news published at or after bar k (delay 0 = exactly at the bar) changes no row up to k
    later = pd.concat([news, frame([(t_k + d, [s], v) for d, s, v in future])], ignore_index=True)
    more = sentiment_series(later, index, **params)
    np.testing.assert_array_equal(more.value.to_numpy()[: k + 1], full.value.to_numpy()[: k + 1])


def test_long_gaps_neither_underflow_nor_lose_precision():
    news = frame([(0, ["AAA"], 0.9), (24 * 3650, ["AAA"], -0.3)])  # ten years apart, half-life 1 h
    index = bars(1, 24 * 3650 + 1, 24 * 7300)
    res = sentiment_series(news, index, half_life="1h", window=None, min_count=1)
    np.testing.assert_allclose(res.value["AAA"], [0.9, -0.3, -0.3])
    stale = sentiment_series(news, index, half_life="1h", window=None, min_count=1, shrinkage=1.0)
    assert stale.value["AAA"].iloc[2] == 0.0  # ten years stale: the neutral prior wins
    # a heavy item leaves the window while a feather-weight one stays: no cancellation error
    news = frame([(0, ["AAA"], 1.0, 1.0), (10, ["AAA"], -0.25, 1e-12)])
    res = sentiment_series(
        news, bars(11, 30), half_life="100h", window="24h", min_count=1, confidence_weighted=True
    )
    assert res.value["AAA"].iloc[1] == pytest.approx(-0.25, rel=1e-9)


def test_market_data_index_and_items_input(stocks):
    data = stocks.between("2012-01-01T00:00Z", "2012-03-01T00:00Z")
    items = [
        NewsItem(
            id="1",
            published="2012-01-09T15:00:00Z",
            headline="Apple beats estimates",
            symbols=("AAPL",),
        ),
        NewsItem(
            id="2",
            published="2012-01-09T16:00:00Z",
            headline="IBM misses estimates",
            symbols=("IBM", "ZZZ"),
        ),
        NewsItem(id="3", published="2012-01-09T16:00:00Z", headline="Untagged story"),
    ]
    res = sentiment_series(items, data, half_life="1D", window="3D", min_count=1)
    assert list(res.value.columns) == data.symbols and res.value.index.equals(data.index)
    day_after = res.value.loc["2012-01-10"]
    assert day_after["AAPL"].iloc[0] > 0 > day_after["IBM"].iloc[0]
    assert (
        res.count.to_numpy().sum() == 2 * res.count["AAPL"].sum()
    )  # ZZZ and the untagged item are ignored
    assert "with a value" in repr(res)


def test_bad_input_gets_clear_errors():
    good = bars(1, 2)
    with pytest.raises(DataError, match="naive"):
        sentiment_series(HAND, pd.DatetimeIndex(["2024-01-01 01:00", "2024-01-01 02:00"]))
    with pytest.raises(ValidationError, match="not sorted"):
        sentiment_series(HAND, bars(2, 1))
    with pytest.raises(ConfigError, match="min_count must be an integer >= 1"):
        sentiment_series(HAND, good, min_count=0)
    with pytest.raises(ConfigError, match="half_life must be positive"):
        sentiment_series(HAND, good, half_life="-1h")
    with pytest.raises(ConfigError, match="window must be a duration"):
        sentiment_series(HAND, good, window="soon")
    with pytest.raises(ConfigError, match="shrinkage"):
        sentiment_series(HAND, good, shrinkage=-1)
    with pytest.raises(ConfigError, match="fill"):
        sentiment_series(HAND, good, fill=2.0)
    with pytest.raises(DataError, match=r"lacks column\(s\) \['score'\]"):
        sentiment_series(HAND.drop(columns="score"), good)
    with pytest.raises(
        ValidationError, match=r"news row 1 \(id '1'\): score 1.5 is not in \[-1, 1\]"
    ):
        sentiment_series(HAND.assign(score=[0.1, 1.5, 0.0]), good)
    with pytest.raises(ValidationError, match="news row 2.*score nan"):
        sentiment_series(HAND.assign(score=[0.1, 0.2, np.nan]), good)
    with pytest.raises(DataError, match="naive"):
        sentiment_series(HAND.assign(published=HAND["published"].dt.tz_localize(None)), good)
    strings = HAND.assign(published=["2024-01-01T00:00Z", "2024-01-01T01:00", "2024-01-01T02:00Z"])
    with pytest.raises(DataError, match="news row 1: 'published' '2024-01-01T01:00' is naive"):
        sentiment_series(strings, good)
    ok = sentiment_series(
        strings.drop(index=1), good, min_count=1
    )  # ISO strings with a zone are fine
    assert ok.count["AAA"].tolist() == [1, 1]
    with pytest.raises(ConfigError, match="duplicates"):
        sentiment_series(HAND, good, symbols=["AAA", "AAA"])
