"""The look-ahead check: a strategy's signals on a prefix of the data must equal the
first rows of its signals on all of it.
How the causality check works
-----------------------------
For a checked bar r the strategy is run again, in a fresh instance, on ``data[:r+1]``
(the bars up to and including r) and the rows it gives must equal the first r+1 rows of
the full run. The bars checked are:

- **decision bars**: bars where some symbol's target changes in the full run (entries,
  exits, flips), as freqtrade's lookahead analysis checks each entry and exit. By
  default :data:`DECISION_BARS` of them, one drawn from each of that many equal spans
  of the history (so a leak confined to a few years is looked for there too);
  ``thorough=True`` checks every one of them.
- **gap bars**: up to :data:`GAP_BARS` bars where some symbol's close is missing (drawn
  from different gaps), where ``bfill``/``interpolate`` leaks live.
- **random bars**: :data:`RANDOM_BARS` bars drawn uniformly (seeded), wherever the
  strategy decides or not. They run *before* the full run, so a cache that the full run
  would fill cannot hand its values to them.

A strategy that declares ``per_symbol = True`` (each symbol's signals depend on that
symbol's bars only, as in ``sma_cross``) is checked on :data:`SAMPLE_SYMBOLS` of its
symbols (those with gaps first); the declaration itself is verified on every check (the
sample run alone must give the sample's columns of the full run).

Each check costs one signal computation on a prefix (on average half the data), so the
default check costs about three more signal computations. The result says how many bars
were checked (:class:`CausalityCheck`).

Every prefix run uses a fresh instance: :meth:`Strategy.clone` plus the learned state
of a fitted strategy (attributes ending in ``_``), never caches filled by earlier runs.
Time-indexed side inputs a strategy declares in ``Strategy.time_inputs`` (``filings=``,
``news=``, features given to the constructor) are cut to the prefix's last bar too.

What the check cannot see: data a strategy reads from anywhere else than the
``MarketData`` it is given and its declared time inputs (files named in its config,
module-level caches or globals, undeclared constructor inputs, values stored inside
data fields ahead of time), and leaks at bars it does not check (use ``thorough=True``).
Passing is evidence, not proof.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import (
    CheckError,
    ConfigError,
    LookAheadError,
    NonDeterministicError,
    NtlabError,
)
from ntlab.strategies.base import Signals, Strategy

__all__ = [
    "check_causal",
    "CausalityCheck",
    "fresh_instance",
    "DECISION_BARS",
    "RANDOM_BARS",
    "GAP_BARS",
    "SAMPLE_SYMBOLS",
    "TRADED",
]

#: Decision bars the default check draws (one from each of this many spans of the data).
DECISION_BARS = 4
#: Random bars the default check adds.
RANDOM_BARS = 2
#: Bars inside gaps of the data (a missing close) the default check adds, when it has gaps.
GAP_BARS = 2
#: Symbols a per-symbol strategy (``Strategy.per_symbol``) is checked on (all when fewer).
SAMPLE_SYMBOLS = 8
#: Frames the guard compares (the ones a backtest trades on; ``reasoning`` is text).
TRADED = ("target", "confidence", "stop_loss", "take_profit")


@dataclass
class CausalityCheck:
    """What one causality check looked at.

    Attributes
    ----------
    n_bars : int
    bars : list of int
        The bars checked (row numbers; each was the last bar of a prefix run), ascending.
    decision_bars : int
        Bars where a target changes in the full run (the last bar, which is the full
        run itself, not counted).
    decision_checked, random_checked, gap_checked : int
    thorough : bool
    symbols_checked, n_symbols : int
        A per-symbol strategy is checked on a sample of its symbols.
    """

    n_bars: int
    bars: list[int]
    decision_bars: int
    decision_checked: int
    random_checked: int
    thorough: bool = False
    gap_checked: int = 0
    symbols_checked: int = 0
    n_symbols: int = 0

    def __str__(self) -> str:
        scope = "all " if self.thorough else ""
        gaps = f", {self.gap_checked} in gaps" if self.gap_checked else ""
        sample = (
            f" (on {self.symbols_checked} of {self.n_symbols} symbols: per-symbol strategy)"
            if self.symbols_checked < self.n_symbols
            else ""
        )
        return (
            f"checked {len(self.bars)} of {self.n_bars} bars{sample}: {scope}"
            f"{self.decision_checked} of {self.decision_bars} decision bars, "
            f"{self.random_checked} random{gaps}"
        )

    def to_dict(self) -> dict[str, int | bool]:
        return {
            "bars_checked": len(self.bars),
            "n_bars": self.n_bars,
            "decision_bars": self.decision_bars,
            "decision_checked": self.decision_checked,
            "random_checked": self.random_checked,
            "gap_checked": self.gap_checked,
            "symbols_checked": self.symbols_checked,
            "n_symbols": self.n_symbols,
            "thorough": self.thorough,
        }


def _num(v: object) -> str:
    """A value as a user reads it (``0.5``, not ``np.float64(0.5)``)."""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return f"{float(v):.10g}"
    return repr(v)


def fresh_instance(strategy: Strategy) -> Strategy:
    """A clone of ``strategy`` holding its learned state (attributes ending in ``_``) and
    nothing else it gathered (caches)."""
    twin = strategy.clone()
    for name, value in vars(strategy).items():
        if name.endswith("_") and not name.startswith("_"):
            setattr(twin, name, copy.deepcopy(value))  # a run must not change the original
    return twin


def _decision_rows(target: np.ndarray) -> np.ndarray:
    """Rows where some column's target differs from the row before (row 0: from flat)."""
    changed = np.empty(len(target), dtype=bool)
    changed[0] = bool((target[0] != 0).any())
    changed[1:] = (target[1:] != target[:-1]).any(axis=1)
    return np.flatnonzero(changed)


