"""Domain types: Bar, Tick, Signal, OrderRequest, Order, Fill, Position.

Every type is a frozen dataclass validated on construction. ``to_dict``/``to_json``
write the seed's camelCase schema (``strategyId``, ``entryPrice``, ``stopLoss``, ...)
with ISO-8601 UTC timestamps; ``from_dict``/``from_json`` read it back, so
``T.from_json(x.to_json()) == x`` for every type.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, ClassVar, Self, get_type_hints

from ntlab._time import iso_utc, now_utc, to_utc
from ntlab.errors import ConfigError

__all__ = [
    "Direction",
    "OrderSide",
    "OrderType",
    "TimeInForce",
    "OrderStatus",
    "Bar",
    "Tick",
    "Signal",
    "OrderRequest",
    "Order",
    "Fill",
    "Position",
    "price_tick",
    "round_to_tick",
]


class Direction(StrEnum):
    LONG = "long"
    SHORT = "short"
    CLOSE = "close"


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    """Order states; the names follow Alpaca's, which the seed's four map onto."""

    PENDING_NEW = "pending_new"
    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"
    REPLACED = "replaced"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL


_TERMINAL = {
    OrderStatus.FILLED,
    OrderStatus.CANCELED,
    OrderStatus.EXPIRED,
    OrderStatus.REJECTED,
    OrderStatus.REPLACED,
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def price_tick(price: float) -> float:
    """Minimum price increment of a US equity quote (SEC Rule 612): $0.01 from $1.00, else $0.0001."""
    return 0.01 if abs(price) >= 1.0 else 0.0001


def round_to_tick(price: float, tick: float | None = None) -> float:
    """``price`` on the nearest multiple of ``tick`` (default :func:`price_tick`), e.g.
    15.000499999999999 -> 15.0, with no binary noise left in the digits."""
    step = price_tick(price) if tick is None else tick
    decimals = max(0, -math.floor(math.log10(step)) + 2)
    return round(round(price / step) * step, decimals)


def _fail(cls_name: str, message: str) -> None:
    raise ConfigError(f"{cls_name}: {message}")


class _Record:
    """JSON round trip in camelCase for the frozen dataclasses below."""

    _json_names: ClassVar[dict[str, str]] = {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, datetime):
                value = iso_utc(value)
            elif isinstance(value, dict):
                value = dict(value)
            out[self._json_names.get(f.name, _camel(f.name))] = value
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        hints = get_type_hints(cls)
        known = {}
        for f in fields(cls):  # type: ignore[arg-type]
            key = cls._json_names.get(f.name, _camel(f.name))
            if key in data:
                known[f.name] = data[key]
            elif f.name in data:
                known[f.name] = data[f.name]
            elif f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"{cls.__name__}: field '{key}' is missing from {sorted(data)}")
        unknown = (
            set(data)
            - {cls._json_names.get(f.name, _camel(f.name)) for f in fields(cls)}
            - {f.name for f in fields(cls)}
        )
        if unknown:
            raise ConfigError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
        for name, value in list(known.items()):
            hint = hints[name]
            if "datetime" in str(hint) and value is not None:
                known[name] = to_utc(value, what=f"{cls.__name__}.{name}")
        return cls(**known)

    @classmethod
    def from_json(cls, text: str) -> Self:
        return cls.from_dict(json.loads(text))


def _check_price(owner: str, name: str, value: float | None, *, allow_none: bool = True) -> None:
    if value is None:
        if not allow_none:
            _fail(owner, f"{name} is required")
        return
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        _fail(owner, f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        _fail(owner, f"{name} must be a positive finite price, got {value!r}")


def _check_symbol(owner: str, symbol: str) -> None:
    if not isinstance(symbol, str) or not symbol.strip() or symbol != symbol.strip():
        _fail(owner, f"symbol must be a non-empty string without spaces, got {symbol!r}")


def _utc(owner: str, name: str, value: Any) -> datetime:
    return to_utc(value, what=f"{owner}.{name}")


def _enum(owner: str, enum: type[Enum], value: Any) -> Any:
    if type(value) is enum:  # already a member: the common case on the order path
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)  # type: ignore[attr-defined]
        _fail(owner, f"{value!r} is not a valid {enum.__name__} (allowed: {allowed})")


def _set(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, kw_only=True)
class Bar(_Record):
    """One OHLCV bar of one symbol. ``timestamp`` is the bar's open time, UTC."""

    symbol: str
    timestamp: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float = 0.0

    def __post_init__(self) -> None:
        _check_symbol("Bar", self.symbol)
        _set(self, "timestamp", _utc("Bar", "timestamp", self.timestamp))
        for name in ("open", "high", "low", "close"):
            _check_price("Bar", name, getattr(self, name), allow_none=False)
        if self.high < self.low:
            _fail(
                "Bar",
                f"{self.symbol} at {iso_utc(self.timestamp)}: high {self.high} < low {self.low}",
            )
        if not math.isfinite(self.volume) or self.volume < 0:
            _fail("Bar", f"volume must be >= 0, got {self.volume!r}")


