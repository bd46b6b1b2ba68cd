"""Helpers shared by strategies: protective price levels and reasoning text."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["protective_levels", "reason_frame"]


def protective_levels(
    target: pd.DataFrame, close: pd.DataFrame, stop_pct: float, take_pct: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stop-loss and take-profit price levels fixed at each position's entry close.

    Long: stop ``entry * (1 - stop_pct)``, take ``entry * (1 + take_pct)``; short mirrored.
    NaN where flat. Levels are set on the bar the position is entered and kept while it lasts.
    """
    t = target.to_numpy(dtype=float)
    c = close.to_numpy(dtype=float)
    side = np.sign(t)
    prev = np.vstack([np.zeros((1, t.shape[1])), side[:-1]])
    entry_bar = (side != 0) & (side != prev)
    entry = np.where(entry_bar, c, np.nan)
    entry = pd.DataFrame(entry).ffill().to_numpy()
    entry = np.where(side != 0, entry, np.nan)
    stop = entry * (1 - side * stop_pct)
    take = entry * (1 + side * take_pct)
    stop = np.where(side != 0, stop, np.nan)
    take = np.where(side != 0, take, np.nan)
    return (
        pd.DataFrame(stop, index=target.index, columns=target.columns),
        pd.DataFrame(take, index=target.index, columns=target.columns),
    )


def reason_frame(target: pd.DataFrame, explain: Callable[[int, int, float], str]) -> pd.DataFrame:
    """Reasoning strings where the target changes ('' elsewhere); ``explain(row, col, target)``."""
    t = target.to_numpy(dtype=float)
    prev = np.vstack([np.zeros((1, t.shape[1])), t[:-1]])
    out = np.full(t.shape, "", dtype=object)
    for r, c in zip(*np.nonzero(t != prev)):
        out[r, c] = explain(int(r), int(c), float(t[r, c]))
    return pd.DataFrame(out, index=target.index, columns=target.columns)