def _draw(decisions: np.ndarray, n: int, *, thorough: bool, seed: int) -> list[int]:
    """Decision rows to check: all (thorough) or one drawn from each of ``DECISION_BARS``
    equal spans of the data. Rows < n - 1 (the last row is the full run itself)."""
    usable = decisions[decisions < n - 1]
    if thorough or len(usable) <= DECISION_BARS:
        return usable.tolist()
    rng = np.random.default_rng(seed)
    edges = np.linspace(0, n - 1, DECISION_BARS + 1)
    chosen = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        span = usable[(usable >= lo) & (usable < hi)]
        if len(span):
            chosen.append(int(rng.choice(span)))
    return chosen


def _gap_rows(data: MarketData, n_pick: int, rng: np.random.Generator) -> list[int]:
    """Up to ``n_pick`` rows (< n - 1) with a missing close, from different gaps."""
    missing = np.isnan(data.close.to_numpy(dtype=float)).any(axis=1)[:-1]
    rows = np.flatnonzero(missing)
    if not len(rows) or n_pick <= 0:
        return []
    starts = rows[np.r_[True, np.diff(rows) > 1]]
    gaps = np.split(rows, np.searchsorted(rows, starts[1:]))
    pick = rng.choice(len(gaps), size=min(n_pick, len(gaps)), replace=False)
    return sorted(int(rng.choice(gaps[g])) for g in pick)


def _differs(x: np.ndarray, y: np.ndarray, atol: float) -> tuple[int, int] | None:
    """First (row, column) where ``x`` and ``y`` differ beyond ``atol`` (NaN equals NaN)."""
    ne = x != y
    if not ne.any():
        return None
    rows, cols = np.nonzero(ne)
    a, b = x[rows, cols], y[rows, cols]
    if x.dtype != object and y.dtype != object:
        a, b = a.astype(float), b.astype(float)
        same = (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= atol * (1 + np.abs(b)))
        bad = np.flatnonzero(~same)
    else:
        bad = np.arange(len(rows))
    if not len(bad):
        return None
    first = bad[np.lexsort((cols[bad], rows[bad]))[0]]
    return int(rows[first]), int(cols[first])


