"""Turn a failed background job into a message a person can read, and say what a slow
save is waiting for.

``Worker.StateChanged`` does not bubble, so a screen's own workers never reach the app's
handler: each screen that runs workers passes the event here (or mixes in
``ui.base.ReportsWorkerErrors``, which ends in ``notify_failure`` too).

A save that waits over a second for the database (another terminal's import is being
written) is announced by ``announce_wait``, which the app sets as the database's one
waiting listener: every screen's saves are covered without a line in any screen.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.markup import escape
from textual.app import App
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from rcrp_tui.services.core.errors import ServiceError
from rcrp_tui.ui.common.literal import visible


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


class _Wait(Protocol):
    def describe(self) -> str: ...


def announce_wait(app: App[Any], wait: _Wait) -> None:
    """Tell the person a save is waiting, and for what ("Waiting for an import of
    calls.csv by admin (started 14:02 on 03 Dec) to finish…").

    Called by the database from the worker thread whose write is waiting.
    """
    text = wait.describe()

    def show() -> None:
        app.notify(escape(visible(text)), title="Please wait", timeout=10)

    try:
        app.call_from_thread(show)
    except RuntimeError:  # already on the app's own thread
        show()
