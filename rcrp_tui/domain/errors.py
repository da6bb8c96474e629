"""The base of every error a person can act on, and the one raised when the database is busy.

``ServiceError`` lives here, below both ``storage`` and ``services``, so that the storage
layer can raise ``Busy`` (a write that could not get the database) as the same kind of
error the services raise: screens and the command line show it as a message, never as a
traceback. ``services.core.errors`` re-exports both.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base for refusals the user should see as a message, not a crash."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Busy(ServiceError):
    """The database stayed locked by another terminal's write for longer than a write
    waits; nothing was saved, and trying again later will work."""
