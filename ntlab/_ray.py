"""One way to reach Ray for sweeps, walk-forwards and notebook grids.

A cluster that is already running is the normal case: start one with ``ray start --head``
(and ``ray start --address=HEAD:6379`` on other machines), and ntlab connects to it in
about a second. Without one, ntlab starts a local cluster for the call (several seconds)
and stops it afterwards; it never stops a cluster it did not start.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ntlab._optional import attempt_import

__all__ = ["ray_session"]


def _worker_env() -> dict[str, str]:
    """Environment for Ray workers: they import the same ntlab as this process."""
    import ntlab

    root = str(Path(ntlab.__file__).resolve().parents[1])
    path = os.pathsep.join(
        [root] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
    )
    keep = {k: os.environ[k] for k in ("NTLAB_HOME",) if k in os.environ}
    return {"PYTHONPATH": path, "RAY_USAGE_STATS_ENABLED": "0", **keep}


@contextlib.contextmanager
def ray_session(num_cpus: int | None = None) -> Iterator[Any]:
    """The ``ray`` module, connected to a cluster for the duration of the block.

    Already connected (``ray.init`` called by the user or an enclosing block): used as it
    is and left connected. Otherwise ``ray.init`` connects to the running cluster
    (``RAY_ADDRESS``, or the one ``ray start`` recorded) or, when there is none, starts a
    local one with ``num_cpus``; either way ntlab disconnects at the end, which stops a
    cluster only when ntlab started it.
    """
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray = attempt_import("ray", purpose="distributed sweeps and notebook grids")
    if ray.is_initialized():
        yield ray
        return
    from ray._private.services import canonicalize_bootstrap_address

    running = canonicalize_bootstrap_address(None) is not None
    opts: dict[str, Any] = {"runtime_env": {"env_vars": _worker_env()}, "log_to_driver": False}
    if not running:
        opts |= {"num_cpus": num_cpus, "include_dashboard": False}
    ray.init(**opts)
    try:
        yield ray
    finally:
        ray.shutdown()
