"""Helpers shared by strategies: protective price levels and reasoning text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ntlab.strategies._nb import entry_levels_nb

if TYPE_CHECKING:
    from ntlab.data.market import MarketData
    from ntlab.strategies.base import Signals, Strategy

__all__ = ["protective_levels", "reason_frame", "changed_reasons", "finish_signals"]


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
    return pd.DataFrame(
        changed_reasons(t, prev, explain), index=target.index, columns=target.columns
    )


def finish_signals(
    strategy: Strategy,
    data: MarketData,
    target: np.ndarray,
    confidence: np.ndarray,
    explain: Callable[[int, int, float, float], str],
) -> Signals:
    """:class:`Signals` from target and confidence arrays (n_bars, n_symbols): levels from
    the config's ``stop_loss_pct``/``take_profit_pct`` and ``explain(row, col, target,
    target_before)`` wherever the target changes."""
    from ntlab.strategies.base import Signals

    cfg = strategy.config
    prev = np.vstack([np.zeros((1, target.shape[1])), target[:-1]])
    reasons = changed_reasons(target, prev, lambda r, c, t: explain(r, c, t, prev[r, c]))
    frame = pd.DataFrame(target, index=data.index, columns=data.symbols)
    stop, take = protective_levels(frame, data.close, cfg.stop_loss_pct, cfg.take_profit_pct)  # type: ignore[attr-defined]
    return Signals(
        strategy.name,
        frame,
        pd.DataFrame(confidence, index=data.index, columns=data.symbols),
        stop,
        take,
        pd.DataFrame(reasons, index=data.index, columns=data.symbols),
    )
