"""A local paper exchange that speaks Alpaca's REST and websocket protocols (127.0.0.1 only).

- :mod:`ntlab.exchange.bars`: historical bars (``/v2/stocks/bars``, crypto bars).
- :mod:`ntlab.exchange.news`: the ``/v1beta1/news`` REST route.
- :mod:`ntlab.exchange.trading`: account, orders, positions, clock and ``trade_updates``.
- :mod:`ntlab.exchange.stream`: the market-data websocket stream (news, bars, trades,
  quotes), msgpack or JSON.
- :mod:`ntlab.exchange.serving`: run a Starlette app with uvicorn in a background thread.

Import the submodules directly; this package imports nothing heavy.
"""
