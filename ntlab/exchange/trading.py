"""Alpaca's trading REST API (``/v2/account``, ``/v2/orders``, ``/v2/positions``, ``/v2/clock``)
and its ``trade_updates`` websocket (JSON), over any :class:`ExecutionClient`.

The real alpaca-py ``TradingClient`` and ``TradingStream`` talk to this app through
``url_override``. :class:`Faults` lets tests make it answer 429 or drop stream connections.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError, ExecutionError, NtlabError
from ntlab.exchange import alpaca_json as aj
from ntlab.execution.client import ExecutionClient, OrderUpdate

__all__ = ["Faults", "trading_routes"]


@dataclass
class Faults:
    """Failures to inject, for tests of retries and reconnects."""

    rate_limit_next: int = 0  # answer the next N REST requests with 429
    error_next: int = 0  # answer the next N REST requests with 500
    stall_next: int = 0  # hold the next N REST requests stall_seconds before answering
    stall_seconds: float = 0.0
    requests_seen: int = 0
    drops: int = 0
    _streams: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _drop: Any = None

    def drop_streams(self) -> int:
        """Close every trade_updates connection (clients are expected to reconnect)."""
        return self._drop() if self._drop is not None else 0

    def take_rate_limit(self) -> bool:
        return self.take() == 429

    def take(self) -> int | float | None:
        """The fault for this request: 429, 500, a stall in seconds (a float), or None."""
        with self._lock:
            self.requests_seen += 1
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return 429
            if self.error_next > 0:
                self.error_next -= 1
                return 500
            if self.stall_next > 0:
                self.stall_next -= 1
                return float(self.stall_seconds)
            return None


class _Broadcaster:
    """Fans order updates from the client's thread out to connected websocket listeners."""

    def __init__(self) -> None:
        self.listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []
        self.lock = threading.Lock()

    def __call__(self, update: OrderUpdate) -> None:
        text = json.dumps(aj.update_json(update))
        with self.lock:
            targets = list(self.listeners)
        for loop, queue in targets:
            loop.call_soon_threadsafe(queue.put_nowait, text)


class _Malformed(ValueError):
    """A request body the API refuses (answered 422 with this message)."""


async def _json_object(request) -> dict[str, Any]:
    """The body as a JSON object; anything else (not UTF-8, not JSON, an array...) is refused."""
    raw = await request.body()
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Malformed("the body is not UTF-8 text") from None
    except json.JSONDecodeError:
        raise _Malformed("the body is not JSON") from None
    if not isinstance(body, dict):
        raise _Malformed(f"the body must be a JSON object, got {type(body).__name__}")
    return body


