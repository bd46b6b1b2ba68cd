"""The shared checks every indicator passes, built-in or registered by a user.

Public through :func:`ntlab.testing.check_indicator`; the test suite runs each check on
every registered indicator. Each check raises :class:`~ntlab.errors.CheckError` (an
``AssertionError``) that names the indicator, the output and the bar.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.data.samples import load_sample
from ntlab.errors import CheckError, ConfigError, DataError
from ntlab.indicators.registry import Indicator, call_outputs, get_indicator

__all__ = [
    "INT_PARAMS",
    "IndicatorCheckReport",
    "assert_same",
    "benchmark",
    "check_bad_parameters",
    "check_defaults_agree",
    "check_gaps_skipped",
    "check_indicator",
    "check_input_kinds",
    "check_stream_equals_batch",
    "check_stream_reset",
    "check_reference",
    "holes",
    "role_inputs",
    "sample",
]

#: Parameters that must be integers (0 and 2.5 are refused by function and stream alike).
INT_PARAMS = (
    "window",
    "fast",
    "slow",
    "signal",
    "fastk",
    "slowk",
    "slowd",
    "periods",
    "volume_window",
)


def _fail(message: str) -> None:
    raise CheckError(message)


def sample(name: str, max_symbols: int = 60) -> MarketData:
    """A bundled sample; large panels trimmed to half symbols with gaps, half without."""
    data = load_sample(name)
    if data.n_symbols <= max_symbols:
        return data
    close = data.close
    gappy = [s for s in data.symbols if close[s].isna().any()]
    full = [s for s in data.symbols if s not in gappy]
    half = max_symbols // 2
    return data.select(gappy[:half] + full[: max_symbols - len(gappy[:half])])


def benchmark(data: MarketData) -> pd.Series:
    """A gap-free close series of the panel (the first symbol that trades on every bar)."""
    close = data.close
    full = [s for s in data.symbols if close[s].notna().all()]
    if not full:
        raise DataError("the check needs a panel with at least one symbol trading on every bar")
    return close[full[0]]


def holes(data: MarketData, seed: int = 0) -> np.ndarray:
    """Bool mask (n_bars, n_symbols): a few interior bars per symbol where it "does not trade"."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(data.shape, dtype=bool)
    for j in range(0, data.n_symbols, 2):
        rows = rng.choice(
            np.arange(40, data.n_bars - 5), size=min(6, data.n_bars // 40), replace=False
        )
        mask[rows, j] = True
        mask[rows[0] : rows[0] + 3, j] = True  # and one run of three
    return mask


def role_inputs(spec: Indicator, data: MarketData, *, punch: bool = False) -> list[Any]:
    """The batch inputs of ``spec`` taken from ``data`` (pairs: closes against a benchmark).

    With ``punch``, every field gets NaN on the bars of :func:`holes` (the benchmark not).
    """
    mask = holes(data) if punch else None
    out = []
    for role in spec.inputs:
        if role in ("y", "benchmark"):
            out.append(benchmark(data))
            continue
        frame = data.close if role in ("x", "value") else data.field(role)
        out.append(frame.mask(mask) if punch else frame)
    return out


def assert_same(
    a: Any, b: Any, *, exact: bool = True, rtol: float = 1e-9, atol: float = 0.0, what: str = ""
) -> None:
    """Same shape, NaN at the same places, and equal values (bit for bit unless ``exact=False``)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        _fail(f"{what}: shapes differ, {a.shape} vs {b.shape}")
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if (nan_a != nan_b).any():
        at = np.argwhere(nan_a != nan_b)[0].tolist()
        _fail(f"{what}: NaN positions differ, first at {at}")
    ok = (a == b) | nan_a if exact else np.isclose(a, b, rtol=rtol, atol=atol) | nan_a
    if not ok.all():
        at = tuple(np.argwhere(~ok)[0].tolist())
        _fail(f"{what}: values differ at {list(at)}: {float(a[at])!r} vs {float(b[at])!r}")


def _spec(indicator: Indicator | str) -> Indicator:
    return get_indicator(indicator) if isinstance(indicator, str) else indicator


def _one_symbol(spec: Indicator, data: MarketData, sym: str, punch: bool = False) -> list[Any]:
    return [x[sym] if x.ndim == 2 else x for x in role_inputs(spec, data, punch=punch)]


def _bar_values(inputs: list[Any], i: int) -> list[Any]:
    vals = []
    for x in inputs:
        row = x.iloc[i]
        vals.append(row.to_numpy(dtype=float) if hasattr(row, "to_numpy") else float(row))
    return vals


def check_defaults_agree(indicator: Indicator | str) -> None:
    """The streaming class takes the batch function's parameters with the same defaults."""
    spec = _spec(indicator)
    sig = inspect.signature(spec.stream)
    theirs = {
        k: p.default
        for k, p in sig.parameters.items()
        if p.default is not inspect.Parameter.empty and k != "n_symbols"
    }
    if theirs != dict(spec.params):
        _fail(
            f"{spec.name}: stream defaults {theirs} differ from the function's {dict(spec.params)}"
        )


def check_stream_equals_batch(indicator: Indicator | str, data: MarketData | None = None) -> None:
    """Streaming gives the batch values bar for bar: many symbols at once, and one with gaps."""
    spec = _spec(indicator)
    data = data if data is not None else sample("sp500_1y", max_symbols=12)
    params = dict(spec.params)
    inputs = role_inputs(spec, data, punch=True)
    batch = [o.to_numpy() for o in spec.compute(*inputs, **params)]

    many = spec.make_stream(n_symbols=data.n_symbols, **params)
    if many.warmup != spec.warmup(**params):
        _fail(
            f"{spec.name}: stream warmup {many.warmup} != registry warmup {spec.warmup(**params)}"
        )
    if tuple(many.outputs) != tuple(spec.outputs):
        _fail(f"{spec.name}: stream outputs {tuple(many.outputs)} != {tuple(spec.outputs)}")
    got = [np.empty_like(b) for b in batch]
    for i in range(data.n_bars):
        out = call_outputs(many.update(*_bar_values(inputs, i)))
        for g, o in zip(got, out):
            g[i] = o
    for name, g, b in zip(spec.outputs, got, batch):
        assert_same(g, b, what=f"{spec.name}.{name} (n_symbols stream)")

    # one symbol at a time, floats in and out, on a symbol with gaps
    col = 0  # holes() punches even columns
    singles = [x.iloc[:, col] if x.ndim == 2 else x for x in inputs]
    one = spec.make_stream(**params)
    for i in range(data.n_bars):
        out = call_outputs(one.update(*(float(x.iloc[i]) for x in singles)))
        for k, v in enumerate(out):
            if not isinstance(v, float):
                _fail(f"{spec.name}: a one-symbol stream returns floats, got {type(v).__name__}")
            b = batch[k][i, col]
            if not ((np.isnan(v) and np.isnan(b)) or v == b):
                _fail(f"{spec.name}.{spec.outputs[k]} bar {i}: stream {v!r} != batch {float(b)!r}")


def check_stream_reset(indicator: Indicator | str, data: MarketData | None = None) -> None:
    """The slowest output is NaN for exactly ``warmup`` bars; ``reset`` starts afresh."""
    spec = _spec(indicator)
    data = data if data is not None else sample("indices")
    params = dict(spec.params)
    inputs = [x.iloc[:, 0] if x.ndim == 2 else x for x in role_inputs(spec, data)]
    s = spec.make_stream(**params)
    first = []
    for i in range(s.warmup + 5):
        first.append(call_outputs(s.update(*(float(x.iloc[i]) for x in inputs))))
    valid = [
        not all(np.isnan(v) for v in row) and all(not np.isnan(v) for v in row) for row in first
    ]
    if True not in valid or valid.index(True) != s.warmup:
        _fail(
            f"{spec.name}: first complete output at bar {valid.index(True) if True in valid else None}, warmup says {s.warmup}"
        )
    if s.n_seen != s.warmup + 5:
        _fail(f"{spec.name}: n_seen {s.n_seen} after {s.warmup + 5} bars")
    s.reset()
    again = [
        call_outputs(s.update(*(float(x.iloc[i]) for x in inputs))) for i in range(s.warmup + 5)
    ]
    assert_same(
        np.array(first, dtype=float), np.array(again, dtype=float), what=f"{spec.name} after reset"
    )


def check_gaps_skipped(indicator: Indicator | str, data: MarketData | None = None) -> None:
    """``f(x)[valid] == f(x[valid])`` bit for bit, and NaN where a bar is missing."""
    spec = _spec(indicator)
    data = data if data is not None else sample("indices")
    inputs = _one_symbol(spec, data, data.symbols[0], punch=True)
    valid = np.logical_and.reduce([x.notna().to_numpy() for x in inputs])
    full = call_outputs(spec.compute(*inputs, **spec.params))
    packed = call_outputs(spec.compute(*[x[valid] for x in inputs], **spec.params))
    for name, a, b in zip(spec.outputs, full, packed):
        if not a[~valid].isna().all():
            _fail(f"{spec.name}.{name}: a value where the input bar is missing")
        assert_same(a[valid].to_numpy(), b.to_numpy(), what=f"{spec.name}.{name} across gaps")


def check_input_kinds(indicator: Indicator | str, data: MarketData | None = None) -> None:
    """Panel, Series and array inputs give the same values; warm-up is exact on gap-free bars."""
    spec = _spec(indicator)
    data = data if data is not None else sample("stocks")
    frames = role_inputs(spec, data)
    panel = call_outputs(spec.compute(*frames, **spec.params))
    sym = benchmark(data).name
    series = call_outputs(spec.compute(*_one_symbol(spec, data, sym), **spec.params))
    arrays = call_outputs(
        spec.compute(
            *[x[sym].to_numpy() if x.ndim == 2 else x.to_numpy() for x in frames], **spec.params
        )
    )
    for name, p, s, a in zip(spec.outputs, panel, series, arrays):
        if not (p.index.equals(data.index) and p.columns.equals(data.close.columns)):
            _fail(f"{spec.name}.{name}: a panel result keeps the panel's index and columns")
        if not (isinstance(s, pd.Series) and s.index.equals(data.index)):
            _fail(f"{spec.name}.{name}: a Series input gives a Series on the same index")
        if not (isinstance(a, np.ndarray) and a.shape == (data.n_bars,)):
            _fail(f"{spec.name}.{name}: an array input gives an array of the same length")
        assert_same(p[sym].to_numpy(), s.to_numpy(), what=f"{spec.name}.{name} panel vs Series")
        assert_same(s.to_numpy(), a, what=f"{spec.name}.{name} Series vs array")
    if spec.inputs[0] in ("close", "high") and _takes_market_data(spec):
        try:
            via_data = call_outputs(spec.function(data, **spec.params))
        except DataError:
            via_data = None  # takes named inputs only (e.g. close and volume)
        for name, p, d in zip(spec.outputs, panel, via_data or ()):
            assert_same(p.to_numpy(), d.to_numpy(), what=f"{spec.name}.{name} from MarketData")
    w = spec.warmup(**spec.params)
    first = min(int(np.argmax(s.notna().to_numpy())) for s in series)
    last_start = max(int(np.argmax(s.notna().to_numpy())) for s in series)
    if not (last_start == w and first <= w):
        _fail(f"{spec.name}: outputs start at bars {first}..{last_start}, warmup says {w}")


def _takes_market_data(spec: Indicator) -> bool:
    """Whether the function also takes one MarketData (its later inputs are optional)."""
    params = list(inspect.signature(spec.function).parameters.values())[: len(spec.inputs)]
    return all(p.default is not inspect.Parameter.empty for p in params[1:])


def check_bad_parameters(indicator: Indicator | str, data: MarketData | None = None) -> None:
    """Integer parameters refuse 0 and 2.5 (batch and stream); too few bars is a clear DataError."""
    spec = _spec(indicator)
    data = data if data is not None else sample("indices")
    inputs = _one_symbol(spec, data, benchmark(data).name)
    for key in sorted(set(spec.params) & set(INT_PARAMS)):
        for bad in (0, 2.5):
            for what, call in (
                ("function", lambda p: spec.compute(*inputs, **p)),
                ("stream", lambda p: spec.make_stream(**p)),
            ):
                if bad == 2.5 and what == "stream":
                    continue
                try:
                    call({**spec.params, key: bad})
                except ConfigError as exc:
                    if key not in str(exc):
                        _fail(
                            f"{spec.name}: the error for {key}={bad} does not name {key!r}: {exc}"
                        )
                else:
                    _fail(f"{spec.name}: the {what} accepted {key}={bad}")
    n = spec.warmup(**spec.params)
    if n > 0:
        try:
            spec.compute(*[x.iloc[:n] for x in inputs], **spec.params)
        except DataError as exc:
            if "needs at least" not in str(exc):
                _fail(f"{spec.name}: too few bars should say 'needs at least', said: {exc}")
        else:
            _fail(f"{spec.name}: {n} bars (its warm-up) were accepted")


def check_reference(
    indicator: Indicator | str,
    reference: Callable[..., list[Any]],
    variants: list[dict[str, Any]],
    data: MarketData,
    *,
    exact: bool = True,
    skip: Callable[[str, np.ndarray], bool] | None = None,
) -> int:
    """Compare with a reference per symbol over its traded bars; returns the symbols compared.

    ``reference(*columns, params)`` gets the contiguous traded values of one symbol and
    returns the outputs in order (TA-Lib's, or any independent implementation's).
    """
    spec = _spec(indicator)
    checked = 0
    raw = [x.to_numpy() for x in role_inputs(spec, data)]
    for params in variants:
        ours = [o.to_numpy() for o in spec.compute(*role_inputs(spec, data), **params)]
        for j, sym in enumerate(data.symbols):
            cols = [r if r.ndim == 1 else r[:, j] for r in raw]
            valid = np.logical_and.reduce([~np.isnan(c) for c in cols])
            if valid.sum() <= spec.warmup(**{**spec.params, **params}) + 1:
                continue
            if skip is not None and skip(sym, valid):
                continue
            refs = reference(*[np.ascontiguousarray(c[valid]) for c in cols], params)
            for k, (o, r) in enumerate(zip(ours, refs)):
                if not np.isnan(o[~valid, j]).all():
                    _fail(
                        f"{spec.name}.{spec.outputs[k]} {sym}: a value on a bar it does not trade"
                    )
                what = f"{spec.name}{params}.{spec.outputs[k]} {sym}"
                assert_same(o[valid, j], r, exact=exact, what=what)
            checked += 1
    return checked


@dataclass
class IndicatorCheckReport:
    """Which checks an indicator passed."""

    indicator: str
    passed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.indicator}: {', '.join(self.passed)} passed"


