"""Imports every built-in strategy module so that each registers itself."""

from ntlab.strategies import momentum  # noqa: F401
