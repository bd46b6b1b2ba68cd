"""ExplorerModel: the explorer's choices and actions, checked against the library called directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.dashboards.explorer_model import (
    ExplorerModel,
    data_choices,
    parse_value_list,
    sweep_grid,
)
from ntlab.data.store import LocalStore
from ntlab.errors import ConfigError, DataError
from ntlab.strategies import get


def test_data_choices_list_samples_then_stored_datasets(stocks):
    assert data_choices()[:4] == [
        "sample:stocks",
        "sample:sp500_20",
        "sample:indices",
        "sample:sp500_1y",
    ]
    LocalStore().save_dataset("ibm_only", stocks.select(["IBM"]))
    assert data_choices()[-1] == "store:ibm_only"
    model = ExplorerModel(data_spec="store:ibm_only")
    assert model.symbols == ["IBM"] and model.data.n_bars == stocks.select(["IBM"]).n_bars


def test_run_is_run_vector_on_the_chosen_inputs_and_is_remembered(stocks):
    model = ExplorerModel()
    model.symbols = ["AAPL", "MSFT"]
    model.strategy_params.lookback = 30
    model.fees = 0.002
    result = model.run()
    direct = run_vector(
        get("momentum", lookback=30), stocks.select(["AAPL", "MSFT"]), VectorSettings(fees=0.002)
    )
    assert result.summary() == pytest.approx(direct.summary(), rel=1e-12)
    again = ExplorerModel()
    again.symbols, again.fees = ["AAPL", "MSFT"], 0.002
    again.strategy_params.lookback = 30
    assert again.cached() is result
    again.strategy_params.lookback = 31
    assert again.cached() is None


def test_bad_choices_raise_clear_errors():
    model = ExplorerModel()
    model.symbols = []
    with pytest.raises(DataError, match="pick at least one symbol"):
        model.run()
    model.symbols = ["IBM"]
    model.strategy_params.z_window = 1
    with pytest.raises(ConfigError, match="z_window >= 2"):
        model.run()


def test_sweep_is_the_librarys_sweep_and_equals_a_loop_of_backtests(stocks):
    data = stocks.select(["IBM", "MSFT"])
    strategy = get("momentum", entry_z=1.5)
    grid = sweep_grid(
        strategy, ("lookback", [10, 30]), ("z_window", [40, 80]), data, VectorSettings(), "sharpe"
    )
    assert (
        grid.shape == (2, 2) and grid.index.name == "z_window" and grid.columns.name == "lookback"
    )
    for lookback in (10, 30):
        for z_window in (40, 80):
            direct = run_vector(
                get("momentum", entry_z=1.5, lookback=lookback, z_window=z_window), data
            )
            assert grid.loc[z_window, lookback] == pytest.approx(
                direct.summary()["sharpe"], rel=1e-9
            )
    model = ExplorerModel()
    model.symbols = ["IBM", "MSFT"]
    model.strategy_params.entry_z = 1.5
    seen = []
    out = model.sweep(
        "lookback",
        "10, 30",
        "z_window",
        "40;80",
        "sharpe",
        progress=lambda d, n: seen.append((d, n)),
    )
    pd.testing.assert_frame_equal(out, grid)
    assert seen == [(2, 4), (4, 4)]


def test_combinations_the_config_rejects_stay_empty(stocks):
    data = stocks.select(["IBM"])
    grid = sweep_grid(
        get("momentum"),
        ("lookback", [5, 10]),
        ("z_window", [1, 20]),
        data,
        VectorSettings(),
        "cagr",
    )
    assert grid.loc[1].isna().all() and grid.loc[20].notna().all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lookback", "10, ten", "z_window", "40"), "lookback='ten' is not a whole number"),
        (("lookback", "10, 2.5", "z_window", "40"), "lookback='2.5' is not a whole number"),
        (("lookback", "", "z_window", "40"), "give at least one value"),
        (("lookback", "10, 10", "z_window", "40"), "repeats a value"),
        (("lookback", "10", "lookback", "20"), "pick two different parameters"),
        (("allow_short", "1", "z_window", "40"), "'allow_short' is not a numeric parameter"),
        (
            (
                "lookback",
                ",".join(map(str, range(1, 10))),
                "z_window",
                ",".join(map(str, range(2, 10))),
            ),
            "72 cells",
        ),
    ],
)
def test_bad_sweeps_say_what_is_wrong(args, message):
    model = ExplorerModel()
    with pytest.raises(ConfigError, match=message):
        model.sweep(*args, "sharpe")


def test_parse_value_list_reads_by_the_parameters_type():
    assert parse_value_list(" 5, 10 ;20 ", "x") == [5, 10, 20]
    assert parse_value_list("0.5, 1, 1.5", "entry_z", float) == [0.5, 1.0, 1.5]


def test_float_parameters_can_be_swept(stocks):
    model = ExplorerModel()
    model.symbols = ["IBM", "MSFT"]
    assert "entry_z" in model.sweepable and model.sweepable[0] == "lookback"
    out = model.sweep("entry_z", "0.5, 1.5", "lookback", "10, 30", "sharpe")
    assert list(out.columns) == [0.5, 1.5] and list(out.index) == [10, 30]
    direct = run_vector(get("momentum", entry_z=0.5, lookback=30), stocks.select(["IBM", "MSFT"]))
    assert out.loc[30, 0.5] == pytest.approx(direct.summary()["sharpe"], rel=1e-9)


def test_a_large_fee_is_kept_and_refused_with_the_librarys_reason(stocks):
    model = ExplorerModel()
    model.symbols = ["IBM"]
    model.fees = 0.5  # the widget used to revert this silently to the default
    assert model.fees == 0.5
    with pytest.raises(ConfigError, match=r"fees and slippage are fractions, each in \[0, 0.1\)"):
        model.run()
    model.fees = 0.05
    direct = run_vector(get("momentum"), stocks.select(["IBM"]), VectorSettings(fees=0.05))
    assert model.run().final_equity == pytest.approx(direct.final_equity, rel=1e-12)


def test_a_wide_dataset_says_how_many_symbols_are_picked():
    model = ExplorerModel(data_spec="sample:sp500_20")
    assert len(model.symbols) == 20 and model.symbols_note == "all 20 symbols of sample:sp500_20"
    model.data_spec = "sample:sp500_1y"
    assert len(model.symbols) == 20
    assert model.symbols_note.startswith("20 of sample:sp500_1y's 5")
    model.symbols = model.symbols[:3]
    assert model.symbols_note.startswith("3 of sample:sp500_1y's")


def test_the_sweep_carries_the_grids_overfitting_statistics(stocks):
    from ntlab.backtest import sweep
    from ntlab.dashboards.explorer_model import overfitting_text

    data = stocks.select(["IBM", "MSFT"])
    strategy = get("momentum", entry_z=1.5)
    grid = sweep_grid(
        strategy, ("lookback", [10, 30]), ("z_window", [40, 80]), data, VectorSettings(), "sharpe"
    )
    stats = grid.attrs["overfitting"]
    whole = sweep(
        strategy, data, {"z_window": [40, 80], "lookback": [10, 30]},
        settings=VectorSettings(), progress=False,
    ).overfitting  # fmt: skip
    assert stats["trials"] == 4
    assert stats["best_sharpe"] == pytest.approx(np.nanmax(grid.to_numpy()), rel=1e-9)
    for key in ("best_sharpe", "deflated_sharpe", "pbo", "expected_max_sharpe"):
        assert stats[key] == pytest.approx(whole[key], rel=1e-9, nan_ok=True), key
    text = overfitting_text(stats)
    assert f"{stats['best_sharpe']:.2f}" in text and f"{stats['deflated_sharpe']:.2f}" in text
    assert "4 trials" in text and f"{stats['pbo']:.2f}" in text