@dataclass(frozen=True, kw_only=True)
class Tick(_Record):
    """One trade print (the seed's Tick): symbol, time, price, size, conditions."""

    symbol: str
    timestamp: datetime
    price: float
    size: float
    conditions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_symbol("Tick", self.symbol)
        _set(self, "timestamp", _utc("Tick", "timestamp", self.timestamp))
        _check_price("Tick", "price", self.price, allow_none=False)
        if self.size < 0:
            _fail("Tick", f"size must be >= 0, got {self.size!r}")
        _set(self, "conditions", tuple(self.conditions))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["conditions"] = list(self.conditions)
        return out


@dataclass(frozen=True, kw_only=True)
class Signal(_Record):
    """A strategy's call on one symbol at one time (the seed's Signal schema)."""

    strategy_id: str
    symbol: str
    direction: Direction
    confidence: float
    timestamp: datetime
    reasoning: str = ""
    entry_price: float | None = None
    stop_loss: float | None = None
    take_profit: float | None = None
    quantity: float | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_symbol("Signal", self.symbol)
        if not self.strategy_id:
            _fail("Signal", "strategyId must not be empty")
        _set(self, "direction", _enum("Signal", Direction, self.direction))
        if not (isinstance(self.confidence, (int, float)) and 0.0 <= self.confidence <= 1.0):
            _fail("Signal", f"confidence must be in [0, 1], got {self.confidence!r}")
        _set(self, "timestamp", _utc("Signal", "timestamp", self.timestamp))
        for name in ("entry_price", "stop_loss", "take_profit"):
            _check_price("Signal", name, getattr(self, name))
        if self.quantity is not None and self.quantity < 0:
            _fail("Signal", f"quantity must be >= 0, got {self.quantity!r}")
        entry, stop, take = self.entry_price, self.stop_loss, self.take_profit
        if entry is not None and self.direction is Direction.LONG:
            if stop is not None and stop >= entry:
                _fail("Signal", f"a long stopLoss ({stop}) must lie below entryPrice ({entry})")
            if take is not None and take <= entry:
                _fail("Signal", f"a long takeProfit ({take}) must lie above entryPrice ({entry})")
        if entry is not None and self.direction is Direction.SHORT:
            if stop is not None and stop <= entry:
                _fail("Signal", f"a short stopLoss ({stop}) must lie above entryPrice ({entry})")
            if take is not None and take >= entry:
                _fail("Signal", f"a short takeProfit ({take}) must lie below entryPrice ({entry})")


@dataclass(frozen=True, kw_only=True)
class OrderRequest(_Record):
    """An order to place. ``client_order_id`` makes a resubmission idempotent."""

    symbol: str
    side: OrderSide
    quantity: float
    order_type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: float | None = None
    stop_price: float | None = None
    client_order_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    strategy_id: str | None = None

    def __post_init__(self) -> None:
        owner = "OrderRequest"
        _check_symbol(owner, self.symbol)
        _set(self, "side", _enum(owner, OrderSide, self.side))
        _set(self, "order_type", _enum(owner, OrderType, self.order_type))
        _set(self, "time_in_force", _enum(owner, TimeInForce, self.time_in_force))
        qty = self.quantity
        if (
            isinstance(qty, bool)
            or not isinstance(qty, (int, float))
            or not math.isfinite(qty)
            or qty <= 0
        ):
            _fail(owner, f"quantity must be a positive number, got {qty!r}")
        _check_price(owner, "limitPrice", self.limit_price)
        _check_price(owner, "stopPrice", self.stop_price)
        needs_limit = self.order_type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
        needs_stop = self.order_type in (OrderType.STOP, OrderType.STOP_LIMIT)
        if needs_limit != (self.limit_price is not None):
            _fail(
                owner,
                f"a {self.order_type.value} order {'needs' if needs_limit else 'takes no'} limitPrice",
            )
        if needs_stop != (self.stop_price is not None):
            _fail(
                owner,
                f"a {self.order_type.value} order {'needs' if needs_stop else 'takes no'} stopPrice",
            )
        if not self.client_order_id or len(self.client_order_id) > 128:
            _fail(owner, "clientOrderId must be 1 to 128 characters")

    @property
    def signed_quantity(self) -> float:
        return self.quantity if self.side is OrderSide.BUY else -self.quantity


