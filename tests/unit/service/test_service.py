"""The service layer against the library called directly (the faces add nothing to these)."""

import numpy as np
import pydantic
import pytest

from ntlab import indicators as ind
from ntlab.data import load_sample
from ntlab.errors import ConfigError, NotFoundError, UnknownSymbolError
from ntlab.service import Context, data, indicators, jobs, risk, strategies


@pytest.fixture
def ctx():
    c = Context()
    yield c
    c.close()


def test_requests_are_strict_refuse_unknown_fields_and_accept_camel_case():
    from ntlab.service.orders import OrderBody

    body = OrderBody.model_validate(
        {"symbol": "AAPL", "side": "buy", "quantity": 3, "limitPrice": 10, "orderType": "limit"}
    )
    assert body.limit_price == 10 and body.order_type == "limit"
    for bad in (
        {"quantity": "3"},
        {"quantity": -1},
        {"quantity": float("nan")},
        {"bogus": 1},
        {"side": "hold"},
    ):
        with pytest.raises(pydantic.ValidationError):
            OrderBody.model_validate({"symbol": "AAPL", "side": "buy", "quantity": 3} | bad)


def test_data_policy_refuses_file_specs(ctx):
    with pytest.raises(ConfigError, match="not allowed"):
        data.load_data(data.DataRef(data="file:/etc/passwd"), ctx)
    with pytest.raises(UnknownSymbolError):
        data.load_data(data.DataRef(symbols=["NOPE"]), ctx)


def test_bars_are_the_samples_bars(ctx):
    out = data.bars(data.BarsRequest(symbols=["IBM"], limit=5), ctx)
    frame = load_sample("stocks").symbol_frame("IBM").iloc[-5:]
    got = out["series"][0]["bars"]
    assert [b["c"] for b in got] == frame["close"].tolist()
    assert got[-1]["t"] == frame.index[-1].isoformat()


def test_indicator_equals_the_batch_function(ctx):
    out = indicators.compute_indicator(
        indicators.IndicatorRequest(
            indicator="rsi", params={"window": 10}, symbols=["AAPL", "MSFT"], limit=50
        ),
        ctx,
    )
    ref = ind.rsi(load_sample("stocks").select(["AAPL", "MSFT"]).close, window=10).iloc[-50:]
    np.testing.assert_array_equal(out["outputs"]["value"]["values"]["MSFT"], ref["MSFT"].to_numpy())
    with pytest.raises(ConfigError, match="unknown parameter"):
        indicators.compute_indicator(
            indicators.IndicatorRequest(indicator="rsi", params={"span": 3}), ctx
        )


def test_signals_equal_the_strategys_latest(ctx):
    from ntlab.strategies import get

    out = strategies.signals(
        strategies.SignalsRequest(strategy="mean_reversion", symbols=["AAPL", "IBM"]), ctx
    )
    d = load_sample("stocks").select(["AAPL", "IBM"])
    ref = get("mean_reversion").signals(d).latest(d.close)
    assert [(s["symbol"], s["direction"], s["confidence"]) for s in out["signals"]] == [
        (s.symbol, s.direction.value, s.confidence) for s in ref
    ]
    with pytest.raises(ConfigError, match="unknown strategy"):
        strategies.signals(strategies.SignalsRequest(strategy="nope"), ctx)


def test_risk_analysis_equals_the_risk_report(ctx):
    from ntlab.risk import RiskReport

    out = risk.risk_analysis(
        risk.RiskRequest(symbols=["AAPL", "MSFT"], weights={"AAPL": 0.7, "MSFT": 0.3}), ctx
    )
    close = load_sample("stocks").select(["AAPL", "MSFT"]).close
    r = (close.pct_change().iloc[1:].dropna() * [0.7, 0.3]).sum(axis=1)
    ref = RiskReport.from_returns(r).metrics
    assert out["var95"] == pytest.approx(ref.var_95, rel=1e-12)
    assert out["sharpeRatio"] == pytest.approx(ref.sharpe_ratio, rel=1e-12)
    assert out["observations"] == len(r)


def test_jobs_report_cancel_and_forget(ctx):
    import threading

    gate = threading.Event()

    def work(req, ctx, progress):
        progress(0.5, "half")
        gate.wait(5)
        progress(0.9, "nearly")
        return {"never": True}

    ref = jobs.JobRef(job_id="x")
    job = ctx.jobs.submit("test", work, ref, ctx)
    jid = job["job_id"]
    for _ in range(200):
        if ctx.jobs.get(jid).progress == 0.5:
            break
        threading.Event().wait(0.01)
    assert jobs.get_job(jobs.JobRef(job_id=jid), ctx)["progress"] == {
        "fraction": 0.5,
        "message": "half",
    }
    jobs.cancel_job(jobs.JobRef(job_id=jid), ctx)
    gate.set()
    done = ctx.jobs.wait(jid, 5)
    assert done.state == "cancelled" and done.result is None
    with pytest.raises(NotFoundError):
        jobs.get_job(jobs.JobRef(job_id="missing"), ctx)
