"""Input/output plumbing shared by the public indicator functions.

Public functions take a Series (one symbol), a DataFrame of shape (n_bars, n_symbols),
a MarketData panel, or a NumPy array (1-D, or 2-D (n_bars, n_symbols)), and give back
the same kind of object with the same index and columns. Kernels work on
(n_symbols, n_bars) rows; this module converts both ways and runs the gap protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError

__all__ = [
    "apply",
    "Layout",
    "as_rows",
    "field_rows",
    "from_rows",
    "run_kernel",
    "check_int",
    "check_float",
    "check_length",
]


@dataclass(frozen=True)
class Layout:
    """How to rebuild the caller's object from (n_symbols, n_bars) rows."""

    kind: str  # "series" | "frame" | "array1" | "array2"
    index: Any = None
    columns: Any = None
    name: Any = None

    @property
    def n_bars(self) -> int:
        return len(self.index) if self.index is not None else -1


def _rows_of(values: np.ndarray, what: str) -> np.ndarray:
    if values.dtype.kind not in "fiub":
        raise DataError(
            f"{what}: values must be numeric, got dtype {values.dtype}; convert with .astype(float)"
        )
    return np.ascontiguousarray(values.T, dtype=np.float64)


def as_rows(x: Any, *, what: str, field: str = "close") -> tuple[np.ndarray, Layout]:
    """(rows of shape (n_symbols, n_bars), layout) for a Series/DataFrame/MarketData/ndarray."""
    if isinstance(x, MarketData):
        x = x.field(field)
    if isinstance(x, pd.Series):
        if x.dtype.kind in "fiub":
            values = x.to_numpy()
        else:
            try:
                values = x.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as exc:
                raise DataError(
                    f"{what}: values must be numeric ({exc}); convert with .astype(float)"
                ) from None
        return _rows_of(values.reshape(-1, 1), what), Layout("series", x.index, None, x.name)
    if isinstance(x, pd.DataFrame):
        try:
            values = x.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"{what}: the frame has non-numeric columns ({exc}); select numeric columns"
            ) from None
        return _rows_of(values, what), Layout("frame", x.index, x.columns, None)
    if isinstance(x, np.ndarray):
        if x.ndim == 1:
            return _rows_of(x.reshape(-1, 1), what), Layout("array1", pd.RangeIndex(len(x)))
        if x.ndim == 2:
            return _rows_of(x, what), Layout("array2", pd.RangeIndex(x.shape[0]))
        raise DataError(
            f"{what}: arrays must be 1-D (n_bars,) or 2-D (n_bars, n_symbols), got {x.ndim}-D"
        )
    raise DataError(
        f"{what}: expected a Series, a DataFrame (n_bars, n_symbols), a MarketData or a NumPy array, "
        f"got {type(x).__name__}"
    )


def field_rows(first: Any, given: dict[str, Any], *, what: str) -> tuple[list[np.ndarray], Layout]:
    """Rows for several fields: from a MarketData (``given`` all None) or from explicit inputs.

    ``given`` maps field name -> the explicit input (None when ``first`` is a MarketData);
    ``first`` is the MarketData or the first field's input.
    """
    names = list(given)
    if isinstance(first, MarketData):
        extra = [k for k, v in list(given.items())[1:] if v is not None]
        if extra:
            raise DataError(
                f"{what}: pass either a MarketData or explicit {names}, not both (got {extra})"
            )
        pairs = [as_rows(first, what=what, field=k) for k in names]
    else:
        missing = [k for k, v in list(given.items())[1:] if v is None]
        if missing:
            raise DataError(
                f"{what}: needs {names}; pass a MarketData with those fields or all of them explicitly "
                f"(missing {missing})"
            )
        pairs = [
            as_rows(first if i == 0 else given[k], what=f"{what} ({k})")
            for i, k in enumerate(names)
        ]
    rows = [p[0] for p in pairs]
    layout = pairs[0][1]
    for k, (r, lay) in zip(names[1:], pairs[1:]):
        if r.shape != rows[0].shape:
            raise DataError(
                f"{what}: '{k}' has shape {r.shape[::-1]}, '{names[0]}' has {rows[0].shape[::-1]}"
            )
        if (
            lay.kind != layout.kind
            or not _same_axis(lay.index, layout.index)
            or not _same_axis(lay.columns, layout.columns)
        ):
            raise DataError(
                f"{what}: '{k}' is not aligned with '{names[0]}' (index/columns differ); align them first"
            )
    return rows, layout


