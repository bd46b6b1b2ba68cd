"""A synchronous face over the MCP SDK's own ``Client`` (notebooks, tests, benchmarks).

The client lives in one asyncio loop on a background thread (its task groups stay in the
task that opened them); callers submit coroutines and wait for their results.

>>> with SyncClient(stdio_params(home)) as mcp:          # doctest: +SKIP
...     mcp.call("performance_summary", {"symbol": "IBM"})
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["SyncClient", "stdio_params", "start_http", "stop", "server_env"]


def server_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALPACA_", "APCA_"))}
    env.update(PYTHONPATH=str(ROOT), NTLAB_HOME=str(home), RAY_USAGE_STATS_ENABLED="0")
    env.update(extra)
    return env


def stdio_params(home: Path, *args: str) -> Any:
    from mcp import StdioServerParameters

    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "ntlab.cli", "mcp", *args],
        env=server_env(home),
        cwd=str(ROOT),
    )


def start_http(home: Path, *args: str, **env: str) -> tuple[subprocess.Popen, str]:
    """``ntlab mcp --transport http --port 0``; returns the process and its /mcp URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ntlab.cli", "mcp", "--transport", "http", "--port", "0", *args],
        env=server_env(home, **env), cwd=str(ROOT), stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for line in proc.stderr:
        if "streamable HTTP on " in line:
            url = line.rsplit(" ", 1)[1].strip()
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return proc, url
    raise RuntimeError(f"ntlab mcp exited with {proc.wait()} before listening")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class SyncClient:
    """``with SyncClient(server) as c: c.call("health")`` (server: a URL, stdio params or a Transport)."""

    def __init__(self, server: Any, timeout: float = 300.0) -> None:
        self._server, self.timeout = server, timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._ready: asyncio.Future | None = None
        self.client: Any = None

    def __enter__(self) -> SyncClient:
        self._thread.start()
        self._done = asyncio.run_coroutine_threadsafe(self._main(), self._loop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        import time

        deadline = time.monotonic() + self.timeout
        while self.client is None:
            if self._done.done():
                self._done.result()  # raises what failed
            if time.monotonic() > deadline:
                raise TimeoutError("MCP client did not connect")
            time.sleep(0.01)

    async def _main(self) -> None:
        from mcp import Client

        self._closing = asyncio.Event()
        async with Client(self._server) as client:
            self.client = client
            await self._closing.wait()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    def raw(self, name: str, args: dict[str, Any] | None = None, progress: Any = None) -> Any:
        """The CallToolResult."""
        return self.run(self.client.call_tool(name, args or {}, progress_callback=progress))

    def call(
        self, name: str, args: dict[str, Any] | None = None, progress: Any = None
    ) -> dict[str, Any]:
        """The structured result; AssertionError with the text if the tool failed."""
        result = self.raw(name, args, progress)
        assert not result.is_error, f"{name}: {result.content[0].text}"
        assert json.loads(result.content[0].text) == result.structured_content
        return result.structured_content

    def error(self, name: str, args: dict[str, Any]) -> str:
        """The text of a tool error (AssertionError if the call succeeded)."""
        result = self.raw(name, args)
        assert result.is_error, f"{name} accepted {args}"
        return result.content[0].text

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self._loop.call_soon_threadsafe(self._closing.set)
            self._done.result(self.timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
