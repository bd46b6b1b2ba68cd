"""The interface the trading dashboards drive: a paper-trading session.

The console and the live monitor talk to a session only through
:class:`TradingSessionAPI`, which :class:`ntlab.live.TradingSession` implements
(the dashboards show the one their ``shared_session()`` makes).

Shapes (plain dicts, so they serialise straight to JSON; top-level keys follow the
seed's snake_case, nested orders/fills/positions use ``ntlab.model``'s camelCase):

``StartRequest``
    ``strategies`` (list, may be empty for manual trading, of registered names, import
    paths ``package.module:ClassName``, ``{"strategy": name or path, **params}`` dicts or,
    in process, Strategy objects: :func:`ntlab.strategies.resolve_strategy` turns each
    into the object the session runs, and the session reports each by its spec),
    ``symbols`` (non-empty list), ``risk_level`` (``low|medium|high|aggressive``),
    ``max_position_size`` (USD per symbol, > 0), ``stop_loss_percentage`` and
    ``take_profit_percentage`` (fractions in (0, 1), or 0 for none), ``use_gpu`` (bool).
``StartResponse``
    ``session_id``, ``status`` (``started|already_running``), ``active_strategies``,
    ``symbols``, ``timestamp`` (Unix ms).
``SessionStatus``
    see :class:`SessionStatus`.

There is no field that selects live trading: a dashboard session is paper only, and
an unknown key (``live``, ``paper``...) is rejected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.live.fields import boolean
from ntlab.model import Order, OrderRequest

__all__ = [
    "RISK_LEVELS",
    "SessionStatus",
    "StartRequest",
    "StartResponse",
    "TradingSessionAPI",
    "validate_start_request",
]

#: Risk level -> drawdown from the session's equity peak that trips the circuit breaker.
RISK_LEVELS: dict[str, float] = {"low": 0.05, "medium": 0.10, "high": 0.20, "aggressive": 0.35}


class StartRequest(TypedDict):
    strategies: list[Any]
    symbols: list[str]
    risk_level: Literal["low", "medium", "high", "aggressive"]
    max_position_size: float
    stop_loss_percentage: float
    take_profit_percentage: float
    use_gpu: bool


class StartResponse(TypedDict):
    session_id: str
    status: Literal["started", "already_running"]
    active_strategies: list[str]
    symbols: list[str]
    timestamp: int


class SessionStatus(TypedDict):
    """What ``status()`` returns.

    ``state`` is ``idle|running|finished|stopped``; ``positions`` are
    ``Position.to_dict()`` records plus ``"manualQuantity"`` (shares from manual
    orders); ``open_orders`` are ``Order.to_dict()``; ``recent_fills`` are
    ``Fill.to_dict()`` (newest last); ``risk`` holds ``equity``, ``peak_equity``,
    ``drawdown``, ``max_drawdown``, ``gross_exposure``, ``leverage``;
    ``circuit_breaker`` holds ``tripped``, ``reason``, ``limit``;
    ``decision_latency_ms`` holds ``last``, ``p50``, ``max``, ``n`` (wall time of one
    strategy decision); ``equity_curve`` is ``[[unix_ms, equity], ...]``.
    """

    session_id: str | None
    state: str
    timestamp: int
    bar_time: str | None
    bars_processed: int
    active_strategies: list[str]
    symbols: list[str]
    cash: float
    equity: float
    realized_pnl: float
    unrealized_pnl: float
    fees: float
    positions: list[dict[str, Any]]
    open_orders: list[dict[str, Any]]
    recent_fills: list[dict[str, Any]]
    risk: dict[str, float]
    circuit_breaker: dict[str, Any]
    decision_latency_ms: dict[str, float]
    equity_curve: list[list[float]]


@runtime_checkable
class TradingSessionAPI(Protocol):
    """A paper-trading session as the dashboards see it (implemented by issue 9's TradingSession).

    Every method raises an :class:`ntlab.errors.NtlabError` subclass with a readable
    message for bad input (the dashboards show that message and change nothing).
    """

    def universe(self) -> list[str]:
        """Symbols this session can trade."""
        ...

    def start(self, request: Mapping[str, Any]) -> StartResponse:
        """Start trading (validates with :func:`validate_start_request`); idempotent while running."""
        ...

    def stop(self) -> SessionStatus:
        """Stop trading (positions are kept; open orders are cancelled); returns the final status."""
        ...

    def status(self) -> SessionStatus:
        """A consistent snapshot; cheap enough to poll twice a second."""
        ...

    def submit_order(self, request: OrderRequest) -> Order:
        """Place a manual order (pre-trade checks may raise ``OrderRejectedError``)."""
        ...

    def cancel(self, order_id: str) -> Order:
        """Cancel an open order; raises ``ExecutionError`` if it is not open."""
        ...

    def flatten(self) -> list[Order]:
        """Cancel every open order and close every position with market orders."""
        ...


_KEYS = set(StartRequest.__annotations__)


def _fraction(request: Mapping[str, Any], key: str) -> float:
    value = request.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ConfigError(f"{key} must be a fraction in [0, 1) (0 = none), got {value!r}")
    return float(value)


def _strategy_spec(spec: Any) -> Any:
    """A name or import path (stripped), a ``{"strategy": ..., **params}`` dict or a
    Strategy object; the session turns it into an object (``resolve_strategy``)."""
    from ntlab.strategies.base import Strategy

    if isinstance(spec, str) and spec.strip():
        return spec.strip()
    if isinstance(spec, Strategy) or (isinstance(spec, Mapping) and "strategy" in spec):
        return spec if isinstance(spec, Strategy) else dict(spec)
    raise ConfigError(
        "StartRequest: each strategy is a registered name, an import path "
        f"'package.module:ClassName', a {{'strategy': ..., **params}} object or a Strategy; got {spec!r}"
    )


def validate_start_request(
    request: Mapping[str, Any], universe: list[str] | None = None
) -> StartRequest:
    """Check a StartRequest and return it normalised (symbols stripped and upper-cased).

    Raises
    ------
    ConfigError
        For unknown keys, an empty symbol list, a non-positive size, bad fractions or
        risk level, or symbols not in ``universe`` (when given).
    """
    unknown = set(request) - _KEYS
    if unknown:
        raise ConfigError(
            f"StartRequest: unknown field(s) {sorted(unknown)}; fields are {sorted(_KEYS)} (paper only)"
        )
    raw = request.get("symbols") or []
    if not isinstance(raw, list | tuple) or any(
        not isinstance(s, str) or not s.strip() for s in raw
    ):
        raise ConfigError(f"StartRequest: symbols must be a list of non-blank strings, got {raw!r}")
    symbols = [s.strip().upper() for s in raw]
    if not symbols:
        raise ConfigError(
            "StartRequest: symbols is empty; give at least one symbol, e.g. AAPL, MSFT"
        )
    if len(set(symbols)) != len(symbols):
        raise ConfigError(f"StartRequest: duplicate symbols in {symbols}")
    if universe is not None:
        missing = [s for s in symbols if s not in universe]
        if missing:
            raise UnknownSymbolError(
                f"StartRequest: unknown symbol(s) {missing}; this session trades {sorted(universe)}"
            )
    strategies = [_strategy_spec(s) for s in request.get("strategies") or []]
    risk = request.get("risk_level", "medium")
    if risk not in RISK_LEVELS:
        raise ConfigError(f"StartRequest: risk_level {risk!r} is not one of {list(RISK_LEVELS)}")
    size = request.get("max_position_size")
    if (
        isinstance(size, bool)
        or not isinstance(size, (int, float))
        or not math.isfinite(size)
        or size <= 0
    ):
        raise ConfigError(
            f"StartRequest: max_position_size must be a positive amount in USD, got {size!r}"
        )
    return StartRequest(
        strategies=strategies,
        symbols=symbols,
        risk_level=risk,
        max_position_size=float(size),
        stop_loss_percentage=_fraction(request, "stop_loss_percentage"),
        take_profit_percentage=_fraction(request, "take_profit_percentage"),
        use_gpu=boolean("StartRequest: use_gpu", request.get("use_gpu", False)),
    )
