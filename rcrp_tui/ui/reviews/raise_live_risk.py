"""Raising a live risk from the review screen (key ``l``).

Someone may still be at risk now: the dialog records to whom it was escalated (a role or
desk) and when. A refusal brings the dialog back with what was typed and why, so nothing
typed in that moment is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from textual import work
from textual.app import App

from rcrp_tui.services.core.context import Ctx
from rcrp_tui.services.core.errors import ValidationFailed
from rcrp_tui.services.reviews import live_risk
from rcrp_tui.services.reviews.records import ReviewView
from rcrp_tui.ui.common.form import plain_reason
from rcrp_tui.ui.common.literal import visible
from rcrp_tui.ui.reviews import live_risk_banner
from rcrp_tui.ui.reviews.dialogs import LOCAL, LiveRiskDialog

#: The service's field names as the dialog labels them.
_LABELS = {"escalated_to": "Escalated to", "escalated_at": "At"}


class _ReviewHost(Protocol):
    ctx: Ctx
    base: ReviewView | None

    @property
    def app(self) -> App[object]: ...

    def _ask_live_risk(
        self, review_id: int, *, to: str = "", at: datetime | None = None, error: str = ""
    ) -> None: ...

    def _raise_live_risk(self, review_id: int, to: str, at: datetime) -> object: ...


class RaiseLiveRisk:
    """Mixed into ``ReviewScreen``: record a live risk found while reviewing."""

    def action_live_risk(self: _ReviewHost) -> None:
        if self.base is not None:
            self._ask_live_risk(self.base.id)

    def _ask_live_risk(
        self: _ReviewHost,
        review_id: int,
        *,
        to: str = "",
        at: datetime | None = None,
        error: str = "",
        error_field: str = "",
    ) -> None:
        def done(result: tuple[str, datetime] | None) -> None:
            if result is not None:
                self._raise_live_risk(review_id, result[0], result[1])

        at_text = None if at is None else f"{at.astimezone(LOCAL):%H:%M}"
        dialog = LiveRiskDialog(
            self.ctx.clock.now(), escalated_to=to, at=at_text, error=error, error_field=error_field
        )
        self.app.push_screen(dialog, done)

    @work(thread=True, exit_on_error=False, group="live-risk")
    def _raise_live_risk(self: _ReviewHost, review_id: int, to: str, at: datetime) -> None:
        try:
            alert = live_risk.raise_live_risk(self.ctx, review_id, escalated_to=to, escalated_at=at)
        except ValidationFailed as exc:
            # Back to the dialog with what was typed and why it was refused.
            label = _LABELS.get(exc.field, exc.field)
            self.app.call_from_thread(
                self._ask_live_risk,
                review_id,
                to=to,
                at=at,
                error=f"{label}: {plain_reason(exc.reason)}",
                error_field=exc.field,
            )
            return
        self.app.call_from_thread(
            self.app.notify,
            visible(
                f"Live risk recorded: escalated to {alert.escalated_to}. QA leads and "
                "supervisors now see an alert until one of them closes it."
            ),
            title="⚠ Live risk",
            severity="warning",
            markup=False,
        )
        self.app.call_from_thread(live_risk_banner.refresh, self.app)
