"""Routes of research: strategies, data, indicators, signals, backtests, sweeps, walk-forward,
notebook reports, risk analysis, VaR back-tests, forecasting, news, and the jobs.

Long work answers ``202`` with a job (``GET /jobs/{id}`` for progress and result).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI, Query, Request

from ntlab.server.app import accepted, need
from ntlab.service import (
    backtest,
    data,
    forecast,
    indicators,
    jobs,
    news,
    research,
    risk,
    strategies,
)

__all__ = ["install"]


def _csv(text: str | None) -> list[str] | None:
    return None if text is None else [s.strip() for s in text.split(",") if s.strip()] or None


DATA = Query(
    "sample:stocks", min_length=1, max_length=500, description="data spec, e.g. sample:stocks"
)
SYMBOLS = Query(None, max_length=10_000, description="comma-separated symbols")
TIME = Query(None, max_length=40, description="ISO time with zone, or a date (midnight UTC)")


def install(app: FastAPI) -> None:
    def ctx(request: Request) -> Any:
        return request.app.state.ntlab.ctx

    def submit(request: Request, job: Any, req: Any) -> Any:
        return accepted(job(req, ctx(request)))

    # ------------------------------------------------------------------ strategies and signals
    @app.get("/strategies", tags=["strategies"])
    def strategies_list(key: str = need("read")) -> dict[str, Any]:
        """Registered strategies."""
        return strategies.list_strategies()

    @app.get("/strategies/{name}", tags=["strategies"])
    def strategies_describe(name: str, key: str = need("read")) -> dict[str, Any]:
        """A strategy's parameters (type, default), warm-up and example data."""
        return strategies.describe_strategy(strategies.DescribeRequest(strategy=name))

    @app.post("/strategies/check", tags=["strategies"])
    def strategies_check(
        req: strategies.CheckRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """The look-ahead check (``ntlab.testing.check_strategy``) on the given bars."""
        return strategies.check_lookahead(req, ctx(request))

    @app.post("/signals", tags=["strategies"])
    def signals(
        req: strategies.SignalsRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """Seed-schema Signals of a strategy on the given bars (latest bar, or every change)."""
        return strategies.signals(req, ctx(request))

    # ------------------------------------------------------------------ data and indicators
    @app.get("/data/samples", tags=["data"])
    def data_samples(request: Request, key: str = need("read")) -> dict[str, Any]:
        """Bundled samples and the data spec kinds this server accepts."""
        return data.list_samples(ctx(request))

    @app.get("/data/bars", tags=["data"])
    def data_bars(request: Request, spec: str = DATA, symbols: str | None = SYMBOLS, start: str | None = TIME,
                  end: str | None = TIME, limit: int = Query(500, ge=1, le=10_000),
                  key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """OHLCV bars of a data spec (``spec``), the seed's historical-bars schema."""
        req = data.BarsRequest(data=spec, symbols=_csv(symbols), start=start, end=end, limit=limit)
        return data.bars(req, ctx(request))

    @app.get("/indicators", tags=["data"])
    def indicators_list(key: str = need("read")) -> dict[str, Any]:
        """Registered indicators with inputs, outputs and default parameters."""
        return indicators.list_indicators()

    @app.post("/indicators/compute", tags=["data"])
    def indicators_compute(req: indicators.IndicatorRequest, request: Request,
                           key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """One indicator on the given bars."""
        return indicators.compute_indicator(req, ctx(request))

    # ------------------------------------------------------------------ backtests and research
    @app.post("/backtest/run", tags=["research"])
    def backtest_run(req: backtest.BacktestRequest, request: Request, job: bool = False,
                     key: str = need("read")) -> Any:  # fmt: skip
        """Backtest a strategy (``?job=true``: run as a job, 202)."""
        if job:
            return submit(request, backtest.backtest_job, req)
        return backtest.run_backtest(req, ctx(request))

    @app.post("/research/sweep", tags=["research"], status_code=202)
    def research_sweep(
        req: research.SweepRequest, request: Request, key: str = need("read")
    ) -> Any:
        """Parameter sweep as a job."""
        return submit(request, research.sweep_job, req)

    @app.post("/research/walk-forward", tags=["research"], status_code=202)
    def research_walk_forward(
        req: research.WalkForwardRequest, request: Request, key: str = need("read")
    ) -> Any:
        """Walk-forward optimisation as a job."""
        return submit(request, research.walk_forward_job, req)

    @app.post("/reports/notebook", tags=["research"], status_code=202)
    def reports_notebook(
        req: research.NotebookRequest, request: Request, key: str = need("trade")
    ) -> Any:
        """Run a notebook of notebooks/ through papermill as a job (HTML under $NTLAB_HOME/reports)."""
        return submit(request, research.report_job, req)

    # ------------------------------------------------------------------ risk
    @app.get("/risk/analysis", tags=["risk"])
    def risk_analysis(request: Request, spec: str = DATA, symbols: str | None = SYMBOLS, start: str | None = TIME,
                      end: str | None = TIME, benchmark: str | None = Query(None, max_length=20),
                      method: Literal["historical", "normal", "cornish_fisher", "monte_carlo"] = "historical",
                      key: str = need("read")) -> dict[str, Any]:  # fmt: skip
        """RiskMetrics (VaR 95/99, CVaR 95, drawdown, Sharpe, Sortino, beta, volatility) of an
        equal-weight basket of ``symbols``; POST for weights."""
        req = risk.RiskRequest(data=spec, symbols=_csv(symbols), start=start, end=end,
                               benchmark=benchmark, method=method)  # fmt: skip
        return risk.risk_analysis(req, ctx(request))

    @app.post("/risk/analysis", tags=["risk"])
    def risk_analysis_post(
        req: risk.RiskRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """RiskMetrics of a weighted basket."""
        return risk.risk_analysis(req, ctx(request))

    @app.post("/risk/var-backtest", tags=["risk"])
    def risk_var_backtest(
        req: risk.VarBacktestRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """Rolling VaR back-test with Kupiec and Christoffersen tests."""
        return risk.var_backtest(req, ctx(request))

    # ------------------------------------------------------------------ forecasting
    @app.post("/neural/train", tags=["neural"], status_code=202)
    def neural_train(req: forecast.TrainRequest, request: Request, key: str = need("read")) -> Any:
        """Train a Forecaster as a job; its result holds the ``model_id``."""
        return submit(request, forecast.train_job, req)

    @app.post("/neural/forecast", tags=["neural"])
    def neural_forecast(
        req: forecast.ForecastRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """ForecastOutput per symbol from a trained model."""
        return forecast.forecast(req, ctx(request))

    @app.get("/neural/models", tags=["neural"])
    def neural_models(request: Request, key: str = need("read")) -> dict[str, Any]:
        """Models trained or loaded by this server."""
        return forecast.list_models(ctx(request))

    # ------------------------------------------------------------------ news
    _news_routes(app, ctx)

    # ------------------------------------------------------------------ jobs
    @app.get("/jobs", tags=["jobs"])
    def jobs_list(request: Request, key: str = need("read")) -> dict[str, Any]:
        """Jobs of this server (without results)."""
        return jobs.list_jobs(ctx(request))

    @app.get("/jobs/{job_id}", tags=["jobs"])
    def jobs_get(job_id: str, request: Request, key: str = need("read")) -> dict[str, Any]:
        """A job's state, progress and (when done) result."""
        return jobs.get_job(jobs.JobRef(job_id=job_id), ctx(request))

    @app.delete("/jobs/{job_id}", tags=["jobs"])
    def jobs_cancel(job_id: str, request: Request, key: str = need("read")) -> dict[str, Any]:
        """Cancel a job."""
        return jobs.cancel_job(jobs.JobRef(job_id=job_id), ctx(request))


def _news_routes(app: FastAPI, ctx: Any) -> None:
    """The seed's /news/analyze and the news summary, over ``ntlab.service.news``."""

    @app.post("/news/analyze", tags=["news"])
    def news_analyze(req: news.HeadlinesRequest, key: str = need("read")) -> dict[str, Any]:
        """Sentiment of headlines (VADER with ntlab's finance overlay)."""
        return news.score_headlines(req)

    @app.post("/news/summary", tags=["news"])
    def news_summary(
        req: news.NewsRequest, request: Request, key: str = need("read")
    ) -> dict[str, Any]:
        """Scored news of a source per symbol."""
        return news.news_summary(req, ctx(request))
