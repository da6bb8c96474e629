"""Importing a CAD export from the app: choose, dry run, confirm, watch, read the summary.

The administrator types the file's path (the right arrow completes folders and
.csv/.xlsx names), picks a profile (the force's own, from its profile folder, and the
shipped ones) and, for a workbook, may name the sheet. Enter runs the dry run in a
thread worker: the file is read and counted exactly as the import would, nothing is
written, and its report (counts, unmapped values, keys that never matched, the first
rejected rows) is shown. ctrl+s then imports that same file by that same profile in a
worker, with a progress bar fed by the importer (through ``App.call_from_thread``).

The screen never waits on the import: keys work throughout, and Escape asks before
stopping a running dry run or import. Stopping takes effect at the importer's next
progress report; the importer writes nothing until the whole file has been read, so a
stopped import leaves the database exactly as it was. Once the file has been read the
import writes in one short transaction and can no longer be stopped; the screen says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState

from rcrp_tui.services.core.context import Ctx
from rcrp_tui.ui.base import FeatureScreen
from rcrp_tui.ui.common.form import FormInput
from rcrp_tui.ui.common.key_footer import KeyFooter
from rcrp_tui.ui.common.keys import shown_key
from rcrp_tui.ui.common.literal import literal
from rcrp_tui.ui.importing.path_input import PathSuggester
from rcrp_tui.ui.importing.stop_question import StopQuestion

if TYPE_CHECKING:
    from rcrp_tui.importing.cad import ImportSummary
    from rcrp_tui.importing.profile_files import ProfileChoice, ProfileList


@dataclass(frozen=True)
class Request:
    """What one run reads: the file, the profile, the sheet (None: the profile's)."""

    path: Path
    profile: ProfileChoice
    sheet: str | None

    def same_as(self, other: Request | None) -> bool:
        return (
            other is not None
            and other.path == self.path
            and other.profile.key == self.profile.key
            and other.sheet == self.sheet
        )


class ImportScreen(FeatureScreen[None]):
    """Import decisions from a CAD export, dry run first."""

    CSS_PATH = "importing.tcss"
    HELP_TITLE = "Import a CAD export"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "dry_run", "Dry run", id="import.dry-run"),
        Binding("ctrl+s", "run_import", "Import", id="import.run"),
        Binding("escape", "stop", "Stop", id="import.stop"),
    ]

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.profiles: ProfileList | None = None
        #: The run in progress (None when idle) and whether it is a dry run.
        self.running: Request | None = None
        self.running_dry = False
        #: Set to stop the running worker at the importer's next progress report.
        self._stop = threading.Event()
        #: The file has been read: the import is writing and can no longer be stopped.
        self.writing = False
        #: The request the last dry run checked, and what it found.
        self.checked: Request | None = None
        self.dry_summary: ImportSummary | None = None
        #: The last real import's summary (for tests and the title line).
        self.summary: ImportSummary | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            Text(
                "Dry run first (Enter): it reads the whole file and writes nothing. "
                "→ completes a path."
            ),
            id="import-intro",
        )
        with Horizontal(classes="import-row"):
            yield Label("File", classes="import-label")
            yield FormInput(
                placeholder="path of the .csv or .xlsx file",
                suggester=PathSuggester(),
                id="import-file",
            )
        yield Static("", id="import-file-message")
        with Horizontal(classes="import-row"):
            yield Label("Profile", classes="import-label")
            yield Select[str]([], prompt="Loading profiles…", id="import-profile")
        with Horizontal(classes="import-row"):
            yield Label("Sheet", classes="import-label")
            yield FormInput(
                placeholder=".xlsx only; blank: the profile's sheet, else the first",
                id="import-sheet",
            )
        yield Static("", id="import-status")
        yield ProgressBar(total=None, show_eta=False, id="import-progress", classes="hidden")
        with VerticalScroll(id="import-report", can_focus=True):
            yield Static("", id="import-report-text")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Import a CAD export"
        self.query_one("#import-file", Input).focus()
        self._load_profiles()
        self._show_earlier()

    def _show_earlier(self) -> None:
        """Opened again (ctrl+l from another screen) over an earlier Import screen: say
        what that one is doing, or show the summary it ended with."""
        earlier = next(
            (
                screen
                for screen in reversed(self.app.screen_stack)
                if isinstance(screen, ImportScreen) and screen is not self
            ),
            None,
        )
        if earlier is None:
            return
        report = self.query_one("#import-report-text", Static)
        if earlier.running is not None:
            what = "dry run" if earlier.running_dry else "import"
            report.update(
                literal(
                    f"A {what} of {earlier.running.path.name} started earlier is still "
                    "running; the app says when it has finished."
                )
            )
        elif earlier.summary is not None:
            report.update(literal(f"The last import from this app:\n{earlier.summary.describe()}"))

    # ------------------------------------------------------------------ profiles

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-profiles")
    def _load_profiles(self) -> None:
        from rcrp_tui.importing.profile_files import available_profiles

        found = available_profiles()
        self.app.call_from_thread(self._profiles_loaded, found)

    def _profiles_loaded(self, found: ProfileList) -> None:
        self.profiles = found
        select = self.query_one("#import-profile", Select)
        select.set_options(
            (Text(choice.label, overflow="ellipsis", no_wrap=True), choice.key)
            for choice in found.choices
        )
        select.prompt = "Choose a profile"
        if found.choices:
            select.value = found.choices[0].key
        where = f"Force profiles are read from {found.folder}."
        self._say(found.note or where)

    def _choice(self) -> ProfileChoice | None:
        select = self.query_one("#import-profile", Select)
        if self.profiles is None or select.value is Select.NULL:
            return None
        return next((c for c in self.profiles.choices if c.key == select.value), None)

    # ------------------------------------------------------------------ the form

    def _request(self) -> Request | None:
        """The form as a request, or None after saying what is wrong under its field."""
        from rcrp_tui.importing.errors import ImportFailed
        from rcrp_tui.importing.sources import check_source_path

        file_box = self.query_one("#import-file", Input)
        message = self.query_one("#import-file-message", Static)
        try:
            path = check_source_path(file_box.value)
        except ImportFailed as exc:
            message.update(literal(f"✗ {exc}", single_line=True))
            file_box.focus()
            return None
        message.update("")
        choice = self._choice()
        if choice is None:
            self._say("✗ Choose a profile first.")
            self.query_one("#import-profile", Select).focus()
            return None
        sheet = self.query_one("#import-sheet", Input).value.strip() or None
        if sheet is not None and path.suffix.lower() != ".xlsx":
            self._say("✗ A sheet can be named only for an .xlsx workbook: clear the Sheet box.")
            self.query_one("#import-sheet", Input).focus()
            return None
        return Request(path, choice, sheet)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_dry_run()

    @on(Input.Changed)
    @on(Select.Changed)
    def _form_changed(self) -> None:
        self.refresh_bindings()

    def action_dry_run(self) -> None:
        if self.running is not None:
            self.notify("A run is already going: wait for it, or press Escape to stop it.")
            return
        request = self._request()
        if request is not None:
            self._start(request, dry_run=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run_import":
            # Shown once a dry run has checked what the form now says.
            return self.running is None and self.dry_summary is not None
        if action == "stop":
            return self.running is not None
        if action == "dry_run":
            return self.running is None
        return True

    def action_run_import(self) -> None:
        if self.running is not None or self.dry_summary is None:
            return
        request = self._request()
        if request is None:
            return
        if not request.same_as(self.checked):
            self._say(
                "✗ The file, profile or sheet changed since the dry run: press Enter for a "
                f"dry run of what the form says now, then {self._import_key()}."
            )
            return
        self._start(request, dry_run=False)

    def action_stop(self) -> None:
        if self.running is None:
            return
        if self.writing:
            self.notify(
                "The file has been read and the import is being written in one transaction: "
                "it can no longer be stopped, and will finish in a moment."
            )
            return
        what = "dry run" if self.running_dry else "import"

        def answered(stop: bool | None) -> None:
            if stop and self.running is not None and not self.writing:
                self._stop.set()
                self._say(f"Stopping the {what}…")

        self.app.push_screen(StopQuestion(what), answered)

    # ------------------------------------------------------------------ running

    def _start(self, request: Request, *, dry_run: bool) -> None:
        self.running, self.running_dry, self.writing = request, dry_run, False
        self._stop.clear()
        for box in self.query(".import-row Input, .import-row Select"):
            box.disabled = True
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.remove_class("hidden")
        what = "Dry run of" if dry_run else "Importing"
        self._say(f"{what} {request.path.name} by {request.profile.name}: reading…")
        self.query_one("#import-report-text", Static).update("")
        self.refresh_bindings()
        self._run(request, dry_run)

    @work(thread=True, exclusive=True, exit_on_error=False, group="import-run")
    def _run(self, request: Request, dry_run: bool) -> None:
        from rcrp_tui.importing.cad import import_file
        from rcrp_tui.importing.errors import ImportCancelled, ImportFailed
        from rcrp_tui.importing.profile import ProfileError
        from rcrp_tui.services.core.errors import ServiceError

        call = self.app.call_from_thread
        try:
            profile = request.profile.load()
        except ProfileError as exc:
            call(self._failed, f"The profile is wrong: {exc}")
            return
        try:
            summary = import_file(
                self.ctx,
                request.path,
                profile,
                sheet=request.sheet,
                dry_run=dry_run,
                progress=self._told_progress,
            )
        except ImportCancelled:
            call(self._stopped, dry_run)
            return
        except ImportFailed as exc:
            call(self._failed, str(exc))
            return
        except ServiceError as exc:
            call(self._failed, exc.message)
            return
        linked: str | None = None
        if not dry_run:
            linked = self._link_appeals()
        call(self._finished, request, summary, linked)

    def _told_progress(self, done: int, total: int) -> None:
        """The importer's progress report, on the worker's thread: stop here if asked
        (the importer then writes nothing), else move the bar."""
        from rcrp_tui.importing.errors import ImportCancelled

        if self._stop.is_set():
            raise ImportCancelled("stopped by the person importing")
        self.app.call_from_thread(self._progress, done, total)

    def _link_appeals(self) -> str:
        """After an import, as the command line does: link appeals to their decisions."""
        from rcrp_tui.services.appeals.recording import link_pending
        from rcrp_tui.services.core.errors import ServiceError

        try:
            return f"Appeals linked to their decisions: {link_pending(self.ctx)}."
        except ServiceError as exc:
            return (
                f"The import is saved, but appeals were not linked to their decisions: "
                f"{exc.message} The next import links them."
            )

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one("#import-progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        if self.running is None:
            return
        if done >= total and not self.running_dry:
            self.writing = True
            self._say(f"{self.running.path.name} read: writing the decisions (cannot be stopped)…")
        else:
            verb = "Dry run of" if self.running_dry else "Importing"
            share = f"{done / total:.0%}" if total else ""
            self._say(f"{verb} {self.running.path.name}: reading… {share}")

    def _idle(self) -> None:
        self.running, self.writing = None, False
        for box in self.query(".import-row Input, .import-row Select"):
            box.disabled = False
        self.query_one("#import-progress", ProgressBar).add_class("hidden")
        self.refresh_bindings()

    def _failed(self, message: str) -> None:
        dry = self.running_dry
        self._idle()
        what = "The dry run" if dry else "The import"
        self._say(f"✗ {what} did not run: nothing was written.")
        if self.app.screen is not self:
            self.app.notify(f"{what} did not run: {message}", severity="warning", markup=False)
        self.query_one("#import-report-text", Static).update(literal(message))
        self.query_one("#import-file", Input).focus()

    def _stopped(self, dry_run: bool) -> None:
        self._idle()
        what = "Dry run" if dry_run else "Import"
        self._say(f"■ {what} stopped: nothing was written.")
        self.query_one("#import-file", Input).focus()

    def _finished(self, request: Request, summary: ImportSummary, linked: str | None) -> None:
        self._idle()
        report = self.query_one("#import-report-text", Static)
        text = summary.describe()
        if summary.dry_run:
            self.checked, self.dry_summary = request, summary
            self._say(
                f"✓ Dry run done, nothing written. Press {self._import_key()} to import "
                f"{request.path.name} "
                "by this profile; Enter for another dry run."
            )
        else:
            self.summary = summary
            self.checked, self.dry_summary = None, None
            self._say(f"✓ Imported {request.path.name}. The summary is below and in the audit log.")
            if linked:
                text += "\n" + linked
            self.app.notify(
                f"Import of {request.path.name} finished: {summary.inserted:,} inserted, "
                f"{summary.updated:,} updated, {summary.rejected:,} rejected.",
                markup=False,
                timeout=20,
            )
        report.update(literal(text))
        self.refresh_bindings()
        self.query_one("#import-report", VerticalScroll).focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        super().on_worker_state_changed(event)
        if event.worker.group == "import-run" and event.state is WorkerState.ERROR:
            self._idle()
            self._say("✗ The run failed (see the message): nothing was written.")

    def _import_key(self) -> str:
        return shown_key(self.app, "import.run", "ctrl+s")

    def _say(self, status: str) -> None:
        self.query_one("#import-status", Static).update(literal(status))
