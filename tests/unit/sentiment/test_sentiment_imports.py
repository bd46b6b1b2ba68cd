import subprocess
import sys

import pytest

from ntlab._optional import HEAVY_MODULES
from ntlab.errors import ConfigError
from ntlab.sentiment import AlpacaNewsSource, AlpacaNewsStream

CODE = """
import sys
import ntlab.sentiment, ntlab.exchange, ntlab.exchange.news, ntlab.exchange.stream, ntlab.exchange.serving
lazy = %r
print(sorted({m.split('.')[0] for m in sys.modules} & set(lazy)))
"""


def test_sentiment_and_exchange_import_nothing_heavy():
    lazy = (
        *HEAVY_MODULES,
        "vaderSentiment",
        "transformers",
        "starlette",
        "uvicorn",
        "websockets",
        "msgpack",
    )
    out = subprocess.run(
        [sys.executable, "-c", CODE % (lazy,)], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_keys_never_show_and_streams_need_symbols():
    source = AlpacaNewsSource(
        api_key="AKID-SECRET-1", secret_key="SHHH-2", url_override="http://127.0.0.1:1"
    )
    stream = AlpacaNewsStream(["aapl"], api_key="AKID-SECRET-1", secret_key="SHHH-2")
    for text in (repr(source), repr(stream), str(vars(stream).get("symbols"))):
        assert "AKID" not in text and "SHHH" not in text
    assert stream.symbols == ("AAPL",) and not stream.running
    stream.stop()  # never started: nothing to do
    with pytest.raises(ConfigError, match="at least one symbol"):
        AlpacaNewsStream([])
    with pytest.raises(ConfigError, match="sort must be"):
        source.fetch(sort="up")
