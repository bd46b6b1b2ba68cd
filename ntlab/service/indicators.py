"""Indicators: the registry, and one indicator computed on the bars of a spec."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError
from ntlab.service._base import Context, jsonable
from ntlab.service.data import DataRef, describe, load_data

__all__ = ["IndicatorRequest", "list_indicators", "compute_indicator"]


def list_indicators() -> dict[str, Any]:
    """Every registered indicator: inputs, outputs, default parameters, TA-Lib twin."""
    from ntlab.indicators import INDICATORS

    return {
        "indicators": [
            {
                "name": s.name,
                "inputs": list(s.inputs),
                "outputs": list(s.outputs),
                "params": jsonable(dict(s.params)),
                "warmup": int(s.warmup(**s.params)),
                "talib": s.talib,
            }
            for s in INDICATORS
        ]
    }


class IndicatorRequest(DataRef):
    """``indicator`` by registered name, its ``params``, on the bars of the spec.

    Pair indicators (inputs ``x``, ``y``: ``rolling_corr``, ``rolling_beta``) take exactly
    two ``symbols``: x is the first one's close, y the second's. ``limit`` keeps the last
    so many bars of the output.
    """

    indicator: str = Field(min_length=1, max_length=100)
    params: dict[str, Any] = Field(default_factory=dict)
    limit: int = Field(200, ge=1, le=10_000)


def _inputs(spec: Any, data: Any) -> list[Any]:
    if spec.inputs == ("x", "y"):
        if data.n_symbols != 2:
            raise ConfigError(
                f"{spec.name} compares two series: give exactly two symbols, got {data.n_symbols}"
            )
        a, b = data.symbols
        return [data.close[a], data.close[b]]
    missing = [f for f in spec.inputs if not data.has(f)]
    if missing:
        raise ConfigError(f"{spec.name} needs {list(spec.inputs)}; {data.name} lacks {missing}")
    return [data.field(f) for f in spec.inputs]


def compute_indicator(req: IndicatorRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Values of each output (``{"time": [...], "values": {symbol: [...]}}``), NaN as null."""
    from ntlab.indicators import get_indicator

    spec = get_indicator(req.indicator)
    unknown = sorted(set(req.params) - set(spec.params))
    if unknown:
        raise ConfigError(
            f"{spec.name}: unknown parameter(s) {unknown}; known: {sorted(spec.params)}"
        )
    data = load_data(req, ctx)
    try:
        results = spec.compute(*_inputs(spec, data), **req.params)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{spec.name}: {exc}") from exc
    outputs = {}
    for name, value in zip(spec.outputs, results, strict=True):
        frame = value.to_frame(name) if isinstance(value, pd.Series) else value
        tail = frame.iloc[-req.limit :]
        outputs[name] = {
            "time": [t.isoformat() for t in tail.index],
            "values": {str(c): jsonable(tail[c].tolist()) for c in tail.columns},
        }
    params = {**spec.params, **req.params}
    return {
        "indicator": spec.name,
        "params": jsonable(params),
        "warmup": int(spec.warmup(**params)),
        "outputs": outputs,
        "data": describe(data),
    }
