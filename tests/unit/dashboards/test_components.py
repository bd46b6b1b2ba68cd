"""The Panel components without a browser: wiring, messages for bad input, live refresh."""

from __future__ import annotations

import asyncio

import pytest

pn = pytest.importorskip("panel")

from ntlab.dashboards.console import TradingConsole  # noqa: E402
from ntlab.dashboards.explorer import ResearchExplorer  # noqa: E402
from ntlab.dashboards.monitor import LiveMonitor  # noqa: E402
from tests.unit.dashboards._data import paper_session  # noqa: E402


@pytest.fixture
def session():
    return paper_session()


def _message(busy) -> tuple[str, str] | None:
    return (busy.message.alert_type, busy.message.object) if busy.message.visible else None


def test_console_bad_input_shows_a_message_and_changes_nothing(session):
    console = TradingConsole(session=session)
    console.symbols.value = " , "
    console.start()
    assert _message(console.busy) == (
        "danger",
        "StartRequest: symbols is empty; give at least one symbol, e.g. AAPL, MSFT",
    )
    assert session.status()["state"] == "idle"
    console.symbols.value, console.max_position.value = "X, Y", -1.0
    console.start()
    assert "max_position_size must be a positive amount" in _message(console.busy)[1]
    console.max_position.value = 5000.0
    console.strategies.value = []
    console.start()
    assert _message(console.busy)[0] == "success" and session.status()["state"] == "running"
    for symbol, qty, text in (
        ("ZZZ", 1.0, "unknown symbol 'ZZZ'"),
        ("X", -3.0, "quantity must be a positive number"),
        ("", 1.0, "give the order a symbol"),
    ):
        console.order_symbol.value, console.order_qty.value = symbol, qty
        console.submit()
        assert text in _message(console.busy)[1]
        assert session.status()["open_orders"] == []
    console.cancel()
    assert _message(console.busy)[1] == "no open order is selected"


def test_console_orders_cancel_and_flatten(session):
    console = TradingConsole(session=session)
    console.symbols.value, console.max_position.value, console.strategies.value = "X, Y", 5000.0, []
    console.start()
    console.order_symbol.value, console.order_qty.value = "x", 7.0
    console.submit()
    assert _message(console.busy)[1].endswith("accepted: buy 7 X at the next bar's open")
    assert list(console.open_orders.options)[0].startswith("buy 7 X")
    console.open_orders.value = list(console.open_orders.options.values())[0]
    console.cancel()
    assert "cancelled" in _message(console.busy)[1] and console.open_orders.options == {}
    console.submit()
    session.step()
    console.refresh()
    assert console.view.positions.object.loc["X", "manual qty"] == 7
    console.flatten()
    assert _message(console.busy)[1] == "Flattening: 1 closing order(s) placed"
    console.stop()
    assert "stopped; positions are kept" in _message(console.busy)[1]


def test_monitor_streams_new_equity_points_and_restarts_with_a_new_session(session):
    monitor = LiveMonitor(session=session)
    assert monitor.source.data["equity"] == [] and "No session yet" in monitor.view.header.object
    session.start(
        {"strategies": [], "symbols": ["X"], "risk_level": "low", "max_position_size": 1000.0}
    )
    for _ in range(3):
        session.step()
    monitor.refresh()
    monitor.refresh()  # nothing new: nothing added
    assert list(monitor.source.data["equity"]) == [p[1] for p in session.status()["equity_curve"]]
    assert len(monitor.source.data["time"]) == 3
    session.stop()
    session.start(
        {"strategies": [], "symbols": ["Y"], "risk_level": "low", "max_position_size": 1000.0}
    )
    session.step()
    monitor.refresh()
    assert len(monitor.source.data["equity"]) == 1


def test_explorer_runs_shows_and_explains_bad_input():
    explorer = ResearchExplorer()
    explorer.model.symbols = ["IBM", "MSFT"]
    explorer._first_run()
    assert (
        explorer.metrics.object.loc["backtest", "Trades"] == f"{explorer.model.result.n_trades:,}"
    )
    assert explorer.equity.object is not None and explorer.price.object is not None
    explorer.sweep_xs.value = "10, ten"
    asyncio.run(explorer._on_sweep())
    assert "is not a whole number" in _message(explorer.busy)[1] and explorer.heatmap.object is None
    explorer.sweep_xs.value, explorer.sweep_ys.value = "10, 20", "40"
    asyncio.run(explorer._on_sweep())
    assert explorer.heatmap.object is not None and not explorer.busy.message.visible
    explorer.model.symbols = []
    before = explorer.metrics.object
    asyncio.run(explorer._on_run())
    assert (
        _message(explorer.busy) == ("danger", "pick at least one symbol")
        and explorer.metrics.object is before
    )
    assert pn.panel(explorer).get_root() is not None


