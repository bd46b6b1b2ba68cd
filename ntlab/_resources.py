"""Files the library runs by name, shipped inside the package (``ntlab/_bundled``).

In a checkout ``ntlab/_bundled/{notebooks,dashboards,data}`` are links to the top-level
folders of the same names (one copy of each file); a wheel carries the files themselves
(``[tool.setuptools.package-data]`` in pyproject.toml). Nothing here looks at the
repository or the working folder, so an installed ntlab finds the same files.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["bundled"]


def bundled(*parts: str) -> Path:
    """Path of a bundled file or folder, e.g. ``bundled("notebooks", "quickstart.ipynb")``."""
    return Path(str(files("ntlab").joinpath("_bundled", *parts)))
