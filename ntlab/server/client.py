"""A trading session hosted by ``ntlab server``, seen through its REST API.

:class:`RemoteSession` implements :class:`ntlab.live.api.TradingSessionAPI`, so the
console and the monitor (``ntlab serve console --server URL``) drive and show the one
session the server hosts; two dashboard processes pointed at one server see the same
session. Errors come back as the :mod:`ntlab.errors` class the server mapped them from,
with its message. Imports httpx only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from ntlab import errors as E
from ntlab.model import Order, OrderRequest

__all__ = ["RemoteSession", "API_KEY_ENV"]

API_KEY_ENV = "NTLAB_API_KEY"

_CODES: dict[str, type[E.NtlabError]] = {
    "not_found": E.NotFoundError, "unknown_symbol": E.UnknownSymbolError, "lookahead": E.LookAheadError,
    "order_rejected": E.OrderRejectedError, "broker_unavailable": E.BrokerConnectionError,
    "conflict": E.ExecutionError, "invalid_data": E.DataError, "invalid_parameter": E.ConfigError,
    "invalid_request": E.ConfigError, "malformed_json": E.ConfigError, "risk_error": E.RiskError,
    "forbidden": E.ExecutionError, "rate_limited": E.ExecutionError,
}  # fmt: skip


class RemoteSession:
    """The session of ``ntlab server`` at ``url`` (the last one started, or ``session_id``).

    Parameters
    ----------
    url : str
        e.g. ``http://127.0.0.1:8000``.
    api_key : str, optional
        Exchanged for a bearer token (renewed when it expires); default ``$NTLAB_API_KEY``.
    start_settings : mapping, optional
        Added to every StartRequest this client sends (default: a background replay, one
        bar every 0.25 s, as the dashboards' own session).
    """

    def __init__(self, url: str, api_key: str | None = None, *, session_id: str | None = None,
                 start_settings: Mapping[str, Any] | None = None, timeout: float = 30.0) -> None:  # fmt: skip
        import httpx

        key = api_key or os.environ.get(API_KEY_ENV)
        if not key:
            raise E.ConfigError(
                f"a remote session needs an API key: set {API_KEY_ENV} (ntlab server add-key)"
            )
        self.url, self._key, self.session_id = url.rstrip("/"), key, session_id
        self.start_settings = dict(start_settings or {"background": True, "bar_interval": 0.25})
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        self._lock = threading.Lock()
        self._token: str | None = None

    def __repr__(self) -> str:
        return f"RemoteSession({self.url}, session={self.session_id or 'current'})"

    # ------------------------------------------------------------------ plumbing
    def _authorize(self) -> None:
        r = self._http.post("/auth/token", json={"api_key": self._key})
        self._token = self._check(r)["access_token"]

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        with self._lock:
            if self._token is None:
                self._authorize()
            params = dict(kw.pop("params", {}) or {})
            if self.session_id and "session_id" not in params and method == "GET":
                params["session_id"] = self.session_id
            for attempt in (0, 1):
                try:
                    r = self._http.request(method, path, params=params,
                                           headers={"Authorization": f"Bearer {self._token}"}, **kw)  # fmt: skip
                except httpx.HTTPError as exc:
                    raise E.BrokerConnectionError(
                        f"ntlab server at {self.url} is not reachable: {exc}"
                    ) from exc
                if r.status_code == 401 and attempt == 0:
                    self._authorize()  # the token expired: one more try with a fresh one
                    continue
                return self._check(r)

    @staticmethod
    def _check(r: Any) -> Any:
        if r.status_code < 400:
            return r.json()
        try:
            err = r.json()["error"]
        except (ValueError, KeyError, TypeError):
            raise E.NtlabError(f"ntlab server answered {r.status_code}: {r.text[:200]}") from None
        raise _CODES.get(err["code"], E.NtlabError)(err["message"])

    def _body(self, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = dict(extra or {})
        if self.session_id:
            body.setdefault("session_id", self.session_id)
        return body

    # ------------------------------------------------------------------ TradingSessionAPI
    def universe(self) -> list[str]:
        return list(self._call("GET", "/trading/universe")["symbols"])

    def start(self, request: Mapping[str, Any]):  # type: ignore[no-untyped-def]
        body = {**self.start_settings, **dict(request)}
        out = self._call("POST", "/trading/start", json=self._body(body))
        return out

    def stop(self) -> dict[str, Any]:
        return self._call("POST", "/trading/stop", json=self._body())

    def status(self) -> dict[str, Any]:
        return self._call("GET", "/trading/status", params={"equity_curve": "true"})

    def submit_order(self, request: OrderRequest) -> Order:
        body = {k: v for k, v in request.to_dict().items() if v is not None and k != "strategyId"}
        return Order.from_dict(self._call("POST", "/trading/execute", json=self._body(body)))

    def cancel(self, order_id: str) -> Order:
        params = {"session_id": self.session_id} if self.session_id else {}
        return Order.from_dict(self._call("DELETE", f"/orders/{order_id}", params=params))

    def flatten(self) -> list[Order]:
        out = self._call("POST", "/trading/flatten", json=self._body())
        return [Order.from_dict(o) for o in out["orders"]]

    def close(self) -> None:
        self._http.close()
