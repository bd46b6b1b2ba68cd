"""Parity report: ntlab against independent references on the same real data, computed live.

Every check is one function registered with :func:`parity_check`; it takes a
:class:`ParityContext` (data and cached backtests) and returns a tidy DataFrame with the
columns of :data:`COLUMNS`:

``group, check, reference, ntlab_value, reference_value, tolerance, pass, status, note``

``tolerance`` is relative (``|ntlab - reference| <= tolerance * |reference|``) and comes
from the seed's accuracy table (indicators 0.1%, risk metrics 0.5%, Sharpe ratios 1%,
portfolio values 0.001%) or its per-strategy "backtest match" column for the claimed
Sharpe ratios. ``pass`` is a nullable boolean: True or False when a comparison was made,
``<NA>`` for parts of ntlab that do not exist yet (``status == "not available yet"``) and for
strategies the seed made no claim about (``status == "no claim"``). A check that raises
gives a row with ``status == "error"`` and ``pass == False``: nothing ever passes by default.

Adding a check is one decorated function::

    @parity_check("risk", "VaR vs empyrical")
    def _var(ctx): return rows_frame([compare(...)])
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError

__all__ = [
    "COLUMNS",
    "TOLERANCES",
    "ParityContext",
    "parity_check",
    "available_checks",
    "run_parity",
    "parity_summary",
    "compare",
    "compare_curves",
    "not_available",
    "rows_frame",
    "style_parity",
]

COLUMNS = [
    "group",
    "check",
    "reference",
    "ntlab_value",
    "reference_value",
    "tolerance",
    "pass",
    "status",
    "note",
]

#: Relative tolerances of the seed's accuracy table ("All numerical outputs must match").
TOLERANCES = {
    "price": 1e-4,
    "indicator": 1e-3,
    "risk_metric": 5e-3,
    "portfolio_value": 1e-5,
    "sharpe": 1e-2,
}

PASS, FAIL, NOT_AVAILABLE, NO_CLAIM, ERROR = (
    "pass",
    "fail",
    "not available yet",
    "no claim",
    "error",
)


@dataclass
class ParityContext:
    """Inputs shared by the checks, with a cache so each backtest runs once.

    Attributes
    ----------
    data : str
        Data spec of the OHLCV sample the backtests and indicators use.
    symbol : str
        Symbol for single-series checks (indicators, engine vs backtrader).
    strategy : str
        Registered strategy for the backtest-based checks.
    index_data, index_symbol : str
        A market index whose daily returns feed the metric checks.
    start, end : str, optional
        Restrict the data to a date range (ISO strings with a zone, e.g. ``2005-01-01T00:00Z``).
    """

    data: str = "sample:stocks"
    symbol: str = "AAPL"
    strategy: str = "momentum"
    index_data: str = "sample:indices"
    index_symbol: str = "SP500"
    start: str | None = None
    end: str | None = None
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def _cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def market(self, spec: str | None = None) -> MarketData:
        """The data of a spec (default: :attr:`data`), restricted to ``start .. end``."""
        from ntlab.data import load

        spec = spec or self.data

        def make() -> MarketData:
            md = load(spec)
            return md.between(self.start, self.end) if (self.start or self.end) else md

        return self._cached(f"market:{spec}", make)

    def backtest(self, strategy: str | None = None, spec: str | None = None) -> BacktestResult:
        """Default-config event backtest with costs; learned strategies fit on the first half."""
        from ntlab.reports.tearsheet import run_config

        name, spec = strategy or self.strategy, spec or self.data
        return self._cached(
            f"bt:{name}:{spec}", lambda: run_config(name, data=self.market(spec))[0]
        )

    def returns(self) -> dict[str, pd.Series]:
        """Real return series for the metric checks: an index and the strategy's backtest."""

        def make() -> dict[str, pd.Series]:
            close = self.market(self.index_data).close[self.index_symbol].dropna()
            index_r = close.pct_change().iloc[1:].rename(self.index_symbol)
            bt = self.backtest()
            return {
                f"{self.index_symbol} daily returns": index_r,
                f"{bt.strategy} backtest returns": bt.returns,
            }

        return self._cached("returns", make)


Check = Callable[[ParityContext], pd.DataFrame]
_CHECKS: dict[str, tuple[str, Check]] = {}


def parity_check(group: str, name: str) -> Callable[[Check], Check]:
    """Register a check function under ``name`` in ``group`` (decorator)."""

    def deco(fn: Check) -> Check:
        if name in _CHECKS and _CHECKS[name][1] is not fn:
            raise ConfigError(f"a parity check named {name!r} is already registered")
        _CHECKS[name] = (group, fn)
        return fn

    return deco


def _load_checks() -> None:
    import ntlab.reports.parity_checks  # noqa: F401  (registers the built-in checks)


