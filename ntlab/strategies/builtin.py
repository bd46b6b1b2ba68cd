"""Imports every built-in strategy module so that each registers itself."""

from ntlab.strategies import ensemble, mean_reversion, mirror, momentum, pairs  # noqa: F401
