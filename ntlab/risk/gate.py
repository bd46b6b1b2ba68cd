"""Pre-trade risk gate and circuit breaker, shared by the event backtest and live sessions.

``RiskGate(limits, sectors).check(order, state)`` returns a :class:`GateDecision`:
approve, resize (with the allowed quantity) or reject, with a reason in words and a
reason code from :mod:`ntlab.risk._gate_nb`, whose kernels hold the rules themselves.

Circuit breaker: once the daily loss or the drawdown from the peak reaches its limit, the
gate halts: orders that add exposure are rejected, orders that only reduce a position still
pass (so a session can get flat). The halt latches. A daily-loss halt clears on the next
trading day, either when a state's ``timestamp`` falls on a new day in ``day_tz``
(New York by default) or when :meth:`RiskGate.new_day` is called. A drawdown halt clears
only with :meth:`RiskGate.reset` (a person decides); pass ``peak_equity`` at the current
equity in later states, or the breaker trips again at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from ntlab.errors import ConfigError, RiskError
from ntlab.model import OrderRequest
from ntlab.risk import _gate_nb as nb
from ntlab.risk.limits import PortfolioState, RiskLimits

__all__ = ["GateDecision", "CircuitBreaker", "RiskGate"]


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer for one order.

    Attributes
    ----------
    action : {"approve", "resize", "reject"}
    quantity : float
        Allowed quantity (unsigned, as in :class:`~ntlab.model.OrderRequest`); 0 if rejected.
    reason : str
        Why, in words, with the numbers that decided it.
    code : int
        Reason code (see :data:`ntlab.risk._gate_nb.REASONS`).
    order : OrderRequest
        The order as requested.
    """

    action: str
    quantity: float
    reason: str
    code: int
    order: OrderRequest

    @property
    def approved(self) -> bool:
        return self.action != "reject"

    def approved_order(self) -> OrderRequest | None:
        """The order to send: the request, resized if needed (same client_order_id); None if rejected."""
        if self.action == "reject":
            return None
        return (
            self.order if self.action == "approve" else replace(self.order, quantity=self.quantity)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "quantity": self.quantity,
            "requestedQuantity": self.order.quantity,
            "symbol": self.order.symbol,
            "side": self.order.side.value,
            "clientOrderId": self.order.client_order_id,
            "code": self.code,
            "reason": self.reason,
        }


class CircuitBreaker:
    """Latching halt on the daily-loss and drawdown limits (see the module docstring)."""

    def __init__(self, limits: RiskLimits, *, day_tz: str = "America/New_York") -> None:
        self.limits = limits
        self.day_tz = ZoneInfo(day_tz)
        self.code = nb.APPROVED
        self.reason = ""
        self.tripped_at: datetime | None = None
        self._day: date | None = None

    @property
    def halted(self) -> bool:
        return self.code != nb.APPROVED

    def update(self, state: PortfolioState) -> int:
        """Check the limits on ``state``; returns the (possibly latched) halt code."""
        new_day = False
        if state.timestamp is not None:
            day = state.timestamp.astimezone(self.day_tz).date()
            new_day = self._day is not None and day != self._day
            self._day = day
        k = self.limits.kernel_args()
        before = self.code
        self.code = int(
            nb.latch_breaker_nb(
                self.code,
                new_day,
                state.equity,
                state.day_start_equity,
                state.peak_equity,
                k["max_daily_loss_fraction"],
                k["max_daily_loss_value"],
                k["max_drawdown"],
            )  # fmt: skip
        )
        if self.code != before:
            self.tripped_at = state.timestamp if self.code else None
            self.reason = self._describe(state) if self.code else ""
        return self.code

    def _describe(self, state: PortfolioState) -> str:
        when = f" at {state.timestamp.isoformat()}" if state.timestamp else ""
        lim = self.limits
        if self.code == nb.HALT_DAILY_LOSS:
            loss = state.day_start_equity - state.equity
            caps = []
            if lim.max_daily_loss is not None:
                caps.append(f"{lim.max_daily_loss:.2%} of day-start equity")
            if lim.max_daily_loss_value is not None:
                caps.append(f"{lim.max_daily_loss_value:,.2f}")
            return (
                f"halted{when}: daily loss {loss:,.2f} ({loss / state.day_start_equity:.2%} of day-start "
                f"equity {state.day_start_equity:,.2f}) reached the limit {' / '.join(caps)}; "
                "clears on the next trading day or with reset()"
            )
        if self.code == nb.HALT_DRAWDOWN:
            dd = 1.0 - state.equity / state.peak_equity
            return (
                f"halted{when}: drawdown {dd:.2%} from peak equity {state.peak_equity:,.2f} reached the "
                f"limit {lim.max_drawdown:.2%}; clears only with reset()"
            )
        return f"halted{when}: invalid account state (day-start or peak equity not positive)"

    def new_day(self) -> None:
        """Start a new trading day: clears a daily-loss halt (not a drawdown halt)."""
        if self.code == nb.HALT_DAILY_LOSS:
            self.reset()

    def reset(self) -> None:
        """Manual reset: clears any halt."""
        self.code = nb.APPROVED
        self.reason = ""
        self.tripped_at = None

    def status(self) -> dict[str, Any]:
        return {
            "halted": self.halted,
            "code": self.code,
            "reason": self.reason,
            "trippedAt": self.tripped_at.isoformat() if self.tripped_at else None,
        }


