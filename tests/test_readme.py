"""README.md is executed: its Python blocks run in order in one fresh interpreter, and its
shell commands run offline, except the few listed here with the reason they cannot.

Both run in an empty folder holding only a link to the repository's ``data/`` (the README's
relative paths assume a clone), with a private ``NTLAB_HOME``.
"""

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
README = ROOT / "README.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)

#: Shell commands that are not run here, each with why (matched by prefix).
NOT_RUN = {
    "make demo": "creates .venv and installs from PyPI; the lead runs it from a fresh clone",
    "make test": "runs the whole suite, this test included",
    "make lab": "opens JupyterLab and waits for a person",
    "ntlab exchange": "serves until stopped (tests/integration runs the exchange)",
    "ntlab serve": "serves until stopped (tests/browser serves the same apps)",
    "ntlab server": "serves until stopped (tests/server runs it; add-key in tests/server/test_cli.py)",
}


def blocks(kind: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(README.read_text()) if lang == kind]


def shell_commands() -> list[str]:
    out = []
    for body in blocks("bash"):
        for line in body.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                out.append(shlex.join(words))
    return out


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "data").symlink_to(ROOT / "data")
    return tmp_path


def _env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NTLAB_HOME": str(folder / ".ntlab"),
        "RAY_USAGE_STATS_ENABLED": "0",
    }


def test_readme_has_the_blocks_this_test_runs():
    assert len(blocks("python")) >= 8
    commands = shell_commands()
    assert any(c.startswith("ntlab backtest") for c in commands)
    for prefix in NOT_RUN:
        assert any(c.startswith(prefix) for c in commands), f"{prefix!r} is no longer in README"


@pytest.mark.timeout(1800)
def test_python_blocks_run_in_order_in_one_fresh_interpreter(folder):
    code = "\n\n".join(f"# --- README block {i}\n{b}" for i, b in enumerate(blocks("python"), 1))
    script = folder / "readme_blocks.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=_env(folder), capture_output=True,
        text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (folder / "bt.html").stat().st_size > 100_000  # result.to_html, BokehJS inlined
    assert (folder / "model").is_dir()  # f.save("model")


@pytest.mark.parametrize(
    "command", [c for c in shell_commands() if not c.startswith(tuple(NOT_RUN))]
)
@pytest.mark.timeout(1800)
def test_shell_command_runs_offline(command, folder):
    words = shlex.split(command)
    assert words[0] == "ntlab", f"a README command this test does not know how to run: {command}"
    proc = subprocess.run(
        [sys.executable, "-m", "ntlab.cli", *words[1:]], cwd=folder, env=_env(folder),
        capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
