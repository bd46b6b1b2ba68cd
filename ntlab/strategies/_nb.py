"""Numba kernels shared by the rule-based strategies (arrays in, arrays out)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["hold_state_nb"]


@njit(cache=True)
def hold_state_nb(
    enter_long: np.ndarray, exit_long: np.ndarray, enter_short: np.ndarray, exit_short: np.ndarray
) -> np.ndarray:
    """Positions (-1, 0, 1) of shape (n_bars, n_symbols) from boolean entry/exit conditions.

    A long is entered when ``enter_long`` is true while flat and held until ``exit_long``;
    likewise shorts. Row t depends only on rows <= t, so the result is causal whenever
    the conditions are.
    """
    n, m = enter_long.shape
    out = np.zeros((n, m), dtype=np.float64)
    for j in range(m):
        state = 0.0
        for i in range(n):
            if state > 0 and exit_long[i, j]:
                state = 0.0
            elif state < 0 and exit_short[i, j]:
                state = 0.0
            if state == 0.0:
                if enter_long[i, j]:
                    state = 1.0
                elif enter_short[i, j]:
                    state = -1.0
            out[i, j] = state
    return out