class RiskGate:
    """Pre-trade checks of each order against :class:`RiskLimits` and the circuit breaker.

    Parameters
    ----------
    limits : RiskLimits
    sectors : mapping symbol -> sector, optional
        Needed for ``max_sector_exposure``; symbols missing from it share the sector "UNKNOWN".
    lot_size : float
        Allowed quantities are rounded down to whole lots (0 = fractional units allowed).
    day_tz : str
        Time zone whose calendar date defines a trading day for the breaker.
    """

    def __init__(
        self,
        limits: RiskLimits,
        sectors: dict[str, str] | None = None,
        *,
        lot_size: float = 1.0,
        day_tz: str = "America/New_York",
    ) -> None:
        if not isinstance(limits, RiskLimits):
            raise ConfigError(f"RiskGate needs a RiskLimits, got {type(limits).__name__}")
        if limits.max_sector_exposure is not None and sectors is None:
            raise ConfigError(
                "RiskLimits.max_sector_exposure is set: pass sectors={symbol: sector} to RiskGate"
            )
        if not (isinstance(lot_size, (int, float)) and math.isfinite(lot_size) and lot_size >= 0):
            raise ConfigError(f"lot_size must be a finite number >= 0, got {lot_size!r}")
        self.limits = limits
        self.sectors = dict(sectors or {})
        self.lot_size = float(lot_size)
        self.breaker = CircuitBreaker(limits, day_tz=day_tz)
        self._k = limits.kernel_args()

    @property
    def halted(self) -> bool:
        return self.breaker.halted

    def new_day(self) -> None:
        self.breaker.new_day()

    def reset(self) -> None:
        self.breaker.reset()

    def sector_of(self, symbol: str) -> str:
        return self.sectors.get(symbol, "UNKNOWN")

    def check(self, order: OrderRequest, state: PortfolioState) -> GateDecision:
        """Approve, resize or reject ``order`` given the account ``state``."""
        if not isinstance(order, OrderRequest):
            raise ConfigError(f"RiskGate.check needs an OrderRequest, got {type(order).__name__}")
        if not isinstance(state, PortfolioState):
            raise ConfigError(f"RiskGate.check needs a PortfolioState, got {type(state).__name__}")
        halt = self.breaker.update(state)
        symbol, qty = order.symbol, order.signed_quantity
        price = state.prices.get(symbol) or order.limit_price or order.stop_price
        if price is None:
            return self._invalid(order, f"no price for {symbol} in the state or the order")
        position = state.positions.get(symbol, 0.0)
        gross = state.exposure()
        sector_cap, sector_exp = math.inf, 0.0
        if self.limits.max_sector_exposure is not None:
            sector = self.sector_of(symbol)
            sector_cap = self._k["max_sector_fraction"]
            sector_exp = state.sector_exposure(self.sectors, sector)
        correlation, partner = -math.inf, ""
        reduces = qty * position < 0 and abs(qty) <= abs(position)
        if self.limits.max_correlation is not None and not reduces:
            correlation, partner, problem = self._correlation(symbol, position + qty, state)
            if problem:
                return self._invalid(order, problem)
        k = self._k
        allowed, code = nb.check_order_nb(
            qty, position, float(price), state.equity, gross, sector_exp,
            k["max_position_value"], k["max_position_fraction"], k["max_leverage"], sector_cap,
            correlation, k["max_correlation"], halt, self.lot_size,
        )  # fmt: skip
        ctx = {
            "price": float(price), "position": position, "gross": gross, "sector_exp": sector_exp,
            "correlation": correlation, "partner": partner, "state": state,
        }  # fmt: skip
        return self._decide(
            order, float(allowed), int(code), self._explain(int(code), order, float(allowed), ctx)
        )

    def check_many(self, orders: list[OrderRequest], state: PortfolioState) -> list[GateDecision]:
        """Gate several orders in sequence: reductions first, each approval updating the positions.

        Decisions come back in the order of ``orders``. Equity is held fixed (orders fill at
        the state's prices), as in :func:`ntlab.risk._gate_nb.check_orders_nb`.
        """
        positions = dict(state.positions)
        prices = dict(state.prices)

        def reduces(o: OrderRequest) -> bool:
            return o.signed_quantity * positions.get(o.symbol, 0.0) < 0

        order_ix = sorted(range(len(orders)), key=lambda i: not reduces(orders[i]))
        out: dict[int, GateDecision] = {}
        for i in order_ix:
            current = replace(state, positions=positions, prices=prices, equity=state.equity)
            decision = self.check(orders[i], current)
            out[i] = decision
            if decision.approved:
                sym = orders[i].symbol
                positions[sym] = positions.get(sym, 0.0) + math.copysign(
                    decision.quantity, orders[i].signed_quantity
                )
                if sym not in prices and decision.order.limit_price:
                    prices[sym] = decision.order.limit_price
        return [out[i] for i in range(len(orders))]

    def _correlation(
        self, symbol: str, new_position: float, state: PortfolioState
    ) -> tuple[float, str, str]:
        if not any(s != symbol for s in state.held):
            return -math.inf, "", ""
        need = self.limits.min_correlation_obs
        try:
            x, col, signs = state.correlation_inputs(symbol, 1.0 if new_position >= 0 else -1.0)
        except RiskError as exc:
            return -math.inf, "", str(exc)
        have = int(np.isfinite(x[:, col]).sum())
        if have < need:
            return (
                -math.inf,
                "",
                f"the correlation limit needs {need} recent returns of {symbol}, got {have}",
            )
        corr, j = nb.max_correlation_nb(x, col, signs, need)
        partner = str(state.recent_returns.columns[j]) if j >= 0 else ""  # type: ignore[union-attr]
        return float(corr), partner, ""

    def _invalid(self, order: OrderRequest, problem: str) -> GateDecision:
        head = f"rejected {order.side.value} {order.quantity:g} {order.symbol}"
        return self._decide(order, 0.0, nb.INVALID_INPUT, f"{head}: {problem}")

    def _decide(self, order: OrderRequest, allowed: float, code: int, reason: str) -> GateDecision:
        if allowed == 0.0:
            action = "reject"
        elif abs(allowed) >= order.quantity * (1 - 1e-12):
            action = "approve"
        else:
            action = "resize"
        return GateDecision(action, abs(allowed), reason, code, order)

    def _explain(self, code: int, order: OrderRequest, allowed: float, ctx: dict[str, Any]) -> str:
        state: PortfolioState = ctx["state"]
        sym, px, pos = order.symbol, ctx["price"], ctx["position"]
        head = {0.0: f"rejected {order.side.value} {order.quantity:g} {sym}"}.get(
            allowed, f"{order.side.value} {abs(allowed):g} of {order.quantity:g} {sym}"
        )
        new_value = abs(pos + allowed) * px
        lim, eq = self.limits, state.equity
        verb = "would be" if allowed else "is already"
        if code == nb.APPROVED:
            return f"approved: {head} within every limit"
        if code == nb.REDUCES_EXPOSURE:
            return f"approved: {head} only reduces the position ({pos:g} -> {pos + allowed:g})"
        if code in (nb.HALT_DAILY_LOSS, nb.HALT_DRAWDOWN):
            return f"{head}: {self.breaker.reason}; only orders that reduce a position pass"
        if code == nb.POSITION_LIMIT:
            caps = [f"{lim.max_position_value:,.2f}"] if lim.max_position_value is not None else []
            if lim.max_position_fraction is not None:
                caps.append(f"{lim.max_position_fraction:.2%} of equity {eq:,.2f}")
            return f"{head}: per-symbol position limit ({' and '.join(caps)}); position value {verb} {new_value:,.2f}"
        if code == nb.LEVERAGE_LIMIT:
            gross = ctx["gross"] - abs(pos) * px + new_value
            return f"{head}: leverage limit {lim.max_leverage:g}x; gross exposure {verb} {gross:,.2f} = {gross / eq:.2f}x equity"
        if code == nb.SECTOR_LIMIT:
            sec = ctx["sector_exp"] - abs(pos) * px + new_value
            return (
                f"{head}: sector limit {lim.max_sector_exposure:.2%} for {self.sector_of(sym)!r}; "
                f"its exposure {verb} {sec:,.2f} = {sec / eq:.2%} of equity"
            )
        if code == nb.CORRELATION_LIMIT:
            return (
                f"{head}: correlation {ctx['correlation']:.2f} with the held {ctx['partner']} "
                f"exceeds the limit {lim.max_correlation:.2f}"
            )
        if code == nb.LOT_SIZE:
            return f"{head}: rounded down to whole lots of {self.lot_size:g}"
        return f"{head}: {nb.REASONS[nb.INVALID_INPUT]} (price {px!r}, equity {eq!r})"