def trading_routes(
    client: ExecutionClient,
    *,
    api_key: str,
    secret_key: str,
    faults: Faults | None = None,
) -> list:
    """Starlette routes for the trading API and the trade_updates stream (at ``/stream``)."""
    routing = attempt_import("starlette.routing", purpose="the local exchange")
    responses = attempt_import("starlette.responses", purpose="the local exchange")
    JSONResponse, Response = responses.JSONResponse, responses.Response
    requests_mod = attempt_import("starlette.requests", purpose="the local exchange")
    faults = faults or Faults()
    account_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ntlab-exchange/{api_key}"))
    broadcaster = _Broadcaster()
    client.subscribe(broadcaster)
    replaced: dict[str, tuple[str | None, str | None]] = {}  # order id -> (replaced_by, replaces)

    def error(status: int, message: str, code: int = 40010000) -> Any:
        return JSONResponse({"code": code, "message": message}, status_code=status)

    def guarded(handler):
        async def wrapped(request):
            fault = faults.take()
            if fault == 429 and isinstance(fault, int):
                return error(429, "rate limit exceeded", 42900000)
            if fault == 500 and isinstance(fault, int):
                return error(500, "internal server error (injected)", 50000000)
            if isinstance(fault, float):
                await asyncio.sleep(fault)
            if (
                request.headers.get("apca-api-key-id") != api_key
                or request.headers.get("apca-api-secret-key") != secret_key
            ):
                return error(401, "request is not authorized", 40110000)
            try:
                return await handler(request)
            except requests_mod.ClientDisconnect:  # the client went away mid-request (killed)
                return Response(status_code=400)
            except _Malformed as exc:
                return error(422, str(exc))
            except (ConfigError, ExecutionError) as exc:
                status = 404 if "unknown order" in str(exc) or "no position" in str(exc) else 422
                return error(status, str(exc))
            except NtlabError as exc:
                return error(422, str(exc))
            except (ValueError, TypeError, KeyError) as exc:  # malformed input never answers 500
                return error(422, f"malformed request: {type(exc).__name__}: {exc}")

        return wrapped

    def order_out(order) -> dict[str, Any]:
        by, of = replaced.get(order.order_id, (None, None))
        return aj.order_json(order, replaced_by=by, replaces=of)

    async def account(request):
        return JSONResponse(aj.account_json(client.account(), account_id))

    async def clock(request):
        return JSONResponse(aj.clock_json(client.clock()))

    async def orders(request):
        if request.method == "POST":
            body = await _json_object(request)
            cid = body.get("client_order_id")
            if cid is not None and not isinstance(cid, str):
                return error(422, f"client_order_id must be a string, got {cid!r}")
            existing = cid and client.get_order_by_client_id(cid)
            if existing:
                return error(
                    422, f"client_order_id {body['client_order_id']} must be unique", 40010001
                )
            order = client.submit(aj.request_from_json(body))
            if order.status.value == "rejected":
                return error(403, order.reject_reason or "order rejected", 40310000)
            return JSONResponse(order_out(order))
        if request.method == "DELETE":
            out = []
            for order in client.list_orders("open"):
                client.cancel(order.order_id)
                out.append(
                    {
                        "id": order.order_id,
                        "status": 200,
                        "body": order_out(client.get_order(order.order_id)),
                    }
                )
            return JSONResponse(out, status_code=207)
        status = request.query_params.get("status", "open")
        if status not in ("open", "closed", "all"):
            return error(422, f"status must be open, closed or all, got {status!r}")
        return JSONResponse([order_out(o) for o in client.list_orders(status)])

    async def order_by_client_id(request):
        cid = request.query_params.get("client_order_id", "")
        order = client.get_order_by_client_id(cid)
        if order is None:
            return error(404, f"unknown order with client_order_id {cid!r}", 40410000)
        return JSONResponse(order_out(order))

    async def one_order(request):
        order_id = request.path_params["order_id"]
        if request.method == "DELETE":
            client.cancel(order_id)
            return Response(status_code=204)
        if request.method == "PATCH":
            body = await _json_object(request)
            tif = body.get("time_in_force")
            if tif is not None and not isinstance(tif, str):
                raise _Malformed(f"time_in_force must be a string, got {tif!r}")
            new = client.replace(
                order_id,
                quantity=aj.number(body, "qty"),
                limit_price=aj.number(body, "limit_price"),
                stop_price=aj.number(body, "stop_price"),
                time_in_force=tif,
            )
            replaced[order_id] = (new.order_id, None)
            replaced[new.order_id] = (None, order_id)
            return JSONResponse(order_out(new))
        return JSONResponse(order_out(client.get_order(order_id)))

    async def positions(request):
        if request.method == "DELETE":
            return JSONResponse([_close(p.symbol) for p in client.positions()], status_code=207)
        return JSONResponse([aj.position_json(p) for p in client.positions()])

    def _close(symbol: str) -> dict[str, Any]:
        held = {p.symbol: p for p in client.positions()}
        if symbol not in held:
            raise ExecutionError(f"no position in {symbol}")
        qty = held[symbol].quantity
        request = aj.request_from_json(
            {"symbol": symbol, "qty": abs(qty), "side": "sell" if qty > 0 else "buy"}
        )
        order = client.submit(request)
        return {"symbol": symbol, "status": 200, "body": order_out(order)}

    async def one_position(request):
        symbol = request.path_params["symbol"]
        if request.method == "DELETE":
            return JSONResponse(_close(symbol)["body"])
        held = {p.symbol: p for p in client.positions()}
        if symbol not in held:
            return error(404, f"no position in {symbol}", 40410000)
        return JSONResponse(aj.position_json(held[symbol]))

    async def stream(websocket):
        await websocket.accept()
        try:
            auth = json.loads(await websocket.receive_text())
            data = auth.get("data") or {}
            ok = (
                auth.get("action") in ("authenticate", "auth")
                and data.get("key_id") == api_key
                and data.get("secret_key") == secret_key
            )
            status = "authorized" if ok else "unauthorized"
            await websocket.send_text(
                json.dumps(
                    {
                        "stream": "authorization",
                        "data": {"status": status, "action": "authenticate"},
                    }
                )
            )
            if not ok:
                await websocket.close()
                return
            queue: asyncio.Queue = asyncio.Queue()
            entry = (asyncio.get_running_loop(), queue)
            listen = json.loads(await websocket.receive_text())
            streams = (listen.get("data") or {}).get("streams") or []
            with broadcaster.lock:
                broadcaster.listeners.append(entry)
            faults._streams.append(websocket)
            await websocket.send_text(
                json.dumps({"stream": "listening", "data": {"streams": streams}})
            )
            try:
                while True:
                    text = await queue.get()
                    if text is None:
                        break
                    await websocket.send_text(text)
            finally:
                with broadcaster.lock:
                    broadcaster.listeners.remove(entry)
                if websocket in faults._streams:
                    faults._streams.remove(websocket)
        except Exception:  # a client that goes away mid-send is not an error of ours
            pass
        try:
            await websocket.close()
        except Exception:
            pass

    def drop_streams() -> int:
        with broadcaster.lock:
            targets = list(broadcaster.listeners)
        for loop, queue in targets:
            loop.call_soon_threadsafe(queue.put_nowait, None)
        faults.drops += len(targets)
        return len(targets)

    faults._drop = drop_streams
    g = guarded
    return [
        routing.Route("/v2/account", g(account)),
        routing.Route("/v2/clock", g(clock)),
        routing.Route("/v2/orders", g(orders), methods=["GET", "POST", "DELETE"]),
        routing.Route("/v2/orders:by_client_order_id", g(order_by_client_id)),
        routing.Route("/v2/orders/{order_id}", g(one_order), methods=["GET", "PATCH", "DELETE"]),
        routing.Route("/v2/positions", g(positions), methods=["GET", "DELETE"]),
        routing.Route("/v2/positions/{symbol}", g(one_position), methods=["GET", "DELETE"]),
        routing.WebSocketRoute("/stream", stream),
    ]
