"""The one position ledger: quantities, cash, average cost and realized P&L after fees.

:class:`~ntlab.execution.sim.SimClient` (the paper broker), a session's portfolio
(:class:`ntlab.live.Portfolio`) and the reports read positions through this one rule set;
a session rebuilds it from its journal's fills (:meth:`Ledger.from_fills`).

Average-cost accounting: a fill that adds to a position moves its average entry price;
one that reduces it realises ``quantity * (price - average) * side``; one that crosses
zero realises the closed part and opens the rest at the fill price. **Realized P&L is
after fees**, as the backtest's trades table states it: every commission is paid from
cash and charged to its symbol's realized P&L when paid (``fees`` keeps the total), so at
every moment

``equity == cash + sum(qty * last) == init_cash + realized.sum() + unrealized``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from ntlab.errors import ExecutionError
from ntlab.model import Fill, Position

__all__ = ["Ledger"]


class Ledger:
    """Positions and cash over arrays of shape (n_symbols,).

    Parameters
    ----------
    symbols : sequence of str
    cash : float
        Starting cash.
    grow : bool
        A fill for a symbol not yet in ``symbols`` adds it (a broker's open universe);
        otherwise it is an :class:`~ntlab.errors.ExecutionError` (a session's fixed one).
    """

    def __init__(
        self, symbols: Sequence[str] = (), cash: float = 0.0, *, grow: bool = False
    ) -> None:
        m = len(symbols)
        self.symbols = list(symbols)
        self.column = {s: j for j, s in enumerate(self.symbols)}
        self.grow = grow
        self.init_cash = float(cash)
        self.cash = float(cash)
        self.fees = 0.0
        self.qty = np.zeros(m)
        self.avg = np.zeros(m)
        self.realized = np.zeros(m)
        self.last = np.full(m, np.nan)
        self.n_fills = 0

    def __repr__(self) -> str:
        held = int(np.count_nonzero(self.qty))
        return f"{type(self).__name__}({held} positions, cash={self.cash:,.2f}, equity={self.equity:,.2f})"

    # ------------------------------------------------------------------ updates
    def col(self, symbol: str) -> int:
        j = self.column.get(symbol)
        if j is not None:
            return j
        if not self.grow:
            raise ExecutionError(
                f"a fill for {symbol!r} reached a book that trades {self.symbols[:8]}..."
            )
        j = len(self.symbols)
        self.symbols.append(symbol)
        self.column[symbol] = j
        self.qty, self.avg, self.realized = (
            np.append(a, 0.0) for a in (self.qty, self.avg, self.realized)
        )
        self.last = np.append(self.last, np.nan)
        return j

    def apply(self, symbol: str, signed_qty: float, price: float, commission: float = 0.0) -> None:
        """Book one execution of ``signed_qty`` (buy > 0) at ``price``."""
        j = self.col(symbol)
        q, old, price = float(signed_qty), float(self.qty[j]), float(price)
        self.cash -= q * price + commission
        self.fees += commission
        self.realized[j] -= commission
        self.n_fills += 1
        if old == 0.0 or (old > 0) == (q > 0):
            new = old + q
            self.avg[j] = (self.avg[j] * old + price * q) / new
            self.qty[j] = new
            return
        closing = min(abs(q), abs(old))
        self.realized[j] += closing * (price - float(self.avg[j])) * (1.0 if old > 0 else -1.0)
        new = old + q
        if abs(new) < 1e-12 * max(1.0, abs(old)):
            self.qty[j], self.avg[j] = 0.0, 0.0
        else:
            self.qty[j] = new
            if (new > 0) == (q > 0):  # crossed zero: the rest opens at this price
                self.avg[j] = price

    def apply_fill(self, fill: Fill) -> None:
        self.apply(fill.symbol, fill.signed_quantity, fill.price, fill.commission)

    def mark(self, close: np.ndarray) -> None:
        """New closes of shape (n_symbols,); a NaN keeps the previous price."""
        np.copyto(self.last, close, where=np.isfinite(close))

    @classmethod
    def from_fills(
        cls, symbols: Sequence[str], cash: float, fills: Iterable[Fill], **kw: Any
    ) -> Ledger:
        """Rebuild a book from journaled fills (a restart)."""
        book = cls(symbols, cash, **kw)
        for f in fills:
            book.apply_fill(f)
        return book

    # ------------------------------------------------------------------ views
    def quantity(self, symbol: str) -> float:
        j = self.column.get(symbol)
        return 0.0 if j is None else float(self.qty[j])

    @property
    def equity(self) -> float:
        held = self.qty != 0.0
        return float(self.cash + np.sum(self.qty[held] * self._price(held)))

    def _price(self, mask: np.ndarray) -> np.ndarray:
        last = self.last[mask]
        return np.where(np.isfinite(last), last, self.avg[mask])

    @property
    def gross_exposure(self) -> float:
        held = self.qty != 0.0
        return float(np.sum(np.abs(self.qty[held] * self._price(held))))

    @property
    def unrealized(self) -> float:
        held = self.qty != 0.0
        return float(np.sum(self.qty[held] * (self._price(held) - self.avg[held])))

    def position(self, j: int, when: datetime) -> Position:
        last = self.last[j]
        return Position(
            symbol=self.symbols[j],
            quantity=float(self.qty[j]),
            avg_entry_price=float(self.avg[j]),
            market_price=float(last) if np.isfinite(last) and last > 0 else None,
            realized_pnl=float(self.realized[j]),
            updated_at=when,
        )

    def positions(self, when: datetime, manual: np.ndarray | None = None) -> list[dict[str, Any]]:
        """``Position.to_dict()`` records plus ``unrealizedPnl`` and ``manualQuantity``,
        for every symbol held or with realised P&L."""
        out = []
        for j in np.flatnonzero((self.qty != 0) | (self.realized != 0)):
            p = self.position(int(j), when)
            manual_qty = 0.0 if manual is None else float(manual[j])
            out.append(
                {**p.to_dict(), "unrealizedPnl": p.unrealized_pnl, "manualQuantity": manual_qty}
            )
        return out

    def net_positions(self) -> dict[str, float]:
        """Signed quantity per held symbol."""
        return {self.symbols[j]: float(self.qty[j]) for j in np.flatnonzero(self.qty)}
