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

__all__ = ["LocalCluster", "ray_session"]


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


class LocalCluster:
    """A Ray cluster of ``nodes`` nodes on this machine, started with ``ray start`` as a user would.

    For tests and benchmarks: every node binds 127.0.0.1 with ``cpus`` CPUs and a small
    object store; the head records itself in a private temp dir, and ``address`` is what
    ``RAY_ADDRESS`` should hold to reach it. :meth:`stop` ends the cluster's processes (each
    carries that temp dir in its command line) and no other Ray on the machine.
    """

    def __init__(self, nodes: int = 2, cpus: int = 1, *, timeout: float = 300) -> None:
        import shutil
        import subprocess
        import sys
        import tempfile

        ray_cli = str(Path(sys.executable).with_name("ray"))
        self.temp = tempfile.mkdtemp(prefix="ntray", dir="/tmp")  # Ray's socket paths must be short
        # token auth off for this private cluster; a busy machine starts the agents slowly
        self.env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0",
                    "RAY_agent_register_timeout_ms": "180000", **_worker_env()}  # fmt: skip
        port = _free_port()
        self.address = f"127.0.0.1:{port}"
        common = ["--node-ip-address=127.0.0.1", f"--num-cpus={cpus}", "--disable-usage-stats",
                  "--object-store-memory=80000000"]  # fmt: skip
        head = ["--head", f"--port={port}", "--include-dashboard=false", f"--temp-dir={self.temp}"]
        try:
            for k in range(nodes):
                where = head if k == 0 else [f"--address={self.address}"]
                cmd = [ray_cli, "start", *where, *common, *_agent_ports()]
                done = subprocess.run(
                    cmd, env=self.env, capture_output=True, text=True, timeout=timeout
                )
                if done.returncode != 0:
                    raise RuntimeError(f"ray start (node {k}) failed: {done.stderr.strip()[-600:]}")
        except BaseException:
            self.stop()
            shutil.rmtree(self.temp, ignore_errors=True)
            raise

    def stop(self) -> None:
        """End this cluster's processes (SIGTERM, then SIGKILL after 15 s)."""
        import shutil

        import psutil

        mine = [p for p in psutil.process_iter(["cmdline"])
                if p.pid != os.getpid() and any(self.temp in a for a in (p.info["cmdline"] or []))]  # fmt: skip
        for p in mine:
            with contextlib.suppress(psutil.Error):
                p.terminate()
        _, alive = psutil.wait_procs(mine, timeout=15)
        for p in alive:
            with contextlib.suppress(psutil.Error):
                p.kill()
        shutil.rmtree(self.temp, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _agent_ports() -> list[str]:
    """Fixed ports for a node's agents: the raylet then need not wait for them to write theirs."""
    names = ("dashboard-agent-grpc-port", "dashboard-agent-listen-port", "runtime-env-agent-port",
             "metrics-export-port")  # fmt: skip
    return [f"--{name}={_free_port()}" for name in names]
