"""Turn a failed background job on a screen into a message a person can read.

``Worker.StateChanged`` does not bubble, so a screen's own workers never reach the app's
handler: each screen that runs workers passes the event here.
"""

from __future__ import annotations

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from rcrp_tui.services.errors import ServiceError
from rcrp_tui.widgets.literal import visible


def report_failure(node: Widget, event: Worker.StateChanged) -> str | None:
    """Notify about a failed worker; return the message shown (None if it did not fail)."""
    if event.state is not WorkerState.ERROR:
        return None
    error = event.worker.error
    if isinstance(error, ServiceError):
        text = error.message
        node.notify(visible(text), title="Not done", severity="warning")
    else:
        text = f"{type(error).__name__}: {error}"
        node.notify(visible(text), title="Something went wrong", severity="error", timeout=10)
    return text
