"""Settings from environment variables. Secrets never leave this module in clear text."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "settings", "ntlab_home"]


def ntlab_home() -> Path:
    """Folder for ntlab's local store, journals and models (``NTLAB_HOME``, default ``~/.ntlab``)."""
    return Path(os.environ.get("NTLAB_HOME", Path.home() / ".ntlab")).expanduser()


class _Secret(str):
    """A string whose repr and str hide the value (use ``.reveal()`` to read it)."""

    def __repr__(self) -> str:
        return "'***'" if self else "''"

    def __str__(self) -> str:
        return "***" if self else ""

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True)
class Settings:
    """ntlab settings read from the environment at call time.

    ``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY`` (``APCA_API_KEY_ID`` / ``APCA_API_SECRET_KEY``
    are accepted too), ``ALPACA_PAPER`` (default true), ``NTLAB_HOME``.
    """

    alpaca_api_key: _Secret = field(repr=False)
    alpaca_secret_key: _Secret = field(repr=False)
    alpaca_paper: bool
    home: Path

    @property
    def has_alpaca_keys(self) -> bool:
        return bool(self.alpaca_api_key) and bool(self.alpaca_secret_key)


def _env(*names: str) -> str:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return ""


def settings() -> Settings:
    """Read the current settings from the environment."""
    paper = _env("ALPACA_PAPER").lower() not in {"0", "false", "no"}
    return Settings(
        alpaca_api_key=_Secret(_env("ALPACA_API_KEY", "APCA_API_KEY_ID")),
        alpaca_secret_key=_Secret(
            _env("ALPACA_SECRET_KEY", "ALPACA_API_SECRET", "APCA_API_SECRET_KEY")
        ),
        alpaca_paper=paper,
        home=ntlab_home(),
    )
