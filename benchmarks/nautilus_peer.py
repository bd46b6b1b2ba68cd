"""NautilusTrader running the backtest benchmark's strategy, in its own virtual environment.

NautilusTrader 1.221 wants pandas 2 and ntlab pandas 3, so this file imports nothing of
ntlab and runs under ``benchmarks/.venv-nautilus/bin/python`` (``make bench`` creates it).
``benchmarks/backtest.py`` starts it once and talks over stdin/stdout, so the two take turns
(one process computes at a time): it sends ``run``, this process runs one whole backtest
and answers with a JSON line of seconds, trades and final equity.

Same data and rule as the other contenders: each bar is fed as four trade ticks (open,
low, high, close, in that order); on the close tick, SMA(20) crossing above SMA(50) buys
whole shares worth an equal sleeve of the equity at that close, filled at the next tick
(the next bar's open); the entry's fill places a sell stop 5% below and a sell limit 10%
above the fill price (one cancels the other); SMA(20) crossing below cancels them and
sells at the next open. 0.1% taker and maker fees. A cash account of 100,000 USD.
Where fills differ by convention: Nautilus sees only the four prices of each bar, so a
stop-market whose trigger lies between the open and the low fills at the low tick (the
first price past the trigger), where ntlab fills it at the stop price (and both at the
open when the bar opens through the stop); a take-profit limit fills at its limit price.

Usage (by the benchmark): ``python benchmarks/nautilus_peer.py DATA.npz STOP TAKE FEES``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import deque
from decimal import Decimal

import numpy as np
from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import TradeTick
from nautilus_trader.model.enums import AccountType, AggressorSide, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TradeId, Venue
from nautilus_trader.model.instruments import Equity
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.trading.strategy import Strategy

VENUE = Venue("SIM")
PRECISION = 6


class Cross(Strategy):
    def __init__(self, ids: list[InstrumentId], stop: float, take: float) -> None:
        super().__init__()
        self.ids, self.stop_pct, self.take_pct = ids, stop, take
        self.closes = {i: deque(maxlen=50) for i in ids}
        self.last = dict.fromkeys(ids, 0.0)
        self.was = dict.fromkeys(ids, False)
        self.exits: dict[InstrumentId, list] = {}
        self.entries = 0

    def on_start(self) -> None:
        for i in self.ids:
            self.subscribe_trade_ticks(i)

    def _equity(self) -> float:
        cash = self.portfolio.account(VENUE).balance_total(USD).as_double()
        return cash + sum(
            self.portfolio.net_position(i).__float__() * self.last[i] for i in self.ids
        )

    def on_trade_tick(self, tick: TradeTick) -> None:
        if not tick.trade_id.value.endswith("c"):
            return
        iid, px = tick.instrument_id, tick.price.as_double()
        self.last[iid] = px
        closes = self.closes[iid]
        closes.append(px)
        if len(closes) < 50:
            return
        values = list(closes)
        want = sum(values[-20:]) / 20 > sum(values) / 50
        if want and not self.was[iid]:
            size = int(self._equity() / len(self.ids) / px)
            if size > 0:
                order = self.order_factory.market(
                    iid, OrderSide.BUY, Quantity(size, 0), tags=["entry"]
                )
                self.submit_order(order)
        elif not want and self.was[iid]:
            for o in self.exits.pop(iid, []):
                if o.is_open:
                    self.cancel_order(o)
            qty = float(self.portfolio.net_position(iid))
            if qty > 0:
                self.submit_order(self.order_factory.market(iid, OrderSide.SELL, Quantity(qty, 0)))
        self.was[iid] = want

    def on_order_filled(self, event) -> None:
        order = self.cache.order(event.client_order_id)
        iid = event.instrument_id
        if order.tags and "entry" in order.tags:
            self.entries += 1
            fill = event.last_px.as_double()
            qty = event.last_qty
            sl = self.order_factory.stop_market(
                iid, OrderSide.SELL, qty, Price(round(fill * (1 - self.stop_pct), PRECISION), PRECISION),
                reduce_only=True,
            )  # fmt: skip
            tp = self.order_factory.limit(
                iid, OrderSide.SELL, qty, Price(round(fill * (1 + self.take_pct), PRECISION), PRECISION),
                reduce_only=True,
            )  # fmt: skip
            self.exits[iid] = [sl, tp]
            self.submit_order(sl)
            self.submit_order(tp)
        elif iid in self.exits and order in self.exits[iid]:
            for o in self.exits.pop(iid):
                if o is not order and o.is_open:
                    self.cancel_order(o)


def _ticks(data: dict, ids: list[InstrumentId]) -> list[TradeTick]:
    ts = data["ts"]
    ticks = []
    for j, iid in enumerate(ids):
        for i in range(ts.size):
            for k, (field, tag) in enumerate(
                (("open", "o"), ("low", "l"), ("high", "h"), ("close", "c"))
            ):
                t = int(ts[i]) + k * 1_000
                ticks.append(TradeTick(
                    iid, Price(float(data[field][i, j]), PRECISION), Quantity(1_000_000, 0),
                    AggressorSide.NO_AGGRESSOR, TradeId(f"{i}-{tag}"), t, t,
                ))  # fmt: skip
    ticks.sort(key=lambda x: x.ts_event)
    return ticks


def run_once(data: dict, stop: float, take: float, fees: float) -> dict:
    t0 = time.perf_counter()
    engine = BacktestEngine(BacktestEngineConfig(logging=LoggingConfig(log_level="ERROR")))
    engine.add_venue(VENUE, oms_type=OmsType.NETTING, account_type=AccountType.CASH,
                     base_currency=USD, starting_balances=[Money(100_000, USD)])  # fmt: skip
    ids = []
    for name in data["symbols"]:
        iid = InstrumentId(Symbol(str(name)), VENUE)
        engine.add_instrument(Equity(
            iid, Symbol(str(name)), USD, PRECISION, Price(10**-PRECISION, PRECISION), Quantity(1, 0),
            0, 0, maker_fee=Decimal(str(fees)), taker_fee=Decimal(str(fees)),
        ))  # fmt: skip
        ids.append(iid)
    engine.add_data(_ticks(data, ids))
    strategy = Cross(ids, stop, take)
    engine.add_strategy(strategy)
    engine.run()
    account = engine.portfolio.account(VENUE)
    last = {iid: float(data["close"][-1, j]) for j, iid in enumerate(ids)}
    equity = account.balance_total(USD).as_double() + sum(
        float(engine.portfolio.net_position(i)) * last[i] for i in ids
    )
    seconds = time.perf_counter() - t0
    engine.dispose()
    return {"seconds": seconds, "trades": strategy.entries, "final_equity": equity}


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)
    raw = np.load(argv[0], allow_pickle=False)
    data = {k: raw[k] for k in raw.files}
    stop, take, fees = (float(x) for x in argv[1:4])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        print(json.dumps(run_once(data, stop, take, fees)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
