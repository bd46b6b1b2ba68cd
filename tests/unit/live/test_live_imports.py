"""``import ntlab.live`` loads no heavy dependency (alpaca-py, uvicorn, websockets, Panel...)."""

import subprocess
import sys

from ntlab._optional import HEAVY_MODULES

CODE = """
import sys
import ntlab.live, ntlab.cli.paper, ntlab.cli.exchange
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r) | {m for m in ('uvicorn', 'websockets', 'starlette') if m in sys.modules})
print(repr(heavy))
"""


def test_import_ntlab_live_is_light():
    out = subprocess.run(
        [sys.executable, "-c", CODE % (HEAVY_MODULES,)], capture_output=True, text=True, check=True
    ).stdout
    assert eval(out.strip().splitlines()[-1]) == []
