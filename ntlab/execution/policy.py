"""ExecutionPolicy: sleeve targets -> order quantities, plus the cost and fill models.

A strategy's ``Signals.target`` is a sleeve exposure in [-1, 1]; with equal sleeves a
portfolio weight is ``target / n_symbols``. The policy turns that weight into a share
count (whole shares by default, lots or fractions on request) against the equity and a
price, and carries the commission, slippage and fill models. The event backtest and the
paper/live sessions use the same policy, through the kernels in
:mod:`ntlab.execution._fill_nb`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ntlab.errors import ConfigError
from ntlab.execution import _fill_nb as nb
from ntlab.execution.costs import Commission, Slippage
from ntlab.execution.fills import FillModel

__all__ = ["ExecutionPolicy"]


@dataclass(frozen=True, kw_only=True)
class ExecutionPolicy:
    """How targets become orders and how orders fill and cost.

    Parameters
    ----------
    lot_size : float
        Quantities are whole multiples of this (1 = whole shares).
    fractional : bool
        Trade fractional quantities (``lot_size`` is then ignored).
    size_at : {"decision", "fill"}
        Price that sizes an order: the decision bar's close (what a live session knows
        when it sends the order; default) or the fill bar's price (vectorbt's
        target-percent orders, used for parity).
    commission, slippage, fills
        The cost and fill models.
    """

    lot_size: float = 1.0
    fractional: bool = False
    size_at: str = "decision"
    commission: Commission = field(default_factory=Commission)
    slippage: Slippage = field(default_factory=Slippage)
    fills: FillModel = field(default_factory=FillModel)

    def __post_init__(self) -> None:
        if not (self.lot_size > 0 and np.isfinite(self.lot_size)):
            raise ConfigError(f"ExecutionPolicy.lot_size must be > 0, got {self.lot_size!r}")
        if self.size_at not in ("decision", "fill"):
            raise ConfigError(
                f"ExecutionPolicy.size_at must be 'decision' or 'fill', got {self.size_at!r}"
            )
        for name, kind in (
            ("commission", Commission),
            ("slippage", Slippage),
            ("fills", FillModel),
        ):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"ExecutionPolicy.{name} must be a {kind.__name__}")

    @property
    def lot(self) -> float:
        """Lot used by the kernels (0 = fractional)."""
        return 0.0 if self.fractional else float(self.lot_size)

    def params(self) -> np.ndarray:
        """The cost/fill parameter vector of shape (N_PARAMS,) the kernels read."""
        p = np.zeros(nb.N_PARAMS, dtype=np.float64)
        c, s = self.commission, self.slippage
        p[nb.P_FEE_PCT], p[nb.P_FEE_FIXED], p[nb.P_FEE_PER_SHARE], p[nb.P_FEE_MIN] = (
            c.pct,
            c.fixed,
            c.per_share,
            c.minimum,
        )
        p[nb.P_SLIP_PCT], p[nb.P_SLIP_FIXED], p[nb.P_IMPACT], p[nb.P_IMPACT_EXP] = (
            s.pct,
            s.fixed,
            s.impact,
            s.impact_exponent,
        )
        p[nb.P_MAX_PARTICIPATION] = self.fills.max_participation
        p[nb.P_LOT] = self.lot
        return p

    def order_quantity(
        self,
        target: float,
        *,
        equity: float,
        price: float,
        position: float = 0.0,
        n_symbols: int = 1,
    ) -> float:
        """Signed quantity to order so that one symbol's position matches its sleeve target.

        Parameters
        ----------
        target : float
            Sleeve exposure in [-1, 1].
        equity : float
            Portfolio value the sleeves split.
        price : float
            Price that sizes the order (the decision bar's close in a live loop).
        position : float
            Current signed position.
        n_symbols : int
            Number of sleeves (portfolio weight = target / n_symbols).
        """
        if not -1.0 <= target <= 1.0:
            raise ConfigError(f"target must lie in [-1, 1], got {target}")
        if n_symbols < 1:
            raise ConfigError(f"n_symbols must be >= 1, got {n_symbols}")
        return float(
            nb.order_qty_nb(
                float(target),
                1.0 / n_symbols,
                float(equity),
                float(price),
                float(position),
                self.lot,
            )
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot_size": self.lot_size,
            "fractional": self.fractional,
            "size_at": self.size_at,
            "commission": self.commission.to_dict(),
            "slippage": self.slippage.to_dict(),
            "fills": self.fills.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExecutionPolicy:
        d = dict(data)
        parts = {"commission": Commission, "slippage": Slippage, "fills": FillModel}
        for key, kind in parts.items():
            if key in d and isinstance(d[key], dict):
                d[key] = kind(**d[key])
        try:
            return cls(**d)
        except TypeError as exc:
            raise ConfigError(f"ExecutionPolicy: {exc}") from exc