def _same_axis(a: Any, b: Any) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return bool(a.equals(b))


def from_rows(rows: np.ndarray, layout: Layout) -> Any:
    """Rebuild the caller's kind of object from rows of shape (n_symbols, n_bars)."""
    if layout.kind == "series":
        return pd.Series(rows[0], index=layout.index, name=layout.name, copy=False)
    if layout.kind == "frame":
        return pd.DataFrame(rows.T, index=layout.index, columns=layout.columns, copy=False)
    if layout.kind == "array1":
        return rows[0]
    return rows.T


def run_kernel(
    kernel: Callable[..., Any], inputs: Sequence[np.ndarray], *params: Any
) -> list[np.ndarray]:
    """Run a batch kernel; rows with gaps are re-run on their valid bars packed together.

    The kernel returns ``(*outputs, ok)``. For a row with ``ok`` False, the bars where
    every input is a number are moved to the front (in order), the kernel runs on that
    packed row, and the results go back to their bars; bars with a missing input get NaN.
    """
    *outs, ok = kernel(*inputs, *params)
    if ok.all():
        return outs
    rows = np.flatnonzero(~ok)
    sub = [a[rows] for a in inputs]
    for a in sub:
        if np.isinf(a).any():
            r, c = np.argwhere(np.isinf(a))[0]
            raise DataError(
                f"input has an infinite value (column {int(rows[r])}, bar {int(c)}); "
                "indicators take finite numbers, with NaN for missing bars"
            )
    valid = np.ones(sub[0].shape, dtype=bool)
    for a in sub:
        valid &= ~np.isnan(a)
    order = np.argsort(~valid, axis=1, kind="stable")
    keep = np.take_along_axis(valid, order, axis=1)
    packed = []
    for a in sub:
        p = np.take_along_axis(a, order, axis=1)
        p[~keep] = np.nan
        packed.append(np.ascontiguousarray(p))
    *outs2, ok2 = kernel(*packed, *params)
    if not ok2.all():  # pragma: no cover - packed rows have no gaps by construction
        raise DataError("internal error: packed rows still have gaps")
    for o, o2 in zip(outs, outs2):
        back = np.empty_like(o2)
        np.put_along_axis(back, order, o2, axis=1)
        o[rows] = back
    return outs


def check_int(name: str, value: Any, *, minimum: int, what: str) -> int:
    """An integer parameter >= minimum, or a ConfigError that says so."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{what}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{what}: {name} must be >= {minimum}, got {value}")
    return int(value)


def check_float(name: str, value: Any, *, what: str, positive: bool = False) -> float:
    """A finite float parameter (optionally > 0), or a ConfigError."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: {name} must be a number, got {value!r}") from None
    if not np.isfinite(v) or (positive and v <= 0):
        raise ConfigError(
            f"{what}: {name} must be a finite{' positive' if positive else ''} number, got {value!r}"
        )
    return v


def check_length(rows: np.ndarray, warmup: int, *, what: str) -> None:
    """Raise when the data is shorter than one warm-up plus one bar."""
    n = rows.shape[1]
    if n < warmup + 1:
        raise DataError(
            f"{what}: needs at least {warmup + 1} bars (warm-up {warmup} + 1), got {n}; "
            "use a shorter window or more data"
        )


def apply(
    kernel: Callable[..., Any],
    inputs: Sequence[Any] | Any,
    params: Sequence[Any],
    *,
    what: str,
    warmup: int,
    names: Sequence[str] = ("close",),
) -> list[Any]:
    """Run ``kernel`` on one input (``names`` of length 1) or on several named fields.

    ``inputs`` is the single input, or a sequence whose first item may be a MarketData
    (then the rest are None and the fields ``names`` are taken from it).
    """
    if len(names) == 1:
        rows, layout = as_rows(inputs, what=what, field=names[0])
        arrays = [rows]
    else:
        first, *rest = inputs
        arrays, layout = field_rows(first, dict(zip(names, [first, *rest])), what=what)
    check_length(arrays[0], warmup, what=what)
    return [from_rows(o, layout) for o in run_kernel(kernel, arrays, *params)]
