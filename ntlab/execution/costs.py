"""Cost models: commission and slippage (fixed, percentage, volume participation).

Both are plain frozen configs; the numbers they hold go into the parameter vector that
the fill kernels in :mod:`ntlab.execution._fill_nb` read, so every engine charges the
same costs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ntlab.errors import ConfigError

__all__ = ["Commission", "Slippage"]


def _check_nonneg(owner: str, **values: float) -> None:
    for name, v in values.items():
        if not 0.0 <= v < float("inf"):
            raise ConfigError(f"{owner}.{name} must be a finite number >= 0, got {v!r}")


@dataclass(frozen=True, kw_only=True)
class Commission:
    """Commission of a fill: ``fixed + per_share * qty + pct * qty * price``, at least ``minimum``.

    Parameters
    ----------
    pct : float
        Fraction of traded value (0.001 = 10 bps).
    fixed : float
        Currency per order.
    per_share : float
        Currency per share.
    minimum : float
        Smallest commission of a fill that trades.
    """

    pct: float = 0.001
    fixed: float = 0.0
    per_share: float = 0.0
    minimum: float = 0.0

    def __post_init__(self) -> None:
        _check_nonneg(
            "Commission",
            pct=self.pct,
            fixed=self.fixed,
            per_share=self.per_share,
            minimum=self.minimum,
        )
        if self.pct >= 0.1:
            raise ConfigError(
                f"Commission.pct is a fraction of traded value; {self.pct} (>= 10%) looks like a percent"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class Slippage:
    """Price moved against the trader: ``price * (1 + side * frac) + side * fixed``.

    ``frac = pct + impact * (qty / bar_volume) ** impact_exponent``: a fixed fraction plus
    a volume-participation impact (``impact_exponent = 0.5`` is the square-root law).
    Limit orders (and take-profits) fill at their level or better and pay no slippage.
    """

    pct: float = 0.0005
    fixed: float = 0.0
    impact: float = 0.0
    impact_exponent: float = 1.0

    def __post_init__(self) -> None:
        _check_nonneg("Slippage", pct=self.pct, fixed=self.fixed, impact=self.impact)
        if self.pct >= 0.1:
            raise ConfigError(
                f"Slippage.pct is a fraction of price; {self.pct} (>= 10%) looks like a percent"
            )
        if not 0.0 < self.impact_exponent <= 2.0:
            raise ConfigError(
                f"Slippage.impact_exponent must lie in (0, 2], got {self.impact_exponent}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
