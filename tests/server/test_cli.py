"""``ntlab server add-key`` and ``keys``: the key is printed once and only its hash is stored."""

import json
import subprocess
import sys

from ntlab.server.auth import KeyStore


def test_add_key_then_list(tmp_path):
    env = {"NTLAB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    import os

    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    run = [sys.executable, "-m", "ntlab.cli", "server"]
    out = subprocess.run(
        [*run, "add-key", "alice", "--scopes", "read,trade"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    secret = out.stdout.strip().splitlines()[-1]
    assert secret.startswith("ntk_")
    stored = (tmp_path / "server" / "keys.json").read_text()
    assert secret not in stored and json.loads(stored)[0]["scopes"] == ["read", "trade"]
    assert KeyStore.load(tmp_path / "server" / "keys.json").check(secret).name == "alice"
    listed = subprocess.run([*run, "keys"], env=env, capture_output=True, text=True)
    assert listed.stdout.strip() == "alice\tread,trade"
    again = subprocess.run([*run, "add-key", "alice"], env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "exists already" in again.stderr
    wide = subprocess.run([*run, "--host", "0.0.0.0"], env=env, capture_output=True, text=True)
    assert wide.returncode == 2 and "NTLAB_JWT_SECRET" in wide.stderr
