"""Input/output plumbing shared by the public indicator functions.

Public functions take a Series (one symbol), a DataFrame of shape (n_bars, n_symbols),
a MarketData panel, or a NumPy array (1-D, or 2-D (n_bars, n_symbols)), and give back
the same kind of object with the same index and columns. Kernels work on
(n_symbols, n_bars) rows; this module converts both ways and runs the gap protocol.

Outputs are allocated here with NumPy (one array per output, which NumPy backs with huge
pages when large) and filled in place by the kernels, which allocate nothing of size
n_bars: on a 1,000,000-bar series, page faults on fresh kernel-allocated memory cost more
than the arithmetic of most indicators.
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
    "same_bars",
]


@dataclass(frozen=True, slots=True)
class Layout:
    """How to rebuild the caller's object from (n_symbols, n_bars) rows.

    ``index`` is None for NumPy inputs (their bars are numbered 0..n_bars-1).
    """

    kind: str  # "series" | "frame" | "array1" | "array2"
    index: Any = None
    columns: Any = None
    name: Any = None


_ARRAY1 = Layout("array1")
_ARRAY2 = Layout("array2")


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
            if x.dtype == np.float64 and x.flags.c_contiguous:  # no copy, no checks needed
                return x.reshape(1, -1), _ARRAY1
            return _rows_of(x.reshape(-1, 1), what), _ARRAY1
        if x.ndim == 2:
            return _rows_of(x, what), _ARRAY2
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


def same_bars(a: Layout, b: Layout, n_bars: int) -> bool:
    """True when two inputs of ``n_bars`` bars have the same index (arrays: 0..n_bars-1)."""
    if a.index is None and b.index is None:
        return True
    ia = pd.RangeIndex(n_bars) if a.index is None else a.index
    ib = pd.RangeIndex(n_bars) if b.index is None else b.index
    return bool(ia.equals(ib))


def from_rows(rows: np.ndarray, layout: Layout) -> Any:
    """Rebuild the caller's kind of object from rows of shape (n_symbols, n_bars)."""
    if layout.kind == "series":
        return pd.Series(rows[0], index=layout.index, name=layout.name, copy=False)
    if layout.kind == "frame":
        return pd.DataFrame(rows.T, index=layout.index, columns=layout.columns, copy=False)
    if layout.kind == "array1":
        return rows[0]
    return rows.T


def _empty(shape: tuple[int, int], n_out: int) -> list[np.ndarray]:
    return [np.empty(shape) for _ in range(n_out)]


def run_kernel(
    kernel: Callable[..., Any], inputs: Sequence[np.ndarray], *params: Any, n_out: int = 1
) -> list[np.ndarray]:
    """Run a batch kernel; rows with gaps are re-run on their valid bars packed together.

    The kernel is called as ``kernel(*inputs, *params, *outputs, ok)`` with ``n_out``
    output arrays of the inputs' shape and a bool array ``ok`` (one per row); it fills
    them and returns the number of rows with a gap (``ok`` False). Such a row's bars
    where every input is a number are moved to the front (in order), the kernel runs on
    that packed row, and the results go back to their bars; bars with a missing input get
    NaN.
    """
    shape = inputs[0].shape
    outs = _empty(shape, n_out)
    ok = np.empty(shape[0], dtype=np.bool_)
    if not kernel(*inputs, *params, *outs, ok):
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
    outs2 = _empty(packed[0].shape, n_out)
    if kernel(*packed, *params, *outs2, np.empty(len(rows), dtype=np.bool_)):
        raise DataError(  # pragma: no cover - packed rows have no gaps by construction
            "internal error: packed rows still have gaps"
        )
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


def _plain_arrays(inputs: Sequence[Any]) -> bool:
    """True for 1-D C-contiguous float64 arrays of one length (TA-Lib's input type)."""
    n = len(inputs[0]) if type(inputs[0]) is np.ndarray else -1
    return all(
        type(x) is np.ndarray
        and x.ndim == 1
        and len(x) == n
        and x.dtype == np.float64
        and x.flags.c_contiguous
        for x in inputs
    )


def apply(
    kernel: Callable[..., Any],
    inputs: Sequence[Any] | Any,
    params: Sequence[Any],
    *,
    what: str,
    warmup: int,
    names: Sequence[str] = ("close",),
    n_out: int = 1,
) -> list[Any]:
    """Run ``kernel`` on one input (``names`` of length 1) or on several named fields.

    ``inputs`` is the single input, or a sequence whose first item may be a MarketData
    (then the rest are None and the fields ``names`` are taken from it). Returns the
    ``n_out`` outputs of the kernel, each of the input's kind.
    """
    if len(names) == 1:
        rows, layout = as_rows(inputs, what=what, field=names[0])
        arrays = [rows]
    elif _plain_arrays(inputs):  # the NumPy fast path: views, no checks needed
        arrays, layout = [x.reshape(1, -1) for x in inputs], _ARRAY1
    else:
        first, *rest = inputs
        arrays, layout = field_rows(first, dict(zip(names, [first, *rest])), what=what)
    check_length(arrays[0], warmup, what=what)
    outs = run_kernel(kernel, arrays, *params, n_out=n_out)
    if layout.kind == "array1":
        return [o[0] for o in outs]
    return [from_rows(o, layout) for o in outs]
