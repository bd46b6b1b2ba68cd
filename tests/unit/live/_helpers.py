"""Shared pieces of the session tests: a small real dataset, a fast strategy, a session factory."""

from __future__ import annotations

from ntlab.data import load_sample
from ntlab.execution.journal import Journal
from ntlab.execution.policy import ExecutionPolicy
from ntlab.live import ReplayBarFeed, ReplayMarket, SessionSettings, TradingSession
from ntlab.live.markets import Connection
from ntlab.model import OrderRequest

SYMBOLS = ["AAPL", "IBM", "MSFT"]
DATA = load_sample("stocks").select(SYMBOLS).between("2011-06-01T00:00Z", "2012-06-30T00:00Z")
#: momentum that trades often (a few orders a week on three symbols)
FAST = {"momentum": {"allow_short": True, "entry_z": 0.5, "confirm_rsi": False,
                     "confirm_macd": False, "z_window": 20, "lookback": 5}}  # fmt: skip
REQUEST = {"strategies": ["momentum"], "symbols": SYMBOLS, "risk_level": "aggressive",
           "max_position_size": 1e6}  # fmt: skip


def far_limit(symbol: str, quantity: float) -> OrderRequest:
    """A buy limit at half the symbol's lowest close: it works and never fills."""
    price = float(DATA.close[symbol].min()) / 2
    return OrderRequest(symbol=symbol, side="buy", quantity=quantity, order_type="limit",
                        limit_price=price, time_in_force="gtc")  # fmt: skip


def make_session(tmp_path, market=None, **settings) -> TradingSession:
    settings.setdefault("folder", tmp_path / "session")
    settings.setdefault("session_id", "test-session")
    settings.setdefault("strategy_params", FAST)
    return TradingSession(market or ReplayMarket(DATA), SessionSettings(**settings))


def journal_of(session: TradingSession) -> Journal:
    return Journal(session.settings.folder_for(session.session_id) / "journal.db")


class SharedSimMarket:
    """A replay whose SimClient and clock outlive a session (a broker that survives a crash)."""

    def __init__(self, data=DATA, policy: ExecutionPolicy | None = None) -> None:
        self.inner = ReplayMarket(data, policy=policy)
        self.policy = self.inner.policy
        self.data = data
        self.conn: Connection | None = None

    def universe(self):
        return self.inner.universe()

    def connect(self, symbols, warmup):
        if self.conn is None:
            self.conn = self.inner.connect(symbols, warmup)
        else:  # resume the replay where the last session left it
            feed = ReplayBarFeed(self.data.select(list(symbols)), start=self.conn.feed.position)
            self.conn = Connection(feed, self.conn.client, self.conn.sim)
        return self.conn
