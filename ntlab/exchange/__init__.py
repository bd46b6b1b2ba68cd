"""Local servers that speak Alpaca's protocols, for tests, demos and the paper exchange.

- :mod:`ntlab.exchange.news`: the ``/v1beta1/news`` REST route (Starlette).
- :mod:`ntlab.exchange.stream`: the market-data websocket stream (news, bars, trades,
  quotes), msgpack or JSON, 127.0.0.1 only.
- :mod:`ntlab.exchange.serving`: run a Starlette app with uvicorn in a background thread.

Import the submodules directly; this package imports nothing heavy.
"""
