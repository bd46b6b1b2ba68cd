from datetime import UTC, datetime

import msgpack

from ntlab.sentiment import NewsItem, alpaca_news_id, from_alpaca_news, to_alpaca_news

T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def test_round_trip_through_alpaca_format():
    item = NewsItem(
        id="24843171",
        published=T0,
        headline="h",
        symbols=("AAPL",),
        body="<p>b</p>",
        url="u",
        source="s",
    )
    wire = to_alpaca_news(item)
    assert wire["id"] == 24843171 and wire["created_at"] == wire["updated_at"] == T0
    assert from_alpaca_news(wire) == item
    assert to_alpaca_news(item, include_content=False)["content"] == ""
    assert (
        to_alpaca_news(NewsItem(id="1", published=T0, headline="h"))["url"] is None
    )  # Alpaca sends null


def test_raw_alpaca_json_and_msgpack_stream_messages():
    raw = {
        "id": 5,
        "headline": "h",
        "created_at": "2024-03-01T14:30:00Z",
        "updated_at": "2024-03-01T15:00:00Z",
    }
    item = from_alpaca_news(raw)
    assert item.published == T0 and item.updated.hour == 15 and item.symbols == ()
    packed = msgpack.unpackb(
        msgpack.packb({**raw, "created_at": T0, "updated_at": T0}, datetime=True)
    )
    assert isinstance(packed["created_at"], msgpack.Timestamp)
    assert from_alpaca_news(packed).published == T0


def test_non_numeric_ids_map_to_stable_53_bit_integers():
    a = NewsItem(id="ntlab-7", published=T0, headline="h", source="x")
    b = NewsItem(id="ntlab-7", published=T0, headline="h", source="y")
    assert alpaca_news_id(a) == alpaca_news_id(a) != alpaca_news_id(b)
    assert 0 <= alpaca_news_id(a) < 2**53
    assert alpaca_news_id(NewsItem(id=str(2**60), published=T0, headline="h")) < 2**53
