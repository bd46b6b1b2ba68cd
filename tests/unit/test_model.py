import json

import pytest

from ntlab.errors import ConfigError, DataError
from ntlab.model import (
    Bar,
    Direction,
    Fill,
    Order,
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    Signal,
    Tick,
    TimeInForce,
)

T = "2024-11-12T14:30:00Z"


def test_signal_json_uses_seed_schema():
    s = Signal(
        strategy_id="momentum_trader",
        symbol="AAPL",
        direction="long",
        confidence=0.85,
        entry_price=175.5,
        stop_loss=173.0,
        take_profit=180.0,
        reasoning="Strong momentum with RSI confirmation",
        timestamp=T,
        id="550e8400-e29b-41d4-a716-446655440000",
    )
    d = json.loads(s.to_json())
    assert d["strategyId"] == "momentum_trader"
    assert d["entryPrice"] == 175.5 and d["stopLoss"] == 173.0 and d["takeProfit"] == 180.0
    assert d["direction"] == "long" and d["timestamp"] == T
    assert Signal.from_json(s.to_json()) == s


@pytest.mark.parametrize(
    "obj",
    [
        Bar(symbol="AAPL", timestamp=T, open=175.1, high=175.5, low=174.9, close=175.2, volume=1_500_000),
        Tick(symbol="AAPL", timestamp=1699876543123456, price=175.43, size=100, conditions=("@", "I")),
        OrderRequest(symbol="AAPL", side="buy", quantity=10, order_type="limit", limit_price=170.0, time_in_force="gtc"),
        OrderRequest(symbol="MSFT", side="sell", quantity=3, order_type="stop_limit", limit_price=99.0, stop_price=100.0),
        Order(
            order_id="o1", client_order_id="c1", symbol="AAPL", side="buy", quantity=10, order_type="market",
            time_in_force="day", status="partially_filled", submitted_at=T, filled_qty=4, filled_avg_price=175.2,
        ),
        Fill(order_id="o1", client_order_id="c1", symbol="AAPL", side="sell", quantity=4, price=175.2, timestamp=T, commission=0.1),
        Position(symbol="AAPL", quantity=-5, avg_entry_price=170.0, market_price=172.0, updated_at=T),
    ],
)
def test_json_round_trip(obj):
    again = type(obj).from_json(obj.to_json())
    assert again == obj
    assert all("_" not in key for key in json.loads(obj.to_json()))


def test_tick_reads_unix_microseconds():
    t = Tick(symbol="AAPL", timestamp=1699876543123456, price=175.43, size=100)
    assert t.timestamp.isoformat() == "2023-11-13T11:55:43.123456+00:00"


def test_enums_and_derived_values():
    o = OrderRequest(symbol="AAPL", side=OrderSide.SELL, quantity=2)
    assert o.order_type is OrderType.MARKET and o.time_in_force is TimeInForce.DAY
    assert o.signed_quantity == -2
    assert OrderStatus.FILLED.is_terminal and not OrderStatus.PARTIALLY_FILLED.is_terminal
    p = Position(symbol="X", quantity=-5, avg_entry_price=10.0, market_price=8.0)
    assert p.unrealized_pnl == pytest.approx(10.0) and p.market_value == pytest.approx(-40.0)
    assert Signal(strategy_id="s", symbol="X", direction="close", confidence=0, timestamp=T).direction is Direction.CLOSE


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Bar(symbol="A", timestamp=T, open=1, high=1, low=2, close=1), "high 1 < low 2"),
        (lambda: Bar(symbol="A", timestamp="2024-01-01 10:00", open=1, high=1, low=1, close=1), "naive"),
        (lambda: Bar(symbol="A", timestamp=T, open=-1, high=1, low=1, close=1), "positive"),
        (lambda: Signal(strategy_id="s", symbol="A", direction="up", confidence=0.5, timestamp=T), "not a valid Direction"),
        (lambda: Signal(strategy_id="s", symbol="A", direction="long", confidence=1.5, timestamp=T), r"\[0, 1\]"),
        (
            lambda: Signal(strategy_id="s", symbol="A", direction="long", confidence=0.5, timestamp=T, entry_price=10, stop_loss=11),
            "below entryPrice",
        ),
        (lambda: OrderRequest(symbol="A", side="buy", quantity=0), "positive number"),
        (lambda: OrderRequest(symbol="A", side="buy", quantity=1, order_type="limit"), "needs limitPrice"),
        (lambda: OrderRequest(symbol="A", side="buy", quantity=1, limit_price=3.0), "takes no limitPrice"),
        (lambda: OrderRequest(symbol=" A", side="buy", quantity=1), "symbol"),
        (lambda: OrderRequest.from_dict({"symbol": "A", "side": "buy", "quantity": 1, "colour": "red"}), "unknown field"),
        (lambda: OrderRequest.from_dict({"symbol": "A", "side": "buy"}), "'quantity' is missing"),
    ],
)
def test_invalid_values_give_clear_errors(make, message):
    with pytest.raises((ConfigError, DataError), match=message):
        make()


def test_time_fast_paths_give_what_pandas_gives():
    from datetime import UTC, datetime, timedelta, timezone

    import pandas as pd

    from ntlab._time import iso_utc, to_utc

    def by_pandas(value):
        ts = pd.Timestamp(value).tz_convert("UTC")
        micro = f".{ts.microsecond:06d}" if ts.microsecond else ""
        return ts.strftime("%Y-%m-%dT%H:%M:%S") + micro + "Z"

    plus_two = timezone(timedelta(hours=2))
    for value in (
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2024, 1, 2, 3, 4, 5, 120, tzinfo=UTC),
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=plus_two),  # not UTC: the pandas path
        pd.Timestamp("2024-01-02T03:04:05.5Z"),
    ):
        assert iso_utc(value) == by_pandas(value)
        got = to_utc(value)
        assert type(got) is datetime and got.tzinfo is UTC and got == value
    same = datetime(2024, 1, 2, tzinfo=UTC)
    assert to_utc(same) is same
