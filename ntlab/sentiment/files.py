"""The user's own news files: JSON Lines and CSV, read with errors that name the line.

One item per JSON line (or CSV row) with the fields of :class:`~ntlab.sentiment.NewsItem`:
``id`` (optional), ``published`` (ISO-8601 with a time zone), ``symbols`` (a list, or
in CSV a string such as ``"AAPL;MSFT"``), ``headline``, and optionally ``summary``,
``body``, ``source``, ``url``, ``author``, ``updated``. Alpaca's field names
(``created_at``, ``updated_at``, ``content``) are accepted too. Blank lines are skipped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from ntlab.errors import DataError, ValidationError
from ntlab.sentiment.items import NewsItem

__all__ = ["read_news", "read_jsonl", "read_csv", "write_jsonl"]


def _existing(path: str | Path) -> Path:
    found = Path(path).expanduser()
    if not found.is_file():
        raise DataError(f"news file {str(found)!r} does not exist (or is not a file)")
    return found


def read_jsonl(path: str | Path) -> list[NewsItem]:
    """Read a JSON Lines news file.

    Raises
    ------
    ValidationError
        For a line that is not a JSON object, has unknown fields, lacks ``published``
        or ``headline``, or has a naive time; the message names the file and line.
    """
    found = _existing(path)
    items = []
    with found.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{found.name} line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    "each line must hold one JSON object"
                ) from exc
            items.append(NewsItem.from_dict(obj, where=where))
    return items


def read_csv(path: str | Path) -> list[NewsItem]:
    """Read a CSV news file with a header row naming the fields.

    Empty cells count as absent. ``symbols`` is split on commas, semicolons, bars or spaces.

    Raises
    ------
    ValidationError
        For unknown columns, or a row that fails validation (the message names the line).
    """
    found = _existing(path)
    items = []
    with found.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise ValidationError(f"{found.name}: empty file, expected a header row")
        for row in reader:
            where = f"{found.name} line {reader.line_num}"
            if None in row:
                raise ValidationError(f"{where}: more cells than header columns")
            items.append(
                NewsItem.from_dict(
                    {k: v for k, v in row.items() if v not in ("", None)}, where=where
                )
            )
    return items


def read_news(path: str | Path) -> list[NewsItem]:
    """Read a news file, choosing the format by suffix (``.jsonl``/``.ndjson`` or ``.csv``)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(path)
    if suffix == ".csv":
        return read_csv(path)
    raise DataError(
        f"news file {str(path)!r}: unknown format {suffix!r}; use .jsonl, .ndjson or .csv"
    )


def write_jsonl(items: Iterable[NewsItem], path: str | Path) -> Path:
    """Write items as JSON Lines (the format :func:`read_jsonl` reads back unchanged)."""
    out = Path(path).expanduser()
    with out.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")
    return out
