import numpy as np
import pandas as pd
import pytest

from ntlab.data import MarketData, load_sample
from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.strategies import get
from ntlab.strategies.builtin.filings import EXAMPLE_FILINGS, illustrative_filings, read_filings


def _bars(n=40, symbols=("AAA", "BBB")):
    index = (
        pd.date_range("2024-01-02", periods=n, freq="B")
        .tz_localize("America/New_York")
        .tz_convert("UTC")
    )
    return MarketData.from_closes(
        pd.DataFrame({s: np.linspace(10, 12, n) for s in symbols}, index=index)
    )


def _filings(rows):
    return pd.DataFrame(rows, columns=["institution", "symbol", "action", "size", "filing_date"])


def test_example_file_is_the_documented_generator_output():
    text = EXAMPLE_FILINGS.read_text()
    assert text.startswith("# ILLUSTRATIVE FILINGS - NOT REAL")
    shipped = read_filings("example")
    made = read_filings(illustrative_filings(load_sample("stocks")))
    pd.testing.assert_frame_equal(shipped, made, check_dtype=False)
    assert set(shipped["symbol"]) == set(load_sample("stocks").symbols)


def test_a_filing_counts_from_the_first_bar_after_its_date_with_its_weight():
    data = _bars()
    day = data.index[5].tz_convert("America/New_York").strftime("%Y-%m-%d")
    filings = _filings([("Fund A", "AAA", "new", 0.025, day)])
    strat = get(
        "mirror",
        filings=filings,
        institution_confidence={"Fund A": 0.8},
        half_life_days=10.0,
        entry_score=0.1,
        exit_score=0.05,
    )
    sig = strat.signals(data)
    target = sig.target["AAA"].to_numpy()
    assert (target[:6] == 0).all() and target[6] > 0  # bar 5 is the filing day itself
    t6 = data.index[6]
    public = (
        pd.Timestamp(day).tz_localize("America/New_York")
        + pd.Timedelta(days=1)
        - pd.Timedelta(microseconds=1)
    )
    age_days = (t6 - public) / pd.Timedelta(days=1)
    expected = 0.8 * 1.0 * min(1.0, 0.025 / 0.05) * 2 ** (-age_days / 10.0)
    assert target[6] == pytest.approx(expected, rel=1e-12)
    assert sig.confidence["AAA"].iloc[6] == pytest.approx(expected, rel=1e-12)
    assert "Fund A new 2.5%" in sig.reasoning["AAA"].iloc[6]
    assert (sig.target["BBB"] == 0).all()
    # it decays below the exit score and the position closes
    assert target[-1] == 0 and sig.reasoning["AAA"].str.contains("below exit").any()


def test_filings_object_survives_clone_and_sells_are_short_only_if_allowed():
    data = _bars()
    day = data.index[3].tz_convert("America/New_York").strftime("%Y-%m-%d")
    filings = _filings([("F", "BBB", "sold", 0.06, day), ("G", "BBB", "sold", 0.06, day)])
    flat = get("mirror", filings=filings, entry_score=0.5, exit_score=0.1)
    assert (flat.clone().signals(data).target == 0).all().all()
    short = get(
        "mirror",
        filings=filings,
        entry_score=0.5,
        exit_score=0.1,
        allow_short=True,
        max_fraction=0.7,
    )
    t = short.clone().signals(data).target["BBB"]
    assert t.iloc[4] == pytest.approx(-0.7)  # capped fraction


def test_filings_validation():
    with pytest.raises(ConfigError, match="needs filings"):
        get("mirror").signals(_bars())
    with pytest.raises(ValidationError, match="time zone"):
        read_filings(_filings([("F", "AAA", "new", 0.1, "2024-01-05 10:00")]))
    with pytest.raises(ValidationError, match="action 'bought'"):
        read_filings(_filings([("F", "AAA", "bought", 0.1, "2024-01-05")]))
    with pytest.raises(ValidationError, match="size"):
        read_filings(_filings([("F", "AAA", "new", 1.5, "2024-01-05")]))
    with pytest.raises(DataError, match="lack column"):
        read_filings(pd.DataFrame({"symbol": ["AAA"]}))
    with pytest.raises(DataError, match="not found"):
        read_filings("/nonexistent/filings.csv")
    tz = read_filings(_filings([("F", "AAA", "new", 0.1, "2024-01-05T10:00:00-05:00")]))
    assert tz["available"].iloc[0] == pd.Timestamp("2024-01-05 15:00", tz="UTC")
    with pytest.raises(ConfigError, match="confidence"):
        get("mirror", institution_confidence={"F": 2.0})


def test_pattern_mode_on_closes_only_data():
    data = load_sample("sp500_20").select(["KO", "PEP", "XOM"])[-600:]
    sig = get("mirror", mode="pattern", allow_short=True, library_bars=300).signals(data)
    t = sig.target.to_numpy()
    assert (t > 0).sum() > 20 and (t < 0).sum() > 20
    assert sig.reasoning.stack().str.contains("most similar past 10-bar patterns").any()
