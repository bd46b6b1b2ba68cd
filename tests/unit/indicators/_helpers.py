"""Shared helpers of the indicator tests: bundled real samples and per-role inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab.data import MarketData, load_sample

SAMPLES = ("stocks", "indices", "sp500_1y")


def sample(name: str, max_symbols: int = 60) -> MarketData:
    """A bundled sample; sp500_1y trimmed to half symbols with gaps, half without."""
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


def role_inputs(spec, data: MarketData, *, punch: bool = False) -> list:
    """The batch inputs of ``spec`` taken from ``data`` (pairs: closes against a benchmark).

    With ``punch``, every field gets NaN on the bars of :func:`holes` (the benchmark not).
    """
    mask = holes(data) if punch else None
    out = []
    for role in spec.inputs:
        if role in ("y", "benchmark"):
            out.append(benchmark(data))
            continue
        frame = data.close if role == "x" else data.field(role)
        out.append(frame.mask(mask) if punch else frame)
    return out


def as_tuple(result) -> tuple:
    from ntlab.indicators.registry import call_outputs

    return call_outputs(result)


def assert_same(
    a, b, *, exact: bool = True, rtol: float = 1e-9, atol: float = 0.0, what: str = ""
) -> None:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"{what}: NaN positions differ")
    if exact:
        np.testing.assert_array_equal(a, b, err_msg=what)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)
