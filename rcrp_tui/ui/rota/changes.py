"""The rota screen's whole-rota actions: auto-fill, leave and export.

Mixed into ``RotaScreen``, which provides the rota on screen (``view``), the actor's
context and ``_change`` (run a change in a worker, offering an override when a rule is
broken). The auto-fill proposal lists every proposed shift before anything is saved; the
export dialog stays open, with the folder as typed, when the folder is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from textual import work
from textual.app import App

from rcrp_tui.domain.rota import SlotKey
from rcrp_tui.domain.rota_autofill import Proposal
from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.services.rota import planning as rota_service
from rcrp_tui.services.rota.export import export_rota
from rcrp_tui.services.rota.planning import RotaView
from rcrp_tui.settings import default_export_folder
from rcrp_tui.ui.rota.dialogs import AutofillReviewDialog, LeaveChoice, LeaveDialog
from rcrp_tui.ui.rota.export_dialog import ExportChoice, ExportDialog


class _RotaHost(Protocol):
    """What these actions need from the rota screen."""

    ctx: Ctx
    view: RotaView | None
    rota_id: int | None

    @property
    def app(self) -> App[object]: ...

    def _change(self, call: Callable[[str | None], None], note: str) -> None: ...

    def _unless_past(self, what: str, keys: list[SlotKey], then: Callable[[], None]) -> None: ...

    def _load(self) -> object: ...

    def _propose(self, rota_id: int) -> object: ...

    def _proposal_ready(self, proposal: Proposal, view: RotaView) -> None: ...


class RotaChanges:
    """Auto-fill (``f``), leave (``L``) and export (``e``) for ``RotaScreen``."""

    def action_autofill(self: _RotaHost) -> None:
        if self.view is not None:
            self._propose(self.view.rota.id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="rota-autofill")
    def _propose(self: _RotaHost, rota_id: int) -> None:
        view = self.view
        try:
            proposal = rota_service.propose_autofill(self.ctx, rota_id)
        except ServiceError as exc:
            self.app.call_from_thread(self.app.notify, exc.message, severity="error", markup=False)
            return
        if view is not None:
            self.app.call_from_thread(self._proposal_ready, proposal, view)

    def _proposal_ready(self: _RotaHost, proposal: Proposal, view: RotaView) -> None:
        if not proposal.assignments:
            self.app.notify("No gap can be filled without breaking a rule.")
            return
        rota_id = view.rota.id

        def decided(accept: bool | None) -> None:
            if accept:

                def save(_reason: str | None) -> None:
                    rota_service.accept_proposal(self.ctx, rota_id, proposal)

                def run() -> None:
                    self._change(save, f"Auto-fill saved: {len(proposal.assignments)} shifts.")

                # Like a, u and s: filling a shift that has already started asks first.
                keys = [a.key for a in proposal.assignments]
                self._unless_past("This auto-fill", keys, run)
            else:
                self.app.notify("Proposal discarded; nothing saved.")

        self.app.push_screen(AutofillReviewDialog(proposal, view), decided)

    def action_leave(self: _RotaHost) -> None:
        if self.view is None:
            return

        def chosen(choice: LeaveChoice | None) -> None:
            if choice is None:
                return

            def save(reason: str | None) -> None:
                # Leave over a shift they hold is a clash: refused, or (with an override
                # reason, offered by ``_change``) recorded and that shift left as a gap.
                rota_service.add_leave(
                    self.ctx,
                    choice.floorwalker_id,
                    choice.first_day,
                    choice.last_day,
                    choice.kind,
                    reason,
                )

            self._change(save, "Leave recorded.")

        dialog = LeaveDialog(list(self.view.floorwalkers), rota_service.LEAVE_KINDS)
        self.app.push_screen(dialog, chosen)

    def action_export(self: _RotaHost) -> None:
        if self.view is None:
            return
        rota_id = self.view.rota.id

        def run(choice: ExportChoice) -> str:
            # Runs in the dialog's worker; a refusal keeps the dialog open with its reason.
            result = export_rota(
                self.ctx,
                rota_id,
                choice.folder,
                calendars=choice.calendars,
                table=choice.table,
                print_view=choice.print_view,
            )
            return f"Exported {len(result.files)} files to {choice.folder}."

        def done(note: str | None) -> None:
            if note is not None:
                self.app.notify(note, markup=False)

        self.app.push_screen(ExportDialog(default_export_folder(), run), done)
