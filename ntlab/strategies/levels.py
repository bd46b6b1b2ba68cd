"""Helpers shared by strategies: protective price levels and reasoning text."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ntlab.strategies._nb import entry_levels_nb

__all__ = ["protective_levels", "reason_frame", "changed_reasons"]


def protective_levels(
    target: pd.DataFrame, close: pd.DataFrame, stop_pct: float, take_pct: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stop-loss and take-profit price levels fixed at each position's entry close.

    Long: stop ``entry * (1 - stop_pct)``, take ``entry * (1 + take_pct)``; short mirrored.
    NaN where flat. Levels are set on the bar the position is entered (or flipped) and
    kept while it lasts.

    Returns
    -------
    stop, take : DataFrame of shape (n_bars, n_symbols)
    """
    m = target.shape[1]
    stop, take, _ = entry_levels_nb(
        target.to_numpy(dtype=float),
        close.to_numpy(dtype=float),
        float(stop_pct),
        float(take_pct),
        np.zeros(m),
        np.full(m, np.nan),
    )
    return (
        pd.DataFrame(stop, index=target.index, columns=target.columns),
        pd.DataFrame(take, index=target.index, columns=target.columns),
    )


def changed_reasons(
    target: np.ndarray, previous: np.ndarray, explain: Callable[[int, int, float], str]
) -> np.ndarray:
    """Reasoning strings (object array like ``target``) where ``target != previous``, '' elsewhere.

    ``previous`` is the target of the bar before each row (shape of ``target``).
    """
    out = np.full(target.shape, "", dtype=object)
    for idx in zip(*np.nonzero(target != previous)):
        r, c = (0, idx[0]) if len(idx) == 1 else idx
        out[idx] = explain(int(r), int(c), float(target[idx]))
    return out


def reason_frame(target: pd.DataFrame, explain: Callable[[int, int, float], str]) -> pd.DataFrame:
    """Reasoning strings where the target changes ('' elsewhere); ``explain(row, col, target)``."""
    t = target.to_numpy(dtype=float)
    prev = np.vstack([np.zeros((1, t.shape[1])), t[:-1]])
    return pd.DataFrame(changed_reasons(t, prev, explain), index=target.index, columns=target.columns)
