"""docs/writing-a-strategy.md is executed: its Python blocks run in order in one fresh
interpreter (a block starting ``# file: NAME`` is saved as that file instead, as the page
tells the reader to), then its shell commands run, all in an empty folder."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "writing-a-strategy.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
_FILE = re.compile(r"\A# file: (\S+)\n")


def _blocks(kind: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(PAGE.read_text()) if lang == kind]


def test_the_strategy_on_the_page_is_about_25_lines():
    module = next(b for b in _blocks("python") if _FILE.match(b))
    assert len(module.splitlines()) <= 30


def test_writing_a_strategy_runs_as_written(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NTLAB_HOME": str(tmp_path / ".ntlab"),
           "RAY_USAGE_STATS_ENABLED": "0"}  # fmt: skip
    steps = []
    for block in _blocks("python"):
        named = _FILE.match(block)
        if named:
            (tmp_path / named.group(1)).write_text(block)
        else:
            steps.append(block)
    assert len(steps) >= 5  # check, backtest, sweep, walk-forward, paper session
    script = tmp_path / "page.py"
    script.write_text("\n\n".join(steps))
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = proc.stdout
    assert "causality passed" in out and "sharpe" in out and "best:" in out
    assert "1 combination rejected by validate()" in out
    assert "stopped" in out or "running" in out or "finished" in out
    commands = [line for b in _blocks("bash") for line in b.splitlines() if line.strip()]
    assert commands
    for command in commands:
        words = shlex.split(command, comments=True)
        assert words[0] == "ntlab"
        ran = subprocess.run(
            [sys.executable, "-m", "ntlab.cli", *words[1:]], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert "sma_cross" in ran.stdout and "sharpe" in ran.stdout