#: The checks :func:`check_indicator` runs, in order.
CHECKS: tuple[Callable[..., None], ...] = (
    check_defaults_agree,
    check_stream_equals_batch,
    check_stream_reset,
    check_gaps_skipped,
    check_input_kinds,
    check_bad_parameters,
)


def check_indicator(
    indicator: Indicator | str,
    *,
    reference: Callable[..., list[Any]] | None = None,
    variants: list[dict[str, Any]] | None = None,
    exact: bool = True,
) -> IndicatorCheckReport:
    """Run every shared check on one registered indicator (a name or an :class:`Indicator`).

    Streaming equals batch (many symbols at once and one symbol with gaps), warm-up is
    exact, ``reset`` starts afresh, missing bars are skipped, panel/Series/array inputs
    agree, bad parameters and too-short inputs are refused clearly, and the stream's
    defaults are the function's. With ``reference`` (for example a TA-Lib call, see
    :func:`check_reference`) the values are compared with it on every symbol of the
    bundled ``stocks`` sample, for each parameter set of ``variants`` (the defaults if
    not given). Uses the bundled samples (no network).

    Raises
    ------
    CheckError
        The first check that fails, naming the indicator, output and bar.
    """
    spec = _spec(indicator)
    report = IndicatorCheckReport(spec.name)
    for check in CHECKS:
        check(spec)
        report.passed.append(check.__name__.removeprefix("check_"))
    if reference is not None:
        n = check_reference(
            spec, reference, variants or [dict(spec.params)], sample("stocks"), exact=exact
        )
        if n == 0:
            _fail(f"{spec.name}: no symbol had enough bars to compare with the reference")
        report.passed.append("reference")
    return report
