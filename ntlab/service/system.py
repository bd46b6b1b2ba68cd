"""System: health, version and what this process hosts."""

from __future__ import annotations

import os
import platform
import time
from typing import Any

from ntlab.service._base import Context, default_context

__all__ = ["health", "info"]

_STARTED = time.time()


def health() -> dict[str, Any]:
    """The seed's ``{"status": "ok"}`` (no work is done: a liveness probe)."""
    return {"status": "ok"}


def info(ctx: Context | None = None) -> dict[str, Any]:
    """Version, uptime, hosted sessions and jobs, allowed data kinds, device."""
    import ntlab

    ctx = ctx or default_context()
    sessions = ctx.sessions.all()
    jobs = ctx.jobs.list()
    return {
        "name": "ntlab",
        "version": ntlab.__version__,
        "python": platform.python_version(),
        "pid": os.getpid(),
        "uptime_s": round(time.time() - _STARTED, 3),
        "sessions": {
            "total": len(sessions),
            "running": sum(s.state == "running" for s in sessions),
        },
        "jobs": {"total": len(jobs), "running": sum(j.state == "running" for j in jobs)},
        "models": sorted(ctx.models),
        "data_kinds": list(ctx.data_kinds),
    }
