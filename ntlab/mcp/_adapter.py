"""One MCP tool per service function: the request model is the tool's input schema.

The tool holds no logic. It validates the arguments with the service function's own
request model (strict, unknown fields refused; a bad argument is one line naming the
field), calls the function with the server's service context (on a worker thread, except
the few that only read what is in memory), and
returns its JSON dict as the structured result. ``ntlab`` errors become tool errors with
their message; long functions report MCP progress notifications.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from ntlab.errors import NtlabError

__all__ = ["ToolSpec", "make_tool", "one_line"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool: its name, group, the service function it calls, and whether it changes state."""

    name: str
    group: str
    fn: Callable[..., dict[str, Any]]
    title: str = ""
    scope: str = "read"  # what an HTTP caller needs: read, trade or admin
    inline: bool = False  # answers in well under a millisecond: run on the event loop, no thread

    @property
    def read_only(self) -> bool:
        return self.scope == "read"


class _RawArguments(ArgModelBase):
    """Takes the arguments as sent: the service's request model validates them."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def one_line(exc: PydanticValidationError) -> str:
    """A pydantic error as one line: ``field: message; other: message``."""
    parts = []
    for err in exc.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        parts.append(f"{where}: {err['msg']}")
    return "invalid arguments: " + "; ".join(parts)


def _request_model(fn: Callable[..., Any]) -> type[BaseModel] | None:
    hints = typing.get_type_hints(fn)
    params = [p for p in inspect.signature(fn).parameters if p not in ("ctx", "progress", "actor")]
    if not params:
        return None
    model = hints.get(params[0])
    if not (inspect.isclass(model) and issubclass(model, BaseModel)):
        raise TypeError(
            f"{fn.__qualname__}: first parameter must be a request model, got {model!r}"
        )
    return model


def _unjson(model: type[BaseModel], raw: dict[str, Any]) -> dict[str, Any]:
    """Lists and objects some assistants send as JSON text are parsed (not plain strings)."""
    out = dict(raw)
    for key, value in raw.items():
        field = model.model_fields.get(key)
        if field is None or field.annotation is str or not isinstance(value, str):
            continue
        if value[:1] in ("[", "{"):
            try:
                out[key] = json.loads(value)
            except ValueError:
                pass
    return out


def _schema(model: type[BaseModel] | None) -> dict[str, Any]:
    if model is None:
        return {"type": "object", "properties": {}, "additionalProperties": False}
    schema = model.model_json_schema()
    schema["additionalProperties"] = False
    return schema


def _description(spec: ToolSpec, model: type[BaseModel] | None) -> str:
    text = inspect.getdoc(spec.fn) or spec.name
    if model is not None and model.__doc__ and inspect.getdoc(model) != inspect.getdoc(BaseModel):
        text += "\n\nInput: " + inspect.getdoc(model)
    return text


def make_tool(
    spec: ToolSpec, service_ctx: Any, authorize: Callable[..., None] | None = None
) -> Tool:
    """The SDK Tool that validates with the function's request model and calls it.

    ``authorize(context, scope)`` raises when the caller lacks ``spec.scope``.
    """
    fn = spec.fn
    model = _request_model(fn)
    params = inspect.signature(fn).parameters
    extra: dict[str, Any] = {}
    if "ctx" in params:
        extra["ctx"] = service_ctx
    if "actor" in params:
        extra["actor"] = "mcp"
    long_running = "progress" in params

    async def call(context: Any, **raw: Any) -> dict[str, Any]:
        if authorize is not None:
            try:
                authorize(context, spec.scope)
            except NtlabError as exc:
                raise ToolError(str(exc)) from None
        try:
            args = () if model is None else (model.model_validate(_unjson(model, raw)),)
            if model is None and raw:
                raise ToolError(f"invalid arguments: {sorted(raw)}: this tool takes none")
        except PydanticValidationError as exc:
            raise ToolError(one_line(exc)) from None
        kwargs = dict(extra)
        if long_running:
            kwargs["progress"] = _progress_bridge(context)
        try:
            if spec.inline:
                return fn(*args, **kwargs)
            return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))
        except NtlabError as exc:
            raise ToolError(str(exc)) from None
        except PydanticValidationError as exc:
            raise ToolError(one_line(exc)) from None

    meta = FuncMetadata(
        arg_model=_RawArguments,
        output_model=Annotated[dict[str, Any], Field(title=f"{spec.name}Output")],
    )
    return Tool(
        fn=call,
        name=spec.name,
        title=spec.title or spec.name.replace("_", " ").capitalize(),
        description=_description(spec, model),
        parameters=_schema(model),
        fn_metadata=meta,
        is_async=True,
        context_kwarg="context",
        annotations=ToolAnnotations(read_only_hint=spec.read_only, open_world_hint=False),
        meta={"ntlab/group": spec.group},
    )


def _progress_bridge(context: Any) -> Callable[[float, str], None]:
    """``progress(fraction, message)`` for a worker thread: an MCP progress notification."""

    def progress(fraction: float, message: str = "") -> None:
        try:
            anyio.from_thread.run(context.report_progress, float(fraction), 1.0, message or None)
        except Exception:  # a client that went away must not stop the work
            pass

    return progress
