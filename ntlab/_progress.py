"""Progress bars for long single runs (tqdm; widgets in notebooks, text in a terminal).

Long single runs show one bar: the bar-by-bar signals of learned strategies (their
walk-forward retrains, e.g. neural_trend) inside backtests, sweeps and walk-forward.
A bar appears only once its work has run for ``DELAY_S`` seconds, so quick calls print
nothing. ``progress=False`` on the call turns its bar and every bar inside it off;
``progress=None`` (the default of the inner calls) follows the caller.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["DELAY_S", "progress_bar", "progress_scope", "progress_on"]

#: Seconds a piece of work runs before its bar is shown.
DELAY_S = 2.0

_ENABLED: ContextVar[bool] = ContextVar("ntlab_progress", default=True)


def progress_on(progress: bool | None = None) -> bool:
    """Whether a bar is shown: ``progress`` when given, else what the enclosing call said."""
    return _ENABLED.get() if progress is None else bool(progress)


@contextmanager
def progress_scope(progress: bool | None) -> Iterator[None]:
    """Within the block, inner calls with ``progress=None`` follow ``progress``."""
    if progress is None:
        yield
        return
    token = _ENABLED.set(bool(progress))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    progress: bool | None = None,
) -> Any:
    """A tqdm bar (``tqdm.auto``) that is silent when progress is off."""
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        disable=not progress_on(progress),
        leave=False,
        delay=DELAY_S,
        mininterval=0.5,
    )
