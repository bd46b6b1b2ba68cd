"""Every research and system endpoint over real HTTP, each value checked against the library."""

import time

import numpy as np
import pytest

from ntlab.data import load_sample

SMALL = {"symbols": ["AAPL", "MSFT"], "start": "2010-01-01", "end": "2012-12-31"}


def small_data():
    return (
        load_sample("stocks")
        .select(["AAPL", "MSFT"])
        .between("2010-01-01T00:00Z", "2012-12-31T00:00Z")
    )


def wait_job(api, job_id, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = api.get(f"/jobs/{job_id}").json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_health_needs_no_token_and_says_ok(server):
    import httpx

    r = httpx.get(f"{server.url}/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    assert r.headers["x-request-id"]


def test_info_and_openapi_docs(api):
    import ntlab

    info = api.get("/info").json()
    assert info["version"] == ntlab.__version__ and info["data_kinds"] == ["sample", "store"]
    spec = api.get("/openapi.json").json()
    paths = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    seed = [("GET", "/health"), ("GET", "/trading/status"), ("POST", "/trading/start"), ("POST", "/trading/stop"),
            ("POST", "/trading/execute"), ("GET", "/portfolio/status"), ("POST", "/portfolio/rebalance"),
            ("POST", "/neural/forecast"), ("POST", "/neural/train"), ("GET", "/risk/analysis"),
            ("POST", "/backtest/run")]  # fmt: skip
    assert set(seed) <= paths
    assert len(paths) >= 40, sorted(paths)
    assert "swagger" in api.get("/docs").text.lower()


def test_strategies_list_describe_and_lookahead_check(api):
    from ntlab.strategies import available, get

    names = [s["name"] for s in api.get("/strategies").json()["strategies"]]
    assert names == available()
    d = api.get("/strategies/momentum").json()
    default = get("momentum")
    assert {p["name"]: p["default"] for p in d["params"]} == default.config.to_dict()
    assert d["warmup"] == default.warmup
    r = api.post(
        "/strategies/check", json={"strategy": "momentum", "params": {"lookback": 15}, **SMALL}
    ).json()
    assert r["passed"] is True and r["checks"][-1] == "causality" and r["params"]["lookback"] == 15


def test_signals_equal_the_strategys_own(api):
    from ntlab.strategies import get

    r = api.post("/signals", json={"strategy": "momentum", "mode": "changes", **SMALL}).json()
    data = small_data()
    ref = get("momentum").signals(data).to_records(close=data.close)
    assert r["count"] == len(ref)
    got = r["signals"][-1]
    assert (got["symbol"], got["direction"], got["timestamp"]) == (ref[-1].symbol, ref[-1].direction.value,
                                                                    ref[-1].to_dict()["timestamp"])  # fmt: skip
    assert got["entryPrice"] == pytest.approx(ref[-1].entry_price, rel=1e-15)


def test_data_samples_and_bars(api):
    from ntlab.data import list_samples

    samples = api.get("/data/samples").json()["samples"]
    assert [s["name"] for s in samples] == list(list_samples().index)
    r = api.get("/data/bars", params={"spec": "sample:stocks", "symbols": "IBM", "limit": 3}).json()
    ref = load_sample("stocks").symbol_frame("IBM").iloc[-3:]
    assert [b["o"] for b in r["series"][0]["bars"]] == ref["open"].tolist()
    assert r["data"]["bars"] == 3


def test_indicators_list_and_compute(api):
    from ntlab import indicators as ind

    names = [i["name"] for i in api.get("/indicators").json()["indicators"]]
    assert names == [s.name for s in ind.INDICATORS]
    r = api.post("/indicators/compute", json={"indicator": "macd", **SMALL, "limit": 30}).json()
    ref = ind.macd(small_data().close)
    np.testing.assert_allclose(
        r["outputs"]["signal"]["values"]["AAPL"], ref.signal["AAPL"].iloc[-30:], rtol=0
    )
    corr = api.post(
        "/indicators/compute", json={"indicator": "rolling_corr", "params": {"window": 20}, **SMALL}
    )
    d = small_data()
    ref = ind.rolling_corr(d.close["AAPL"], d.close["MSFT"], window=20).iloc[-200:]
    np.testing.assert_allclose(corr.json()["outputs"]["value"]["values"]["value"], ref, rtol=0)


def test_backtest_equals_run_event_and_runs_as_a_job(api):
    from ntlab.backtest import run_event
    from ntlab.service.backtest import CostSettings, event_settings
    from ntlab.strategies import get

    body = {"strategy": "momentum", **SMALL, "fees": 0.002}
    r = api.post("/backtest/run", json=body).json()
    ref = run_event(
        get("momentum"), small_data(), event_settings(CostSettings(fees=0.002))
    ).summary()
    assert r["engine"] == "event" and r["summary"]["sharpe"] == pytest.approx(
        ref["sharpe"], rel=1e-12
    )
    assert r["summary"]["final_equity"] == pytest.approx(ref["final_equity"], rel=1e-12)
    resp = api.post("/backtest/run?job=true", json=body | {"detail": True})
    assert resp.status_code == 202 and resp.headers["location"] == f"/jobs/{resp.json()['job_id']}"
    job = wait_job(api, resp.json()["job_id"])
    assert job["state"] == "done" and job["progress"]["fraction"] == 1.0
    assert (
        job["result"]["summary"] == r["summary"] and len(job["result"]["trades"]) == ref["trades"]
    )


def test_sweep_and_walk_forward_jobs_equal_the_library(api):
    from ntlab.backtest import sweep, walk_forward
    from ntlab.service.backtest import CostSettings, event_settings

    grid = {"lookback": [10, 20, 40]}
    resp = api.post("/research/sweep", json={"strategy": "momentum", "grid": grid, **SMALL})
    assert resp.status_code == 202
    job = wait_job(api, resp.json()["job_id"])
    ref = sweep(
        "momentum", small_data(), grid, settings=event_settings(CostSettings()), progress=False
    )
    assert job["state"] == "done", job
    assert job["result"]["best"] == ref.best() and job["result"]["combinations"] == 3
    assert job["result"]["table"][0]["sharpe"] == pytest.approx(
        ref.table["sharpe"].max(), rel=1e-12
    )
    wf = {"strategy": "momentum", "grid": grid, "train": 250, "test": 100, **SMALL}
    job = wait_job(api, api.post("/research/walk-forward", json=wf).json()["job_id"])
    ref = walk_forward("momentum", small_data(), grid, train=250, test=100, settings=event_settings(CostSettings()),
                       progress=False)  # fmt: skip
    assert job["state"] == "done", job
    assert job["result"]["summary"]["sharpe"] == pytest.approx(ref.summary()["sharpe"], rel=1e-12)
    assert len(job["result"]["folds"]) == len(ref.folds)


def test_jobs_list_and_cancel(api):
    jobs = api.get("/jobs").json()["jobs"]
    assert jobs and all("result" not in j for j in jobs)
    done = jobs[0]["job_id"]
    assert api.delete(f"/jobs/{done}").json()["state"] == "done"  # a finished job stays as it was


def test_risk_analysis_get_post_and_var_backtest(api):
    from ntlab.risk import RiskReport, var_backtest

    got = api.get("/risk/analysis", params={"symbols": "AAPL,MSFT", "benchmark": "IBM"}).json()
    d = load_sample("stocks").select(["AAPL", "MSFT", "IBM"])
    r = (d.close.pct_change().iloc[1:][["AAPL", "MSFT"]].dropna() * 0.5).sum(axis=1)
    bench = d.close["IBM"].pct_change().reindex(r.index)
    ref = RiskReport.from_returns(r, benchmark=bench)
    for key, value in ref.metrics.to_dict().items():
        assert got[key] == pytest.approx(value, rel=1e-12), key
    post = api.post(
        "/risk/analysis", json={"symbols": ["AAPL", "MSFT"], "weights": {"AAPL": 1.0}}
    ).json()
    assert post["weights"] == {"AAPL": 1.0} and post["var95"] != got["var95"]
    vb = api.post(
        "/risk/var-backtest", json={"symbols": ["AAPL"], "level": 0.95, "window": 100}
    ).json()
    ref = var_backtest(
        load_sample("stocks").close["AAPL"].pct_change().dropna().rename("basket"), 0.95, window=100
    )
    assert vb["exceedances"] == ref.n_exceed and vb["kupiecPValue"] == pytest.approx(
        ref.kupiec.pvalue, rel=1e-12
    )


def test_metrics_count_requests_per_endpoint(api):
    api.get("/strategies")
    text = api.get("/metrics").text
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("ntlab_http_requests_total{") and 'endpoint="/strategies"' in x
    )
    assert float(line.rsplit(" ", 1)[1]) >= 1
    assert (
        'ntlab_http_request_seconds_bucket{endpoint="/strategies"' in text
        or "ntlab_http_request_seconds_bucket" in text
    )


@pytest.mark.slow
def test_neural_train_then_forecast_equal_the_forecaster(server, api):
    from ntlab.forecast import ForecastInput

    body = {
        "symbols": ["AAPL"],
        "start": "2012-01-01",
        "h": 3,
        "input_size": 20,
        "max_steps": 3,
        "model_id": "tiny",
    }
    job = wait_job(api, api.post("/neural/train", json=body).json()["job_id"], timeout=600)
    assert job["state"] == "done", job
    assert job["result"]["model_id"] == "tiny" and job["result"]["settings"]["h"] == 3
    assert [m["model_id"] for m in api.get("/neural/models").json()["models"]] == ["tiny"]
    data = load_sample("stocks").select(["AAPL"]).between("2012-01-01T00:00Z")
    ref = server.ctx.models["tiny"].predict(data)[0].to_dict()
    out = api.post(
        "/neural/forecast", json={"model_id": "tiny", "symbols": ["AAPL"], "start": "2012-01-01"}
    ).json()
    got = out["forecasts"][0]
    np.testing.assert_allclose(got["predictions"], ref["predictions"], rtol=1e-6)
    assert got["modelConfidence"] == pytest.approx(ref["modelConfidence"], rel=1e-6)
    closes = data.close["AAPL"]
    inp = ForecastInput(
        symbol="AAPL", historical_prices=closes.to_numpy(), timestamps=closes.index
    ).to_dict()
    seed = api.post("/neural/forecast", json={"model_id": "tiny", "inputs": [
        {k: inp[k] for k in ("symbol", "historicalPrices", "timestamps")}]})  # fmt: skip
    assert seed.status_code == 200, seed.text
    np.testing.assert_allclose(
        seed.json()["forecasts"][0]["predictions"], ref["predictions"], rtol=1e-6
    )
    assert api.post("/neural/forecast", json={"model_id": "nope"}).status_code == 404


def test_news_analyze_scores_with_the_library(api):
    from ntlab.sentiment import VaderScorer
    from ntlab.service import news

    headlines = ["Apple beats estimates and raises guidance", "Shares plunge after the downgrade"]
    r = api.post("/news/analyze", json={"headlines": headlines})
    assert r.status_code == 200, r.text
    assert r.json() == news.score_headlines(news.HeadlinesRequest(headlines=headlines))
    ref = VaderScorer(finance=True).score(headlines)
    np.testing.assert_allclose([h["score"] for h in r.json()["scores"]], ref.value, rtol=1e-12)
    assert r.json()["scores"][0]["score"] > 0 > r.json()["scores"][1]["score"]
    summary = api.post("/news/summary", json={"source": "example", "symbols": ["AAPL"]})
    assert summary.status_code == 200, summary.text
