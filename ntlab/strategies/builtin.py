"""Imports every built-in strategy module so that each registers itself."""

from ntlab.strategies import enhanced_momentum, ensemble, mean_reversion, mirror, momentum, pairs  # noqa: F401
