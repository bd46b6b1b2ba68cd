"""Checks of single settings by type and range, each failure one clear line (a ConfigError).

The boundary checks of paper configs (:mod:`ntlab.live.config`), session settings and
``ntlab exchange`` use these, so a field means the same and is refused the same way
wherever it is given: ``"cash": -100``, ``"use_gpu": "false"``, ``max_bars: 2.5``, a
``session_id`` that would leave ``NTLAB_HOME``, ``--speed nan``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from ntlab.errors import ConfigError

__all__ = ["number", "whole", "boolean", "text", "session_id", "SESSION_ID"]

#: What a session id may look like: it names a folder under ``$NTLAB_HOME/sessions``.
SESSION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def _range(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>' if lo_open else '>='} {lo:g}")
    if hi is not None:
        parts.append(f"{'<' if hi_open else '<='} {hi:g}")
    return " and ".join(parts)


def number(
    where: str,
    value: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
) -> float:
    """``value`` as a finite float in the range; a bool, a string, NaN or infinity is refused."""
    want = _range(lo, hi, lo_open, hi_open)
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        v = float(value)
        ok = (lo is None or (v > lo if lo_open else v >= lo)) and (
            hi is None or (v < hi if hi_open else v <= hi)
        )
    if not ok:
        raise ConfigError(
            f"{where} must be a finite number{' ' + want if want else ''}, got {value!r}"
        )
    return float(value)


def whole(where: str, value: Any, *, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int in the range (``2.5``, ``True`` and ``"3"`` are refused; ``3.0`` is 3)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and float(value).is_integer()
    ok = ok and (lo is None or value >= lo) and (hi is None or value <= hi)
    if not ok:
        want = _range(lo, hi, False, False)
        raise ConfigError(
            f"{where} must be a whole number{' ' + want if want else ''}, got {value!r}"
        )
    return int(value)


def boolean(where: str, value: Any) -> bool:
    """``value`` if it is true or false (a string ``"false"`` is refused, not taken as true)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


def text(where: str, value: Any, *, choices: tuple[str, ...] | None = None) -> str:
    """``value`` as a non-blank string (one of ``choices`` when given)."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string, got {value!r}")
    if choices is not None and value not in choices:
        raise ConfigError(f"{where} must be one of {', '.join(choices)}; got {value!r}")
    return value


def session_id(where: str, value: Any) -> str:
    """A session id: letters, digits, ``.``, ``_``, ``-`` (no path separators, no ``..``)."""
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value) or ".." in value:
        raise ConfigError(
            f"{where} must be 1-128 letters, digits, '.', '_' or '-' (it names a folder; "
            f"no '/' or '..'), got {value!r}"
        )
    return value
