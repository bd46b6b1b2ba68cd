"""TradingConsole: start/stop a paper session, a manual order ticket, cancel and flatten.

Layout and wiring only: every action is one call on a
:class:`~ntlab.live.api.TradingSessionAPI`; its error message is shown in
the page and nothing changes. Paper only: no widget, field or code path here selects a
live broker.
"""

from __future__ import annotations

import panel as pn
import param

from ntlab.dashboards._widgets import Busy, SessionView
from ntlab.dashboards.session import shared_session
from ntlab.errors import ConfigError
from ntlab.live.api import RISK_LEVELS
from ntlab.model import OrderRequest, OrderType
from ntlab.strategies import available

__all__ = ["TradingConsole", "REFRESH_MS"]

#: How often the console re-reads the session's status.
REFRESH_MS = 1000


def _symbols(text: str) -> list[str]:
    return [s.strip().upper() for s in text.replace(";", ",").split(",") if s.strip()]


class TradingConsole(pn.viewable.Viewer):
    """The paper-trading console app (``ntlab serve console``)."""

    session = param.Parameter(doc="a TradingSessionAPI; the process's shared session by default")

    def __init__(self, **params) -> None:
        params.setdefault("session", shared_session())
        super().__init__(**params)
        universe = self.session.universe()
        self.busy, self.view = Busy(), SessionView()
        self.strategies = pn.widgets.MultiChoice(
            label="Strategies (none: manual trading only)",
            options=available(),
            value=["momentum"],
            css_classes=["ntlab-strategies"],
        )
        self.symbols = pn.widgets.TextInput(
            label=f"Symbols (from {', '.join(universe)})",
            value=", ".join(universe[:3]),
            css_classes=["ntlab-symbols"],
        )
        self.risk_level = pn.widgets.Select(
            label="Risk level", options=list(RISK_LEVELS), value="medium"
        )
        self.max_position = pn.widgets.FloatInput(
            label="Max position size (USD per symbol)",
            value=50_000.0,
            step=1000,
            css_classes=["ntlab-max-position"],
        )
        self.stop_loss = pn.widgets.FloatInput(
            label="Stop-loss (fraction, 0 = none)", value=0.05, step=0.01,
            css_classes=["ntlab-stop-loss"],
        )  # fmt: skip
        self.take_profit = pn.widgets.FloatInput(
            label="Take-profit (fraction, 0 = none)", value=0.10, step=0.01,
            css_classes=["ntlab-take-profit"],
        )  # fmt: skip
        self.use_gpu = pn.widgets.Checkbox(label="Use GPU (forecasting strategies)", value=False)
        self.start_button = pn.widgets.Button(
            label="Start session", color="success", css_classes=["ntlab-start"]
        )
        self.stop_button = pn.widgets.Button(
            label="Stop session", color="warning", css_classes=["ntlab-stop"]
        )
        self.order_symbol = pn.widgets.TextInput(
            label="Symbol", value=universe[0], css_classes=["ntlab-order-symbol"]
        )
        self.order_side = pn.widgets.RadioButtonGroup(
            label="Side", options=["buy", "sell"], value="buy"
        )
        self.order_qty = pn.widgets.FloatInput(
            label="Quantity (shares)", value=10.0, step=1, css_classes=["ntlab-order-qty"]
        )
        self.order_type = pn.widgets.Select(
            label="Order type",
            options=[t.value for t in OrderType],
            value="market",
            css_classes=["ntlab-order-type"],
        )
        self.limit_price = pn.widgets.FloatInput(
            label="Limit price (limit, stop_limit)", value=None, step=0.5,
            css_classes=["ntlab-limit-price"],
        )  # fmt: skip
        self.stop_price = pn.widgets.FloatInput(
            label="Stop price (stop, stop_limit)", value=None, step=0.5,
            css_classes=["ntlab-stop-price"],
        )  # fmt: skip
        self.time_in_force = pn.widgets.Select(
            label="Time in force", options=["day", "gtc"], value="gtc"
        )
        self.submit_button = pn.widgets.Button(
            label="Place order", color="primary", css_classes=["ntlab-submit"]
        )
        self.open_orders = pn.widgets.Select(label="Open order", options=[])
        self.cancel_button = pn.widgets.Button(label="Cancel order", css_classes=["ntlab-cancel"])
        self.flatten_button = pn.widgets.Button(
            label="Flatten all", color="danger", css_classes=["ntlab-flatten"]
        )
        self._deferred: list | None = None
        for button, action in (
            (self.start_button, self.start),
            (self.stop_button, self.stop),
            (self.submit_button, self.submit),
            (self.cancel_button, self.cancel),
            (self.flatten_button, self.flatten),
        ):
            button.on_click(self._on_click(action, button))
        self.refresh()
        if pn.state.curdoc is not None:
            pn.state.onload(lambda: pn.state.add_periodic_callback(self.refresh, period=REFRESH_MS))

    # ------------------------------------------------------------------ actions
    def start_request(self) -> dict:
        """The StartRequest the form describes."""
        return {
            "strategies": list(self.strategies.value),
            "symbols": _symbols(self.symbols.value),
            "risk_level": self.risk_level.value,
            "max_position_size": self.max_position.value,
            "stop_loss_percentage": self.stop_loss.value or 0.0,
            "take_profit_percentage": self.take_profit.value or 0.0,
            "use_gpu": bool(self.use_gpu.value),
        }

    def _on_click(self, action, button):
        """A button's handler: the session call runs on a worker thread (a start may compile
        its strategies' kernels for seconds), so the page's event loop serves other pages
        and the periodic refreshes meanwhile; messages and tables update back on the loop."""

        async def handler(event) -> None:
            self._deferred = []
            try:
                action()
            finally:
                calls, self._deferred = self._deferred, None
            for fn, done in calls:
                result = await self.busy.run(fn, "Working", button)
                if result is not None:
                    self.busy.info(done(result))
                self.refresh()

        return handler

    def _act(self, fn, done) -> None:
        if self._deferred is not None:  # from a click: run by the handler, off the loop
            self._deferred.append((fn, done))
            return
        result = self.busy.run_now(fn)
        if result is not None:
            self.busy.info(done(result))
        self.refresh()

    def start(self) -> None:
        def said(r: dict) -> str:
            what = (
                "started"
                if r["status"] == "started"
                else "is already running (stop it to change settings):"
            )
            strategies = ", ".join(r["active_strategies"]) or "manual trading only"
            return f"Session {r['session_id']} {what} {strategies} on {', '.join(r['symbols'])}"

        self._act(lambda: self.session.start(self.start_request()), said)

    def stop(self) -> None:
        self._act(
            self.session.stop, lambda s: f"Session {s['session_id']} stopped; positions are kept"
        )

    def order_request(self) -> OrderRequest:
        """The OrderRequest the ticket describes (prices only where its type takes them)."""
        symbol, qty = self.order_symbol.value.strip().upper(), self.order_qty.value
        if not symbol:
            raise ConfigError("give the order a symbol, e.g. AAPL")
        if qty is None or qty <= 0:
            raise ConfigError(f"quantity must be a positive number of shares, got {qty}")
        kind = OrderType(self.order_type.value)
        prices = {}
        for name, widget, types in (
            ("limit_price", self.limit_price, (OrderType.LIMIT, OrderType.STOP_LIMIT)),
            ("stop_price", self.stop_price, (OrderType.STOP, OrderType.STOP_LIMIT)),
        ):
            if kind in types:
                if widget.value is None or not widget.value > 0:
                    label = name.replace("_", " ")
                    raise ConfigError(
                        f"a {kind.value} order needs a positive {label}, got {widget.value}"
                    )
                prices[name] = float(widget.value)
        return OrderRequest(
            symbol=symbol, side=self.order_side.value, quantity=float(qty), order_type=kind,
            time_in_force="day" if kind is OrderType.MARKET else self.time_in_force.value,
            strategy_id="manual", **prices,
        )  # fmt: skip

    def submit(self) -> None:
        def said(o) -> str:
            what = f"Order {o.order_id[:8]} accepted: {o.side.value} {o.quantity:g} {o.symbol}"
            if o.order_type is OrderType.MARKET:
                return f"{what} at the next bar's open"
            levels = ", ".join(
                f"{k} {v:,.2f}" for k, v in (("stop", o.stop_price), ("limit", o.limit_price)) if v
            )
            return f"{what} as a {o.order_type.value} order ({levels}, {o.time_in_force.value})"

        self._act(lambda: self.session.submit_order(self.order_request()), said)

    def cancel(self) -> None:
        if not self.open_orders.value:
            self.busy.error("no open order is selected")
            return
        self._act(
            lambda: self.session.cancel(self.open_orders.value),
            lambda o: f"Order {o.order_id[:8]} cancelled",
        )

    def flatten(self) -> None:
        self._act(
            self.session.flatten,
            lambda orders: f"Flattening: {len(orders)} closing order(s) placed",
        )

    def refresh(self) -> None:
        status = self.session.status()
        self.view.update(status)
        self.open_orders.options = {
            f"{o['side']} {o['quantity']:g} {o['symbol']} ({o['orderId'][:8]})": o["orderId"]
            for o in status["open_orders"]
        }

    # ------------------------------------------------------------------ layout
    def __panel__(self):
        session = pn.Column(
            pn.pane.Markdown("### Session"),
            self.strategies,
            self.symbols,
            self.risk_level,
            self.max_position,
            self.stop_loss,
            self.take_profit,
            self.use_gpu,
            pn.Row(self.start_button, self.stop_button),
            width=320,
        )
        ticket = pn.Column(
            pn.pane.Markdown("### Order ticket"),
            self.order_symbol,
            self.order_side,
            self.order_qty,
            self.order_type,
            self.limit_price,
            self.stop_price,
            self.time_in_force,
            self.submit_button,
            pn.pane.Markdown("### Open orders"),
            self.open_orders,
            pn.Row(self.cancel_button, self.flatten_button),
            width=280,
        )
        paper = pn.pane.Alert(
            f"**Paper trading** through `{type(self.session).__name__}`. Live money is not reachable from this dashboard.",
            alert_type="info",
        )
        return pn.Column(
            paper,
            self.busy,
            pn.Row(session, ticket, self.view, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        )
