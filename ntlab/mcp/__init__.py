"""``ntlab mcp``: ntlab's capabilities as MCP tools, resources and prompts (official SDK).

Each tool calls one :mod:`ntlab.service` function, the same one the REST server calls, so
both faces give the same answer. Importing this package loads the ``mcp`` SDK; ``import
ntlab`` does not import it.

>>> from ntlab.mcp.server import build_server       # doctest: +SKIP
>>> build_server().run("stdio")                    # doctest: +SKIP
"""
