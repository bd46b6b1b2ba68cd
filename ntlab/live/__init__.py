"""Live and paper trading sessions: feed -> strategies -> policy -> risk gate -> broker -> journal -> portfolio.

:class:`TradingSession` runs the loop over a market (:class:`ReplayMarket` for replayed
bars filled in process, :class:`LocalExchangeMarket` for the local paper exchange through
alpaca-py, :class:`AlpacaMarket` for Alpaca's paper API), with ``start`` / ``stop`` /
``status`` as the dashboards expect (:class:`ntlab.live.api.TradingSessionAPI`).
:func:`load_config` / :func:`open_session` read the ``ntlab paper`` config files.

Imports stay light: alpaca-py, uvicorn and websockets load only when a market connects.
"""

from ntlab.live.config import PaperConfig, load_config, open_session
from ntlab.live.feeds import AlpacaBarFeed, ExchangeFeed, Feed, ReplayBarFeed
from ntlab.live.markets import (
    AlpacaMarket,
    LocalExchangeMarket,
    Market,
    ReplayMarket,
    exchange_market,
)
from ntlab.live.metrics import DecisionLog, LatencyStats
from ntlab.live.portfolio import Portfolio
from ntlab.live.session import ReplayRun, TradingSession, replay_session
from ntlab.live.settings import SessionSettings, limits_for

__all__ = [
    "AlpacaBarFeed",
    "AlpacaMarket",
    "DecisionLog",
    "ExchangeFeed",
    "Feed",
    "LatencyStats",
    "LocalExchangeMarket",
    "Market",
    "PaperConfig",
    "Portfolio",
    "ReplayBarFeed",
    "ReplayMarket",
    "ReplayRun",
    "SessionSettings",
    "TradingSession",
    "replay_session",
    "exchange_market",
    "limits_for",
    "load_config",
    "open_session",
]
