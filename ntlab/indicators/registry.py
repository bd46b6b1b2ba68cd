"""The open registry of indicators: batch function, streaming twin, defaults and warm-up.

Each fact is read from one place. An indicator is a batch function plus a streaming class
(a :class:`~ntlab.indicators.stream.StreamIndicator`); :func:`register_indicator` reads

- ``inputs`` and ``outputs`` from the streaming class (``update(*inputs)`` order),
- the parameters and their defaults from the batch function's signature (the
  keyword parameters after the inputs),
- the warm-up from the streaming class's ``warmup`` property, built with the parameters.

Built-ins and user indicators live in the same registry, so an indicator registered by a
user gets the same shared checks (:func:`ntlab.testing.check_indicator`), streaming and
lookup by name (:func:`get_indicator`) as the built-ins::

    from ntlab.indicators import register_indicator
    register_indicator(my_indicator, MyIndicatorStream)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ntlab.errors import ConfigError
from ntlab.indicators import (
    features,
    moving_average,
    oscillators,
    stats,
    stream,
    volatility,
    volume,
)

__all__ = [
    "Indicator",
    "INDICATORS",
    "call_outputs",
    "get_indicator",
    "indicators",
    "register_indicator",
    "unregister_indicator",
    "warmup",
]


@dataclass(frozen=True)
class Indicator:
    """One registered indicator.

    Attributes
    ----------
    name : str
        Registry key (the batch function's name unless given).
    function : callable
        Batch function ``function(*inputs, **params)``; inputs are Series, DataFrames of
        shape (n_bars, n_symbols) or arrays.
    stream : type
        Streaming class; ``stream(**params, n_symbols=k).update(*bar)``.
    inputs : tuple of str
        What the function and ``update`` take, in order ("close", "high", "low",
        "volume", or "x"/"y"/"benchmark" for pairs).
    outputs : tuple of str
        The results, in order.
    params : Mapping
        Parameter defaults, read from the batch function's signature.
    talib : str or None
        Name of the TA-Lib function it reproduces, if any.
    """

    name: str
    function: Callable[..., Any]
    stream: type[stream.StreamIndicator]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    params: Mapping[str, Any]
    talib: str | None = None

    def compute(self, *inputs: Any, **params: Any) -> tuple[Any, ...]:
        """Batch outputs as a tuple in ``outputs`` order."""
        return call_outputs(self.function(*inputs, **params))

    def make_stream(self, n_symbols: int | None = None, **params: Any) -> stream.StreamIndicator:
        """A streaming object with ``params`` (defaults where not given)."""
        return self.stream(**params, n_symbols=n_symbols)

    def warmup(self, **params: Any) -> int:
        """Leading NaN bars of the slowest output on gap-free data (the stream's ``warmup``)."""
        return int(self.stream(**{**self.params, **params}).warmup)


def call_outputs(result: Any) -> tuple[Any, ...]:
    """Normalise a function's result (object, NamedTuple or dict) to a tuple."""
    if isinstance(result, dict):
        return tuple(result.values())
    if isinstance(result, tuple):
        return tuple(result)
    return (result,)


_REGISTRY: dict[str, Indicator] = {}


def _defaults(function: Callable[..., Any], n_inputs: int, what: str) -> dict[str, Any]:
    """Keyword parameters (with defaults) after the ``n_inputs`` leading input parameters."""
    params = list(inspect.signature(function).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < n_inputs:
        raise ConfigError(
            f"register_indicator({what}): the function takes {len(positional)} positional "
            f"input(s), its stream updates with {n_inputs}"
        )
    rest = params[n_inputs:]
    missing = [
        p.name for p in rest if p.default is inspect.Parameter.empty and p.kind != p.VAR_KEYWORD
    ]
    if missing:
        raise ConfigError(
            f"register_indicator({what}): parameters {missing} need defaults "
            "(the registry reads every parameter's default from the signature)"
        )
    return {p.name: p.default for p in rest if p.kind != p.VAR_KEYWORD}


def register_indicator(
    function: Callable[..., Any],
    stream_class: type[stream.StreamIndicator],
    *,
    name: str | None = None,
    talib: str | None = None,
    replace: bool = False,
) -> Indicator:
    """Add an indicator to the registry and return its :class:`Indicator`.

    Parameters
    ----------
    function : callable
        Batch function ``function(*inputs, **params)``; every parameter after the inputs
        has a default.
    stream_class : type
        Streaming twin (a :class:`~ntlab.indicators.stream.StreamIndicator` subclass) whose
        ``inputs``/``outputs`` class attributes name what it takes and gives and whose
        ``warmup`` property counts the leading NaN bars.
    name : str, optional
        Registry key; the function's ``__name__`` by default.
    talib : str, optional
        The TA-Lib function it reproduces (the checks compare against it when TA-Lib is
        installed).
    replace : bool
        Allow replacing an indicator registered under the same name.

    Raises
    ------
    ConfigError
        A name already taken (without ``replace``), a stream that is not a
        StreamIndicator, or parameters without defaults.
    """
    key = name or getattr(function, "__name__", "")
    if not key or not key.isidentifier():
        raise ConfigError(f"register_indicator: name must be an identifier, got {key!r}")
    if not (isinstance(stream_class, type) and issubclass(stream_class, stream.StreamIndicator)):
        raise ConfigError(
            f"register_indicator({key}): stream_class must be a StreamIndicator subclass, "
            f"got {stream_class!r}"
        )
    if key in _REGISTRY and not replace:
        raise ConfigError(f"indicator {key!r} is registered already (pass replace=True)")
    inputs = tuple(stream_class.inputs)
    params = _defaults(function, len(inputs), key)
    outputs = tuple(stream_class(**params).outputs)
    spec = Indicator(key, function, stream_class, inputs, outputs, MappingProxyType(params), talib)
    _REGISTRY[key] = spec
    return spec


def unregister_indicator(name: str) -> None:
    """Remove a user indicator (built-ins stay)."""
    if any(spec.name == name for spec in INDICATORS):
        raise ConfigError(f"{name!r} is a built-in indicator and cannot be removed")
    get_indicator(name)
    del _REGISTRY[name]


#: The built-in indicators, in a stable order (the shared tests walk them).
INDICATORS: tuple[Indicator, ...] = tuple(
    register_indicator(fn, cls, talib=ta)
    for fn, cls, ta in (
        (moving_average.sma, stream.SMA, "SMA"),
        (moving_average.ema, stream.EMA, "EMA"),
        (moving_average.wma, stream.WMA, "WMA"),
        (oscillators.rsi, stream.RSI, "RSI"),
        (oscillators.macd, stream.MACD, "MACD"),
        (oscillators.stoch, stream.Stoch, "STOCH"),
        (oscillators.cci, stream.CCI, "CCI"),
        (oscillators.adx, stream.ADX, "ADX"),
        (oscillators.roc, stream.ROC, "ROC"),
        (oscillators.momentum, stream.MOM, "MOM"),
        (volatility.true_range, stream.TrueRange, "TRANGE"),
        (volatility.atr, stream.ATR, "ATR"),
        (volatility.bollinger, stream.Bollinger, "BBANDS"),
        (volatility.rolling_volatility, stream.Volatility, None),
        (volume.obv, stream.OBV, "OBV"),
        (volume.vwap, stream.VWAP, None),
        (volume.volume_ratio, stream.VolumeRatio, None),
        (stats.returns, stream.Returns, None),
        (stats.rolling_zscore, stream.ZScore, None),
        (stats.rolling_corr, stream.Corr, "CORREL"),
        (stats.rolling_beta, stream.Beta, "BETA"),
        (features.return_features, stream.ReturnFeatures, None),
    )
)


def indicators() -> tuple[Indicator, ...]:
    """Every registered indicator, built-ins first, then user ones in registration order."""
    return tuple(_REGISTRY.values())


def get_indicator(name: str) -> Indicator:
    """The registered indicator called ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown indicator {name!r}; known: {sorted(_REGISTRY)}") from None


def warmup(name: str, **params: Any) -> int:
    """Leading NaN bars of indicator ``name`` with ``params`` (defaults where not given)."""
    return get_indicator(name).warmup(**params)
