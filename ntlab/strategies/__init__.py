"""Strategies on one causal contract; see :mod:`ntlab.strategies.base`."""

from ntlab.strategies.base import Signals, Strategy, StrategyConfig
from ntlab.strategies.registry import available, from_dict, get, register, strategy_class

__all__ = [
    "Signals",
    "Strategy",
    "StrategyConfig",
    "available",
    "from_dict",
    "get",
    "register",
    "strategy_class",
]