def available_checks() -> pd.DataFrame:
    """Registered checks: name, group and the first line of the docstring."""
    _load_checks()
    rows = [
        {
            "check": n,
            "group": g,
            "what": (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else "",
        }
        for n, (g, fn) in _CHECKS.items()
    ]
    return pd.DataFrame(rows, columns=["check", "group", "what"])


def _row(group: str, check: str, reference: str, ntlab_value: float, reference_value: float,
         tolerance: float, passed: Any, status: str, note: str) -> dict[str, Any]:  # fmt: skip
    return dict(
        zip(
            COLUMNS,
            (
                group,
                check,
                reference,
                ntlab_value,
                reference_value,
                tolerance,
                passed,
                status,
                note,
            ),
        )
    )


def compare(
    check: str, reference: str, ntlab_value: float, reference_value: float, tolerance: float, *,
    group: str = "", note: str = "", atol: float = 0.0,
) -> dict[str, Any]:  # fmt: skip
    """One row comparing two numbers: passes when ``|a - b| <= tolerance * |b| + atol``.

    A NaN on either side fails (a missing number is never a pass).
    """
    a, b = float(ntlab_value), float(reference_value)
    ok = bool(math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tolerance * abs(b) + atol)
    return _row(group, check, reference, a, b, tolerance, ok, PASS if ok else FAIL, note)


def compare_curves(
    check: str, reference: str, ours: pd.Series | np.ndarray, theirs: pd.Series | np.ndarray, tolerance: float, *,
    group: str = "", note: str = "",
) -> dict[str, Any]:  # fmt: skip
    """One row comparing two curves point by point (largest relative deviation vs tolerance).

    ``ntlab_value``/``reference_value`` show the last points; the curves must have the same
    length and the same NaN positions (a NaN mismatch fails).
    """
    x, y = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if x.shape != y.shape:
        return _row(group, check, reference, np.nan, np.nan, tolerance, False, FAIL,
                    f"shapes differ: {x.shape} vs {y.shape}")  # fmt: skip
    nan_x, nan_y = np.isnan(x), np.isnan(y)
    both = ~nan_x & ~nan_y
    dev = (
        float(np.max(np.abs(x[both] - y[both]) / np.maximum(np.abs(y[both]), 1e-12)))
        if both.any()
        else np.nan
    )
    nan_mismatch = int((nan_x != nan_y).sum())
    ok = bool(both.any() and nan_mismatch == 0 and dev <= tolerance)
    last = np.flatnonzero(both)[-1] if both.any() else -1
    detail = f"max relative deviation {dev:.2e} over {int(both.sum())} points"
    if nan_mismatch:
        detail += f"; NaN at {nan_mismatch} points on one side only"
    return _row(group, check, reference, float(x[last]) if last >= 0 else np.nan,
                float(y[last]) if last >= 0 else np.nan, tolerance, ok, PASS if ok else FAIL,
                f"{detail}. {note}".strip())  # fmt: skip


def not_available(
    check: str, reference: str, what: str, *, group: str = "", tolerance: float = np.nan
) -> dict[str, Any]:
    """A row for a part of ntlab that does not exist yet (never a pass)."""
    return _row(group, check, reference, np.nan, np.nan, tolerance, pd.NA, NOT_AVAILABLE, what)


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts from :func:`compare` and friends) as a table with :data:`COLUMNS`."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["pass"] = frame["pass"].astype("boolean")
    for col in ("ntlab_value", "reference_value", "tolerance"):
        frame[col] = frame[col].astype(float)
    return frame


def run_parity(
    checks: list[str] | None = None, context: ParityContext | None = None
) -> pd.DataFrame:
    """Run registered checks (all by default) and stack their tables.

    A check that raises contributes one ``error`` row (``pass`` False) naming the exception.
    """
    _load_checks()
    ctx = context or ParityContext()
    names = list(_CHECKS) if checks is None else checks
    unknown = [n for n in names if n not in _CHECKS]
    if unknown:
        raise ConfigError(f"unknown parity check(s) {unknown}; registered: {list(_CHECKS)}")
    frames = []
    for name in names:
        group, fn = _CHECKS[name]
        try:
            frame = fn(ctx)
        except Exception as exc:  # a broken check is reported, never hidden
            where = traceback.extract_tb(exc.__traceback__)[-1]
            note = (
                f"{type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
            )
            frame = rows_frame([_row(group, name, "", np.nan, np.nan, np.nan, False, ERROR, note)])
        frame = frame.assign(group=frame["group"].where(frame["group"].astype(bool), group))
        frames.append(frame)
    return rows_frame([]) if not frames else pd.concat(frames, ignore_index=True)


def parity_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Counts of rows per group and status (pass, fail, error, not available yet, no claim)."""
    counts = table.groupby(["group", "status"], sort=False).size().unstack("status", fill_value=0)
    order = [s for s in (PASS, FAIL, ERROR, NOT_AVAILABLE, NO_CLAIM) if s in counts.columns]
    return counts[order]


_STATUS_COLOURS = {
    PASS: "#d8f0d8",
    FAIL: "#f6d0d0",
    ERROR: "#f6d0d0",
    NOT_AVAILABLE: "#eeeeee",
    NO_CLAIM: "#eeeeee",
}


def style_parity(table: pd.DataFrame, *, uuid: str = "parity") -> Any:
    """The table as a pandas Styler: rows coloured by status, numbers to 6 significant digits.

    ``uuid`` fixes the HTML ids so the rendered table is the same on every run.
    """

    def colour(row: pd.Series) -> list[str]:
        return [f"background-color: {_STATUS_COLOURS.get(row['status'], '')}"] * len(row)

    return (
        table.style.apply(colour, axis=1)
        .format(
            {"ntlab_value": "{:.6g}", "reference_value": "{:.6g}", "tolerance": "{:.3%}"},
            na_rep="-",
        )
        .hide(axis="index")
        .set_uuid(uuid)
    )
