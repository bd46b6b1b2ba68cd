"""Research that takes long: parameter sweeps, walk-forward optimisation, notebook reports.

Each function runs the library call to its end (faces run them as jobs) and returns what
the library's result object holds, in JSON.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from pydantic import Field

from ntlab.service._base import Context, Request, jsonable
from ntlab.service.backtest import CostSettings, event_settings, vector_settings
from ntlab.service.data import DataRef, describe, load_data
from ntlab.service.strategies import StrategyRef, make_strategy

__all__ = ["SweepRequest", "WalkForwardRequest", "NotebookRequest", "run_sweep", "run_walk_forward",
           "run_report", "sweep_job", "walk_forward_job", "report_job"]  # fmt: skip

Metric = Literal["total_return", "cagr", "sharpe", "sortino", "max_drawdown", "volatility",
                 "trades", "final_equity"]  # fmt: skip
Grid = dict[str, list[Any]]


class SweepRequest(StrategyRef, DataRef, CostSettings):
    """Backtest every combination of ``grid`` (or ``n_random`` of them) and score it.

    ``engine`` picks the backtest engine (the event engine's core, or vectorbt), ``cluster``
    where the combinations run (here, or on Ray); ``top`` rows of the table (best
    ``metric`` first) are returned.
    """

    grid: Grid = Field(min_length=1, max_length=10)
    n_random: int | None = Field(None, ge=1, le=100_000)
    seed: int = 0
    metric: Metric = "sharpe"
    engine: Literal["event", "vector"] = "event"
    cluster: Literal["local", "ray"] = "local"
    top: int = Field(50, ge=1, le=10_000)
    allow_lookahead: bool = False


def _result_fields(result: Any, skip: tuple[str, ...]) -> dict[str, Any]:
    """Every field of a library result dataclass but the big ones (new fields show up too)."""
    return {
        f.name: jsonable(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name not in skip
    }


def run_sweep(
    req: SweepRequest, ctx: Context | None = None, progress: Any = None
) -> dict[str, Any]:
    """``ntlab.backtest.sweep``: the best parameters and the top rows of the score table."""
    from ntlab.backtest.sweep import sweep

    strategy = make_strategy(req, ctx)
    data = load_data(req, ctx)
    if progress is not None:
        progress(0.05, f"sweeping {strategy.name} on {data.n_bars} bars")
    settings = vector_settings(req) if req.engine == "vector" else event_settings(req)
    result = sweep(
        strategy, data, req.grid, n_random=req.n_random, seed=req.seed, settings=settings,
        metric=req.metric, engine=req.cluster, progress=False, allow_lookahead=req.allow_lookahead,
    )  # fmt: skip
    table = result.table.sort_values(req.metric, ascending=False, na_position="last")
    return _result_fields(result, ("table",)) | {
        "combinations": len(result.table),
        "best": jsonable(result.best()),
        "table": jsonable(table.head(req.top).reset_index(drop=True)),
        "data": describe(data),
    }


def _check_grid(strategy: Any, grid: Grid) -> None:
    from ntlab.backtest.sweep import param_grid
    from ntlab.errors import ConfigError

    cfg = strategy.config
    names = set(cfg.to_dict())
    unknown = sorted(set(grid) - names)
    if unknown:
        raise ConfigError(f"{strategy.name} has no parameter(s) {unknown}; it has {sorted(names)}")
    first = None
    for combo in param_grid(grid)[:10_000]:
        try:
            cfg.replace(**combo)
            return
        except (ConfigError, TypeError, ValueError) as exc:
            first = first or exc
    raise ConfigError(
        f"every combination of the grid is rejected by {strategy.name}'s config: {first}"
    )


def check_sweep(req: SweepRequest, ctx: Context | None = None) -> None:
    """What a sweep job would refuse at once: unknown strategy, data, parameters, values."""
    _check_grid(make_strategy(req, ctx), req.grid)
    load_data(req, ctx)


def sweep_job(req: SweepRequest, ctx: Context | None = None) -> dict[str, Any]:
    """:func:`run_sweep` as a job (checked first)."""
    from ntlab.service.jobs import submit

    return submit("sweep", run_sweep, req, ctx, check_sweep)


class WalkForwardRequest(StrategyRef, DataRef, CostSettings):
    """Walk-forward optimisation: sweep ``grid`` on each ``train`` window, trade the best on
    the next ``test`` bars, step by ``step`` (default ``test``)."""

    grid: Grid = Field(min_length=1, max_length=10)
    train: int = Field(ge=10, le=1_000_000)
    test: int = Field(ge=2, le=1_000_000)
    step: int | None = Field(None, ge=1)
    metric: Metric = "sharpe"
    n_random: int | None = Field(None, ge=1, le=100_000)
    seed: int = 0
    allow_lookahead: bool = False


def run_walk_forward(
    req: WalkForwardRequest, ctx: Context | None = None, progress: Any = None
) -> dict[str, Any]:
    """``ntlab.backtest.walk_forward``: folds, out-of-sample summary and equity."""
    from ntlab.backtest.walkforward import walk_forward

    strategy = make_strategy(req, ctx)
    data = load_data(req, ctx)
    if progress is not None:
        progress(0.05, f"walk-forward {strategy.name} on {data.n_bars} bars")
    result = walk_forward(
        strategy, data, req.grid, train=req.train, test=req.test, step=req.step,
        metric=req.metric, settings=event_settings(req), n_random=req.n_random, seed=req.seed,
        progress=False, allow_lookahead=req.allow_lookahead,
    )  # fmt: skip
    return _result_fields(result, ()) | {
        "summary": jsonable(result.summary()),
        "data": describe(data),
    }


def check_walk_forward(req: WalkForwardRequest, ctx: Context | None = None) -> None:
    from ntlab.backtest.walkforward import fold_bounds

    _check_grid(make_strategy(req, ctx), req.grid)
    fold_bounds(load_data(req, ctx).n_bars, req.train, req.test, req.step)


def walk_forward_job(req: WalkForwardRequest, ctx: Context | None = None) -> dict[str, Any]:
    """:func:`run_walk_forward` as a job (checked first)."""
    from ntlab.service.jobs import submit

    return submit("walk_forward", run_walk_forward, req, ctx, check_walk_forward)


class NotebookRequest(Request):
    """A notebook of ``notebooks/`` by name, run by papermill with ``parameters``."""

    notebook: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_]+(\.ipynb)?$")
    parameters: dict[str, Any] = Field(default_factory=dict)
    html: bool = True
    timeout: float = Field(600, gt=0, le=7200, allow_inf_nan=False)


def run_report(
    req: NotebookRequest, ctx: Context | None = None, progress: Any = None
) -> dict[str, Any]:
    """Execute the notebook into ``$NTLAB_HOME/reports/``; the executed notebook and its HTML."""
    from ntlab.config import ntlab_home
    from ntlab.reports.notebook import run_notebook

    if progress is not None:
        progress(0.05, f"running {req.notebook}")
    run = run_notebook(
        req.notebook, req.parameters, output_dir=ntlab_home() / "reports", html=req.html,
        timeout=req.timeout,
    )  # fmt: skip
    return jsonable(
        {
            "notebook": run.notebook,
            "parameters": run.parameters,
            "ipynb": str(run.ipynb),
            "html": None if run.html is None else str(run.html),
            "seconds": run.seconds,
        }
    )


def check_report(req: NotebookRequest, ctx: Context | None = None) -> None:
    from ntlab.errors import ConfigError
    from ntlab.reports.notebook import find_notebook, notebook_parameters

    source = find_notebook(req.notebook)
    unknown = sorted(set(req.parameters) - set(notebook_parameters(source)))
    if unknown:
        raise ConfigError(
            f"{source.name} has no parameter(s) {unknown}; it takes {sorted(notebook_parameters(source))}"
        )


def report_job(req: NotebookRequest, ctx: Context | None = None) -> dict[str, Any]:
    """:func:`run_report` as a job (checked first)."""
    from ntlab.service.jobs import submit

    return submit("report", run_report, req, ctx, check_report)
