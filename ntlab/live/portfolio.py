"""The session's book: the one :class:`ntlab.execution.ledger.Ledger` over the session's
symbols (positions, cash, average cost, realized P&L after fees), marked at every close.
See the ledger's module for the accounting rule."""

from __future__ import annotations

from ntlab.execution.ledger import Ledger

__all__ = ["Portfolio"]


class Portfolio(Ledger):
    """A session's ledger: a fixed universe (a fill for another symbol is an error)."""
