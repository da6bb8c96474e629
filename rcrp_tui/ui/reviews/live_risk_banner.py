"""The live-risk alert: a banner on every screen of every QA lead and supervisor while
any live-risk alert is open.

``install(app)`` is called once by the app. The list of open alerts is read (one indexed
query, in a worker) at sign-in and whenever the change feed says an alert was raised or
closed, at any terminal (``ui.common.live``: no poll on a timer); whenever it changes, or
the screen changes, the banner is put on (or taken off) the screen in front. A screen
change reuses the alerts already held (no query on every key that opens a screen) unless
the signed-in person has changed since the last read. It carries words and a symbol, not
just colour.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import App
from textual.screen import ModalScreen, Screen
from textual.widgets import Header, Static

from rcrp_tui.domain.permissions import Permission, can
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews.live_risk import LiveRiskView
from rcrp_tui.ui.common.keys import shown_key
from rcrp_tui.ui.common.literal import visible

LOCAL = ZoneInfo("Europe/London")


class LiveRiskBanner(Static):
    """The ``⚠ LIVE RISK`` line under the header of a screen."""

    DEFAULT_CSS = """
    LiveRiskBanner {
        height: auto;
        padding: 0 1;
        background: $error;
        color: $text;
        text-style: bold;
    }
    """

    def show(self, alerts: list[LiveRiskView]) -> None:
        first = alerts[0]
        text = Text(f"⚠ LIVE RISK: {len(alerts)} open alert{'s' if len(alerts) > 1 else ''} · ")
        text.append(
            visible(
                f"{first.cad_ref} escalated to {first.escalated_to} at "
                f"{first.escalated_at.astimezone(LOCAL):%H:%M} by {first.raised_by}",
                single_line=True,
            )
        )
        text.append(f" · {shown_key(self.app, 'go.live-risk', 'F9')} to see and close")
        self.update(text)


class LiveRiskWatcher:
    """Reads open alerts for the signed-in QA lead or supervisor and shows the banner."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.alerts: list[LiveRiskView] = []
        # The ctx the held alerts were fetched for: a new sign-in must not see the last one's.
        self._polled_for: Any = None

    def start(self) -> None:
        self.app.screen_change_signal.subscribe(self.app, self._screen_changed)

    def _screen_changed(self, _screen: Any) -> None:
        """Move the banner to the new front screen; query only if the person changed."""
        ctx = self._ctx()
        if ctx is not None and ctx is self._polled_for:
            self._show()
        else:
            self.poll()

    def _ctx(self) -> Any:
        actor = getattr(self.app, "actor", None)
        if actor is None or not can(actor.role, Permission.CLOSE_LIVE_RISK):
            return None
        return self.app.ctx  # type: ignore[attr-defined]

    def poll(self) -> None:
        """Fetch open alerts in a worker (or clear the banner if nobody may see them)."""
        ctx = self._ctx()
        self._polled_for = ctx
        if ctx is None:
            self.alerts = []
            self._show()
            return
        self.app.run_worker(
            lambda: self._fetch(ctx),
            thread=True,
            exclusive=True,
            group="live-risk-poll",
            exit_on_error=False,
        )

    def _fetch(self, ctx: Any) -> None:
        alerts = live_risk.open_alerts(ctx)
        self.app.call_from_thread(self._update, alerts)

    def _update(self, alerts: list[LiveRiskView]) -> None:
        self.alerts = alerts if self._ctx() is not None else []
        self._show()

    def _show(self) -> None:
        try:
            screens = [s for s in self.app.screen_stack if not isinstance(s, ModalScreen)]
        except Exception:  # no screen stack yet (starting up or shutting down)
            return
        for screen in screens:
            self._show_on(screen, screen is screens[-1])

    def _show_on(self, screen: Screen[Any], front: bool) -> None:
        banners = list(screen.query(LiveRiskBanner))
        if not self.alerts or not front:
            for banner in banners:
                banner.remove()
            return
        if banners:
            banners[0].show(self.alerts)
        else:
            banner = LiveRiskBanner(id="live-risk-banner")
            # Just under the header, so it pushes the screen down rather than covering it.
            headers = list(screen.query_children(Header))
            if headers:
                screen.mount(banner, after=headers[0])
            elif screen.children:
                screen.mount(banner, before=0)
            else:
                screen.mount(banner)
            banner.show(self.alerts)


def install(app: App[Any]) -> LiveRiskWatcher:
    """Start watching for live-risk alerts (call once, from the app's on_mount)."""
    watcher = LiveRiskWatcher(app)
    app._live_risk_watcher = watcher  # type: ignore[attr-defined]
    watcher.start()
    return watcher


def refresh(app: App[Any]) -> None:
    """Read the open alerts again (an alert was raised or closed, here or elsewhere)."""
    watcher = getattr(app, "_live_risk_watcher", None)
    if isinstance(watcher, LiveRiskWatcher):
        watcher.poll()
