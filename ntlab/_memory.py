"""Give memory that parsing and set-up freed back to the operating system.

pandas reads CSV text into pyarrow-backed strings; pyarrow's allocator (mimalloc or
jemalloc) and glibc's malloc keep freed pages for reuse, so a process that parsed a large
file holds tens of MB it no longer uses. :func:`release_unused` asks both to return them.
It changes no data and costs a few milliseconds; ntlab calls it after loading a sample and
when a session has started (a long-running process should idle near its real size).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

__all__ = ["release_unused"]


@cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        lib = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return lib if lib is not None and hasattr(lib, "malloc_trim") else None


def release_unused() -> None:
    """Return freed heap pages to the OS (pyarrow's pool, then glibc's ``malloc_trim``)."""
    pa = sys.modules.get("pyarrow")  # only when something already imported it
    if pa is not None:
        pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
