"""What every service function shares: the request base model, the context, JSON output."""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from ntlab.errors import ConfigError

__all__ = ["Request", "Context", "default_context", "jsonable", "records", "set_default_context"]

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


class Request(BaseModel):
    """Base of every service input.

    Strict (``"10"`` is not a number, ``1`` is not a bool), unknown fields refused, and
    the seed's camelCase spellings accepted next to the snake_case field names
    (``limitPrice`` or ``limit_price``).
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _accept_camel(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = _snake(key) if isinstance(key, str) else key
            name = name if name in cls.model_fields else key
            if name in out:
                raise ValueError(f"field {name!r} is given twice (as {key!r} too)")
            out[name] = value
        return out


@dataclass
class Context:
    """State a service process holds: hosted sessions, jobs, trained models, data policy.

    Parameters
    ----------
    data_kinds : tuple of str
        Data spec kinds a caller may name (``sample``, ``store``; add ``file`` or
        ``alpaca`` only where callers may read this machine's files or spend its keys).
    import_paths : bool
        Whether strategies may be named by import path (``package.module:Class``), which
        imports code on this machine.
    """

    data_kinds: tuple[str, ...] = ("sample", "store")
    import_paths: bool = False
    job_workers: int = 2
    sessions: Any = None
    jobs: Any = None
    models: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        from ntlab.service.jobs import JobManager
        from ntlab.service.sessions import SessionHost

        if self.sessions is None:
            self.sessions = SessionHost()
        if self.jobs is None:
            self.jobs = JobManager(self.job_workers)

    def close(self) -> None:
        """Stop hosted sessions and the job workers."""
        self.jobs.shutdown()
        self.sessions.close()


_default: Context | None = None
_default_lock = threading.Lock()


def default_context() -> Context:
    """The process-wide context (created on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Context()
        return _default


def set_default_context(ctx: Context | None) -> None:
    global _default
    with _default_lock:
        _default = ctx


def jsonable(value: Any) -> Any:
    """Plain JSON values: NaN and inf become null, numpy scalars Python ones, times ISO text.

    DataFrames become lists of records, Series ``{"time": [...], "value": [...]}``.
    """
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, pd.Series):
        return {"time": [_time(t) for t in value.index], "value": jsonable(value.tolist())}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, np.integer):
        return int(value)
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def _time(t: Any) -> Any:
    return t.isoformat() if hasattr(t, "isoformat") else jsonable(t)


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON records (the index too, when it is named or holds times)."""
    out = frame
    if isinstance(frame.index, pd.DatetimeIndex) or frame.index.name is not None:
        out = frame.reset_index()
    out = out.astype(object)
    return [jsonable(r) for r in out.to_dict(orient="records")]


def check_count(value: int, name: str, *, lo: int = 1, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ConfigError(f"{name} must be an integer >= {lo}, got {value!r}")
    if hi is not None and value > hi:
        raise ConfigError(f"{name} must be at most {hi}, got {value}")
    return value
