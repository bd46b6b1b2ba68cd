"""Institutional/insider filings for mirror trading: reading, validating, and an
illustrative generator.

A filings table has one row per reported change (13F / Form 4 style):

========== ===============================================================
column     meaning
========== ===============================================================
institution  who filed (free text)
symbol       the security
action       ``new``, ``increased``, ``reduced`` or ``sold``
size         the position as a fraction of the filer's portfolio, in (0, 1]
             (for ``sold``/``reduced``: the fraction that was sold)
filing_date  when the filing became public: a date (``YYYY-MM-DD``) or a
             tz-aware timestamp
========== ===============================================================

Causality: a filing dated D (a date) is public after D ends in New York, so it is
usable from the first bar stamped after D 23:59:59.999999 America/New_York; a
timestamped filing is usable from the first bar strictly after its time. Naive
timestamps with a time of day are rejected.

ntlab ships no real filings. :func:`illustrative_filings` makes a seeded, random,
*price-independent* table for demos and tests (``data/filings_example.csv`` is its
output for the ``stocks`` sample); it says nothing about any real institution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ntlab._resources import bundled
from ntlab.data.market import MarketData
from ntlab.errors import DataError, ValidationError

__all__ = ["ACTIONS", "read_filings", "illustrative_filings", "EXAMPLE_FILINGS", "available_ns"]

ACTIONS = ("new", "increased", "reduced", "sold")
COLUMNS = ("institution", "symbol", "action", "size", "filing_date")
EXAMPLE_FILINGS = bundled("data", "filings_example.csv")
_NY = "America/New_York"


def _available(dates: pd.Series) -> pd.Series:
    """Time from which each filing may be used (tz-aware UTC)."""
    out = []
    for k, raw in enumerate(dates.astype(str)):
        text = raw.strip()
        try:
            if len(text) == 10:  # a calendar date: public once that day ends in New York
                day = pd.Timestamp(text)
                ts = (day + pd.Timedelta(days=1)).tz_localize(_NY) - pd.Timedelta(microseconds=1)
            else:
                ts = pd.Timestamp(text)
                if ts.tzinfo is None:
                    raise ValidationError(
                        f"filings row {k}: filing_date {text!r} has a time of day but no time zone; "
                        "give a date (YYYY-MM-DD) or a tz-aware timestamp"
                    )
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError(
                f"filings row {k}: filing_date {text!r} is not a date or timestamp"
            ) from exc
        out.append(ts.tz_convert("UTC"))
    return pd.Series(pd.DatetimeIndex(out), index=dates.index)


def read_filings(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Validated filings (a CSV path, ``"example"``, or a DataFrame with the columns above).

    Returns
    -------
    DataFrame
        The columns above plus ``available`` (tz-aware UTC: first usable moment),
        sorted by ``available``.
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
    else:
        path = EXAMPLE_FILINGS if str(source) == "example" else Path(source)
        if not path.is_file():
            raise DataError(
                f"filings file {path} not found; the illustrative example ships in the source checkout "
                "(data/filings_example.csv); give filings_path= or filings= a DataFrame"
            )
        df = pd.read_csv(path, comment="#", dtype={"filing_date": str})
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"filings lack column(s) {missing}; need {list(COLUMNS)}")
    if len(df) == 0:
        return df.assign(available=pd.Series([], dtype="datetime64[ns, UTC]"))
    bad = ~df["action"].isin(ACTIONS)
    if bad.any():
        k = int(np.argmax(bad.to_numpy()))
        raise ValidationError(
            f"filings row {k}: action {df['action'].iloc[k]!r} is not one of {ACTIONS}"
        )
    size = pd.to_numeric(df["size"], errors="coerce").to_numpy(dtype=float)
    bad_size = ~((size > 0) & (size <= 1))
    if bad_size.any():
        k = int(np.argmax(bad_size))
        raise ValidationError(
            f"filings row {k}: size {df['size'].iloc[k]!r} must be a fraction in (0, 1]"
        )
    df = df.assign(
        size=size, symbol=df["symbol"].astype(str), institution=df["institution"].astype(str)
    )
    df["available"] = _available(df["filing_date"])
    return df.sort_values("available", kind="stable").reset_index(drop=True)


def available_ns(filings: pd.DataFrame) -> np.ndarray:
    """The ``available`` column as int64 UTC nanoseconds."""
    return pd.DatetimeIndex(filings["available"]).as_unit("ns").asi8


def illustrative_filings(
    data: MarketData, *, seed: int = 7, filing_lag_days: int = 45
) -> pd.DataFrame:
    """A seeded random filings table for ``data``'s symbols, independent of prices.

    Four fictional filers report each calendar quarter, ``filing_lag_days`` after the
    quarter ends (as 13F filings do). Each filer's holding of each symbol follows a
    random walk: not held -> ``new`` with probability 0.15; held -> ``increased`` 0.2,
    ``reduced`` 0.2, ``sold`` 0.1, no change otherwise. Sizes are uniform in [0.5%, 8%].
    Only symbols that trade at the quarter end are reported. Nothing here uses prices,
    so a backtest on these filings measures noise, not skill.
    """
    rng = np.random.default_rng(seed)
    filers = (
        "Example Value Partners",
        "Sample Growth Fund",
        "Demo Quant LP",
        "Placeholder Pension Plan",
    )
    close = data.close
    first, last = data.index[0], data.index[-1]
    quarter_ends = pd.date_range(
        first.tz_convert(_NY).normalize().tz_localize(None),
        last.tz_convert(_NY).tz_localize(None),
        freq="QE",
    )
    held = {(f, s): False for f in filers for s in data.symbols}
    rows = []
    for qe in quarter_ends:
        filed = (qe + pd.Timedelta(days=filing_lag_days)) + pd.offsets.BDay(0)
        if filed.tz_localize(_NY) > last:
            break
        trading = close.loc[: qe.tz_localize(_NY)].iloc[-1:].notna()
        for f in filers:
            for s in data.symbols:
                if trading.empty or not bool(trading[s].iloc[0]):
                    continue
                u = rng.random()
                if not held[(f, s)]:
                    action = "new" if u < 0.15 else None
                else:
                    action = (
                        "increased"
                        if u < 0.2
                        else "reduced"
                        if u < 0.4
                        else "sold"
                        if u < 0.5
                        else None
                    )
                size = round(float(rng.uniform(0.005, 0.08)), 4)
                if action is None:
                    continue
                held[(f, s)] = action != "sold"
                rows.append((f, s, action, size, filed.strftime("%Y-%m-%d")))
    return pd.DataFrame(rows, columns=list(COLUMNS))
