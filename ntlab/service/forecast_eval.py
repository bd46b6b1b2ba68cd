"""Forecasting beside :mod:`ntlab.service.forecast`: baselines, evaluation, model management.

``evaluate`` is the honest question: walk-forward forecasts of a network against the
random walk and the other naive baselines on the same origins (``ntlab.forecast``'s
``walk_forward`` and ``accuracy_report``). ``baseline`` gives the naive forecasts from
the last bar, the figures any network has to beat.
"""

from __future__ import annotations

import shutil
from typing import Any, Literal

import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError, NotFoundError
from ntlab.service._base import Context, Request, default_context, jsonable
from ntlab.service.data import DataRef, describe, load_data
from ntlab.service.forecast import TrainRequest, _model

__all__ = [
    "EvaluateRequest",
    "BaselineRequest",
    "ModelRef",
    "architectures",
    "evaluate",
    "baseline",
    "describe_model",
    "delete_model",
]


def architectures() -> dict[str, Any]:
    """The networks a Forecaster can train, its targets, and the device training would use."""
    from ntlab.forecast._device import cuda_available
    from ntlab.forecast.config import DEVICES, MODELS, TARGETS
    from ntlab.forecast.evaluate import BASELINES

    return {
        "models": [{"name": k, "neuralforecast_class": v} for k, v in MODELS.items()],
        "targets": list(TARGETS),
        "devices": list(DEVICES),
        "cuda_available": bool(cuda_available()),
        "baselines": list(BASELINES),
    }


class EvaluateRequest(TrainRequest):
    """Walk-forward: ``n_windows`` origins ``step_size`` bars apart, the network retrained
    every ``refit`` origins (0: trained once, at the first origin)."""

    n_windows: int = Field(10, ge=1, le=1000)
    step_size: int = Field(1, ge=1, le=1000)
    refit: int = Field(0, ge=0, le=1000)
    season_length: int = Field(5, ge=1, le=365)


def evaluate(
    req: EvaluateRequest, ctx: Context | None = None, progress: Any = None
) -> dict[str, Any]:
    """Accuracy of the network and of the naive baselines on the same walk-forward origins.

    Per method: MAE, RMSE, MASE, directional accuracy, interval coverage, ``skill_vs_naive``
    (``1 - MAE / MAE(random walk)``, > 0 beats it) and the Diebold-Mariano p-value against
    the random walk; ``verdict`` reads them in words.
    """
    from ntlab.forecast import ForecasterConfig
    from ntlab.forecast.evaluate import accuracy_report, verdict
    from ntlab.forecast.walkforward import walk_forward

    data = load_data(req, ctx)
    settings = req.model_dump(
        include={"model", "h", "input_size", "max_steps", "level", "random_seed"}
    )
    if progress is not None:
        progress(
            0.05,
            f"walk-forward {req.model} over {req.n_windows} origins on {data.n_symbols} symbols",
        )
    cv = walk_forward(
        ForecasterConfig(**settings), data, n_windows=req.n_windows, step_size=req.step_size,
        refit=req.refit or False,
    )  # fmt: skip
    if progress is not None:
        progress(0.9, "scoring against the baselines")
    report = accuracy_report(cv, data, season_length=req.season_length)
    return jsonable(
        {
            "settings": settings,
            "origins": report.attrs["n_origins"],
            "symbols": report.attrs["n_symbols"],
            "methods": report.reset_index().to_dict(orient="records"),
            "verdict": verdict(report),
            "data": describe(data),
        }
    )


class BaselineRequest(DataRef):
    """Naive forecasts ``h`` bars past the last bar of each symbol."""

    h: int = Field(5, ge=1, le=500)
    method: Literal["naive", "seasonal_naive", "drift"] = "naive"
    season_length: int = Field(5, ge=1, le=365)


def baseline(req: BaselineRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The random walk (``naive``), seasonal-naive or drift forecast from the last bar."""
    from ntlab.forecast._panel import future_index
    from ntlab.forecast.evaluate import baselines

    data = load_data(req, ctx)
    close = data.close.dropna(how="any")
    if len(close) <= req.season_length:
        raise ConfigError(
            f"{len(close)} gap-free bars are not more than a season ({req.season_length})"
        )
    origin = close.index[-1]
    cv = pd.DataFrame(
        [(s, origin, k) for s in close.columns for k in range(1, req.h + 1)],
        columns=["symbol", "origin", "step"],
    )
    # the frame a walk-forward gives, with the future unknown (baselines read only prices)
    cv = cv.assign(
        model=req.method, last_price=float("nan"), forecast=float("nan"), actual=float("nan")
    )
    cv["forecast"] = baselines(close, cv, season_length=req.season_length)[req.method].to_numpy()
    times = future_index(close.index, req.h)
    out = {
        s: {
            "last_price": close[s].iloc[-1],
            "forecast": g["forecast"].to_numpy(),
            "timestamps": list(times),
        }
        for s, g in cv.groupby("symbol", sort=False)
    }
    return jsonable(
        {"method": req.method, "origin": origin, "h": req.h, "symbols": out, "data": describe(data)}
    )


class ModelRef(Request):
    """A trained model by id (``list_models`` shows them)."""

    model_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def describe_model(req: ModelRef, ctx: Context | None = None) -> dict[str, Any]:
    """A trained model's full settings, symbols, training end, device and fit time."""
    f = _model(ctx or default_context(), req.model_id)
    return jsonable(
        {
            "model_id": req.model_id,
            "settings": f.config.to_dict(),
            "symbols": list(f.symbols_),
            "train_end": f.train_end_,
            "device": f.device_,
            "fit_seconds": f.fit_seconds_,
        }
    )


def delete_model(req: ModelRef, ctx: Context | None = None) -> dict[str, Any]:
    """Forget a trained model here and remove its saved files."""
    from ntlab.config import ntlab_home

    ctx = ctx or default_context()
    path = ntlab_home() / "models" / req.model_id
    with ctx.lock:
        held = ctx.models.pop(req.model_id, None)
    if held is None and not path.exists():
        raise NotFoundError(f"no trained model {req.model_id!r}")
    if path.exists():
        shutil.rmtree(path)
    return {"model_id": req.model_id, "deleted": True}
