"""What every feature screen shares: the service context and worker-error reporting.

Textual does not bubble ``Worker.StateChanged`` past the node that owns the worker, so
each screen hands a failed worker to the app, which turns it into one clear message.
Dialogs and widgets that run workers can mix in ``ReportsWorkerErrors`` the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from rcrp_tui.services.context import Ctx

ResultT = TypeVar("ResultT")


class ReportsWorkerErrors:
    """Mixin for any Textual node: a worker that fails is reported by the app."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            app: Any = self.app  # type: ignore[attr-defined]
            report = getattr(app, "report_worker_error", None)
            if report is not None:
                report(event.worker)


class FeatureScreen(ReportsWorkerErrors, Screen[ResultT]):
    """A screen opened from ``navigation``: built with the signed-in user's ``Ctx``."""

    def __init__(self, ctx: Ctx, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
