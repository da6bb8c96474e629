"""The sign-in screen: username and password, checked by the auth service."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from rcrp_tui.domain.clock import Clock
from rcrp_tui.ui.base import ReportsWorkerErrors
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.literal import markup_safe

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Actor, Database


class SignInScreen(ReportsWorkerErrors, Screen[None]):
    """Ask for a username and password; the app takes over once they are accepted."""

    CSS_PATH = "sign_in.tcss"
    HELP_TITLE = "Sign in"
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority bindings run as the app takes the key from the terminal, before it hands
        # the next keys to the focused box. A password manager types "user<Tab>password
        # <Enter>" in one burst: as a plain binding, Tab moved the focus only after the
        # password's keys had already gone to the username box. Enter likewise: typed
        # quickly, or arriving together over a slow link to `rcrp-tui serve`, "user<Enter>
        # password" put the password, readable, in the username box.
        Binding("enter", "submit", "Sign in", priority=True, id="sign-in.submit"),
        Binding("tab", "app.focus_next", "Next box", show=False, priority=True, id="sign-in.next"),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous box",
            show=False,
            priority=True,
            id="sign-in.previous",
        ),
    ]

    class SignedIn(Message):
        """The password was accepted for ``actor``."""

        def __init__(self, actor: Actor) -> None:
            super().__init__()
            self.actor = actor

    class DemoAge(Message):
        """The open database is a demo built before today: what to say about it."""

        def __init__(self, notice: str) -> None:
            super().__init__()
            self.notice = notice

    class SignInRefused(Message):
        """The auth service refused, with a message for the person."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    def __init__(self, database: Callable[[], Database], clock: Clock, *, notice: str = "") -> None:
        """``database`` returns the open database, waiting while it opens (call it in a worker).

        ``notice``: what to tell the next person first (why the last one was signed out)."""
        super().__init__()
        self.database = database
        self.clock = clock
        self.notice = notice

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sign-in-box"):
            yield Static("Right Care, Right Person: decision QA", id="sign-in-title")
            yield Label("Username")
            yield FormInput(id="username", placeholder="your username")
            yield Label("Password")
            yield FormInput(id="password", password=True, placeholder="your password")
            yield Static("", id="sign-in-message")
            # Hidden (taking no room) unless the database is a demo from an earlier day.
            notice = Static("", id="sign-in-demo-age")
            notice.display = False
            yield notice
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        # The header shows the app's sub-title: the database's name once it is open.
        self.query_one("#username", Input).focus()
        if self.notice:
            self._show(self.notice, error=False)
        self._check_demo_age()

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in-demo-age")
    def _check_demo_age(self) -> None:
        from rcrp_tui.services.core.errors import ServiceError

        try:
            database = self.database()
        except ServiceError:  # a database that failed to open is reported on sign-in
            return
        from rcrp_tui.domain.shift_patterns import DEFAULT_TZ
        from rcrp_tui.services.core import demo_info

        today = self.clock.now().astimezone(DEFAULT_TZ).date()
        notice = demo_info.age_notice(demo_info.demo_info(database), today)
        if notice:
            self.post_message(self.DemoAge(notice))

    def on_sign_in_screen_demo_age(self, message: DemoAge) -> None:
        box = self.query_one("#sign-in-demo-age", Static)
        box.update(markup_safe(message.notice))
        box.display = True

    def _missing(self) -> None:
        """Say what is missing and go to the first empty box."""
        username = self.query_one("#username", Input)
        password = self.query_one("#password", Input)
        if not username.value.strip():
            self._show(
                "Type your username and your password."
                if not password.value
                else "Type your username."
            )
            username.focus()
        else:
            self._show("Type your password.")
            password.focus()

    def action_submit(self) -> None:
        """Enter. It runs as the key arrives (a priority binding), perhaps before the keys
        typed just ahead of it have reached their box: so it routes at once (after the
        username, the next keys go to the password box) and reads the boxes only when
        those keys are in (a callback queued behind them on the focused box)."""
        username = self.query_one("#username", Input)
        focused = self.focused
        if focused is username:
            self.set_focus(self.query_one("#password", Input))
            username.call_later(self._username_entered)
            return
        (focused or self).call_later(self._submit)

    def _username_entered(self) -> None:
        if not self.query_one("#username", Input).value.strip():
            self._missing()

    def _submit(self) -> None:
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        if not username.strip() or not password:
            self._missing()
            return
        self._show("Checking…", error=False)
        self._check(username, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in")
    def _check(self, username: str, password: str) -> None:
        # Password hashing is deliberately slow, so it runs off the UI thread.
        from rcrp_tui.services.core.errors import ServiceError

        try:
            # Wait for the app to finish opening the database (and importing the storage
            # stack) before importing the services here: two threads importing SQLAlchemy
            # at once can see it half-initialised.
            database = self.database()
            from rcrp_tui.services.core import auth

            actor = auth.sign_in(database, self.clock, username, password)
        except ServiceError as exc:
            self.post_message(self.SignInRefused(exc.message))
            return
        self.post_message(self.SignedIn(actor))

    def on_sign_in_screen_sign_in_refused(self, message: SignInRefused) -> None:
        self._show(message.message)
        password = self.query_one("#password", Input)
        password.clear()
        password.focus()

    def _show(self, text: str, *, error: bool = True) -> None:
        box = self.query_one("#sign-in-message", Static)
        box.set_class(error, "error")
        box.update(markup_safe(text))
