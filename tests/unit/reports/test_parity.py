import numpy as np
import pandas as pd
import pytest

from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.errors import ConfigError
from ntlab.reports import parity
from ntlab.reports.parity import (
    COLUMNS,
    compare,
    compare_curves,
    not_available,
    parity_check,
    parity_summary,
    rows_frame,
    run_parity,
)
from ntlab.reports.parity_checks import SEED_SHARPE
from tests.unit.reports._cases import hand_case


def test_compare_passes_only_within_tolerance_and_never_on_nan():
    assert compare("c", "r", 1.004, 1.0, 0.005)["pass"] is True
    row = compare("c", "r", 1.006, 1.0, 0.005)
    assert row["pass"] is False and row["status"] == "fail"
    assert compare("c", "r", -2.0, -2.01, 0.005)["pass"] is True
    assert compare("c", "r", np.nan, 1.0, 0.5)["pass"] is False
    assert compare("c", "r", 1.0, np.nan, 0.5)["pass"] is False
    assert compare("c", "r", 1e-9, 0.0, 0.01, atol=1e-8)["pass"] is True


def test_compare_curves_uses_the_worst_point_and_nan_positions():
    a = np.array([1.0, 2.0, 3.0])
    row = compare_curves("c", "r", a, a * (1 + np.array([0, 2e-6, 0])), 1e-5)
    assert row["pass"] is True and "2.00e-06" in row["note"] and row["ntlab_value"] == 3.0
    assert compare_curves("c", "r", a, a * 1.001, 1e-5)["pass"] is False
    assert compare_curves("c", "r", a, a[:2], 1e-5)["pass"] is False
    row = compare_curves("c", "r", np.array([np.nan, 2, 3]), a, 1e-5)
    assert row["pass"] is False and "NaN at 1 points" in row["note"]
    assert compare_curves("c", "r", np.full(2, np.nan), np.full(2, np.nan), 1e-5)["pass"] is False


def test_registry_adds_checks_reports_errors_and_refuses_unknown_names(monkeypatch):
    monkeypatch.setattr(parity, "_CHECKS", dict(parity._CHECKS))
    parity._load_checks()

    @parity_check("demo", "one plus one")
    def _ok(ctx):
        """Hand-computed addition."""
        return rows_frame(
            [compare("1 + 1", "hand", 1 + 1, 2.0, 0.0), not_available("later", "ref", "not yet")]
        )

    @parity_check("demo", "broken")
    def _broken(ctx):
        raise ValueError("boom")

    table = run_parity(["one plus one", "broken"])
    assert list(table.columns) == COLUMNS and str(table["pass"].dtype) == "boolean"
    assert table["status"].tolist() == ["pass", "not available yet", "error"]
    assert table["pass"].iloc[0] and pd.isna(table["pass"].iloc[1])
    assert table["pass"].iloc[2] is not pd.NA and not table["pass"].iloc[2]
    assert "ValueError: boom" in table["note"].iloc[2] and (table["group"] == "demo").all()
    assert parity_summary(table).loc["demo"].to_dict() == {
        "pass": 1,
        "error": 1,
        "not available yet": 1,
    }
    assert "one plus one" in parity.available_checks()["check"].tolist()
    with pytest.raises(ConfigError, match="unknown parity check"):
        run_parity(["nope"])
    with pytest.raises(ConfigError, match="already registered"):
        parity_check("demo", "broken")(lambda ctx: None)


def test_backtrader_reference_hand_computed():
    from ntlab.reports._backtrader_ref import backtrader_equity

    md, sig = hand_case()
    eq = backtrader_equity(
        md.symbol_frame("X"),
        sig.target["X"],
        VectorSettings(init_cash=1000, fees=0.001, slippage=0.01),
    )
    buy, sell = 12 * 1.01, 14 * 0.99
    shares = 1000 / (buy * 1.001)
    np.testing.assert_allclose(
        eq.to_numpy(), [1000, 1000, shares * 12.5, shares * 13.5, shares * sell * 0.999], rtol=1e-9
    )
    short = sig.target["X"] * -1
    with pytest.raises(ConfigError, match="long/flat"):
        backtrader_equity(md.symbol_frame("X"), short, VectorSettings())


