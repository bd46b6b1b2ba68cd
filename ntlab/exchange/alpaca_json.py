"""Translation between ntlab's domain types and Alpaca's trading JSON (as alpaca-py reads it)."""

from __future__ import annotations

import uuid
from typing import Any

from ntlab._time import iso_utc, now_utc
from ntlab.errors import ConfigError
from ntlab.execution.client import Account, Clock, OrderUpdate
from ntlab.model import Order, OrderRequest, Position

__all__ = [
    "order_json",
    "position_json",
    "account_json",
    "clock_json",
    "update_json",
    "request_from_json",
    "asset_id",
]

_NS = uuid.UUID("6f1c1f6e-6e0a-4c1e-9a59-6e746c616221")


def asset_id(symbol: str) -> str:
    """A stable UUID per symbol (Alpaca identifies assets by UUID)."""
    return str(uuid.uuid5(_NS, symbol))


def _num(value: float | None) -> str | None:
    return None if value is None else repr(float(value))


def order_json(
    order: Order, *, replaced_by: str | None = None, replaces: str | None = None
) -> dict[str, Any]:
    ts = iso_utc(order.submitted_at)
    done = order.status.is_terminal
    return {
        "id": order.order_id,
        "client_order_id": order.client_order_id,
        "created_at": ts,
        "updated_at": iso_utc(order.filled_at or now_utc()),
        "submitted_at": ts,
        "filled_at": iso_utc(order.filled_at) if order.filled_at else None,
        "expired_at": ts if order.status.value == "expired" else None,
        "canceled_at": iso_utc(now_utc()) if order.status.value == "canceled" else None,
        "failed_at": ts if order.status.value == "rejected" else None,
        "replaced_at": iso_utc(now_utc()) if order.status.value == "replaced" else None,
        "replaced_by": replaced_by,
        "replaces": replaces,
        "asset_id": asset_id(order.symbol),
        "symbol": order.symbol,
        "asset_class": "us_equity",
        "notional": None,
        "qty": _num(order.quantity),
        "filled_qty": _num(order.filled_qty),
        "filled_avg_price": _num(order.filled_avg_price),
        "order_class": "simple",
        "order_type": order.order_type.value,
        "type": order.order_type.value,
        "side": order.side.value,
        "time_in_force": order.time_in_force.value,
        "limit_price": _num(order.limit_price),
        "stop_price": _num(order.stop_price),
        "status": order.status.value,
        "extended_hours": False,
        "legs": None,
        "done": done,
    }


def position_json(position: Position) -> dict[str, Any]:
    price = position.market_price if position.market_price is not None else position.avg_entry_price
    cost = position.quantity * position.avg_entry_price
    return {
        "asset_id": asset_id(position.symbol),
        "symbol": position.symbol,
        "exchange": "NASDAQ",
        "asset_class": "us_equity",
        "asset_marginable": True,
        "avg_entry_price": _num(position.avg_entry_price),
        "qty": _num(abs(position.quantity)),
        "qty_available": _num(abs(position.quantity)),
        "side": "long" if position.quantity >= 0 else "short",
        "market_value": _num(position.quantity * price),
        "cost_basis": _num(cost),
        "unrealized_pl": _num(position.unrealized_pnl),
        "unrealized_plpc": _num(position.unrealized_pnl / abs(cost) if cost else 0.0),
        "current_price": _num(price),
    }


def account_json(account: Account, account_id: str) -> dict[str, Any]:
    return {
        "id": account_id,
        "account_number": "PA" + account_id.replace("-", "")[:10].upper(),
        "status": "ACTIVE",
        "currency": account.currency,
        "cash": _num(account.cash),
        "buying_power": _num(account.buying_power),
        "regt_buying_power": _num(account.buying_power),
        "non_marginable_buying_power": _num(account.cash),
        "portfolio_value": _num(account.equity),
        "equity": _num(account.equity),
        "last_equity": _num(account.equity),
        "long_market_value": _num(account.long_market_value),
        "short_market_value": _num(account.short_market_value),
        "multiplier": "1",
        "pattern_day_trader": False,
        "trading_blocked": account.trading_blocked,
        "transfers_blocked": False,
        "account_blocked": False,
        "shorting_enabled": True,
        "created_at": iso_utc(now_utc()),
    }


def clock_json(clock: Clock) -> dict[str, Any]:
    return {
        "timestamp": iso_utc(clock.timestamp),
        "is_open": clock.is_open,
        "next_open": iso_utc(clock.next_open),
        "next_close": iso_utc(clock.next_close),
    }


def update_json(update: OrderUpdate) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": update.event,
        "order": order_json(update.order),
        "timestamp": iso_utc(update.timestamp),
    }
    if update.fill is not None:
        data.update(
            execution_id=str(uuid.uuid5(_NS, update.fill.fill_id)),
            price=update.fill.price,
            qty=update.fill.quantity,
        )
    if update.position_qty is not None:
        data["position_qty"] = update.position_qty
    return {"stream": "trade_updates", "data": data}


#: The smallest quantity an order may have (Alpaca takes quantities to 9 decimal places).
MIN_QTY = 1e-9


def number(body: dict[str, Any], key: str) -> float | None:
    """``body[key]`` as a finite float (None when absent); anything else raises ConfigError."""
    value = body.get(key)
    if value is None:
        return None
    try:
        out = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError, OverflowError):
        out = float("nan")
    if out != out or out in (float("inf"), float("-inf")):
        raise ConfigError(f"{key} must be a finite number, got {value!r}")
    return out


def request_from_json(body: dict[str, Any]) -> OrderRequest:
    """An Alpaca order body (as alpaca-py posts it) -> OrderRequest (raises ConfigError on bad input)."""
    if not isinstance(body, dict):
        raise ConfigError("the order body must be a JSON object")
    if body.get("notional") is not None:
        raise ConfigError("notional orders are not supported by the local exchange; send qty")
    if body.get("order_class") not in (None, "simple"):
        raise ConfigError(
            f"order_class {body.get('order_class')!r} is not supported; only simple orders"
        )

    num = lambda key: number(body, key)  # noqa: E731
    qty = num("qty")
    if qty is not None and 0 < qty < MIN_QTY:
        raise ConfigError(
            f"qty must be at least {MIN_QTY:g} (Alpaca's 9 decimal places), got {qty!r}"
        )
    for key in ("symbol", "side", "type", "order_type", "time_in_force", "client_order_id"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise ConfigError(f"{key} must be a string, got {body[key]!r}")
    kwargs: dict[str, Any] = {
        "symbol": body.get("symbol"),
        "side": body.get("side"),
        "quantity": qty,
        "order_type": body.get("type") or body.get("order_type") or "market",
        "time_in_force": body.get("time_in_force") or "day",
        "limit_price": num("limit_price"),
        "stop_price": num("stop_price"),
    }
    if body.get("client_order_id"):
        kwargs["client_order_id"] = body["client_order_id"]
    return OrderRequest(**kwargs)
