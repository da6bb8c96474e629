"""The Textual application: wiring only.

Global keys, the command palette, the help screen and the theme all come from
``navigation.DESTINATIONS`` and the live bindings; the screens do the work and call
the service layer for every read and write.

Start-up is kept to what the first screen needs: the service layer, SQLAlchemy and the
schema check load in a worker while the sign-in screen is already taking the username.

Idle sign-out: with ``idle_minutes`` set (``--idle-minutes``, or ``idle_minutes`` in the
settings file), a signed-in person who presses no key, clicks nothing and pastes nothing for
that long is signed out; the sign-in screen then says so, and names any open form whose
changes were not saved. ``rcrp-tui serve`` gives every browser session such a limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.markup import escape
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header
from textual.worker import Worker, WorkerState

from rcrp_tui import gc_tuning, keymap, settings
from rcrp_tui.domain.clock import Clock, SystemClock
from rcrp_tui.ui.common import keys
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import ScreenActions
from rcrp_tui.ui.common.live import ChangeHeard, LiveUpdates
from rcrp_tui.ui.shell import navigation

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Actor, Ctx, Database

APP_TITLE = "RCRP decision QA"
#: How often the idle sign-out looks at the time since the last key press, in seconds.
IDLE_CHECK_SECONDS = 15.0
#: What counts as someone at the keyboard: keys, pastes, clicks and scrolling (not the
#: mouse pointer drifting over the window).
_ACTIVITY = (
    events.Key,
    events.Paste,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
)


def database_label(db: Database) -> str:
    """The database as the header names it: the file name, or the URL without password."""
    if db.is_sqlite:
        return Path(str(db.url.database)).name
    return db.display_name


class DestinationCommands(Provider):
    """Command-palette entries for every destination the signed-in role may open."""

    def _commands(self) -> list[tuple[str, str, Any]]:
        app = self.app
        if not isinstance(app, RcrpApp) or app.actor is None:
            return []
        return [
            (f"Open {d.title}", d.description, partial(app.open_destination, d.id))
            for d in navigation.available(app.actor.role)
        ]

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def _destination_bindings() -> list[BindingType]:
    return [
        Binding(d.key, f"go({d.id!r})", d.title, id=f"go.{d.id}", tooltip=d.description)
        for d in navigation.DESTINATIONS
    ]


class _Blank(Screen[None]):
    """Shown under the sign-in screen; never seen on its own."""

    def compose(self):
        yield Header()
        yield KeyFooter(compact=True)


class RcrpApp(App[int]):
    """The rcrp-tui application for one database."""

    CSS_PATH = "app.tcss"
    TITLE = APP_TITLE
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {DestinationCommands, ScreenActions}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        *_destination_bindings(),
        Binding("ctrl+t", "change_theme", "Theme", show=False, id="app.theme"),
        Binding("ctrl+o", "sign_out", "Sign out", show=False, id="app.sign-out"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # g/G on whatever list has the focus; j/k and PgUp/PgDn are the screens' own.
        Binding("g", "list_end('first')", "First", show=False, id=keys.LIST_FIRST),
        Binding("G", "list_end('last')", "Last", show=False, id=keys.LIST_LAST),
    ]

    def __init__(
        self,
        db: Database | Callable[[], Database],
        *,
        clock: Clock | None = None,
        settings_path: Path | None = None,
        keymap_path: Path | None = None,
        idle_minutes: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        idle_check_seconds: float = IDLE_CHECK_SECONDS,
    ) -> None:
        """``db`` is an open database, or a function that opens one (called in a worker).

        ``idle_minutes``: sign out after that long without a key press (0: never; ``None``:
        the settings file's ``idle_minutes``). ``monotonic`` and ``idle_check_seconds`` let a
        test move time on instead of waiting for it."""
        super().__init__()
        self._db: Database | None = None
        self._opener: Callable[[], Database] | None = None
        if callable(db):
            self._opener = db
        else:
            self._db = db
        self._db_ready = threading.Event()
        self._db_error: str | None = None
        self.clock: Clock = clock or SystemClock()
        self.settings_path = settings_path or settings.default_settings_path()
        self.settings, self._settings_problems = settings.load_checked(self.settings_path)
        self.idle_minutes = self.settings.idle_minutes if idle_minutes is None else idle_minutes
        self._monotonic = monotonic
        self._idle_check_seconds = idle_check_seconds
        self._last_activity = monotonic()
        self.keymap_path = keymap_path or keymap.default_keymap_path()
        #: What the user's keymap file did: accepted remappings and ignored entries.
        self.user_keymap = keymap.UserKeymap(self.keymap_path)
        self.actor: Actor | None = None
        self._ctx: Ctx | None = None
        self._settle_timer: Timer | None = None
        #: The one change watcher: tells the screen in front what other terminals changed.
        self.live_updates = LiveUpdates(self, self._topics_changed)

    @property
    def db(self) -> Database:
        """The open database (available once ``wait_for_database`` has returned)."""
        if self._db is None:
            raise RuntimeError("the database is still opening")
        return self._db

    def wait_for_database(self) -> Database:
        """Block (in a worker thread) until the database is open; raise if it failed."""
        self._db_ready.wait()
        if self._db is None:
            from rcrp_tui.services.core.errors import ServiceError

            raise ServiceError(self._db_error or "The database could not be opened.")
        return self._db

    def _open_database(self) -> None:
        try:
            assert self._opener is not None
            self._db = self._opener()
            # Load the service layer and the Home screen (where every role lands) here too,
            # while the password is typed, so Enter on sign-in does not pay for them; with
            # them the services Home's worker calls (its first load waited ~80 ms for them).
            import rcrp_tui.services.core.auth
            import rcrp_tui.services.home.summary  # noqa: F401

            home = navigation.find(navigation.HOME)
            if home is not None:
                home.load()
        except BaseException as exc:  # SystemExit from a schema check must not kill the UI
            self._db_error = f"Cannot open the database: {exc}"
        finally:
            self._db_ready.set()
            self.call_from_thread(self._database_opened)

    def _read_keymap(self) -> None:
        from rcrp_tui.ui.shell.catalogue import catalogue

        user_keymap = keymap.load(self.keymap_path, catalogue(type(self)))
        self.call_from_thread(self._apply_keymap, user_keymap)

    def _apply_keymap(self, user_keymap: keymap.UserKeymap) -> None:
        """Use the accepted remappings; say which entries were ignored and why."""
        self.user_keymap = user_keymap
        self.set_keymap(user_keymap.keys)
        if user_keymap.problems:
            lines = "\n".join(escape(str(p)) for p in user_keymap.problems)
            self.notify(
                f"Your keymap file has {len(user_keymap.problems)} problem(s); the rest of it "
                f"is in use (rcrp-tui keys check repeats this):\n{lines}",
                title="Keymap",
                severity="warning",
                timeout=30,
            )

    def _database_opened(self) -> None:
        if self._db is not None and self.actor is None:
            self.sub_title = f"Sign in · {database_label(self._db)}"
        else:
            self.notify(escape(self._db_error or ""), severity="error", timeout=30)

    @property
    def ctx(self) -> Ctx:
        """The service context of the signed-in user (only valid after sign-in)."""
        if self._ctx is None:
            raise RuntimeError("nobody is signed in")
        return self._ctx

    def on_mount(self) -> None:
        from rcrp_tui.domain.name_lists import preload_in_background

        # The name lists load off the UI thread, once, and only after the first paint: the
        # thread would otherwise hold the GIL while the sign-in screen is being drawn.
        self.call_after_refresh(preload_in_background)
        self.call_after_refresh(self.settle_later)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.push_screen(_Blank())
        self._show_sign_in()
        for problem in self._settings_problems:
            self.notify(escape(problem), title="Settings", severity="warning", timeout=30)
        if self.idle_minutes > 0:
            self.set_interval(self._idle_check_seconds, self.check_idle_sign_out)
        if self.keymap_path.exists():
            # Checking the file needs every screen's bindings: read it after the first paint.
            self.call_after_refresh(
                self.run_worker, self._read_keymap, thread=True, exit_on_error=False
            )
        if self._opener is None:
            self._db_ready.set()
            self._database_opened()
        else:
            self.sub_title = "opening the database…"
            # Start after the first paint: the import work would otherwise hold the GIL
            # while the sign-in screen is being drawn.
            self.call_after_refresh(
                self.run_worker, self._open_database, thread=True, exit_on_error=False
            )

    def _show_sign_in(self, notice: str = "") -> None:
        from rcrp_tui.ui.shell.sign_in import SignInScreen

        self.push_screen(SignInScreen(self.wait_for_database, self.clock, notice=notice))

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, _ACTIVITY) and not event.is_forwarded:
            self._last_activity = self._monotonic()
        await super().on_event(event)

    def check_idle_sign_out(self) -> None:
        """Sign out whoever is signed in if nothing was pressed for ``idle_minutes``."""
        if self.actor is None or self.idle_minutes <= 0:
            return
        if self._monotonic() - self._last_activity < self.idle_minutes * 60:
            return
        unsaved = [_screen_name(s) for s in self.screen_stack if _has_unsaved_changes(s)]
        minutes = f"{self.idle_minutes} minute{'' if self.idle_minutes == 1 else 's'}"
        notice = f"Signed out after {minutes} without a key press."
        if unsaved:
            notice += " Not saved, and closed: " + "; ".join(unsaved) + "."
        self._end_session("idle", notice)

    def on_sign_in_screen_signed_in(self, message: Any) -> None:
        from rcrp_tui.services.core.context import Ctx
        from rcrp_tui.ui.common.worker_errors import announce_wait
        from rcrp_tui.ui.reviews import live_risk_banner

        actor: Actor = message.actor
        self.actor = actor
        self._ctx = Ctx(self.db, actor, self.clock)
        self._last_activity = self._monotonic()
        # One listener for every screen's saves: a write kept waiting says for what.
        self.db.on_wait = partial(announce_wait, self)
        self.sub_title = f"{actor.display_name} ({actor.role.label}) · {database_label(self.db)}"
        if not hasattr(self, "_live_risk_watcher"):
            live_risk_banner.install(self)
        self.live_updates.start(self.db)  # other terminals' changes, as they happen
        self.pop_screen()  # the sign-in screen
        home = navigation.home_for(actor.role)
        if home is None:
            self.notify("This account has nothing to open yet.", severity="warning")
            return
        self.open_destination(home.id)

    def _topics_changed(self, topics: frozenset[str]) -> None:
        from rcrp_tui.ui.reviews import live_risk_banner

        if "live_risk" in topics:
            live_risk_banner.refresh(self)

    def on_change_heard(self, message: ChangeHeard) -> None:
        self.live_updates.gather(message.change)

    def on_unmount(self) -> None:
        self.live_updates.stop()
        if not self._db_ready.is_set():
            # Closed before the database opened: a worker waiting for it (the sign-in
            # screen's demo check) gives up instead of keeping the process from ending.
            self._db_error = self._db_error or "The app closed before the database opened."
            self._db_ready.set()

    def open_destination(self, destination_id: str, **kwargs: Any) -> None:
        """Open a destination by id, if it exists and the signed-in role may use it."""
        destination = navigation.find(destination_id)
        if self.actor is None or destination is None:
            return
        if not destination.allows(self.actor.role):
            self.notify(
                f"A {escape(self.actor.role.label.lower())} may not open "
                f"{escape(destination.title)}.",
                severity="warning",
            )
            return
        screen_class = destination.load()
        if isinstance(self.screen, screen_class) and not kwargs:
            return
        self.push_screen(screen_class(self.ctx, **kwargs))

    def action_go(self, destination_id: str) -> None:
        self.open_destination(destination_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go":
            destination = navigation.find(str(parameters[0])) if parameters else None
            return (
                destination is not None
                and self.actor is not None
                and destination.allows(self.actor.role)
            )
        if action == "sign_out":
            return self.actor is not None
        if action == "list_end":
            return keys.is_list(self.screen.focused)
        return True

    def action_list_end(self, end: str) -> None:
        keys.jump_to_end(self.screen.focused, end)

    def action_help(self) -> None:
        from rcrp_tui.ui.shell.help import HelpScreen, keys_of

        if isinstance(self.screen, HelpScreen):
            return
        screen = self.screen
        title = getattr(screen, "HELP_TITLE", "") or screen.sub_title or type(screen).__name__
        self.push_screen(HelpScreen(title, keys_of(self, screen)))

    def action_sign_out(self) -> None:
        self._end_session("manual")

    def _end_session(self, reason: str, notice: str = "") -> None:
        """Back to the sign-in screen; the sign-out (``reason``: manual or idle) goes into
        the audit trail from a worker, so the screen never waits for the database."""
        ctx = self._ctx
        if self.actor is None or ctx is None:
            return
        self.actor, self._ctx = None, None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.sub_title = f"Sign in · {database_label(self.db)}"
        self._show_sign_in(notice)
        self.run_worker(
            partial(self._record_sign_out, ctx, reason),
            thread=True,
            exit_on_error=False,
            group="sign-out",
        )

    def _record_sign_out(self, ctx: Ctx, reason: str) -> None:
        from rcrp_tui.services.core import auth

        idle = self.idle_minutes if reason == "idle" else None
        auth.sign_out(ctx, reason, idle_minutes=idle)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand("Change theme", "Pick a colour theme (remembered)", self.search_themes)
        yield SystemCommand("Help", "Every key of this screen (F1)", self.action_help)
        if self.actor is not None:
            yield SystemCommand("Sign out", "Return to the sign-in screen", self.action_sign_out)
        yield SystemCommand("Quit", "Leave the application (ctrl+q)", self.action_quit)

    def _remember_theme(self, theme: Any) -> None:
        self.settings = self.settings.with_theme(theme.name)
        try:
            settings.save(self.settings_path, self.settings)
        except OSError as exc:
            self.notify(f"Could not save the theme: {escape(str(exc))}", severity="warning")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.report_worker_error(event.worker)
        elif event.state is WorkerState.SUCCESS:
            self.settle_later()  # a screen (or the database) has finished loading

    def settle_later(self) -> None:
        """Freeze what the app holds once nothing has loaded for a moment (``gc_tuning``)."""
        if self._settle_timer is not None:
            self._settle_timer.stop()
        self._settle_timer = self.set_timer(gc_tuning.QUIET_SECONDS, gc_tuning.settle)

    def report_worker_error(self, worker: Worker[Any]) -> None:
        """The one place a failed background job becomes a message instead of a crash."""
        # Imported here: it loads the service layer, which start-up leaves to a worker.
        from rcrp_tui.ui.common.worker_errors import notify_failure

        notify_failure(self, worker)


def _has_unsaved_changes(screen: Screen[Any]) -> bool:
    """A form whose fields differ from how it opened, or a review with unsaved answers."""
    from rcrp_tui.ui.common.form import FormBehaviour

    if isinstance(screen, FormBehaviour) and screen.form_changed():
        return True
    return getattr(screen, "dirty", False) is True


def _screen_name(screen: Screen[Any]) -> str:
    return (
        getattr(screen, "HELP_TITLE", "")
        or screen.sub_title
        or screen.title
        or type(screen).__name__
    )


def run_app(db: Database | Callable[[], Database], *, idle_minutes: int | None = None) -> int:
    """Run the app on ``db`` (or on what ``db()`` opens) until the user quits.

    ``idle_minutes``: sign out after that long without a key press (``None``: as the
    settings file says). Returns the exit code.
    """
    from rcrp_tui.ui.common import paste_guard

    paste_guard.install()  # a paste arrives whole and in order, its controls shown
    gc_tuning.start()  # no pauses to walk what start-up imported (see gc_tuning)
    app = RcrpApp(db, idle_minutes=idle_minutes)
    result = app.run()
    return int(result or app.return_code or 0)