@dataclass(frozen=True, kw_only=True)
class Order(_Record):
    """The broker's view of an order (the seed's OrderResponse, with the request's fields)."""

    order_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: float
    order_type: OrderType
    time_in_force: TimeInForce
    status: OrderStatus
    submitted_at: datetime
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    filled_at: datetime | None = None
    limit_price: float | None = None
    stop_price: float | None = None
    reject_reason: str | None = None

    def __post_init__(self) -> None:
        owner = "Order"
        _check_symbol(owner, self.symbol)
        _set(self, "side", _enum(owner, OrderSide, self.side))
        _set(self, "order_type", _enum(owner, OrderType, self.order_type))
        _set(self, "time_in_force", _enum(owner, TimeInForce, self.time_in_force))
        _set(self, "status", _enum(owner, OrderStatus, self.status))
        _set(self, "submitted_at", _utc(owner, "submittedAt", self.submitted_at))
        if self.filled_at is not None:
            _set(self, "filled_at", _utc(owner, "filledAt", self.filled_at))
        if not 0 <= self.filled_qty <= self.quantity + 1e-9:
            _fail(owner, f"filledQty {self.filled_qty} must lie in [0, quantity={self.quantity}]")
        if self.filled_qty > 0:
            _check_price(owner, "filledAvgPrice", self.filled_avg_price, allow_none=False)

    @property
    def remaining_qty(self) -> float:
        return self.quantity - self.filled_qty


@dataclass(frozen=True, kw_only=True)
class Fill(_Record):
    """One execution of (part of) an order."""

    order_id: str
    client_order_id: str
    symbol: str
    side: OrderSide
    quantity: float
    price: float
    timestamp: datetime
    commission: float = 0.0
    fill_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        owner = "Fill"
        _check_symbol(owner, self.symbol)
        _set(self, "side", _enum(owner, OrderSide, self.side))
        _check_price(owner, "price", self.price, allow_none=False)
        if not self.quantity > 0:
            _fail(owner, f"quantity must be > 0, got {self.quantity!r}")
        if self.commission < 0:
            _fail(owner, f"commission must be >= 0, got {self.commission!r}")
        _set(self, "timestamp", _utc(owner, "timestamp", self.timestamp))

    @property
    def signed_quantity(self) -> float:
        return self.quantity if self.side is OrderSide.BUY else -self.quantity


@dataclass(frozen=True, kw_only=True)
class Position(_Record):
    """A holding: signed quantity (negative is short) at an average entry price."""

    symbol: str
    quantity: float
    avg_entry_price: float
    market_price: float | None = None
    realized_pnl: float = 0.0
    updated_at: datetime = field(default_factory=now_utc)

    def __post_init__(self) -> None:
        _check_symbol("Position", self.symbol)
        if self.quantity != 0:
            _check_price("Position", "avgEntryPrice", self.avg_entry_price, allow_none=False)
        _check_price("Position", "marketPrice", self.market_price)
        _set(self, "updated_at", _utc("Position", "updatedAt", self.updated_at))

    @property
    def market_value(self) -> float:
        price = self.market_price if self.market_price is not None else self.avg_entry_price
        return self.quantity * price

    @property
    def unrealized_pnl(self) -> float:
        if self.market_price is None or self.quantity == 0:
            return 0.0
        return self.quantity * (self.market_price - self.avg_entry_price)
