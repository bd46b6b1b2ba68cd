"""Validation of bar panels: every problem is named with its symbol and row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab._time import to_utc_index
from ntlab.errors import DataError, ValidationError

__all__ = ["validate_fields", "check_long_frame", "DEFAULT_MAX_NAN_RUN"]

#: Longest run of missing closes allowed inside a symbol's history (leading and
#: trailing gaps, before listing or after delisting, are always allowed).
DEFAULT_MAX_NAN_RUN = 5

PRICE_FIELDS = ("open", "high", "low", "close")


def _row(index: pd.DatetimeIndex, pos: int) -> str:
    return f"row {pos} ({index[pos].isoformat()})"


def validate_index(index: pd.Index, *, where: str = "bars") -> pd.DatetimeIndex:
    """UTC DatetimeIndex, strictly increasing, no duplicates."""
    if len(index) == 0:
        raise ValidationError(
            f"{where}: empty range (no bars). Check the dates and symbols asked for."
        )
    try:
        utc = to_utc_index(index, what=f"{where} index")
    except ValidationError:
        raise
    except DataError as exc:
        raise ValidationError(str(exc)) from exc
    if utc.hasnans:
        pos = int(np.flatnonzero(utc.isna())[0])
        raise ValidationError(f"{where}: missing timestamp (NaT) at row {pos}")
    diffs = np.diff(utc.asi8)
    if (diffs == 0).any():
        pos = int(np.flatnonzero(diffs == 0)[0]) + 1
        raise ValidationError(
            f"{where}: duplicate timestamp at {_row(utc, pos)}; drop or aggregate duplicates"
        )
    if (diffs < 0).any():
        pos = int(np.flatnonzero(diffs < 0)[0]) + 1
        raise ValidationError(
            f"{where}: timestamps not sorted at {_row(utc, pos)} (earlier than the row before); sort by time"
        )
    return utc


def _longest_interior_nan_run(col: np.ndarray) -> tuple[int, int]:
    """(length, start position) of the longest NaN run between the first and last valid value."""
    valid = np.flatnonzero(~np.isnan(col))
    if len(valid) < 2:
        return 0, -1
    gaps = np.diff(valid) - 1
    k = int(np.argmax(gaps))
    return int(gaps[k]), int(valid[k] + 1)


def validate_fields(
    fields: dict[str, pd.DataFrame], *, max_nan_run: int = DEFAULT_MAX_NAN_RUN, where: str = "bars"
) -> None:
    """Check aligned field frames (index = time, columns = symbols) for bad values.

    Raises :class:`ValidationError` naming the symbol and row of the first problem.
    """
    close = fields["close"]
    index = close.index
    symbols = list(close.columns)
    if not symbols:
        raise ValidationError(f"{where}: no symbols")
    for name in PRICE_FIELDS:
        if name not in fields:
            continue
        arr = fields[name].to_numpy(dtype=float)
        bad = ~np.isnan(arr) & ~(arr > 0)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValidationError(
                f"{where}: {symbols[c]} has non-positive or infinite {name} {float(arr[r, c])} at {_row(index, r)}"
            )
        if np.isinf(arr).any():
            r, c = np.argwhere(np.isinf(arr))[0]
            raise ValidationError(f"{where}: {symbols[c]} has infinite {name} at {_row(index, r)}")
    if "high" in fields and "low" in fields:
        hi, lo = fields["high"].to_numpy(float), fields["low"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            bad = hi < lo
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValidationError(
                f"{where}: {symbols[c]} has high {hi[r, c]} < low {lo[r, c]} at {_row(index, r)}"
            )
    if "volume" in fields:
        vol = fields["volume"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            bad = (vol < 0) | np.isinf(vol)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValidationError(
                f"{where}: {symbols[c]} has invalid volume {vol[r, c]} at {_row(index, r)}"
            )
    closes = close.to_numpy(float)
    for c, symbol in enumerate(symbols):
        col = closes[:, c]
        if np.isnan(col).all():
            raise ValidationError(f"{where}: {symbol} has no prices at all in this range")
        run, start = _longest_interior_nan_run(col)
        if run > max_nan_run:
            raise ValidationError(
                f"{where}: {symbol} has {run} missing closes in a row from {_row(index, start)} "
                f"(at most {max_nan_run} allowed); fill the gap or pass max_nan_run={run}"
            )
        for name in PRICE_FIELDS[:3]:
            if name in fields:
                other = fields[name].to_numpy(float)[:, c]
                mismatch = np.isnan(other) != np.isnan(col)
                if mismatch.any():
                    r = int(np.flatnonzero(mismatch)[0])
                    raise ValidationError(
                        f"{where}: {symbol} has close and {name} disagree on missing values at {_row(index, r)}"
                    )


def check_long_frame(df: pd.DataFrame, *, time_col: str, symbol_col: str, where: str) -> None:
    """Per-symbol checks on a tidy frame before it is pivoted (names symbol and row)."""
    for col in (time_col, symbol_col):
        if col not in df.columns:
            raise ValidationError(
                f"{where}: column '{col}' is missing (columns: {list(df.columns)})"
            )
    for symbol, group in df.groupby(symbol_col, sort=False):
        times = group[time_col]
        dup = times.duplicated()
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise ValidationError(
                f"{where}: {symbol} has a duplicate timestamp {times.iloc[row]} at its row {row}"
            )
        values = pd.DatetimeIndex(times)
        backwards = np.flatnonzero(np.diff(values.asi8) < 0)
        if len(backwards):
            row = int(backwards[0]) + 1
            raise ValidationError(
                f"{where}: {symbol} has timestamps not sorted at its row {row} ({values[row]}); sort by time"
            )
