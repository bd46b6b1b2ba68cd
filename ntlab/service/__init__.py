"""One function per capability, called alike by the REST server, the MCP tools and the CLI.

The faces (``ntlab.server``, ``ntlab.mcp``, ``ntlab.cli``, dashboards) hold no logic: each
route or tool validates nothing itself and calls exactly one function here, so a figure
means the same on every face.

Conventions (follow them when adding a function):

- **Module per group**: ``system``, ``strategies``, ``data``, ``indicators``, ``backtest``,
  ``research`` (sweeps, walk-forward, notebook reports), ``risk``, ``forecast``,
  ``sessions`` (start/stop/status/step, journal, decision log), ``orders``, ``portfolio``,
  ``jobs``; for the MCP tools also ``news``, ``market``, ``analytics``, ``sizing`` and
  ``forecast_eval`` (baselines, evaluation against the random walk, model management).
  Reuse the shared inputs (:class:`~ntlab.service.data.DataRef`, :class:`~ntlab.service.strategies.StrategyRef`,
  :class:`~ntlab.service.sessions.SessionRef`) and loaders (``load_data``,
  ``make_strategy``) instead of writing new ones.
- **Input**: one pydantic model, a subclass of :class:`Request` (strict types, unknown
  fields refused, camelCase keys accepted beside snake_case), named ``XxxRequest`` (or
  ``XxxRef`` for "which one"). Functions without input take none. FastAPI and the MCP
  SDK both read these models for validation and schemas.
- **Signature**: ``fn(req, ctx=None) -> dict``; order-changing functions add
  ``actor="local"`` (who asked; written to the session's journal as an ``audit``
  event); long ones that run as jobs add ``progress=None``, a callable
  ``progress(fraction, message)`` (see :mod:`ntlab.service.jobs`). ``ctx`` is the
  :class:`Context` (hosted sessions, jobs, trained models, which data kinds and strategy
  import paths callers may use); None means :func:`default_context`.
- **Output**: a JSON-able dict (an object, never a bare list), computed by the library:
  the library's own ``to_dict()`` where it has one (camelCase where the seed uses it:
  Signal, Order, RiskMetrics, ForecastOutput), else snake_case. NaN and inf are ``null``
  (:func:`jsonable`). Nothing is canned or estimated here.
- **Errors**: :mod:`ntlab.errors` only, with a message that says what was wrong and what
  to do. ``ConfigError``/``DataError`` (bad value), ``UnknownSymbolError``,
  ``NotFoundError`` (session, order, job, model), ``LookAheadError``,
  ``OrderRejectedError`` (risk gate or broker), ``ExecutionError`` (wrong state, e.g.
  no running session). Faces map them to their status codes; anything else is a bug.
- **Imports**: heavy libraries inside the functions; importing a service module loads
  pydantic, numpy and pandas only.
"""

from ntlab.service._base import Context, Request, default_context, jsonable, set_default_context

__all__ = ["Context", "Request", "default_context", "jsonable", "set_default_context"]
