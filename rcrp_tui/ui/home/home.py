"""Home: what the signed-in person needs now, in a few panels, one key from the full place.

Every role lands here after signing in. Tab moves between panels, arrows (or j/k) along a
panel's list, Enter opens the highlighted item where it lives (a draft in the review
screen, an alert on the live-risk screen, an overdue follow-up in the development record).
ctrl+r loads the figures again; they also reload on coming back to this screen. A change
made at another terminal (the change feed) reads again only the panels its kind touches
(``content.LIVE_PANELS``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Header, OptionList, Static

from rcrp_tui.domain.enums import Role
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.home.records import Home
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.shell import navigation

if TYPE_CHECKING:
    from rcrp_tui.services.core.audit_verify import ChainState
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import list_keys, refresh_key, shown_key
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.common.live import DataChanged
from rcrp_tui.ui.home.content import (
    CHAIN_CHECKING,
    LIVE_PANELS,
    PANELS,
    chain,
    contents,
    when,
)
from rcrp_tui.ui.home.panel import HomePanel


class HomeScreen(FeatureScreen[None]):
    """The signed-in role's home panels."""

    CSS_PATH = "home.tcss"
    HELP_TITLE = "Home"
    # Two columns of panels on a wide terminal, one on an 80-column one.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (120, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        refresh_key(),
        *list_keys("cursor(1)", "cursor(-1)"),
    ]

    class HomeLoaded(Message):
        """The figures for the home screen arrived from the worker."""

        def __init__(self, home: Home) -> None:
            super().__init__()
            self.home = home

    class PartLoaded(Message):
        """Some panels read again after a change elsewhere, on top of ``base``."""

        def __init__(self, base: Home, home: Home, topics: frozenset[str]) -> None:
            super().__init__()
            self.base = base
            self.home = home
            self.topics = topics

    class ChainChecked(Message):
        """The audit chain walk finished (``state`` None: it failed, ``failure`` says why)."""

        def __init__(self, state: ChainState | None, failure: str | None = None) -> None:
            super().__init__()
            self.state = state
            self.failure = failure

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.home: Home | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._title("loading…"), id="home-title")
        with VerticalScroll(id="home-panels"):
            for panel_id, title, listed in PANELS[self.ctx.actor.role]:
                yield HomePanel(title, id=f"panel-{panel_id}", listed=listed)
        yield KeyFooter(compact=True)

    def _title(self, status: str) -> Text:
        actor = self.ctx.actor
        title = Text("Home · ", style="bold")
        title.append_text(literal(actor.display_name, single_line=True, style="bold"))
        title.append(f" ({actor.role.label}) · {status}")
        return title

    def on_mount(self) -> None:
        self.sub_title = "Home"
        self._load()
        self._check_chain()

    def on_screen_resume(self) -> None:
        if self.home is not None:
            self._load()

    def on_data_changed(self, message: DataChanged) -> None:
        """Queue, alerts, rota, appeals or reviews changed somewhere: the panels that show
        that kind of record again, and nothing for a kind this home does not show."""
        topics = message.topics & LIVE_PANELS[self.ctx.actor.role].keys()
        if self.home is not None and topics:
            self._load_part(self.home, frozenset(topics))

    @work(thread=True, exclusive=False, exit_on_error=False, group="home-part")
    def _load_part(self, base: Home, topics: frozenset[str]) -> None:
        from rcrp_tui.services.home import summary as home

        self.post_message(self.PartLoaded(base, home.refreshed(self.ctx, base, topics), topics))

    @on(PartLoaded)
    def _part_loaded(self, message: PartLoaded) -> None:
        if message.base is not self.home:
            # Something else arrived meanwhile (a full load, another part): read these
            # parts again on top of it, so neither overwrites the other.
            if self.home is not None:
                self._load_part(self.home, message.topics)
            return
        self.home = message.home
        panels = {p for t in message.topics for p in LIVE_PANELS[self.ctx.actor.role][t]}
        import_key = shown_key(self.app, "go.import", "ctrl+l")
        readiness_key = shown_key(self.app, "go.readiness", "ctrl+y")
        for panel_id, content in contents(message.home, import_key, readiness_key).items():
            if panel_id in panels:
                self.query_one(f"#panel-{panel_id}", HomePanel).show(content)

    def _check_chain(self) -> None:
        """Administrators: walk the audit chain in its own worker, so Home never waits."""
        if self.ctx.actor.role is not Role.ADMINISTRATOR:
            return
        self.query_one("#panel-chain", HomePanel).show(CHAIN_CHECKING)
        self._walk_chain()

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-chain")
    def _walk_chain(self) -> None:
        from rcrp_tui.services.core.audit_verify import verify_chain
        from rcrp_tui.services.core.errors import ServiceError

        try:
            state = verify_chain(self.ctx)
        except ServiceError as exc:
            self.post_message(self.ChainChecked(None, exc.message))
            return
        self.post_message(self.ChainChecked(state))

    @on(ChainChecked)
    def _chain_checked(self, message: ChainChecked) -> None:
        self.query_one("#panel-chain", HomePanel).show(chain(message.state, message.failure))

    @work(thread=True, exclusive=True, exit_on_error=False, group="home-load")
    def _load(self) -> None:
        # Imported here, in the worker, so the screen opens without waiting for it.
        from rcrp_tui.services.home import summary as home

        self.post_message(self.HomeLoaded(home.home(self.ctx)))

    @on(HomeLoaded)
    def _loaded(self, message: HomeLoaded) -> None:
        first_load = self.home is None
        self.home = message.home
        import_key = shown_key(self.app, "go.import", "ctrl+l")
        readiness_key = shown_key(self.app, "go.readiness", "ctrl+y")
        for panel_id, content in contents(message.home, import_key, readiness_key).items():
            self.query_one(f"#panel-{panel_id}", HomePanel).show(content)
        status = f"as of {when(message.home.generated_at)}"
        self.query_one("#home-title", Static).update(self._title(status))
        if first_load:
            first = next(
                (o for o in self.query(OptionList) if o.option_count and o.highlighted is not None),
                None,
            )
            if first is not None:
                first.focus()

    def action_refresh(self) -> None:
        self.query_one("#home-title", Static).update(self._title("refreshing…"))
        self._load()
        self._check_chain()

    def action_cursor(self, step: int) -> None:
        focused = self.focused
        if isinstance(focused, OptionList):
            if step > 0:
                focused.action_cursor_down()
            else:
                focused.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        panel = next((p for p in event.option_list.ancestors if isinstance(p, HomePanel)), None)
        target = panel.target_of(event.option_id) if panel is not None else None
        if target is not None:
            self.open_target(target)

    def open_target(self, target: str) -> None:
        """Go where an item's target says (see ``ui.home.content``)."""
        kind, _, value = target.partition(":")
        app: Any = self.app
        if kind in ("review", "alert-review"):
            from rcrp_tui.ui.reviews.review import ReviewScreen

            app.push_screen(ReviewScreen(self.ctx, review_id=int(value)))
        elif kind in ("queue", "sample"):
            sample_id, _, decision_id = value.partition(":")
            self._open_sample(int(sample_id), int(decision_id) if decision_id else None)
        elif kind == "appeal":
            from rcrp_tui.ui.appeals.detail import AppealDetailScreen

            app.push_screen(AppealDetailScreen(self.ctx, int(value)))
        elif kind == "cpd":
            if value:
                app.open_destination("cpd", staff_id=value)
            else:
                app.open_destination("cpd")
        elif kind in ("live-risk", "rota"):
            app.open_destination(kind)
        elif kind == "readiness":
            if value:
                app.open_destination("readiness", phase=int(value))
            else:
                app.open_destination("readiness")

    def _open_sample(self, sample_id: int, decision_id: int | None) -> None:
        """The sample's queue, where the samples screen exists for this role; otherwise a
        queue item opens its review and a sample says it cannot be shown here."""
        samples = navigation.find("samples")
        if samples is not None and samples.allows(self.ctx.actor.role):
            from rcrp_tui.ui.sampling.queue import SampleQueueScreen

            self.app.push_screen(SampleQueueScreen(self.ctx, sample_id))
        elif decision_id is not None:
            from rcrp_tui.ui.reviews.review import ReviewScreen

            self.app.push_screen(ReviewScreen(self.ctx, decision_id=decision_id))
        else:
            self.notify("The sample queue screen is not available here.", severity="warning")
