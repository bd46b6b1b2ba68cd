"""Settings of a trading session, and the risk limits a StartRequest implies."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ntlab.config import ntlab_home
from ntlab.errors import ConfigError
from ntlab.live.api import RISK_LEVELS  # the StartRequest contract (no Panel import)
from ntlab.live.fields import boolean, session_id, whole
from ntlab.model import TimeInForce
from ntlab.risk.limits import RiskLimits

__all__ = ["SessionSettings", "limits_for", "RISK_LEVELS"]


@dataclass(frozen=True, kw_only=True)
class SessionSettings:
    """How a :class:`~ntlab.live.TradingSession` runs (the StartRequest says what it trades).

    Parameters
    ----------
    session_id : str, optional
        Names the session in the journal; the same id and folder resume it after a
        crash or a stop. Default: a new random id at each start.
    folder : path, optional
        Where the journal (``journal.db``) and the decision log (``decisions.jsonl``)
        go; default ``$NTLAB_HOME/sessions/<session_id>``.
    limits : RiskLimits, optional
        The risk gate's limits. Default, from the request: ``max_position_value =
        max_position_size``, ``max_leverage = 1`` and ``max_drawdown`` by risk level
        (:data:`RISK_LEVELS`). ``RiskLimits(max_leverage=None)`` turns every limit off.
    sectors : dict, optional
        symbol -> sector, for ``RiskLimits.max_sector_exposure``.
    strategy_params : dict, optional
        Per strategy name, the parameters of its config (``{"momentum": {"lookback": 30}}``).
    time_in_force : str
        Of the session's market orders (``day`` default; ``gtc`` keeps an order working
        across days when a symbol has no bar).
    background : bool
        ``start()`` runs the bars in a daemon thread (the dashboards); otherwise call
        ``step()`` or ``run()``.
    bar_interval : float
        Seconds to wait between replayed bars (to watch a replay unfold).
    cancel_on_stop : bool
        ``stop()`` cancels the session's working orders.
    settle_timeout : float
        A remote broker reports fills asynchronously: before deciding on a bar, wait up to
        this long for the fills of working market orders, then ask the broker (REST).
    log_decisions : bool
        Write the JSON-lines decision log.
    max_bars : int, optional
        Stop after this many bars.
    durable : bool
        fsync every journal commit (survives a power cut, not only a crash).
    on_disagreement : str
        When a start finds the session's book and the broker's disagreeing (see
        :mod:`ntlab.live.recovery`): ``"halt"`` (default) refuses to trade and says what
        differs; ``"adopt"`` takes the broker's positions as the session's own.
    """

    session_id: str | None = None
    folder: str | Path | None = None
    limits: RiskLimits | None = None
    sectors: dict[str, str] | None = None
    strategy_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_in_force: str = "day"
    background: bool = False
    bar_interval: float = 0.0
    cancel_on_stop: bool = True
    settle_timeout: float = 1.0
    log_decisions: bool = True
    max_bars: int | None = None
    durable: bool = False
    on_disagreement: str = "halt"

    def __post_init__(self) -> None:
        if self.on_disagreement not in ("halt", "adopt"):
            raise ConfigError(
                f"SessionSettings.on_disagreement must be 'halt' or 'adopt', got {self.on_disagreement!r}"
            )
        if self.time_in_force not in {t.value for t in TimeInForce}:
            raise ConfigError(
                f"SessionSettings.time_in_force must be one of day, gtc, ioc, fok; got {self.time_in_force!r}"
            )
        if self.limits is not None and not isinstance(self.limits, RiskLimits):
            raise ConfigError(f"SessionSettings.limits must be a RiskLimits, got {self.limits!r}")
        if self.limits is not None and self.limits.max_correlation is not None:
            raise ConfigError(
                "a session does not apply RiskLimits.max_correlation (it would need every order's "
                "rolling correlation with the book each bar); leave it None"
            )
        for name in ("bar_interval", "settle_timeout"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigError(
                    f"SessionSettings.{name} must be a number of seconds >= 0, got {value!r}"
                )
        if self.max_bars is not None:
            object.__setattr__(
                self, "max_bars", whole("SessionSettings.max_bars", self.max_bars, lo=1)
            )
        if self.session_id is not None:
            session_id("SessionSettings.session_id", self.session_id)
        for name in ("background", "cancel_on_stop", "log_decisions", "durable"):
            boolean(f"SessionSettings.{name}", getattr(self, name))
        if self.folder is not None and not isinstance(self.folder, str | Path):
            raise ConfigError(f"SessionSettings.folder must be a path, got {self.folder!r}")
        if not isinstance(self.strategy_params, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) for k, v in self.strategy_params.items()
        ):
            raise ConfigError(
                "SessionSettings.strategy_params must map strategy names to parameter objects, "
                f"got {self.strategy_params!r}"
            )

    def folder_for(self, session_id: str) -> Path:
        return (
            Path(self.folder) if self.folder is not None else ntlab_home() / "sessions" / session_id
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["folder"] = None if self.folder is None else str(self.folder)
        out["limits"] = None if self.limits is None else self.limits.to_dict()
        return out


def limits_for(request: dict[str, Any]) -> RiskLimits:
    """The risk limits a validated StartRequest implies (see :class:`SessionSettings`)."""
    return RiskLimits(
        max_position_value=float(request["max_position_size"]),
        max_leverage=1.0,
        max_drawdown=RISK_LEVELS[request["risk_level"]],
    )
