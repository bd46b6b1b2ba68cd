"""The look-ahead guard of sweeps and walk-forward: every distinct configuration checked.

A sweep checks each configuration it would run (:func:`ntlab.testing.check_causal`, the
same check ``run_event`` makes) before any is evaluated; a configuration that fails is
not run, its row in the table says why, and :meth:`SweepResult.best` can never pick it.
Verdicts are kept per (strategy class, config, data fingerprint), so a configuration is
checked once per data set however many sweeps, folds or dashboard clicks ask again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from ntlab._causality import TRADED, check_causal
from ntlab.data.market import MarketData
from ntlab.errors import LookAheadError, NonDeterministicError
from ntlab.strategies.base import Strategy

__all__ = ["fingerprint", "config_verdicts", "clear_guard_cache", "PASSED"]

#: The guard column's value for a configuration that passed.
PASSED = "passed"
_CACHE_SIZE = 100_000
_verdicts: OrderedDict[tuple, str] = OrderedDict()


def fingerprint(data: MarketData) -> str:
    """A digest of the bars (timestamps, symbols, every field's values)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.ascontiguousarray(data.index.asi8).tobytes())
    h.update("\x1f".join(map(str, data.symbols)).encode())
    for name in data.fields:
        h.update(name.encode())
        h.update(np.ascontiguousarray(data.field(name).to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()


def _config_key(strategy: Strategy) -> tuple:
    cls = type(strategy)
    return (cls.__module__, cls.__qualname__, repr(sorted(strategy.config.to_dict().items())))


def clear_guard_cache() -> None:
    """Forget every cached verdict (the next sweep checks its configurations again)."""
    _verdicts.clear()


def verdict(strategy: Strategy, data: MarketData, digest: str | None = None) -> str:
    """:data:`PASSED`, or why ``strategy`` was refused on ``data`` (cached)."""
    key = (*_config_key(strategy), digest or fingerprint(data))
    hit = _verdicts.get(key)
    if hit is not None:
        _verdicts.move_to_end(key)
        return hit
    try:
        check_causal(strategy, data, fields=TRADED)
        out = PASSED
    except (LookAheadError, NonDeterministicError) as exc:
        out = f"refused: {exc}"
    _verdicts[key] = out
    if len(_verdicts) > _CACHE_SIZE:
        _verdicts.popitem(last=False)
    return out


def config_verdicts(
    cls: type[Strategy], configs: list[Any], data: MarketData, progress: Any = None
) -> list[str]:
    """One verdict per configuration (each distinct one checked at most once)."""
    digest = fingerprint(data)
    seen: dict[str, str] = {}
    out = []
    for cfg in configs:
        strategy = cls(config=cfg)
        key = repr(_config_key(strategy))
        if key not in seen:
            seen[key] = verdict(strategy, data, digest)
        out.append(seen[key])
        if progress is not None:
            progress.update(1)
    return out


def refuse_all(name: str, verdicts: list[str]) -> None:
    """Raise when every configuration was refused (nothing is left to sweep)."""
    if verdicts and all(v != PASSED for v in verdicts):
        first = verdicts[0].removeprefix("refused: ")
        raise LookAheadError(
            f"every one of the {len(verdicts)} configurations of {name} was refused by the "
            f"look-ahead guard; the first: {first}. Fix the strategy, or pass "
            "allow_lookahead=True to sweep it anyway (its results will be too good to be true)."
        )
