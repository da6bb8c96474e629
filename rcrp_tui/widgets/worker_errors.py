"""Turn a failed background job into a message a person can read.

``Worker.StateChanged`` does not bubble, so a screen's own workers never reach the app's
handler: each screen that runs workers passes the event here (or mixes in
``screens.base.ReportsWorkerErrors``, which ends in ``notify_failure`` too).
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import App
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from rcrp_tui.services.errors import ServiceError
from rcrp_tui.widgets.literal import visible


def notify_failure(node: Widget | App[Any], worker: Worker[Any]) -> str:
    """Notify about ``worker``'s error and return the text shown.

    A ``ServiceError`` is the person's to fix (a warning with its message); anything else
    is a fault, named by its type. The text is shown literally: never parsed as markup.
    """
    error = worker.error
    if isinstance(error, ServiceError):
        text = error.message
        node.notify(escape(visible(text)), title="Not done", severity="warning")
    else:
        text = f"{type(error).__name__}: {error}"
        node.notify(
            escape(visible(text)), title="Something went wrong", severity="error", timeout=10
        )
    return text


def report_failure(node: Widget | App[Any], event: Worker.StateChanged) -> str | None:
    """Notify about a failed worker; return the message shown (None if it did not fail)."""
    if event.state is not WorkerState.ERROR:
        return None
    return notify_failure(node, event.worker)
