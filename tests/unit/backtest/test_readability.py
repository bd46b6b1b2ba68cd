"""What a researcher reads: short reprs, counts as integers, prices on the tick, plain axes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import pytest

from ntlab.backtest.event import run_event
from ntlab.backtest.result import format_metric
from ntlab.backtest.sweep import sweep
from ntlab.model import round_to_tick
from ntlab.strategies import Signals, Strategy, StrategyConfig, get


@pytest.fixture(scope="module")
def result(stocks):
    return run_event(get("momentum"), stocks.select(["IBM", "MSFT"]))


def test_repr_is_one_short_line(result):
    text = repr(result)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("BacktestResult('momentum', engine='event', ")
    assert f"{result.n_trades} trades" in text and f"{result.final_equity:,.2f}" in text


def test_counts_are_integers_everywhere_they_are_printed(result):
    s = result.summary()
    assert type(s["max_drawdown_bars"]) is int and type(s["trades"]) is int
    assert f"{s['max_drawdown_bars']:,}" in result.summary_table()
    assert (
        ".000"
        not in [line for line in result.summary_table().splitlines() if "drawdown_bars" in line][0]
    )
    assert format_metric("max_drawdown_bars", 1083.0) == "1,083"
    assert format_metric("sharpe", float("nan")) == "n/a"
    assert json.loads(result.to_json())["summary"]["trades"] == result.n_trades


def test_equity_axes_print_plain_digits_not_scientific(result):
    import holoviews as hv

    from ntlab.reports import figures

    for plot in (result.plot_equity(), figures.equity_figure(result)):
        fig = hv.render(plot, backend="bokeh")
        fmt = fig.yaxis[0].formatter
        assert getattr(fmt, "format", None) == "%.0f", type(fmt).__name__


def test_signal_json_prices_sit_on_the_tick(stocks):
    assert round_to_tick(15.000499999999999) == 15.0 and round_to_tick(0.123456) == 0.1235
    records = get("momentum").signals(stocks).to_records(close=stocks.close)
    levels = [r.stop_loss for r in records if r.stop_loss] + [
        r.take_profit for r in records if r.take_profit
    ]
    assert len(levels) > 20
    for value in levels:
        places = 2 if value >= 1 else 4  # cents from $1, else $0.0001 (SEC Rule 612)
        assert value == round(value, places)
        assert len(json.dumps(value).split(".")[-1]) <= places


def test_sweep_heatmap_has_one_evenly_spaced_cell_per_value(stocks):
    import holoviews as hv

    res = sweep(
        get("momentum"), stocks.select(["IBM"]), {"lookback": [10, 20, 60], "entry_z": [0.5, 1.0]}
    )
    fig = hv.render(res.heatmap("lookback", "entry_z"), backend="bokeh")
    assert list(fig.x_range.factors) == ["10", "20", "60"]  # categories: no white gaps
    assert list(fig.y_range.factors) == ["0.5", "1"]


@dataclass(frozen=True, kw_only=True)
class _PlainConfig(StrategyConfig):
    lookback: int = 10

    def validate(self) -> None:
        if self.lookback > 50:
            raise ValueError("lookback over 50 makes no sense here")  # a user's plain ValueError


class _Plain(Strategy):
    name = "plain_user_strategy"
    Config = _PlainConfig

    def signals(self, data):
        close = data.close
        up = (close > close.rolling(self.config.lookback).mean()).astype(float)
        return Signals(self.name, up, up * 0.5)


def test_a_sweep_records_a_plain_valueerror_config_as_invalid_and_goes_on(stocks):
    res = sweep(_Plain(), stocks.select(["IBM"]), {"lookback": [5, 100, 20]})
    assert res.skipped == 1 and list(res.table["lookback"]) == [5, 20]
    assert pd.notna(res.table["sharpe"]).all()