@pytest.fixture(scope="module")
def table():
    """The full parity table on the default context (live computation on the bundled data)."""
    return run_parity()


def test_live_table_is_consistent_and_never_passes_by_default(table):
    assert not (table["status"] == "error").any(), table[table["status"] == "error"][
        "note"
    ].tolist()
    compared = table[table["status"].isin(["pass", "fail"])]
    recomputed = (compared["ntlab_value"] - compared["reference_value"]).abs() <= compared[
        "tolerance"
    ] * compared["reference_value"].abs()
    curves = compared["note"].str.startswith("max relative deviation")
    assert (recomputed[~curves] == compared["pass"][~curves].astype(bool)).all()
    assert table.loc[table["status"].isin(["not available yet", "no claim"]), "pass"].isna().all()
    assert table.loc[table["status"] == "pass", "pass"].all()


def test_live_metric_rows_pass_against_quantstats_and_empyrical(table):
    metrics = table[table["group"] == "risk metrics"]
    base = ("sharpe", "sortino", "max_drawdown", "cagr", "volatility", "total_return")
    for reference in ("quantstats", "empyrical"):
        for series in ("SP500 daily returns", "momentum backtest returns"):
            for metric in base:
                row = metrics[
                    (metrics["check"] == f"{metric} of {series}")
                    & (metrics["reference"] == reference)
                ]
                assert row["status"].tolist() == ["pass"], (reference, series, metric)
    assert set(metrics["status"]) <= {"pass", "not available yet"}


def test_live_engine_and_indicator_rows(table, stocks):
    engines = table[table["group"] == "backtest engines"].set_index("check")
    row = engines.loc["equity of momentum on AAPL"]
    assert row["status"] == "pass" and row["reference"] == "backtrader"
    from ntlab.strategies import Signals, get

    s = get("momentum").signals(stocks.select(["AAPL"]))
    ours = run_vector(Signals("m", s.target, s.confidence), stocks.select(["AAPL"]))
    assert row["ntlab_value"] == pytest.approx(ours.equity.iloc[-1], rel=1e-12)
    for check in (
        "event engine equity of momentum on sample:stocks",
        "event engine equity of momentum on AAPL",
    ):
        assert engines.loc[check, "status"] == "pass"
    indicators = table[table["group"] == "indicators"]
    assert len(indicators) >= 21 and (indicators["status"] == "pass").all()
    assert indicators["note"].str.contains("warm-up NaNs included").all()
    assert set(table.loc[table["group"] == "paper trading", "status"]) <= {
        "pass",
        "not available yet",
    }


def test_live_sharpe_rows_against_the_seed_claims(table, stocks):
    empyrical = pytest.importorskip("empyrical")
    from ntlab.strategies import available, get

    sharpe = table[table["group"] == "strategies"]
    assert len(sharpe) >= len(SEED_SHARPE)
    momentum = sharpe[sharpe["check"] == "Sharpe of Momentum Trading (momentum)"].iloc[0]
    from ntlab.backtest import run_event

    equity = run_event(
        get("momentum"), stocks
    ).equity  # default event engine: costs on, stops honoured
    second_half = equity.iloc[stocks.n_bars // 2 :].pct_change().dropna()
    assert momentum["ntlab_value"] == pytest.approx(empyrical.sharpe_ratio(second_half), rel=1e-9)
    assert (momentum["reference_value"], momentum["tolerance"]) == (2.84, 0.04)
    assert momentum["status"] == "fail" and momentum["note"].startswith("claim not reproduced")
    for seed_name, (claim, tol, aliases) in SEED_SHARPE.items():
        rows = sharpe[sharpe["check"].str.startswith(f"Sharpe of {seed_name}")]
        assert len(rows) == 1 and rows["tolerance"].iloc[0] == tol
        if not any(a in available() for a in aliases):
            assert rows["status"].iloc[0] == "not available yet" and pd.isna(rows["pass"].iloc[0])
            assert (
                rows["reference_value"].iloc[0] == pytest.approx(claim)
                if claim
                else np.isnan(rows["reference_value"].iloc[0])
            )
        elif claim is None:
            assert rows["status"].iloc[0] == "no claim" and np.isfinite(rows["ntlab_value"].iloc[0])
