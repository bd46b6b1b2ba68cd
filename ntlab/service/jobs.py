"""Jobs: long work (training, sweeps, walk-forward, big backtests, reports) in worker threads.

``submit(kind, fn, request)`` returns at once with a job id; ``fn(request, ctx,
progress)`` runs in a worker and reports through ``progress(fraction, message)``.
A cancel stops a queued job before it starts; a running one stops at its next progress
report (library calls between two reports run to their end, and their result is
discarded). States: ``queued``, ``running``, ``done``, ``failed``, ``cancelled``.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field

from ntlab.errors import JobCancelled, NotFoundError, NtlabError
from ntlab.service._base import Context, Request, default_context

__all__ = [
    "Job",
    "JobManager",
    "JobRef",
    "submit",
    "get_job",
    "cancel_job",
    "list_jobs",
    "JobCancelled",
]

TERMINAL = ("done", "failed", "cancelled")


@dataclass
class Job:
    id: str
    kind: str
    request: dict[str, Any]
    state: str = "queued"
    progress: float = 0.0
    message: str = "queued"
    result: Any = None
    error: dict[str, str] | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event)

    def to_dict(self, *, result: bool = True) -> dict[str, Any]:
        out = {
            "job_id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": {"fraction": round(self.progress, 4), "message": self.message},
            "request": self.request,
            "error": self.error,
            "created": int(self.created * 1000),
            "started": None if self.started is None else int(self.started * 1000),
            "finished": None if self.finished is None else int(self.finished * 1000),
            "seconds": None
            if self.started is None
            else round((self.finished or time.time()) - self.started, 4),
        }
        if result:
            out["result"] = self.result
        return out


class JobManager:
    """A bounded worker pool and the jobs it ran (the last ``keep`` finished ones are kept)."""

    def __init__(self, workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ntlab-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._keep = keep

    def submit(
        self, kind: str, fn: Callable[..., Any], request: Request, ctx: Context
    ) -> dict[str, Any]:
        job = Job(uuid.uuid4().hex[:16], kind, request.model_dump(mode="json"))
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
        self._pool.submit(self._run, job, fn, request, ctx)
        return job.to_dict(result=False)

    def _trim(self) -> None:
        done = [j for j in self._jobs.values() if j.state in TERMINAL]
        for j in done[: max(len(done) - self._keep, 0)]:
            del self._jobs[j.id]

    def _run(self, job: Job, fn: Callable[..., Any], request: Request, ctx: Context) -> None:
        if job.cancel.is_set():
            return
        job.state, job.started, job.message = "running", time.time(), "running"

        def progress(fraction: float, message: str = "") -> None:
            if job.cancel.is_set():
                raise JobCancelled(f"job {job.id} was cancelled")
            job.progress = max(job.progress, min(float(fraction), 1.0))
            job.message = message or job.message

        try:
            result = fn(request, ctx, progress)
            if job.cancel.is_set():
                raise JobCancelled(f"job {job.id} was cancelled")
        except JobCancelled:
            job.state, job.message = "cancelled", "cancelled while running"
        except NtlabError as exc:
            job.state, job.error = "failed", {"code": type(exc).__name__, "message": str(exc)}
            job.message = "failed"
        except Exception as exc:  # a bug: kept with its traceback's last line, not re-raised
            job.state = "failed"
            job.error = {
                "code": type(exc).__name__,
                "message": f"{exc} ({traceback.format_exc().strip().splitlines()[-1]})",
            }
            job.message = "failed"
        else:
            job.result, job.state, job.progress, job.message = result, "done", 1.0, "done"
        finally:
            job.finished = time.time()

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no job {job_id!r}; GET /jobs lists the jobs this server holds")
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.state in TERMINAL:
            return job
        job.cancel.set()
        if job.state == "queued":
            job.state, job.message, job.finished = (
                "cancelled",
                "cancelled before it ran",
                time.time(),
            )
        else:
            job.message = "cancel requested; stops at the next progress report"
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until the job ends (for tests and the CLI)."""
        job = self.get(job_id)
        deadline = time.monotonic() + timeout
        while job.state not in TERMINAL and time.monotonic() < deadline:
            time.sleep(0.01)
        return job

    def shutdown(self) -> None:
        for job in self.list():
            job.cancel.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def submit(
    kind: str,
    fn: Callable[..., Any],
    req: Request,
    ctx: Context | None = None,
    check: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Check ``req`` now (``check(req, ctx)``, quick: bad input fails here, not in the job),
    then run ``fn`` as a job; the job's record (state ``queued`` or ``running``)."""
    ctx = ctx or default_context()
    if check is not None:
        check(req, ctx)
    return ctx.jobs.submit(kind, fn, req, ctx)


class JobRef(Request):
    job_id: str = Field(min_length=1, max_length=64)


def get_job(req: JobRef, ctx: Context | None = None) -> dict[str, Any]:
    """State, progress and (once done) the result of a job."""
    return (ctx or default_context()).jobs.get(req.job_id).to_dict()


def cancel_job(req: JobRef, ctx: Context | None = None) -> dict[str, Any]:
    """Cancel a job (see the module docstring for what that stops)."""
    return (ctx or default_context()).jobs.cancel(req.job_id).to_dict(result=False)


def list_jobs(ctx: Context | None = None) -> dict[str, Any]:
    """Every job this process holds, newest last, without results."""
    return {"jobs": [j.to_dict(result=False) for j in (ctx or default_context()).jobs.list()]}
