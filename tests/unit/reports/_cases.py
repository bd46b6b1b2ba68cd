"""A hand-computable backtest case shared by the reports tests."""

from __future__ import annotations

from tests.unit.backtest._hand import panel, signals


def hand_case():
    """5 bars of one symbol X; long decided on bar 1 (bought at bar 2's open 12), flat on bar 3 (sold at 14)."""
    md = panel({"X": [(10.0 + i, 11.0 + i, 9.0 + i, 10.5 + i, 1e3) for i in range(5)]})
    return md, signals(md, [0.0, 1, 1, 0, 0])
