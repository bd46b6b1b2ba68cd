from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from ntlab.errors import DataError, ValidationError
from ntlab.sentiment import NewsItem, dedupe, news_frame

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def item(ident, minutes=0, headline="Apple beats estimates", symbols=("AAPL",), source="a", **kw):
    return NewsItem(
        id=ident,
        published=T0 + timedelta(minutes=minutes),
        headline=headline,
        symbols=symbols,
        source=source,
        **kw,
    )


def test_news_item_normalises_time_symbols_and_id():
    ny = pd.Timestamp("2024-03-01 09:30", tz="America/New_York")
    it = NewsItem(
        id=24843171, published=ny, headline="x", symbols=["aapl", " MSFT", "AAPL"], summary=None
    )
    assert it.id == "24843171"
    assert it.published == T0 and it.published.tzinfo == UTC
    assert it.symbols == ("AAPL", "MSFT")
    assert it.summary == ""


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"published": datetime(2024, 3, 1, 14, 30)}, "naive"),  # noqa: DTZ001
        ({"published": "2024-03-01T14:30:00"}, "naive"),
        ({"headline": "  "}, "headline must be a non-empty string"),
        ({"id": ""}, "id must be a non-empty string"),
        ({"symbols": ("AAPL", 3)}, "symbols must be strings"),
        ({"symbols": ("not a ticker",)}, "is not a ticker symbol"),
        ({"url": 5}, "url must be a string"),
    ],
)
def test_news_item_rejects_bad_input(kwargs, message):
    base = {"id": "1", "published": T0, "headline": "h"}
    with pytest.raises(DataError, match=message):
        NewsItem(**(base | kwargs))


def test_dict_round_trip_and_alpaca_aliases():
    it = item(
        "7", summary="s", body="b", url="https://x", author="me", updated=T0 + timedelta(hours=1)
    )
    assert NewsItem.from_dict(it.to_dict()) == it
    alpaca = {
        "T": "n",
        "id": 7,
        "headline": "Apple beats estimates",
        "created_at": "2024-03-01T14:30:00Z",
        "updated_at": "2024-03-01T15:30:00Z",
        "content": "b",
        "images": [],
        "symbols": ["AAPL"],
        "source": "a",
        "summary": "s",
        "url": "https://x",
        "author": "me",
    }
    assert NewsItem.from_dict(alpaca) == it


def test_from_dict_errors_name_the_place():
    with pytest.raises(
        ValidationError, match=r"f.jsonl line 3: unknown field\(s\) \['sentiment'\]"
    ):
        NewsItem.from_dict(
            {"published": "2024-01-01T00:00:00Z", "headline": "h", "sentiment": 1},
            where="f.jsonl line 3",
        )
    with pytest.raises(ValidationError, match="line 4: field 'headline' is missing"):
        NewsItem.from_dict({"published": "2024-01-01T00:00:00Z"}, where="line 4")
    with pytest.raises(ValidationError, match="line 5: .*naive"):
        NewsItem.from_dict({"published": "2024-01-01T00:00:00", "headline": "h"}, where="line 5")
    with pytest.raises(ValidationError, match="given twice"):
        NewsItem.from_dict(
            {
                "published": "2024-01-01T00:00:00Z",
                "created_at": "2024-01-01T00:00:00Z",
                "headline": "h",
            }
        )


def test_missing_id_is_derived_stably_from_time_and_headline():
    a = NewsItem.from_dict({"published": "2024-01-01T00:00:00Z", "headline": "h"})
    b = NewsItem.from_dict({"published": "2024-01-01T01:00:00+01:00", "headline": "h"})
    c = NewsItem.from_dict({"published": "2024-01-01T00:00:00Z", "headline": "other"})
    assert a.id == b.id != c.id and a.id.startswith("h") and len(a.id) == 17


def test_dedupe_merges_same_article_and_same_story_from_other_outlets():
    items = [
        item("1", 0, symbols=("AAPL",), source="benzinga"),
        item(
            "1",
            5,
            headline="Apple beats estimates (updated)",
            symbols=("AAPL", "MSFT"),
            source="benzinga",
        ),
        item(
            "99",
            20,
            headline="APPLE BEATS ESTIMATES!",
            symbols=("QQQ",),
            source="wire",
            summary="more",
        ),
        item("2", 0, headline="IBM misses", symbols=("IBM",)),
    ]
    out = dedupe(items)
    assert [it.id for it in out] == ["1", "2"]
    merged = out[0]
    assert merged.published == T0 and merged.source == "benzinga"  # earliest copy wins
    assert merged.symbols == ("AAPL", "MSFT", "QQQ")
    assert merged.summary == "more"  # filled from another copy
    assert merged.headline == "Apple beats estimates"


def test_dedupe_keeps_same_headline_outside_the_window():
    items = [item("1", 0), item("2", 61), item("3", 121)]
    assert [it.id for it in dedupe(items)] == [
        "1",
        "2",
    ]  # 3 is within 1 h of 2, which starts a new story
    assert len(dedupe(items, window="0s")) == 3
    assert len(dedupe(items, window="3h")) == 1
    with pytest.raises(DataError, match="window must be >= 0"):
        dedupe(items, window="-1h")


def test_news_frame_columns_and_dtypes():
    frame = news_frame([item("1"), item("2", 5, updated=T0 + timedelta(hours=1))])
    assert list(frame.columns[:4]) == ["id", "published", "headline", "symbols"]
    published = frame["published"]
    assert isinstance(published.dtype, pd.DatetimeTZDtype) and str(published.dt.tz) == "UTC"
    assert frame["symbols"].iloc[0] == ("AAPL",)
    assert frame["updated"].isna().tolist() == [True, False]