def _arrays(sig: Signals, fields: tuple[str, ...] | None) -> dict[str, np.ndarray]:
    out = {}
    for name, frame in sig.frames().items():
        if fields is None or name in fields:
            arr = frame.to_numpy()
            out[name] = arr.astype(float, copy=False) if arr.dtype.kind in "biuf" else arr
    return out


class _Checker:
    """Runs prefixes of one strategy on one data set against the full run."""

    def __init__(self, strategy: Strategy, data: MarketData, atol: float, fields) -> None:
        self.strategy, self.data, self.atol, self.fields = strategy, data, atol, fields
        self.full: dict[str, np.ndarray] | None = None

    def prefix(self, row: int) -> dict[str, np.ndarray]:
        k = row + 1
        inst = fresh_instance(self.strategy).until(self.data.index[row])
        part = inst.signals(self.data[:k])
        if len(part) != k:
            raise NtlabError(
                f"{self.strategy.name}: signals on {k} bars have {len(part)} rows; they must "
                "have one row per bar"
            )
        return _arrays(part, self.fields)

    def compare(self, row: int, part: dict[str, np.ndarray]) -> None:
        assert self.full is not None
        k = row + 1
        for name, arr in part.items():
            ref = self.full.get(name)
            if ref is None:
                raise LookAheadError(
                    f"{self.strategy.name}: field {name} appears only on the prefix of {k} bars"
                )
            where = _differs(arr, ref[:k], self.atol)
            if where is None:
                continue
            r, c = where
            self._explain(name, k, r, c, arr, ref[r, c])

    def _explain(self, name: str, k: int, r: int, c: int, short: np.ndarray, long: object) -> None:
        """Raise the right error: look-ahead, or a strategy that is not deterministic."""
        t, sym = self.data.index[r].isoformat(), self.data.symbols[c]
        again = self.prefix(k - 1)[name]
        if _differs(again, short, self.atol) is not None:
            raise NonDeterministicError(
                f"{self.strategy.name} is not deterministic: two runs on the same {k} bars differ "
                f"({name} at bar {r}, {t}, symbol {sym}: {_num(short[r, c])} and "
                f"{_num(again[r, c])}): it depends on randomness or on state kept between runs "
                "(a cache), and the look-ahead check cannot judge it: seed it, or drop the state"
            )
        whole = _arrays(fresh_instance(self.strategy).signals(self.data), (name,))[name]
        assert self.full is not None
        if _differs(whole, self.full[name], self.atol) is not None:
            raise NonDeterministicError(
                f"{self.strategy.name} is not deterministic: two runs on the same "
                f"{self.data.n_bars} bars differ in {name}: it depends on randomness or on "
                "state kept between runs (a cache), and the look-ahead check cannot judge it"
            )
        raise LookAheadError(
            f"{self.strategy.name} is not causal: {name} at bar {r} ({t}), symbol {sym} is "
            f"{_num(short[r, c])} with {k} bars of data but {_num(long)} with "
            f"{self.data.n_bars}: it uses data after bar {r}"
        )


