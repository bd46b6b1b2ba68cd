"""One exception hierarchy for ntlab.

Every error says what was wrong, where, and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "NtlabError",
    "ConfigError",
    "DataError",
    "ValidationError",
    "UnknownSymbolError",
    "OptionalDependencyError",
    "NotFittedError",
    "NotebookError",
    "NewsQueryError",
    "JobCancelled",
    "AuthError",
    "RateLimited",
    "LookAheadError",
    "NonDeterministicError",
    "CheckError",
    "RiskError",
    "ExecutionError",
    "OrderRejectedError",
    "BrokerConnectionError",
    "JournalError",
    "ReconciliationError",
    "NotFoundError",
    "NtlabWarning",
]


class NtlabError(Exception):
    """Base class of every error ntlab raises on purpose."""


class ConfigError(NtlabError, ValueError):
    """A parameter or setting is invalid."""


class DataError(NtlabError, ValueError):
    """Market or news data cannot be used as given."""


class ValidationError(DataError):
    """Data failed validation; the message names the symbol and row."""


class UnknownSymbolError(DataError, KeyError):
    """A symbol was asked for that the data does not hold."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class OptionalDependencyError(NtlabError, ImportError):
    """A heavy optional dependency is missing; the message says what to install."""


class NotFittedError(NtlabError, ValueError):
    """A learned object (a Forecaster, a learned strategy) was used before ``fit`` or ``load``."""


class NotebookError(NtlabError):
    """A notebook cell raised; the message names the notebook, the cell and the error."""

    def __init__(
        self, message: str, *, cell: int | None = None, ename: str = "", output: object = None
    ):
        super().__init__(message)
        self.cell = cell
        self.ename = ename
        self.output = output


class NewsQueryError(DataError):
    """A news query parameter is invalid (the local exchange answers HTTP 422 with the message)."""


class JobCancelled(NtlabError):
    """Raised inside a job's progress callback once the job has been cancelled."""


class AuthError(NtlabError):
    """Missing, malformed, expired or wrongly signed credentials (401) or a missing scope (403)."""

    def __init__(self, message: str, status: int = 401, code: str = "unauthorized") -> None:
        super().__init__(message)
        self.status, self.code = status, code


class RateLimited(NtlabError):
    """Too many requests for this key in the window (429); ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LookAheadError(NtlabError):
    """A strategy's signals use data from the future (failed the causality check)."""


class CheckError(NtlabError, AssertionError):
    """An object failed one of ntlab's shared checks (``ntlab.testing``); the message says which."""


class NonDeterministicError(CheckError):
    """Two runs of a strategy on the same data gave different signals."""


class RiskError(NtlabError):
    """A risk computation cannot be done on the given input."""


class ExecutionError(NtlabError):
    """An order could not be placed, changed or tracked."""


class OrderRejectedError(ExecutionError):
    """The broker or the risk gate rejected an order; the message gives the reason."""


class BrokerConnectionError(ExecutionError):
    """The broker could not be reached after retries."""


class JournalError(ExecutionError):
    """A session's journal cannot be trusted or used: damaged, read-only, emptied, replaced,
    or held by another running session. Nothing was written to it or sent to the broker."""


class ReconciliationError(ExecutionError):
    """The journal and the broker disagree about positions, orders or the bar clock; the
    session does not trade on either belief until told which one holds."""


class NtlabWarning(UserWarning):
    """Warnings of ntlab's own (treated as errors in the test suite)."""


class NotFoundError(NtlabError, LookupError):
    """A session, order, job or model was asked for by an id that does not exist."""
