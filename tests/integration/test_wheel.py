"""A wheel built from the project carries what the library needs: installed into a fresh
virtual environment, away from the repository, ``ntlab demo`` runs.

The fresh environment gets ntlab only from the wheel. Its dependencies come from the
test's own environment through a ``.pth`` line naming that site-packages folder (a path
line: the ``.pth`` hooks there, such as an editable ntlab, are not run), so nothing is
downloaded. The demo runs in an empty folder with no ``PYTHONPATH``; the test checks that
``ntlab`` is imported from the fresh environment and that the wheel holds the notebooks,
dashboards and example data.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _project_copy(dest: Path) -> Path:
    """The project's files as a fresh clone has them (tracked and new, not ignored; links kept)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        src = ROOT / rel
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the work tree
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = _project_copy(tmp_path_factory.mktemp("clone"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(out), "-q"],
        check=True, capture_output=True, cwd=src,
    )  # fmt: skip
    (path,) = out.glob("ntlab-*.whl")
    return path


def test_the_wheel_holds_the_notebooks_dashboards_and_example_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for stem in ("quickstart", "backtest_report", "parity_report", "forecasting"):
        assert f"ntlab/_bundled/notebooks/{stem}.ipynb" in names
    for app in ("explorer", "console", "monitor"):
        assert f"ntlab/_bundled/dashboards/{app}.py" in names
    assert {"ntlab/_bundled/data/news_example.jsonl", "ntlab/_bundled/data/filings_example.csv"} <= names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ntlab = ntlab.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


@pytest.mark.timeout(2400)  # three notebooks on a shared machine
def test_ntlab_demo_runs_from_the_installed_wheel(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "_ntlab_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    run_dir, home = tmp_path / "work", tmp_path / "home"
    run_dir.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "NTLAB_HOME": str(home),
        "RAY_USAGE_STATS_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
        # the dependencies' data files (nbconvert's templates, the kernelspec), which a full
        # install would have put under the fresh environment's share/jupyter
        "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter"),
    }
    where = subprocess.run(
        [python, "-c", "import ntlab, ntlab._resources as r; print(ntlab.__file__); print(r.bundled())"],
        capture_output=True, text=True, check=True, cwd=run_dir, env=env,
    ).stdout.split()  # fmt: skip
    assert all(Path(p).is_relative_to(site) for p in where), where
    assert not Path(where[1]).is_symlink()

    ntlab_script = site / "bin" / "ntlab"
    demo = subprocess.run(
        [python, str(ntlab_script), "demo"], capture_output=True, text=True, cwd=run_dir, env=env,
        timeout=1500,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "[3/3] backtest on default settings" in demo.stdout and "sharpe" in demo.stdout
    assert (run_dir / "reports" / "index.html").is_file()
    for stem in ("quickstart", "backtest_report", "parity_report"):
        assert (run_dir / "reports" / f"{stem}.html").is_file(), stem
    served = subprocess.run(
        [python, str(ntlab_script), "serve", "explorer", "--print-command"],
        capture_output=True, text=True, check=True, cwd=run_dir, env=env,
    ).stdout  # fmt: skip
    assert str(site / "ntlab" / "_bundled" / "dashboards" / "explorer.py") in served
