"""``import ntlab.risk`` stays light and its public names are all exported."""

from __future__ import annotations

import subprocess
import sys

import ntlab.risk


def test_import_does_not_load_heavy_modules():
    heavy = (
        "skfolio",
        "cvxpy",
        "hvplot",
        "holoviews",
        "bokeh",
        "panel",
        "torch",
        "quantstats",
        "empyrical",
    )
    code = f"import sys, ntlab.risk; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_names_resolve():
    for name in ntlab.risk.__all__:
        assert getattr(ntlab.risk, name) is not None
    # the names BacktestResult relies on
    from ntlab.risk import measures

    for name in ("total_return", "cagr", "sharpe_ratio", "sortino_ratio", "max_drawdown", "volatility",
                 "periods_per_year", "to_returns"):  # fmt: skip
        assert callable(getattr(measures, name))
