"""Shared pieces of the dashboards: a busy indicator with a message line, a session view."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from typing import Any

import panel as pn

from ntlab.dashboards import tables
from ntlab.errors import NtlabError

__all__ = ["Busy", "SessionView", "app_page", "kpi_html"]

log = logging.getLogger(__name__)


class Busy(pn.viewable.Viewer):
    """Progress bar + the message line where bad input and failures are explained.

    :meth:`run` runs work on a worker thread so the page stays live and shows progress;
    an :class:`~ntlab.errors.NtlabError` becomes the message and the work's result is
    None, so the caller changes nothing.
    """

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.progress = pn.indicators.Progress(
            active=False, visible=False, sizing_mode="stretch_width", height=18
        )
        self.label = pn.pane.Markdown("", visible=False, css_classes=["ntlab-busy"], margin=(0, 10))
        self.message = pn.pane.Alert(
            "", alert_type="danger", visible=False, css_classes=["ntlab-message"]
        )

    def error(self, text: str) -> None:
        self.message.alert_type, self.message.object, self.message.visible = "danger", text, True

    def info(self, text: str) -> None:
        self.message.alert_type, self.message.object, self.message.visible = "success", text, True

    def set_progress(self, done: int, total: int) -> None:
        self.progress.max, self.progress.value = total, done
        self.label.object = f"{done} of {total} done"

    def _begin(self, what: str, button) -> None:
        self.message.visible = False
        self.progress.value, self.progress.active, self.progress.visible = -1, True, True
        self.label.object, self.label.visible = f"{what}…", True
        if button is not None:
            button.disabled = True

    def _end(self, button) -> None:
        self.progress.active, self.progress.visible, self.label.visible = False, False, False
        if button is not None:
            button.disabled = False

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, NtlabError):
            self.error(str(exc))
        else:
            log.exception("dashboard action failed")
            self.error(f"unexpected error ({type(exc).__name__}): {exc}")

    async def run(self, fn: Callable[[], Any], what: str, button=None) -> Any:
        """Await ``fn()`` on a worker thread with the indicator on; None when it failed."""
        self._begin(what, button)
        await asyncio.sleep(0.01)  # let the indicator reach the page before the work starts
        try:
            return await asyncio.get_running_loop().run_in_executor(None, fn)
        except Exception as exc:
            self._fail(exc)
            return None
        finally:
            self._end(button)

    def run_now(self, fn: Callable[[], Any], what: str = "") -> Any:
        """``fn()`` on this thread (for page load and quick actions); None when it failed.

        The last message is cleared first: an error stays only while it is current."""
        self.message.visible = False
        try:
            return fn()
        except Exception as exc:
            self._fail(exc)
            return None

    def __panel__(self):
        return pn.Column(
            pn.Row(self.progress, self.label, sizing_mode="stretch_width"),
            self.message,
            sizing_mode="stretch_width",
        )


def kpi_html(values: dict[str, str], css: str) -> str:
    """Headline numbers as a row of small cards (HTML for one pane, cheap to refresh)."""
    values = {html.escape(k): html.escape(v) for k, v in values.items()}
    cards = "".join(
        f'<div class="kpi" style="padding:6px 12px;margin:4px;border:1px solid #ddd;border-radius:6px;">'
        f'<div style="font-size:11px;color:#666">{k}</div><div style="font-size:16px;font-weight:600" '
        f'data-kpi="{k}">{v}</div></div>'
        for k, v in values.items()
    )
    return f'<div class="{css}" style="display:flex;flex-wrap:wrap">{cards}</div>'


class SessionView(pn.viewable.Viewer):
    """What a session is doing: headline numbers, positions, open orders, recent fills.

    :meth:`update` takes a ``status()`` dict; the console and the monitor both show it.
    """

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.header = pn.pane.Markdown(
            "", css_classes=["ntlab-session"], sizing_mode="stretch_width"
        )
        self.kpis = pn.pane.HTML("", sizing_mode="stretch_width")
        self.positions = pn.pane.DataFrame(
            None, css_classes=["ntlab-positions"], sizing_mode="stretch_width"
        )
        self.orders = pn.pane.DataFrame(
            None, index=False, css_classes=["ntlab-orders"], sizing_mode="stretch_width"
        )
        self.fills = pn.pane.DataFrame(
            None, index=False, css_classes=["ntlab-fills"], sizing_mode="stretch_width"
        )

    def update(self, status: dict) -> None:
        if status.get("session_id") is None:
            self.header.object = "**No session yet.** Start one in the trading console."
        else:
            self.header.object = (
                f"**Session `{status['session_id']}`** · state **{status['state']}** · bar {status['bar_time']} · "
                f"{status['bars_processed']} bars · strategies: {', '.join(status['active_strategies']) or 'none (manual)'} · "
                f"symbols: {', '.join(status['symbols'])}"
            )
        self.kpis.object = kpi_html(tables.status_kpis(status), "ntlab-kpis")
        self.positions.object = tables.positions_frame(status)
        self.orders.object = tables.orders_frame(status)
        self.fills.object = tables.fills_frame(status)

    def tables(self, side_by_side: bool = True) -> pn.Column:
        """Positions, then open orders and recent fills (side by side, or one under the other)."""
        orders = pn.Column(
            pn.pane.Markdown("#### Open orders"), self.orders, sizing_mode="stretch_width"
        )
        fills = pn.Column(
            pn.pane.Markdown("#### Recent fills"), self.fills, sizing_mode="stretch_width"
        )
        pair = (
            pn.Row(orders, fills, sizing_mode="stretch_width")
            if side_by_side
            else pn.Column(orders, fills)
        )
        return pn.Column(
            pn.pane.Markdown("#### Positions"), self.positions, pair, sizing_mode="stretch_width"
        )

    def __panel__(self):
        return pn.Column(
            self.header, self.kpis, self.tables(side_by_side=False), sizing_mode="stretch_width"
        )


def app_page(title: str, component: Callable[[], Any]) -> pn.template.FastListTemplate:
    """The page every ntlab app is served in: one template, one title, ``component()`` as main.

    ``component`` (a Viewer class) is built after the extension is loaded, so it picks up
    the page-wide sizing.
    """
    pn.extension(notifications=False, sizing_mode="stretch_width")
    return pn.template.FastListTemplate(
        title=f"ntlab · {title}", main=[component()], header_background="#1f3a5f"
    )
