"""What every feature screen shares: the service context and worker-error reporting.

Textual does not bubble ``Worker.StateChanged`` past the node that owns the worker, so
each screen passes a failed worker to ``ui.common.worker_errors``, which turns it into one
clear message (the same one the app shows for its own workers).
Dialogs and widgets that run workers can mix in ``ReportsWorkerErrors`` the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker

if TYPE_CHECKING:
    from rcrp_tui.services.core.context import Ctx

ResultT = TypeVar("ResultT")


class ReportsWorkerErrors:
    """Mixin for any Textual widget or screen: a worker that fails becomes a message."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Imported here: the sign-in screen uses this mixin, and the service layer (which
        # worker_errors needs) loads in a worker after start-up.
        from rcrp_tui.ui.common.worker_errors import report_failure

        report_failure(cast(Widget, self), event)


class FeatureScreen(ReportsWorkerErrors, Screen[ResultT]):
    """A screen opened from ``navigation``: built with the signed-in user's ``Ctx``."""

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
