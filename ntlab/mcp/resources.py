"""MCP resources: the bundled data samples and the strategies' documentation.

``ntlab://samples`` lists the samples; ``ntlab://samples/{name}`` describes one (symbols,
range, fields, provenance); ``ntlab://samples/{name}/{symbol}`` holds that symbol's bars.
``ntlab://strategies/{name}`` is a strategy's documentation: its module docstring, its
parameters and defaults, and its section of ``docs/strategies.md`` when the checkout has it.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from typing import Any

from mcp.server.mcpserver.exceptions import ResourceError

from ntlab._resources import bundled
from ntlab.errors import NtlabError

__all__ = ["register", "strategy_doc"]

DOCS = bundled("docs", "strategies.md")


def _json(value: Any) -> str:
    return json.dumps(value, indent=1)


def _guarded(fn: Any) -> Any:
    try:
        return fn()
    except NtlabError as exc:
        raise ResourceError(str(exc)) from None


def _doc_section(name: str) -> str:
    """The ``### name`` section of docs/strategies.md (ensembles share one section)."""
    if not DOCS.is_file():
        return ""
    text = DOCS.read_text()
    for match in re.finditer(r"^### (.+)$", text, flags=re.M):
        if re.search(rf"\b{re.escape(name)}\b", match.group(1)) or (
            name.endswith("_ensemble") and match.group(1).startswith("Ensembles")
        ):
            rest = text[match.end() :]
            end = re.search(r"^##", rest, flags=re.M)
            return match.group(0) + rest[: end.start() if end else len(rest)]
    return ""


def strategy_doc(name: str) -> str:
    """Markdown documentation of a registered strategy."""
    from ntlab.service.strategies import DescribeRequest, describe_strategy
    from ntlab.strategies import strategy_class

    info = describe_strategy(DescribeRequest(strategy=name))
    module = sys.modules[strategy_class(name).__module__]
    rows = "\n".join(f"| `{p['name']}` | {p['type']} | `{p['default']}` |" for p in info["params"])
    parts = [
        f"# {name}\n\n{info['description']}",
        inspect.getdoc(module) or "",
        f"## Parameters (warm-up {info['warmup']} bars)\n\n| name | type | default |\n|---|---|---|\n{rows}",
        _doc_section(name),
    ]
    return "\n\n".join(p for p in parts if p)


def register(server: Any, ctx: Any) -> None:
    """Add the resources to an MCPServer."""
    from ntlab.service import data as svc

    @server.resource("ntlab://samples", name="samples", mime_type="application/json",
                     description="The bundled real data samples: name, description, source, licence")  # fmt: skip
    def samples() -> str:
        return _json(svc.list_samples(ctx))

    @server.resource("ntlab://samples/{name}", name="sample", mime_type="application/json",
                     description="One bundled sample: symbols, time range, fields")  # fmt: skip
    def sample(name: str) -> str:
        def read() -> str:
            data = svc.load_data(svc.DataRef(data=f"sample:{name}"), ctx)
            return _json(svc.describe(data) | {"meta_columns": list(data.meta.columns)})

        return _guarded(read)

    @server.resource("ntlab://samples/{name}/{symbol}", name="sample bars", mime_type="application/json",
                     description="Every bar of one symbol of a bundled sample")  # fmt: skip
    def sample_bars(name: str, symbol: str) -> str:
        req = svc.BarsRequest(data=f"sample:{name}", symbols=[symbol], limit=10_000)
        return _guarded(lambda: _json(svc.bars(req, ctx)))

    @server.resource("ntlab://strategies", name="strategies", mime_type="application/json",
                     description="The registered strategies, one line each")  # fmt: skip
    def strategies() -> str:
        from ntlab.service.strategies import list_strategies

        return _json(list_strategies())

    @server.resource("ntlab://strategies/{name}", name="strategy doc", mime_type="text/markdown",
                     description="A strategy's rules, parameters and defaults")  # fmt: skip
    def strategy(name: str) -> str:
        return _guarded(lambda: strategy_doc(name))
