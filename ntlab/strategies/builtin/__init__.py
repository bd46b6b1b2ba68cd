"""The built-in strategies: the seed's eight, three ensembles and an SMA-crossover baseline.

Each module defines one strategy (``Config`` dataclass + ``Strategy`` subclass) on the
machinery of :mod:`ntlab.strategies` (base classes, registry, live streams, levels);
importing this package registers them. The shared parts live beside them: ``config``
(protective levels and the settings groups several strategies share), ``features``
(momentum features), ``walkforward`` (the walk-forward classifier), ``filings`` (the
mirror strategy's filings reader).
"""

from ntlab.strategies.builtin import (  # noqa: F401  (each module registers its strategy)
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
