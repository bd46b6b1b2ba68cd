"""``ntlab paper`` config files (JSON or TOML): a StartRequest plus data, broker and session settings.

Example (``data/paper_session.example.json``)::

    {
      "strategies": ["momentum"], "symbols": ["AAPL", "IBM", "MSFT"],
      "risk_level": "high", "max_position_size": 40000,
      "stop_loss_percentage": 0.08, "take_profit_percentage": 0.0, "use_gpu": false,
      "strategy_params": {"momentum": {"allow_short": true}},
      "data": "sample:stocks", "replay_from": "2011-01-01", "replay_to": "2012-12-31",
      "broker": "sim", "cash": 100000,
      "policy": {"commission": {"pct": 0.0005}, "slippage": {"pct": 0.0005}}
    }

Session settings may be given too (``session_id``, ``folder``, ``max_bars``, ``bar_interval``,
``settle_timeout``, ``time_in_force``, ``cancel_on_stop``, ``log_decisions``, ``durable``,
``on_disagreement``),
and ``limits`` (a :class:`~ntlab.risk.RiskLimits` dict) to replace the request's limits.

``broker``: ``sim`` (default: in-process SimClient over the replayed data), ``exchange``
(the local paper exchange through alpaca-py: started in this process over ``data``, or the
one running at ``exchange_url``), ``alpaca`` (Alpaca's paper API; keys from the
environment; ``data`` is not used).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ntlab._time import to_utc
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.execution.policy import ExecutionPolicy
from ntlab.live.fields import number, text
from ntlab.live.markets import (
    AlpacaMarket,
    LocalExchangeMarket,
    Market,
    ReplayMarket,
    exchange_market,
)
from ntlab.live.session import TradingSession
from ntlab.live.settings import SessionSettings
from ntlab.risk.limits import RiskLimits

__all__ = ["PaperConfig", "load_config", "open_session", "BROKERS"]

BROKERS = ("sim", "exchange", "alpaca")
_REQUEST = ("strategies", "symbols", "risk_level", "max_position_size", "stop_loss_percentage",
            "take_profit_percentage", "use_gpu")  # fmt: skip
_SETTINGS = ("session_id", "folder", "strategy_params", "time_in_force", "bar_interval",
             "cancel_on_stop", "settle_timeout", "log_decisions", "max_bars", "durable",
             "on_disagreement")  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class PaperConfig:
    """A parsed config file: ``request`` (the StartRequest), where to trade, how to run."""

    request: dict[str, Any]
    data: str | None = "sample:stocks"
    replay_from: str | None = None
    replay_to: str | None = None
    broker: str = "sim"
    exchange_url: str | None = None
    cash: float = 100_000.0
    policy: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] | None = None
    history_start: str = "2000-01-01T00:00:00Z"
    timeframe: str = "1Day"
    settings: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every field by type and range, one line each (the request and the session settings
        are checked by :func:`~ntlab.live.api.validate_start_request` and SessionSettings)."""
        text("paper config: broker", self.broker, choices=BROKERS)
        number("paper config: cash", self.cash, lo=0.0, lo_open=True)
        for name in ("data", "exchange_url", "timeframe", "history_start"):
            if getattr(self, name) is not None:
                text(f"paper config: {name}", getattr(self, name))
        for name in ("policy", "limits"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, dict):
                raise ConfigError(
                    f"paper config: {name} must be an object of settings, got {value!r}"
                )
        times = {}
        for name in ("replay_from", "replay_to", "history_start"):
            value = getattr(self, name)
            if value is not None:
                text(f"paper config: {name}", value)
                times[name] = to_utc(_utc_strings(value), what=f"paper config: {name}")
        if (
            "replay_from" in times
            and "replay_to" in times
            and times["replay_from"] > times["replay_to"]
        ):
            raise ConfigError(
                f"paper config: replay_from {self.replay_from} is after replay_to {self.replay_to}"
            )
        if self.broker != "alpaca" and self.exchange_url is None and not self.data:
            raise ConfigError(
                f"broker {self.broker!r} replays data: give a data spec, e.g. 'sample:stocks'"
            )

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PaperConfig:
        """Parse and check a config dict; the request and the settings are checked here too,
        so a bad value is refused before anything is opened, connected or written."""
        known = (
            set(_REQUEST) | set(_SETTINGS) | {f.name for f in fields(cls)} - {"request", "settings"}
        )
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"paper config: unknown key(s) {unknown}; known: {sorted(known)}")
        rest = {k: v for k, v in raw.items() if k not in _REQUEST and k not in _SETTINGS}
        cfg = cls(
            request={k: raw[k] for k in _REQUEST if k in raw},
            settings={k: raw[k] for k in _SETTINGS if k in raw},
            **rest,
        )
        from ntlab.live.api import validate_start_request

        validate_start_request(cfg.request | {"strategies": cfg.request.get("strategies") or []})
        cfg.session_settings()  # every session setting, by type and range
        cfg.execution_policy()
        return cfg

    def execution_policy(self) -> ExecutionPolicy:
        return ExecutionPolicy.from_dict(self.policy)

    def session_settings(self, **overrides: Any) -> SessionSettings:
        values = dict(self.settings) | overrides
        if self.limits is not None:
            values["limits"] = RiskLimits.from_dict(self.limits)
        return SessionSettings(**values)

    def replay_window(self, data: MarketData) -> tuple[int | None, int | None]:
        """Bar positions of ``replay_from`` (first live bar) and ``replay_to`` (exclusive end)."""
        idx = data.index
        start = (
            None
            if self.replay_from is None
            else int(np.searchsorted(idx, to_utc(self.replay_from, what="replay_from")))
        )
        stop = (
            None
            if self.replay_to is None
            else int(np.searchsorted(idx, to_utc(self.replay_to, what="replay_to"), "right"))
        )
        return start, stop

    def market(self) -> Market:
        policy = self.execution_policy()
        if self.broker == "alpaca":
            return AlpacaMarket(
                policy=policy, history_start=self.history_start, timeframe=self.timeframe
            )
        if self.broker == "exchange" and self.exchange_url:
            return exchange_market(
                self.exchange_url,
                policy=policy,
                history_start=self.history_start,
                timeframe=self.timeframe,
            )
        from ntlab.data import load

        data = load(self.data)
        if self.request.get("symbols"):
            wanted = [str(s).strip().upper() for s in self.request["symbols"]]
            data = data.select([s for s in data.symbols if s in wanted] or wanted)
        start, stop = self.replay_window(data)
        kind = ReplayMarket if self.broker == "sim" else LocalExchangeMarket
        return kind(data, start=start, stop=stop, cash=self.cash, policy=policy)


def _utc_strings(text: str) -> str:
    """A bare date (``2012-01-31``) is midnight UTC; other times must carry their zone."""
    return text + "T00:00:00Z" if len(text) == 10 else text


def load_config(path: str | Path) -> PaperConfig:
    """Read a JSON (``.json``) or TOML (``.toml``) paper config."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"paper config {p} does not exist")
    text = p.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text) if p.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"paper config {p} is not valid {'TOML' if p.suffix == '.toml' else 'JSON'}: {exc}"
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"paper config {p} must hold one object of settings")
    for key in ("replay_from", "replay_to"):
        if isinstance(raw.get(key), str):
            raw[key] = _utc_strings(raw[key])
    return PaperConfig.from_dict(raw)


def open_session(config: PaperConfig | str | Path, **settings: Any) -> TradingSession:
    """A (not yet started) session for ``config``; ``settings`` override its session settings."""
    cfg = config if isinstance(config, PaperConfig) else load_config(config)
    return TradingSession(cfg.market(), cfg.session_settings(**settings))
