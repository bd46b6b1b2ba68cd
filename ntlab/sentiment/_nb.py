"""numba kernel of the causal, time-decayed sentiment series (arrays in, arrays out)."""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["decayed_sentiment_nb"]


@njit(cache=True)
def decayed_sentiment_nb(
    bar_ns, item_ns, item_score, item_weight, starts, half_life_ns, window_ns, shrinkage
):
    """Decay-weighted mean sentiment per bar and symbol, from items strictly before each bar.

    For bar time ``t`` and symbol ``s`` the items used are those of ``s`` with
    ``t - window_ns <= published < t``; each weighs ``w_i * 2 ** (-(t - published) / half_life)``
    and the value is ``sum(weight * score) / (sum(weight) + shrinkage)``.

    Parameters
    ----------
    bar_ns : int64 array of shape (n_bars,)
        Bar times in ns, strictly increasing.
    item_ns, item_score, item_weight : arrays of shape (n_items,)
        Item times (ns), scores and base weights, grouped by symbol and sorted by
        time within each group.
    starts : int64 array of shape (n_symbols + 1,)
        Items of symbol ``s`` are ``starts[s]:starts[s + 1]``.
    half_life_ns : float
        Half-life in ns; ``inf`` for no decay.
    window_ns : int
        Look-back in ns; a negative value means no limit.
    shrinkage : float
        Weight of a neutral (0) prior, >= 0, in units of a fresh item's weight.

    Returns
    -------
    value : float64 array of shape (n_bars, n_symbols)
        NaN where no item (or only zero-weight items) is in the window.
    count : int64 array of shape (n_bars, n_symbols)
        Items in the window.

    Notes
    -----
    Running sums are kept relative to the newest item added (its decay factor is 1), so
    nothing underflows however long the gaps; leaving items are subtracted at their
    current weight, the sums are reset when the window empties and recomputed when
    most of their weight leaves at once (so subtraction cannot lose precision).
    """
    n_bars = bar_ns.shape[0]
    n_sym = starts.shape[0] - 1
    value = np.full((n_bars, n_sym), np.nan)
    count = np.zeros((n_bars, n_sym), dtype=np.int64)
    rate = 0.0 if np.isinf(half_life_ns) else np.log(2.0) / half_life_ns
    for s in range(n_sym):
        end = starts[s + 1]
        lo = starts[s]
        hi = starts[s]
        num = 0.0
        den = 0.0
        anchor = 0
        for j in range(n_bars):
            t = bar_ns[j]
            while hi < end and item_ns[hi] < t:
                p = item_ns[hi]
                if hi > lo:
                    f = np.exp(-rate * (p - anchor))
                    num *= f
                    den *= f
                anchor = p
                num += item_weight[hi] * item_score[hi]
                den += item_weight[hi]
                hi += 1
            if window_ns >= 0:
                cut = t - window_ns
                removed = 0.0
                while lo < hi and item_ns[lo] < cut:
                    f = np.exp(-rate * (anchor - item_ns[lo]))
                    num -= item_weight[lo] * item_score[lo] * f
                    den -= item_weight[lo] * f
                    removed += item_weight[lo] * f
                    lo += 1
                if lo == hi:
                    num = 0.0
                    den = 0.0
                elif removed > 1e3 * den:
                    # most of the weight just left: re-add the rest to avoid cancellation error
                    num = 0.0
                    den = 0.0
                    for i in range(lo, hi):
                        f = np.exp(-rate * (anchor - item_ns[i]))
                        num += item_weight[i] * item_score[i] * f
                        den += item_weight[i] * f
            n = hi - lo
            count[j, s] = n
            if n > 0 and den > 0.0:
                prior = 0.0
                if shrinkage > 0.0:
                    prior = shrinkage * np.exp(rate * (t - anchor))
                v = num / (den + prior)
                value[j, s] = min(1.0, max(-1.0, v))
    return value, count
