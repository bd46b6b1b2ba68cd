"""Numba helpers shared by the indicator kernels.

Layout used by every kernel in this package: inputs and outputs are float64 arrays of
shape (n_symbols, n_bars), C-contiguous, so one symbol's history is one contiguous row.
The public functions transpose the (n_bars, n_symbols) frames they are given. A batch
kernel is called ``kernel(*inputs, *params, *outputs, ok)``: it fills the output arrays
(allocated by the caller), sets ``ok[j]`` per row and returns the number of rows with a gap.

Gap protocol: a column kernel runs over the *span* of a row (first to last bar where
every input is a number) and reports ``False`` when it meets a NaN inside the span; the
caller then re-runs that row on its valid bars packed together (see
``ntlab.indicators._frame.run_kernel``). So an indicator is always computed on the bars
where the symbol trades, as if the missing bars did not exist.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

__all__ = [
    "fma_nb",
    "span1_nb",
    "span2_nb",
    "span3_nb",
    "span4_nb",
    "nan_fill_nb",
    "edges_nb",
    "n_bad_nb",
    "any_nan1_nb",
    "any_nan3_nb",
]


@intrinsic
def fma_nb(typingctx, a, b, c):
    """``a * b + c`` with a single rounding (LLVM ``llvm.fma.f64``), as TA-Lib's fused builds."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@njit(cache=True, error_model="numpy", inline="always")
def _bad(v):
    return v != v


@njit(cache=True, error_model="numpy")
def span1_nb(a):
    """(first, last + 1) of the bars where ``a`` is a number; (0, 0) when there are none."""
    n = a.shape[0]
    s = 0
    while s < n and _bad(a[s]):
        s += 1
    e = n
    while e > s and _bad(a[e - 1]):
        e -= 1
    return s, e


@njit(cache=True, error_model="numpy")
def span2_nb(a, b):
    """Like :func:`span1_nb` for bars where both inputs are numbers."""
    n = a.shape[0]
    s = 0
    while s < n and (_bad(a[s]) or _bad(b[s])):
        s += 1
    e = n
    while e > s and (_bad(a[e - 1]) or _bad(b[e - 1])):
        e -= 1
    return s, e


@njit(cache=True, error_model="numpy")
def span3_nb(a, b, c):
    """Like :func:`span1_nb` for bars where all three inputs are numbers."""
    n = a.shape[0]
    s = 0
    while s < n and (_bad(a[s]) or _bad(b[s]) or _bad(c[s])):
        s += 1
    e = n
    while e > s and (_bad(a[e - 1]) or _bad(b[e - 1]) or _bad(c[e - 1])):
        e -= 1
    return s, e


@njit(cache=True, error_model="numpy")
def span4_nb(a, b, c, d):
    """Like :func:`span1_nb` for bars where all four inputs are numbers."""
    n = a.shape[0]
    s = 0
    while s < n and (_bad(a[s]) or _bad(b[s]) or _bad(c[s]) or _bad(d[s])):
        s += 1
    e = n
    while e > s and (_bad(a[e - 1]) or _bad(b[e - 1]) or _bad(c[e - 1]) or _bad(d[e - 1])):
        e -= 1
    return s, e


@njit(cache=True, error_model="numpy", inline="always")
def nan_fill_nb(o, a, b):
    """Set ``o[a:b]`` to NaN (a no-op when the range is empty)."""
    for i in range(a, b):
        o[i] = np.nan


@njit(cache=True, error_model="numpy", inline="always")
def edges_nb(o, s, e):
    """Set the row ``o`` to NaN before ``s`` and from ``e`` on (outside the span)."""
    nan_fill_nb(o, 0, s)
    nan_fill_nb(o, e, o.shape[0])


@njit(cache=True, error_model="numpy", inline="always")
def n_bad_nb(ok):
    """Number of rows whose ``ok`` flag is False (a batch kernel's return value)."""
    bad = 0
    for j in range(ok.shape[0]):
        bad += not ok[j]
    return bad


# Loops over whole (sliced) rows index from 0: with an index that may be negative,
# numba's wrap-around test stops LLVM from vectorising the loop.


@njit(cache=True, error_model="numpy")
def any_nan1_nb(a):
    """True when the 1-D array ``a`` holds a NaN (one vectorised pass)."""
    bad = False
    for i in range(a.shape[0]):
        bad |= a[i] != a[i]
    return bad


@njit(cache=True, error_model="numpy")
def any_nan3_nb(a, b, c):
    """True when one of three arrays of the same length holds a NaN."""
    bad = False
    for i in range(a.shape[0]):
        bad |= (a[i] != a[i]) | (b[i] != b[i]) | (c[i] != c[i])
    return bad
