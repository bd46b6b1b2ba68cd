"""Position sizing on the last bar of a symbol, with :mod:`ntlab.risk.sizing`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ntlab.errors import ConfigError
from ntlab.service._base import Context, jsonable
from ntlab.service.data import DataRef, load_data

__all__ = ["SizeRequest", "position_size"]


class SizeRequest(DataRef):
    """How many units of ``symbol`` to hold, sized at its last close.

    ``fixed_fractional``: lose ``risk_fraction`` of ``equity`` if a stop ``stop_pct`` below
    the close is hit; ``atr``: the stop ``atr_multiple`` ATRs away; ``volatility_target``:
    the position's annualised volatility equals ``target_volatility``.
    """

    symbol: str = Field(min_length=1, max_length=20)
    equity: float = Field(100_000.0, gt=0, le=1e15, allow_inf_nan=False)
    method: Literal["fixed_fractional", "atr", "volatility_target"] = "fixed_fractional"
    risk_fraction: float = Field(0.01, gt=0, le=1, allow_inf_nan=False)
    stop_pct: float = Field(0.05, gt=0, lt=1, allow_inf_nan=False)
    atr_window: int = Field(14, ge=1, le=1000)
    atr_multiple: float = Field(2.0, gt=0, le=100, allow_inf_nan=False)
    target_volatility: float = Field(0.10, gt=0, le=10, allow_inf_nan=False)
    vol_window: int = Field(20, ge=2, le=1000)
    max_leverage: float = Field(1.0, gt=0, le=100, allow_inf_nan=False)
    lot_size: float = Field(1.0, ge=0, allow_inf_nan=False)


def position_size(req: SizeRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Units, their value and share of equity, and the inputs the method read from the bars."""
    from ntlab import risk
    from ntlab.indicators import atr, rolling_volatility

    data = load_data(req.model_copy(update={"symbols": [req.symbol]}), ctx)
    frame = data.symbol_frame(req.symbol).dropna(subset=["close"])
    price = float(frame["close"].iloc[-1])
    used: dict[str, Any] = {"price": price, "bar": frame.index[-1]}
    if req.method == "fixed_fractional":
        stop = price * (1 - req.stop_pct)
        units = risk.fixed_fractional_size(
            req.equity, req.risk_fraction, price, stop, lot_size=req.lot_size
        )
        used["stop_price"] = stop
    elif req.method == "atr":
        if not {"high", "low"} <= set(frame.columns):
            raise ConfigError(
                f"the atr method needs high and low prices; {data.name} has {list(frame.columns)}"
            )
        a = float(atr(frame["high"], frame["low"], frame["close"], window=req.atr_window).iloc[-1])
        units = risk.atr_size(
            req.equity, req.risk_fraction, a, atr_multiple=req.atr_multiple, lot_size=req.lot_size
        )
        used["atr"] = a
    else:
        ppy = risk.periods_per_year(data.index)
        vol = float(
            rolling_volatility(frame["close"], window=req.vol_window, periods_per_year=ppy).iloc[-1]
        )
        units = risk.volatility_target_size(
            req.equity,
            req.target_volatility,
            vol,
            price,
            max_leverage=req.max_leverage,
            lot_size=req.lot_size,
        )
        used["volatility"] = vol
    value = units * price
    return jsonable(
        {"symbol": req.symbol, "method": req.method, "units": units, "value": value,
         "fraction_of_equity": value / req.equity, "inputs": used}
    )  # fmt: skip