def _symbol_sample(strategy: Strategy, data: MarketData, seed: int) -> np.ndarray | None:
    """Column indices to check a per-symbol strategy on (symbols with gaps first), or None
    for all of them."""
    m = data.n_symbols
    if not getattr(strategy, "per_symbol", False) or m <= SAMPLE_SYMBOLS:
        return None
    rng = np.random.default_rng(seed + 2)
    gappy = np.flatnonzero(np.isnan(data.close.to_numpy(dtype=float)).any(axis=0))
    first = rng.permutation(gappy)[: SAMPLE_SYMBOLS // 2]
    rest = rng.permutation(np.setdiff1d(np.arange(m), first))[: SAMPLE_SYMBOLS - len(first)]
    return np.sort(np.concatenate([first, rest]).astype(np.int64))


def _columns(data: MarketData, cols: np.ndarray) -> MarketData:
    """The same bars for the symbols at ``cols`` (unlike ``select``, no row is dropped)."""
    out = {}
    for name in data.fields:
        frame = data.field(name)
        values = np.asfortranarray(frame.to_numpy()[:, cols])  # the engines' own layout
        out[name] = pd.DataFrame(values, index=frame.index, columns=frame.columns[cols])
    return data._derive(out)


def _same_alone(
    strategy: Strategy, sub: MarketData, ref: dict[str, np.ndarray], atol: float, fields
) -> None:
    """A per-symbol strategy run on a few of its symbols must give their columns of the
    full run (else the declaration is wrong and a sampled check would prove nothing)."""
    alone = _arrays(fresh_instance(strategy).signals(sub), fields)
    for name, arr in alone.items():
        where = _differs(arr, ref[name], atol) if name in ref else (0, 0)
        if where is not None:
            r, c = where
            raise CheckError(
                f"{strategy.name} declares per_symbol = True, but its {name} for symbol "
                f"{sub.symbols[c]} at bar {r} is {_num(arr[r, c])} when run on "
                f"{sub.n_symbols} symbols and {_num(ref[name][r, c]) if name in ref else 'absent'} "
                "on all of them: its signals depend on other symbols; drop the declaration"
            )


def check_causal(
    strategy: Strategy,
    data: MarketData,
    prefixes: list[int] | None = None,
    *,
    atol: float = 1e-9,
    full: Signals | Callable[[], Signals] | None = None,
    thorough: bool = False,
    seed: int = 0,
    fields: tuple[str, ...] | None = None,
) -> CausalityCheck:
    """Prove, at the bars it checks, that ``signals(data[:r+1])`` equals the first r+1 rows
    of ``signals(data)`` (see the module docstring for the bars and the budget).

    Parameters
    ----------
    prefixes : list of int, optional
        Check exactly these prefix lengths (bars ``k - 1``) instead.
    full : Signals or a callable returning them, optional
        The full run's signals, or how to compute them (called after the random bars'
        runs): the backtest engines pass their own run, so the strategy is not run on
        the whole data twice.
    thorough : bool
        Check every decision bar.
    seed : int
        Seed of the drawn bars.
    fields : tuple of str, optional
        Compare only these frames of the signals (default all).

    Raises
    ------
    LookAheadError
        Naming the first bar, symbol and field that differ.
    NonDeterministicError
        When two runs on the same prefix differ (it is not a look-ahead then).
    """
    n = data.n_bars
    cols = None if thorough else _symbol_sample(strategy, data, seed)
    checked = data if cols is None else _columns(data, cols)
    check = _Checker(strategy, checked, atol, fields)
    early: list[tuple[int, dict[str, np.ndarray]]] = []
    if prefixes is not None:
        bad = [k for k in prefixes if not 1 <= k < n]
        if bad:
            raise ConfigError(f"prefix lengths must lie in 1 .. {n - 1}, got {bad}")
        decisions, randoms, gaps = sorted({k - 1 for k in prefixes}), [], []
    else:
        pool = np.arange(n - 1)
        rng = np.random.default_rng(seed + 1)
        randoms = sorted(int(r) for r in rng.choice(pool, min(RANDOM_BARS, len(pool)), False))
        gaps = _gap_rows(checked, GAP_BARS, rng)
        early = [(r, check.prefix(r)) for r in sorted({*randoms, *gaps})]  # before the full run
    if full is None:
        sig = fresh_instance(strategy).signals(data)
    else:
        sig = full if isinstance(full, Signals) else full()
    check.full = _arrays(sig, fields)
    if cols is not None:
        check.full = {name: arr[:, cols] for name, arr in check.full.items()}
        _same_alone(strategy, checked, check.full, atol, fields)
    if prefixes is None:
        target = check.full.get("target")
        found = _decision_rows(target) if target is not None else np.zeros(0, int)
        decisions = _draw(found, n, thorough=thorough, seed=seed)
        n_found = int((found < n - 1).sum())
    else:
        n_found = 0
    for r, part in early:
        check.compare(r, part)
    for r in decisions:
        check.compare(r, check.prefix(r))
    bars = sorted({*decisions, *randoms, *gaps})
    m = data.n_symbols if cols is None else len(cols)
    return CausalityCheck(
        n, bars, n_found, len(decisions), len(randoms), thorough, len(gaps), m, data.n_symbols
    )
