"""Imports every built-in strategy module so that each registers itself."""

from ntlab.strategies import (  # noqa: F401
    enhanced_momentum,
    ensemble,
    mean_reversion,
    mirror,
    momentum,
    neural_arbitrage,
    neural_sentiment,
    neural_trend,
    pairs,
)