def test_explorer_zero_trade_run_draws_without_the_previous_runs_markers():
    import holoviews as hv

    explorer = ResearchExplorer()
    explorer.model.symbols = ["IBM"]
    asyncio.run(explorer._on_run())
    assert explorer.model.result.n_trades > 0
    assert explorer.price.object.traverse(lambda el: el, [hv.Scatter])  # trade markers drawn
    explorer.model.strategy_params.entry_z = 50.0  # never reached: no trades
    asyncio.run(explorer._on_run())
    assert not explorer.busy.message.visible, _message(explorer.busy)
    assert explorer.model.result.n_trades == 0
    assert explorer.price.object.traverse(lambda el: el, [hv.Scatter]) == []


def test_busy_shows_progress_while_working_and_reports_failures():
    from ntlab.dashboards._widgets import Busy
    from ntlab.errors import DataError

    busy, button, seen = Busy(), pn.widgets.Button(label="go"), {}

    def work():
        seen.update(
            visible=busy.progress.visible, active=busy.progress.active, disabled=button.disabled
        )
        return 42

    assert asyncio.run(busy.run(work, "Working", button)) == 42
    assert seen == {"visible": True, "active": True, "disabled": True}
    assert not busy.progress.visible and not button.disabled and not busy.message.visible

    def fail():
        raise DataError("no bars for ZZZ")

    assert asyncio.run(busy.run(fail, "Working", button)) is None
    assert _message(busy) == ("danger", "no bars for ZZZ") and not button.disabled
    busy.set_progress(3, 8)
    assert (busy.progress.value, busy.progress.max, busy.label.object) == (3, 8, "3 of 8 done")


def test_console_places_limit_and_stop_orders_and_fills_say_why(session):
    console = TradingConsole(session=session)
    console.symbols.value, console.max_position.value, console.strategies.value = "X, Y", 5000.0, []
    console.start()
    console.order_symbol.value, console.order_qty.value = "X", 3.0
    console.order_type.value, console.limit_price.value = "limit", 5.0  # far below: keeps working
    console.submit()
    assert _message(console.busy)[1].endswith(
        "accepted: buy 3 X as a limit order (limit 5.00, gtc)"
    )
    console.order_type.value, console.stop_price.value = "stop", None
    console.submit()
    assert _message(console.busy) == (
        "danger",
        "a stop order needs a positive stop price, got None",
    )
    console.order_side.value, console.stop_price.value = "sell", 1.0  # a sell stop far below
    console.submit()
    assert _message(console.busy)[1].endswith("sell 3 X as a stop order (stop 1.00, gtc)")
    orders = console.view.orders.object[["symbol", "type", "limit", "stop", "reason"]]
    assert orders.astype(object).where(orders.notna(), None).values.tolist() == [
        ["X", "limit", 5.0, None, "manual"],
        ["X", "stop", None, 1.0, "manual"],
    ]
    console.order_type.value, console.order_side.value = "market", "buy"
    console.submit()
    session.step()
    console.refresh()
    fills = console.view.fills.object
    assert fills[["symbol", "side", "qty", "reason"]].values.tolist() == [
        ["X", "buy", 3.0, "manual"]
    ]
    assert len(console.view.orders.object) == 2  # the limit and the stop still work


def test_a_stale_error_clears_after_a_successful_action_and_stop_loss_2_is_refused(session):
    console = TradingConsole(session=session)
    console.symbols.value, console.strategies.value = "X", []
    console.stop_loss.value = 2.0  # 200%: not a fraction of the entry
    console.start()
    assert _message(console.busy) == (
        "danger",
        "stop_loss_percentage must be a fraction in [0, 1) (0 = none), got 2.0",
    )
    assert session.status()["state"] == "idle"
    console.stop_loss.value = 0.05
    console.start()
    assert _message(console.busy)[0] == "success"
    console.cancel()  # nothing selected: an error
    assert _message(console.busy)[0] == "danger"
    console.refresh()
    console.busy.run_now(session.status)  # any successful action clears it
    assert _message(console.busy) is None
