"""The catalog resolves to service functions, and the README states its true size."""

from __future__ import annotations

from pathlib import Path

from ntlab.mcp.catalog import CATALOG, GROUPS, tool_specs


def test_every_row_is_a_service_function_with_a_request_model_or_none():
    from ntlab.mcp._adapter import _request_model

    specs = tool_specs(strict=True)
    assert [s.name for s in specs] == [row[1] for row in CATALOG]
    assert len({s.name for s in specs}) == len(specs)
    assert {s.group for s in specs} == set(GROUPS)
    for spec in specs:
        assert spec.fn.__module__.startswith("ntlab.service."), spec.name
        _request_model(spec.fn)  # raises unless the first parameter is a request model
        assert spec.scope in ("read", "trade", "admin")


def test_readme_counts_the_tools():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"`mcp` SDK): {len(CATALOG)} tools in the seed's nine groups" in readme
    assert f"`ntlab mcp`: {len(CATALOG)} tools over `ntlab.service`" in readme
