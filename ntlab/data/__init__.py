"""Market data: the MarketData panel, bundled samples, files, Alpaca, the local store, replay."""

from ntlab.data.market import FIELDS, MarketData
from ntlab.data.samples import list_samples, load_sample
from ntlab.data.sources import load

__all__ = ["FIELDS", "MarketData", "list_samples", "load", "load_sample"]
