"""ResearchExplorer: pick data, a strategy and its parameters, backtest, look, sweep.

Layout and wiring only; the work is :class:`~ntlab.dashboards.explorer_model.ExplorerModel`'s.
"""

from __future__ import annotations

import asyncio

import panel as pn
import param

from ntlab.backtest.sweep import METRICS
from ntlab.dashboards import plots
from ntlab.dashboards._widgets import Busy
from ntlab.dashboards.explorer_model import ExplorerModel, overfitting_text
from ntlab.dashboards.tables import metrics_frame

__all__ = ["ResearchExplorer"]

_ENGINE_NOTE = (
    "Backtests run on vectorbt (`run_vector`): each target change fills at the next bar's open "
    "with the fees and slippage above, and the strategy's stop-loss and take-profit levels exit "
    "inside the bar that reaches them, as on the event engine (`run_event`), which makes the same "
    "trades on its defaults. Annualised figures use the bars per year shown."
)


class ResearchExplorer(pn.viewable.Viewer):
    """The research explorer app (``ntlab serve explorer``)."""

    model = param.ClassSelector(class_=ExplorerModel)

    def __init__(self, **params) -> None:
        params.setdefault("model", ExplorerModel())
        super().__init__(**params)
        m = self.model
        self.busy = Busy()
        self.run_button = pn.widgets.Button(
            label="Run backtest", color="primary", css_classes=["ntlab-run"]
        )
        self.params_box = pn.Column()
        self.strategy_path = pn.widgets.TextInput(
            label="or your own class",
            placeholder="package.module:ClassName",
            sizing_mode="stretch_width",
            css_classes=["ntlab-strategy-path"],
        )
        self.strategy_path.param.watch(self._on_strategy_path, "value")
        self.metrics = pn.pane.DataFrame(
            None, css_classes=["ntlab-metrics"], sizing_mode="stretch_width"
        )
        self.equity = pn.pane.HoloViews(
            None, css_classes=["ntlab-equity"], sizing_mode="stretch_width"
        )
        self.drawdown = pn.pane.HoloViews(
            None, css_classes=["ntlab-drawdown"], sizing_mode="stretch_width"
        )
        self.chart_symbol = pn.widgets.Select(
            label="Chart symbol", options=list(m.symbols), width=160
        )
        self.price = pn.pane.HoloViews(
            None, css_classes=["ntlab-price"], sizing_mode="stretch_width"
        )
        self.trades = pn.pane.DataFrame(None, max_rows=200, sizing_mode="stretch_width", height=420)
        self.sweep_x = pn.widgets.Select(label="X parameter", width=140)
        self.sweep_y = pn.widgets.Select(label="Y parameter", width=140)
        self.sweep_xs = pn.widgets.TextInput(
            label="X values", value="10, 20, 40", width=140, css_classes=["ntlab-sweep-xs"]
        )
        self.sweep_ys = pn.widgets.TextInput(
            label="Y values", value="30, 60, 120", width=140, css_classes=["ntlab-sweep-ys"]
        )
        self.sweep_metric = pn.widgets.Select(
            label="Metric", options=list(METRICS), value="sharpe", width=140
        )
        self.sweep_button = pn.widgets.Button(
            label="Run sweep", color="primary", css_classes=["ntlab-sweep"]
        )
        self.heatmap = pn.pane.HoloViews(
            None, css_classes=["ntlab-heatmap"], sizing_mode="stretch_width"
        )
        self.overfitting = pn.pane.Markdown("", css_classes=["ntlab-overfitting"])
        self.run_button.on_click(self._on_run)
        self.sweep_button.on_click(self._on_sweep)
        self.chart_symbol.param.watch(lambda e: self._draw_price(), "value")
        m.param.watch(self._on_strategy, "strategy_params")
        m.param.watch(lambda e: setattr(self.chart_symbol, "options", list(e.new)), "symbols")
        self._on_strategy()
        self.model.result = self.model.cached()
        if self.model.result is not None:
            self._show_result()  # computed before by this process: no work, draw at once
        elif pn.state.curdoc is not None:
            pn.state.onload(self._first_run)

    # ------------------------------------------------------------------ wiring
    def _on_strategy(self, *_) -> None:
        params = self.model.strategy_params
        classes = {
            name: {"css_classes": [f"ntlab-param-{name}"]}
            for name in params.param
            if name != "name"
        }
        self.params_box[:] = [
            pn.Param(params, show_name=False, widgets=classes, sizing_mode="stretch_width")
        ]
        names = self.model.sweepable
        self.sweep_x.options, self.sweep_y.options = names, names
        if len(names) >= 2:
            self.sweep_x.value, self.sweep_y.value = names[0], names[1]

    def _on_strategy_path(self, event) -> None:
        if str(event.new).strip():
            self.busy.run_now(lambda: self.model.use_strategy(event.new))

    def _first_run(self) -> None:
        if self.busy.run_now(self.model.run) is not None:
            self._show_result()

    async def _on_run(self, event=None) -> None:
        if await self.busy.run(self.model.run, "Running backtest", self.run_button) is not None:
            self._show_result()

    async def _on_sweep(self, event=None) -> None:
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(self.busy.set_progress, done, total)

        m, w = self.model, self
        grid = await self.busy.run(
            lambda: m.sweep(
                w.sweep_x.value,
                w.sweep_xs.value,
                w.sweep_y.value,
                w.sweep_ys.value,
                w.sweep_metric.value,
                progress,
            ),
            "Running sweep",
            self.sweep_button,
        )
        if grid is not None:
            self.heatmap.object = plots.sweep_heatmap(grid, self.sweep_metric.value)
            self.overfitting.object = overfitting_text(grid.attrs.get("overfitting", {}))

    def _show_result(self) -> None:
        result = self.model.result
        self.metrics.object = metrics_frame(result.summary())
        self.equity.object = plots.equity_plot(result)
        self.drawdown.object = plots.drawdown_plot(result)
        self.trades.object = result.trades
        symbols = self.model.data.symbols
        self.chart_symbol.options = symbols
        if self.chart_symbol.value not in symbols:
            self.chart_symbol.value = symbols[0]
        self._draw_price()

    def _draw_price(self) -> None:
        result, symbol = self.model.result, self.chart_symbol.value
        if result is not None and symbol in self.model.data.symbols:
            self.price.object = plots.price_trades_plot(result, symbol)

    # ------------------------------------------------------------------ layout
    def __panel__(self):
        m = self.model
        controls = pn.Column(
            pn.pane.Markdown("### Data"),
            pn.widgets.Select.from_param(m.param.data_spec, sizing_mode="stretch_width"),
            pn.widgets.MultiChoice.from_param(
                m.param.symbols, sizing_mode="stretch_width", css_classes=["ntlab-symbols"]
            ),
            pn.pane.Markdown(
                m.param.symbols_note,
                css_classes=["ntlab-symbols-note"],
                styles={"font-size": "12px", "color": "#555"},
            ),
            pn.pane.Markdown("### Strategy"),
            pn.widgets.Select.from_param(m.param.strategy, sizing_mode="stretch_width"),
            self.strategy_path,
            self.params_box,
            pn.pane.Markdown("### Costs"),
            pn.widgets.FloatInput.from_param(m.param.init_cash, sizing_mode="stretch_width"),
            pn.widgets.FloatInput.from_param(m.param.fees, sizing_mode="stretch_width"),
            pn.widgets.FloatInput.from_param(m.param.slippage, sizing_mode="stretch_width"),
            self.run_button,
            pn.pane.Markdown(_ENGINE_NOTE, styles={"font-size": "12px", "color": "#555"}),
            width=300,
        )
        sweep = pn.Column(
            pn.Row(self.sweep_x, self.sweep_xs, self.sweep_y, self.sweep_ys, self.sweep_metric),
            pn.pane.Markdown(
                "Each cell is a full backtest with the costs on the left (64 cells at most)."
            ),
            self.sweep_button,
            self.overfitting,
            self.heatmap,
            sizing_mode="stretch_width",
        )
        tabs = pn.Tabs(
            (
                "Equity & drawdown",
                pn.Column(self.equity, self.drawdown, sizing_mode="stretch_width"),
            ),
            (
                "Price & trades",
                pn.Column(self.chart_symbol, self.price, sizing_mode="stretch_width"),
            ),
            ("Trades", self.trades),
            ("Parameter sweep", sweep),
            dynamic=True,
            sizing_mode="stretch_width",
        )
        results = pn.Column(self.busy, self.metrics, tabs, sizing_mode="stretch_width")
        return pn.Row(controls, results, sizing_mode="stretch_width")
