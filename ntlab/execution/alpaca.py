"""AlpacaClient: the ExecutionClient over alpaca-py's TradingClient and TradingStream.

Paper trading by default. Live money needs both ``NTLAB_ALLOW_LIVE=1`` in the environment
and ``confirm_live=LIVE_CONFIRMATION`` in the call; anything less raises. The guard looks at
where the keys go, not only at the ``paper`` flag: a ``url_override`` or ``stream_url``
that is neither this machine (loopback) nor Alpaca's paper host counts as live. Keys come from
the environment only and never appear in logs or reprs.

Broker trouble is retried here under a stated budget: rate limits (429), server errors
(500, 502, 503, 504), refused connections and requests with no answer within
``request_timeout`` are tried again with exponential backoff and full jitter (``backoff``
doubling up to ``max_backoff``) until ``retry_budget`` seconds have passed; then one
:class:`~ntlab.errors.BrokerConnectionError` names the last real cause. A retried order
that had in fact reached the broker (its ``client_order_id`` is taken) is looked up, not
sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ntlab._optional import attempt_import
from ntlab._time import now_utc
from ntlab.config import settings
from ntlab.errors import BrokerConnectionError, ConfigError, ExecutionError
from ntlab.execution.client import Account, Clock, OrderUpdate, OrderUpdateHandler
from ntlab.model import Fill, Order, OrderRequest, OrderStatus, Position, TimeInForce

__all__ = ["AlpacaClient", "LIVE_CONFIRMATION", "stop_stream", "venue_of", "PAPER_HOSTS"]

log = logging.getLogger(__name__)
T = TypeVar("T")

LIVE_CONFIRMATION = "I understand this sends orders with real money"

#: Alpaca's paper-trading hosts (REST and the trade_updates stream).
PAPER_HOSTS = ("paper-api.alpaca.markets",)
_LOCAL = ("127.0.0.1", "localhost", "::1")


def venue_of(url: str) -> str:
    """``"local"`` (loopback), ``"paper"`` (Alpaca's paper host) or ``"live"`` (anything else)."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        raise ConfigError(f"not a URL: {url!r}") from None
    if not host:
        raise ConfigError(f"not a URL with a host: {url!r}")
    return "local" if host in _LOCAL else "paper" if host in PAPER_HOSTS else "live"


#: HTTP answers that mean "try again" (rate limit, server trouble), not "no".
_RETRY_STATUS = (429, 500, 502, 503, 504)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _enum_value(value: Any) -> str:
    return getattr(value, "value", value)


def order_from_alpaca(o: Any) -> Order:
    status = _enum_value(o.status)
    if status not in OrderStatus._value2member_map_:
        status = (
            "new"
            if status in ("accepted", "pending_new", "accepted_for_bidding", "calculated")
            else status
        )
    return Order(
        order_id=str(o.id),
        client_order_id=o.client_order_id,
        symbol=o.symbol,
        side=_enum_value(o.side),
        quantity=float(o.qty),
        order_type=_enum_value(o.order_type or o.type),
        time_in_force=_enum_value(o.time_in_force),
        status=status,
        submitted_at=o.submitted_at,
        filled_qty=float(o.filled_qty or 0),
        filled_avg_price=_f(o.filled_avg_price),
        filled_at=o.filled_at,
        limit_price=_f(o.limit_price),
        stop_price=_f(o.stop_price),
    )


class AlpacaClient:
    """Alpaca through alpaca-py (paper by default).

    Parameters
    ----------
    paper : bool
        Trade the paper account (default). ``False`` needs the live opt-in (module docstring).
    url_override, stream_url : str, optional
        Point alpaca-py at another server (the local exchange in tests and demos).
    api_key, secret_key : str, optional
        Credentials of a local exchange started in this process; default (and for
        Alpaca itself): ``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY`` from the environment.
    retry_budget : float
        Seconds a request may keep being retried (module docstring).
    backoff, max_backoff : float
        First and largest wait between tries (each wait is drawn uniformly below it).
    request_timeout : float
        Seconds to wait for an answer to one request.
    """

    def __init__(
        self,
        *,
        paper: bool = True,
        confirm_live: str | None = None,
        url_override: str | None = None,
        stream_url: str | None = None,
        api_key: str | None = None,
        secret_key: str | None = None,
        retry_budget: float = 30.0,
        backoff: float = 0.25,
        max_backoff: float = 4.0,
        request_timeout: float = 10.0,
        rate_limit_wait: float | None = None,
    ) -> None:
        live_urls = [u for u in (url_override, stream_url) if u and venue_of(u) == "live"]
        if not paper or live_urls:
            if os.environ.get("NTLAB_ALLOW_LIVE") != "1" or confirm_live != LIVE_CONFIRMATION:
                where = (
                    f"{live_urls[0]} is neither this machine nor Alpaca's paper host, so it is live; "
                    if live_urls
                    else ""
                )
                raise ConfigError(
                    f"live trading is off: {where}set NTLAB_ALLOW_LIVE=1 and pass "
                    f"confirm_live={LIVE_CONFIRMATION!r} to trade real money"
                )
            paper = False
            log.warning("AlpacaClient is trading LIVE money")
        if api_key and secret_key:
            self._keys = (api_key, secret_key)
        else:
            cfg = settings()
            if not cfg.has_alpaca_keys:
                raise ConfigError(
                    "AlpacaClient needs ALPACA_API_KEY and ALPACA_SECRET_KEY in the environment"
                )
            self._keys = (cfg.alpaca_api_key.reveal(), cfg.alpaca_secret_key.reveal())
        self.paper = paper
        self._stream_url = stream_url
        self._budget, self._backoff, self._max_backoff = retry_budget, backoff, max_backoff
        if rate_limit_wait is not None:  # the old knob: the first wait after a 429
            self._backoff = rate_limit_wait
        self.retries = 0  # tries that failed and were retried (all requests)
        trading = attempt_import("alpaca.trading.client", purpose="Alpaca trading")
        self._rest = trading.TradingClient(*self._keys, paper=paper, url_override=url_override)
        self._rest._retry = (
            0  # every retry is ours (budget, jitter), none of alpaca-py's fixed waits
        )
        session, send = self._rest._session, self._rest._session.request

        def request(method, url, **kw):  # alpaca-py sets no timeout: a silent broker would hang us
            kw.setdefault("timeout", request_timeout)
            return send(method, url, **kw)

        session.request = request
        self._stream: Any = None
        self._thread: threading.Thread | None = None
        self._handlers: list[OrderUpdateHandler] = []

    def __repr__(self) -> str:
        return f"AlpacaClient(paper={self.paper})"

    # ------------------------------------------------------------------ plumbing
    def _call(self, what: str, fn: Callable[[], T]) -> T:
        common = attempt_import("alpaca.common.exceptions", purpose="Alpaca trading")
        requests = attempt_import("requests", purpose="Alpaca trading")
        deadline = time.monotonic() + self._budget
        ceiling, tries = self._backoff, 0
        while True:
            tries += 1
            try:
                return fn()
            except common.APIError as exc:
                if exc.status_code not in _RETRY_STATUS:
                    raise ExecutionError(f"Alpaca refused {what}: {exc}") from exc
                cause, error = f"HTTP {exc.status_code} {_first_line(exc)}", exc
            except (requests.ConnectionError, requests.Timeout) as exc:
                kind = "no answer" if isinstance(exc, requests.Timeout) else "no connection"
                cause, error = f"{kind} ({type(exc).__name__})", exc
            wait = random.uniform(0, ceiling)
            if time.monotonic() + wait > deadline:
                raise BrokerConnectionError(
                    f"Alpaca failed {what} for {self._budget:g} s ({tries} tries); last: {cause}"
                ) from error
            self.retries += 1
            log.warning("Alpaca %s: %s (try %d), retrying in %.2fs", what, cause, tries, wait)
            time.sleep(wait)
            ceiling = min(ceiling * 2, self._max_backoff)

    # ------------------------------------------------------------------ orders
    def submit(self, request: OrderRequest) -> Order:
        req = attempt_import("alpaca.trading.requests", purpose="Alpaca trading")
        common = attempt_import("alpaca.common.exceptions", purpose="Alpaca trading")
        args: dict[str, Any] = {
            "symbol": request.symbol,
            "qty": request.quantity,
            "side": request.side.value,
            "time_in_force": request.time_in_force.value,
            "client_order_id": request.client_order_id,
        }
        kind = request.order_type.value
        if kind == "market":
            body = req.MarketOrderRequest(**args)
        elif kind == "limit":
            body = req.LimitOrderRequest(**args, limit_price=request.limit_price)
        elif kind == "stop":
            body = req.StopOrderRequest(**args, stop_price=request.stop_price)
        else:
            body = req.StopLimitOrderRequest(
                **args, limit_price=request.limit_price, stop_price=request.stop_price
            )
        try:
            return order_from_alpaca(self._call("an order", lambda: self._rest.submit_order(body)))
        except ExecutionError as exc:
            cause = exc.__cause__
            if isinstance(cause, common.APIError) and "must be unique" in str(cause):
                # a retry of an order that had reached the broker: that order, not a second one
                found = self.get_order_by_client_id(request.client_order_id)
                if found is not None:
                    return found
            if isinstance(cause, common.APIError) and cause.status_code in (403, 422):
                # the broker said no: report a rejected order with its reason, as the protocol promises
                return Order(
                    order_id=f"rejected-{request.client_order_id}",
                    client_order_id=request.client_order_id,
                    symbol=request.symbol,
                    side=request.side,
                    quantity=request.quantity,
                    order_type=request.order_type,
                    time_in_force=request.time_in_force,
                    status=OrderStatus.REJECTED,
                    submitted_at=now_utc(),
                    limit_price=request.limit_price,
                    stop_price=request.stop_price,
                    reject_reason=str(cause),
                )
            raise

    def cancel(self, order_id: str) -> None:
        self._call("a cancel", lambda: self._rest.cancel_order_by_id(order_id))

    def replace(
        self,
        order_id: str,
        *,
        quantity: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        time_in_force: TimeInForce | None = None,
    ) -> Order:
        req = attempt_import("alpaca.trading.requests", purpose="Alpaca trading")
        body = req.ReplaceOrderRequest(
            qty=None if quantity is None else int(quantity),
            limit_price=limit_price,
            stop_price=stop_price,
            time_in_force=None if time_in_force is None else TimeInForce(time_in_force).value,
        )
        return order_from_alpaca(
            self._call("a replace", lambda: self._rest.replace_order_by_id(order_id, body))
        )

    def get_order(self, order_id: str) -> Order:
        return order_from_alpaca(
            self._call("an order lookup", lambda: self._rest.get_order_by_id(order_id))
        )

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        try:
            found = self._call(
                "an order lookup", lambda: self._rest.get_order_by_client_id(client_order_id)
            )
        except ExecutionError as exc:
            if getattr(exc.__cause__, "status_code", None) == 404:
                return None
            raise
        return order_from_alpaca(found)

    def list_orders(self, status: str = "open") -> list[Order]:
        req = attempt_import("alpaca.trading.requests", purpose="Alpaca trading")
        body = req.GetOrdersRequest(status=status, limit=500)
        return [
            order_from_alpaca(o)
            for o in self._call("the order list", lambda: self._rest.get_orders(body))
        ]

    # ------------------------------------------------------------------ account
    def positions(self) -> list[Position]:
        out = []
        for p in self._call("positions", self._rest.get_all_positions):
            qty = float(p.qty) * (-1 if _enum_value(p.side) == "short" else 1)
            out.append(
                Position(
                    symbol=p.symbol,
                    quantity=qty,
                    avg_entry_price=float(p.avg_entry_price),
                    market_price=_f(p.current_price),
                )
            )
        return out

    def account(self) -> Account:
        a = self._call("the account", self._rest.get_account)
        return Account(
            cash=float(a.cash),
            equity=float(a.equity),
            buying_power=float(a.buying_power),
            long_market_value=float(a.long_market_value or 0),
            short_market_value=float(a.short_market_value or 0),
            currency=a.currency or "USD",
            trading_blocked=bool(a.trading_blocked),
        )

    def clock(self) -> Clock:
        c = self._call("the clock", self._rest.get_clock)
        return Clock(
            timestamp=c.timestamp, is_open=c.is_open, next_open=c.next_open, next_close=c.next_close
        )

    # ------------------------------------------------------------------ stream
    def subscribe(self, handler: OrderUpdateHandler) -> None:
        """Deliver trade_updates to ``handler`` from a background thread (alpaca-py reconnects)."""
        self._handlers.append(handler)
        if self._stream is not None:
            return
        stream_mod = attempt_import("alpaca.trading.stream", purpose="Alpaca trade updates")
        self._stream = stream_mod.TradingStream(
            *self._keys, paper=self.paper, url_override=self._stream_url
        )
        self._stream._reconnect_min_backoff = 0.2

        async def on_update(update: Any) -> None:
            converted = self._convert_update(update)
            for h in list(self._handlers):
                try:
                    h(converted)
                except Exception:  # one bad handler must not stop the stream
                    log.exception("order update handler failed")

        self._stream.subscribe_trade_updates(on_update)
        self._thread = threading.Thread(
            target=self._stream.run, name="alpaca-trade-updates", daemon=True
        )
        self._thread.start()

    def _convert_update(self, update: Any) -> OrderUpdate:
        order = order_from_alpaca(update.order)
        event = _enum_value(update.event)
        fill = None
        if event in ("fill", "partial_fill") and update.qty and update.price:
            fill = Fill(
                order_id=order.order_id,
                client_order_id=order.client_order_id,
                symbol=order.symbol,
                side=order.side,
                quantity=float(update.qty),
                price=float(update.price),
                timestamp=update.timestamp,
                fill_id=str(update.execution_id or f"{order.order_id}-{order.filled_qty}"),
            )
        return OrderUpdate(
            event=event,
            order=order,
            timestamp=update.timestamp,
            fill=fill,
            position_qty=_f(update.position_qty),
        )

    def close(self) -> None:
        """Stop the trade_updates thread (closing its socket, so it ends at once)."""
        stop_stream(self._stream, self._thread)
        self._stream = self._thread = None


def stop_stream(stream: Any, thread: threading.Thread | None, timeout: float = 10.0) -> None:
    """Stop an alpaca-py websocket stream (trading or market data) running in ``thread``.

    alpaca-py looks for a stop request only between messages; closing the socket as well
    ends a quiet stream at once instead of after its receive timeout.
    """
    if stream is None or thread is None:
        return
    deadline = time.monotonic() + timeout
    while getattr(stream, "_loop", None) is None and thread.is_alive():
        if time.monotonic() > deadline:
            break
        time.sleep(0.01)  # started a moment ago: its event loop does not exist yet
    loop = getattr(stream, "_loop", None)
    if loop is not None and loop.is_running():
        with contextlib.suppress(RuntimeError, TimeoutError, AttributeError):
            asyncio.run_coroutine_threadsafe(stream.stop_ws(), loop).result(timeout)
        thread.join(0.5)
        if thread.is_alive() and loop.is_running():
            # the closed socket makes alpaca-py log a "websocket error, restarting" on its way out
            quiet = logging.getLogger(type(stream).__module__)
            level = quiet.level
            quiet.setLevel(logging.CRITICAL)
            try:
                with contextlib.suppress(RuntimeError, TimeoutError, AttributeError):
                    asyncio.run_coroutine_threadsafe(stream.close(), loop).result(timeout)
                thread.join(max(0.0, deadline - time.monotonic()))
            finally:
                quiet.setLevel(level)
    thread.join(max(0.0, deadline - time.monotonic()))
    if thread.is_alive():
        raise BrokerConnectionError(f"an Alpaca stream thread did not stop within {timeout} s")
