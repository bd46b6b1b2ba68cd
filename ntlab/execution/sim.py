"""SimClient: a paper exchange in process, filling orders against replayed or live bars.

Orders placed while bar t is current fill on a later bar with the very fill and cost
kernels the event backtest uses (:func:`ntlab.execution.fills.fill_order`), so a paper
session on replayed data and the event backtest on the same data make the same fills.

Time in force: ``day`` orders expire when a bar of a new trading day (New York) arrives
unfilled; ``ioc`` keeps what fills on its first bar and cancels the rest; ``fok`` fills
whole on its first bar or is canceled; ``gtc`` stays until filled or canceled.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from ntlab._time import now_utc, to_utc
from ntlab.errors import ExecutionError
from ntlab.execution.client import Account, Clock, OrderUpdate, OrderUpdateHandler
from ntlab.execution.fills import fill_order
from ntlab.execution.ledger import Ledger
from ntlab.execution.policy import ExecutionPolicy
from ntlab.model import Fill, Order, OrderRequest, OrderStatus, Position, TimeInForce

__all__ = ["SimClient", "evolve"]

_NY = "America/New_York"


def evolve(record, **changes):
    """``dataclasses.replace`` without running the record's validation again.

    For the hot path only: a copy of an already validated model record (Order, Fill) whose
    changed fields are valid by construction (a status, a filled quantity within the order's,
    a UTC time the clock already checked). Saves the re-validation of every field per fill.
    """
    out = copy.copy(record)
    for name, value in changes.items():
        object.__setattr__(out, name, value)
    return out


class SimClient:
    """In-process paper broker (implements :class:`ntlab.execution.client.ExecutionClient`).

    Parameters
    ----------
    policy : ExecutionPolicy
        Cost and fill models (shared with the event backtest).
    cash : float
        Starting cash.
    symbols : iterable of str, optional
        Tradable universe; orders for other symbols are rejected.
    max_leverage : float
        Gross exposure allowed relative to equity when accepting an order.
    allow_short : bool
    """

    def __init__(
        self,
        policy: ExecutionPolicy | None = None,
        *,
        cash: float = 100_000.0,
        symbols=None,
        max_leverage: float = 1.0,
        allow_short: bool = True,
    ) -> None:
        self.policy = policy or ExecutionPolicy()
        self._params = self.policy.params()
        # the one ledger (ntlab.execution.ledger): average cost, realized P&L after fees
        self._ledger = Ledger(sorted(symbols) if symbols is not None else (), cash, grow=True)
        self._symbols = None if symbols is None else set(symbols)
        self._max_leverage = max_leverage
        self._allow_short = allow_short
        self._orders: dict[str, Order] = {}
        self._working: dict[str, None] = {}  # ids of the working orders, in submission order
        self._valuation: tuple[float, float] | None = (
            None  # (equity, gross), until prices or holdings move
        )
        self._by_cid: dict[str, str] = {}
        self._first_bar: dict[str, bool] = {}
        self._prices: dict[str, float] = {}
        self._now: datetime | None = None
        self._handlers: list[OrderUpdateHandler] = []
        self._lock = threading.RLock()
        self.fills: list[Fill] = []

    # ------------------------------------------------------------------ helpers
    @property
    def now(self) -> datetime:
        return self._now or now_utc()

    def _emit(self, event: str, order: Order, fill: Fill | None = None) -> None:
        pos = self._ledger.quantity(order.symbol)
        update = OrderUpdate(
            event=event, order=order, timestamp=self.now, fill=fill, position_qty=pos
        )
        for handler in list(self._handlers):
            handler(update)

    def _value(self) -> tuple[float, float]:
        """(equity, gross exposure), computed once per change of prices or holdings."""
        if self._valuation is None:
            book, prices = self._ledger, self._prices
            equity, gross = book.cash, 0.0
            for j in np.flatnonzero(book.qty):
                value = float(book.qty[j]) * prices.get(book.symbols[j], float(book.avg[j]))
                equity += value
                gross += abs(value)
            self._valuation = (equity, gross)
        return self._valuation

    def _equity(self) -> float:
        return self._value()[0]

    def _gross(self) -> float:
        return self._value()[1]

    def _held(self) -> list[tuple[str, float, float, float]]:
        """(symbol, quantity, average price, realized P&L) of each open position, by symbol."""
        book = self._ledger
        return sorted(
            (book.symbols[j], float(book.qty[j]), float(book.avg[j]), float(book.realized[j]))
            for j in np.flatnonzero(book.qty)
        )

    def _reject(self, request: OrderRequest, reason: str) -> Order:
        order = self._new_order(request, OrderStatus.REJECTED, reason)
        self._emit("rejected", order)
        return order

    def _new_order(
        self, request: OrderRequest, status: OrderStatus, reason: str | None = None
    ) -> Order:
        order = Order(
            order_id=str(uuid.uuid4()),
            client_order_id=request.client_order_id,
            symbol=request.symbol,
            side=request.side,
            quantity=request.quantity,
            order_type=request.order_type,
            time_in_force=request.time_in_force,
            status=status,
            submitted_at=self.now,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            reject_reason=reason,
        )
        self._store(order)
        self._by_cid[order.client_order_id] = order.order_id
        return order

    def _store(self, order: Order) -> None:
        """Keep ``order`` as the latest state of its id (and the index of working orders)."""
        self._orders[order.order_id] = order
        if order.status.is_terminal:
            self._working.pop(order.order_id, None)
        else:
            self._working[order.order_id] = None

    # ------------------------------------------------------------------ ExecutionClient
    def submit(self, request: OrderRequest) -> Order:
        with self._lock:
            if request.client_order_id in self._by_cid:
                raise ExecutionError(f"client_order_id {request.client_order_id} was already used")
            if self._symbols is not None and request.symbol not in self._symbols:
                return self._reject(request, f"unknown symbol {request.symbol}")
            held = self._ledger.quantity(request.symbol)
            after = held + request.signed_quantity
            if after < 0 and not self._allow_short:
                return self._reject(
                    request, f"short selling is off: would leave {after:g} {request.symbol}"
                )
            price = self._prices.get(request.symbol) or request.limit_price or request.stop_price
            if price is None:
                return self._reject(request, f"no price yet for {request.symbol}")
            equity, gross = self._value()
            gross_after = gross + (abs(after) - abs(held)) * price
            if abs(after) > abs(held) and gross_after > self._max_leverage * equity * (1 + 1e-9):
                return self._reject(
                    request,
                    f"insufficient buying power: exposure {gross_after:,.2f} would exceed "
                    f"{self._max_leverage:g} x equity {equity:,.2f}",
                )
            order = self._new_order(request, OrderStatus.NEW)
            self._first_bar[order.order_id] = True
            self._emit("new", order)
            return order

    def _open(self, order_id: str) -> Order:
        order = self.get_order(order_id)
        if order.status.is_terminal:
            raise ExecutionError(f"order {order_id} is already {order.status.value}")
        return order

    def cancel(self, order_id: str) -> None:
        with self._lock:
            order = replace(self._open(order_id), status=OrderStatus.CANCELED)
            self._store(order)
            self._emit("canceled", order)

    def replace(
        self, order_id, *, quantity=None, limit_price=None, stop_price=None, time_in_force=None
    ) -> Order:
        with self._lock:
            old = self._open(order_id)
            request = OrderRequest(
                symbol=old.symbol,
                side=old.side,
                quantity=quantity if quantity is not None else old.remaining_qty,
                order_type=old.order_type,
                time_in_force=time_in_force or old.time_in_force,
                limit_price=limit_price if limit_price is not None else old.limit_price,
                stop_price=stop_price if stop_price is not None else old.stop_price,
            )
            done = replace(old, status=OrderStatus.REPLACED)
            self._store(done)
            self._emit("replaced", done)
            new = self._new_order(request, OrderStatus.NEW)
            self._first_bar[new.order_id] = True
            self._emit("new", new)
            return new

    def get_order(self, order_id: str) -> Order:
        with self._lock:
            if order_id not in self._orders:
                raise ExecutionError(f"unknown order {order_id}")
            return self._orders[order_id]

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        with self._lock:
            oid = self._by_cid.get(client_order_id)
            return None if oid is None else self._orders[oid]

    def list_orders(self, status: str = "open") -> list[Order]:
        with self._lock:
            if status == "open":
                return [self._orders[oid] for oid in self._working]
            orders = list(self._orders.values())
        if status == "closed":
            return [o for o in orders if o.status.is_terminal]
        return orders

    def positions(self) -> list[Position]:
        with self._lock:
            return [
                Position(
                    symbol=s,
                    quantity=q,
                    avg_entry_price=avg,
                    market_price=self._prices.get(s),
                    realized_pnl=realized,
                    updated_at=self.now,
                )  # fmt: skip
                for s, q, avg, realized in self._held()
            ]

    def realized_pnl(self) -> float:
        """Realized P&L after fees, over every symbol (the ledger's rule)."""
        return float(self._ledger.realized.sum())

    def account(self) -> Account:
        with self._lock:
            values = [q * self._prices.get(s, avg) for s, q, avg, _ in self._held()]
            longs = sum(v for v in values if v > 0)
            shorts = sum(v for v in values if v < 0)
            equity = self._equity()
            return Account(
                cash=self._ledger.cash,
                equity=equity,
                buying_power=max(0.0, self._max_leverage * equity - self._gross()),
                long_market_value=longs,
                short_market_value=shorts,
            )

    def clock(self) -> Clock:
        now = pd.Timestamp(self.now).tz_convert(_NY)
        opens = now.normalize() + timedelta(hours=9, minutes=30)
        closes = now.normalize() + timedelta(hours=16)
        is_open = now.weekday() < 5 and opens <= now < closes
        next_open = opens if now < opens else opens + timedelta(days=1)
        return Clock(
            timestamp=self.now,
            is_open=bool(is_open),
            next_open=next_open.tz_convert("UTC").to_pydatetime(),
            next_close=(closes if now < closes else closes + timedelta(days=1))
            .tz_convert("UTC")
            .to_pydatetime(),
        )

    def subscribe(self, handler: OrderUpdateHandler) -> None:
        self._handlers.append(handler)

    # ------------------------------------------------------------------ the market
    def on_bar(self, timestamp, bars: dict[str, dict[str, float]]) -> list[Fill]:
        """Advance to ``timestamp``: fill open orders against ``bars`` ({symbol: {open, high, low, close, volume}}),
        then mark positions at the closes. Returns the fills made."""
        ts = to_utc(timestamp, what="bar timestamp")
        made: list[Fill] = []
        with self._lock:
            new_day = (
                self._now is not None
                and pd.Timestamp(ts).tz_convert(_NY).date()
                != pd.Timestamp(self._now).tz_convert(_NY).date()
            )
            self._now = ts
            for order in self.list_orders("open"):
                if (
                    new_day
                    and order.time_in_force is TimeInForce.DAY
                    and not self._first_bar.get(order.order_id)
                ):
                    self._finish(order, OrderStatus.EXPIRED, "expired")
                    continue
                bar = bars.get(order.symbol)
                if bar is None or not np.isfinite(bar.get("close", np.nan)):
                    continue
                fill = self._try_fill(order, bar)
                if fill is not None:
                    made.append(fill)
            for symbol, bar in bars.items():
                close = bar.get("close", np.nan)
                if np.isfinite(close):
                    self._prices[symbol] = float(close)
            self._valuation = None
        return made

    def on_bar_arrays(
        self,
        timestamp,
        symbols: list[str],
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray | None = None,
    ) -> list[Fill]:
        """:meth:`on_bar` for one bar of many symbols given as arrays of shape (n_symbols,)
        (NaN where a symbol has no bar): only the symbols with working orders become
        per-symbol objects, so a bar of 500 symbols costs little more than its orders."""
        with self._lock:
            wanted = {self._orders[oid].symbol for oid in self._working}
            column = self._columns(symbols)
            bars = {}
            for symbol in wanted:
                j = column.get(symbol)
                if j is not None and np.isfinite(close[j]):
                    bars[symbol] = {
                        "open": float(open_[j]),
                        "high": float(high[j]),
                        "low": float(low[j]),
                        "close": float(close[j]),
                        "volume": float(volume[j]) if volume is not None else float("nan"),
                    }
            made = self.on_bar(timestamp, bars)
            ok = np.isfinite(close)
            self._prices.update(
                zip(np.asarray(symbols, dtype=object)[ok].tolist(), close[ok].tolist(), strict=True)
            )
            self._valuation = None
        return made

    def _columns(self, symbols: list[str]) -> dict[str, int]:
        cached = getattr(self, "_column_cache", None)
        if cached is None or cached[0] is not symbols:
            cached = (symbols, {s: j for j, s in enumerate(symbols)})
            self._column_cache = cached
        return cached[1]

    def _finish(self, order: Order, status: OrderStatus, event: str) -> None:
        done = evolve(order, status=status)
        self._store(done)
        self._emit(event, done)

    def _try_fill(self, order: Order, bar: dict[str, float]) -> Fill | None:
        first = self._first_bar.pop(order.order_id, False)
        nan = float("nan")
        got = fill_order(
            order.side.value,
            order.remaining_qty,
            bar,
            self._params,
            order_type=order.order_type.value
            if order.order_type.value != "stop_limit"
            else "limit",
            limit=order.limit_price if order.limit_price is not None else nan,
            stop=order.stop_price if order.stop_price is not None else nan,
        )
        tif = order.time_in_force
        if got.quantity <= 0 or (
            tif is TimeInForce.FOK and got.quantity < order.remaining_qty - 1e-9
        ):
            if first and tif in (TimeInForce.IOC, TimeInForce.FOK):
                self._finish(order, OrderStatus.CANCELED, "canceled")
            return None
        fill = Fill(
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            quantity=got.quantity,
            price=got.price,
            commission=got.fee,
            timestamp=self._now,
        )
        self._book(fill)
        filled = order.filled_qty + got.quantity
        avg = (
            (order.filled_avg_price or 0.0) * order.filled_qty + got.price * got.quantity
        ) / filled
        complete = filled >= order.quantity - 1e-9
        status = OrderStatus.FILLED if complete else OrderStatus.PARTIALLY_FILLED
        updated = evolve(
            order,
            status=status,
            filled_qty=min(filled, order.quantity),
            filled_avg_price=avg,
            filled_at=self._now if complete else None,
        )
        self._store(updated)
        self.fills.append(fill)
        self._emit("fill" if complete else "partial_fill", updated, fill)
        if not complete and tif is TimeInForce.IOC:
            self._finish(updated, OrderStatus.CANCELED, "canceled")
        return fill

    def _book(self, fill: Fill) -> None:
        self._valuation = None
        self._ledger.apply_fill(fill)
