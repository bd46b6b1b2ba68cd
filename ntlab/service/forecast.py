"""Neural forecasting: train a Forecaster (a job), forecast with a trained one.

Trained models live in the context by id (and on disk under ``$NTLAB_HOME/models/<id>``
so a restarted process can load them). A forecast takes either the bars of a data spec
or the seed's ForecastInput records (``symbol``, ``historicalPrices``, ``timestamps`` in
Unix microseconds).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field

from ntlab.errors import ConfigError, NotFoundError
from ntlab.service._base import Context, Request, default_context, jsonable
from ntlab.service.data import DataRef, describe, load_data

__all__ = ["TrainRequest", "ForecastRequest", "train", "train_job", "forecast", "list_models"]


class TrainRequest(DataRef):
    """Train one network over the closes of the spec's symbols (``ForecasterConfig`` settings)."""

    model: Literal["nhits", "lstm", "transformer"] = "nhits"
    h: int = Field(5, ge=1, le=500)
    input_size: int = Field(30, ge=2, le=5000)
    max_steps: int = Field(200, ge=1, le=100_000)
    level: float = Field(80.0, gt=0, lt=100, allow_inf_nan=False)
    random_seed: int = 0
    model_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


def train(req: TrainRequest, ctx: Context | None = None, progress: Any = None) -> dict[str, Any]:
    """Fit a Forecaster, keep it under ``model_id`` (and save it); its settings and fit time."""
    from ntlab.config import ntlab_home
    from ntlab.forecast import Forecaster

    ctx = ctx or default_context()
    data = load_data(req, ctx)
    settings = req.model_dump(
        include={"model", "h", "input_size", "max_steps", "level", "random_seed"}
    )
    if progress is not None:
        progress(0.05, f"training {req.model} on {data.n_symbols} symbols x {data.n_bars} bars")
    f = Forecaster(**settings).fit(data)
    model_id = req.model_id or uuid.uuid4().hex[:12]
    path = f.save(ntlab_home() / "models" / model_id)
    with ctx.lock:
        ctx.models[model_id] = f
    return {
        "model_id": model_id,
        "path": str(path),
        "settings": jsonable(f.config.to_dict()),
        "device": f.device_,
        "fit_seconds": f.fit_seconds_,
        "symbols": list(f.symbols_),
        "train_end": f.train_end_.isoformat(),
        "data": describe(data),
    }


def train_job(req: TrainRequest, ctx: Context | None = None) -> dict[str, Any]:
    """:func:`train` as a job (the data is checked first)."""
    from ntlab.service.jobs import submit

    return submit("train", train, req, ctx, lambda r, c: load_data(r, c))


class ForecastInputBody(Request):
    """The seed's ForecastInput."""

    symbol: str = Field(min_length=1, max_length=20)
    historical_prices: list[float] = Field(min_length=2, max_length=100_000)
    timestamps: list[int] = Field(min_length=2, max_length=100_000)


class ForecastRequest(DataRef):
    """Forecast with model ``model_id``: from ``inputs`` when given, else the spec's bars."""

    model_id: str = Field(min_length=1, max_length=64)
    inputs: list[ForecastInputBody] | None = Field(None, min_length=1, max_length=1000)
    h: int | None = Field(None, ge=1, le=500)


def _model(ctx: Context, model_id: str) -> Any:
    with ctx.lock:
        found = ctx.models.get(model_id)
    if found is not None:
        return found
    from ntlab.config import ntlab_home

    path = ntlab_home() / "models" / model_id
    if not path.exists():
        raise NotFoundError(f"no trained model {model_id!r}; train one (POST /neural/train)")
    from ntlab.forecast import Forecaster

    f = Forecaster.load(path)
    with ctx.lock:
        ctx.models[model_id] = f
    return f


def forecast(req: ForecastRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The seed's ForecastOutput per symbol (predictions, intervals, timestamps, confidence)."""
    from ntlab.forecast import ForecastInput

    ctx = ctx or default_context()
    f = _model(ctx, req.model_id)
    if req.inputs is not None:
        if req.symbols is not None or req.start is not None or req.end is not None:
            raise ConfigError(
                "give either inputs or a data selection (symbols/start/end), not both"
            )
        data: Any = [ForecastInput.from_dict(i.model_dump()) for i in req.inputs]
        source = {"inputs": len(data)}
    else:
        data = load_data(req, ctx)
        source = describe(data)
    outputs = f.predict(data, h=req.h)
    return {
        "model_id": req.model_id,
        "model": f.config.model,
        "forecasts": jsonable([o.to_dict() for o in outputs]),
        "data": source,
    }


def list_models(ctx: Context | None = None) -> dict[str, Any]:
    """Models trained or loaded in this process."""
    ctx = ctx or default_context()
    with ctx.lock:
        models = dict(ctx.models)
    return {
        "models": [
            {"model_id": k, "model": f.config.model, "h": f.config.h, "input_size": f.config.input_size,
             "symbols": list(f.symbols_), "device": f.device_}
            for k, f in models.items()
        ]
    }  # fmt: skip
