"""Strategies on one causal contract; see :mod:`ntlab.strategies.base`.

>>> from ntlab.strategies import available, get
>>> available()                                    # doctest: +SKIP
>>> sig = get("momentum", allow_short=True).signals(data)   # doctest: +SKIP
>>> strat = resolve_strategy("my_pkg.strats:MyCross", fast=5)   # doctest: +SKIP
>>> stream = get("momentum").stream(history)        # doctest: +SKIP
>>> row = stream.update(timestamp, close=closes)    # one new bar, every symbol  # doctest: +SKIP

The strategy modules (and numba) load on first use: ``available()``/``get()`` import
them, and so does asking for a class by name (``ntlab.strategies.Momentum``).
"""

from importlib import import_module
from typing import Any

from ntlab.strategies.base import Signals, Strategy, StrategyConfig
from ntlab.strategies.registry import (
    available,
    from_dict,
    get,
    register,
    resolve_strategy,
    strategy_class,
    strategy_spec,
)

_LAZY = {
    "Example": "ntlab.strategies.examples",
    "SignalRow": "ntlab.strategies.live",
    "SignalStream": "ntlab.strategies.live",
    "RecomputeStream": "ntlab.strategies.live",
    "open_stream": "ntlab.strategies.live",
    "SmaCross": "ntlab.strategies.builtin.sma_cross",
    "Momentum": "ntlab.strategies.builtin.momentum",
    "MeanReversion": "ntlab.strategies.builtin.mean_reversion",
    "Mirror": "ntlab.strategies.builtin.mirror",
    "Pairs": "ntlab.strategies.builtin.pairs",
    "EnhancedMomentum": "ntlab.strategies.builtin.enhanced_momentum",
    "NeuralSentiment": "ntlab.strategies.builtin.neural_sentiment",
    "NeuralTrend": "ntlab.strategies.builtin.neural_trend",
    "NeuralArbitrage": "ntlab.strategies.builtin.neural_arbitrage",
    "WeightedEnsemble": "ntlab.strategies.builtin.ensemble",
    "VotingEnsemble": "ntlab.strategies.builtin.ensemble",
    "StackingEnsemble": "ntlab.strategies.builtin.ensemble",
    "read_filings": "ntlab.strategies.builtin.filings",
}

__all__ = [
    "Signals",
    "Strategy",
    "StrategyConfig",
    "available",
    "from_dict",
    "get",
    "register",
    "resolve_strategy",
    "strategy_class",
    "strategy_spec",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ntlab.strategies' has no attribute {name!r}")
