"""Errors a person can act on. Each carries a message fit to show on screen."""

from __future__ import annotations

# Defined below storage, so that storage can raise Busy as a ServiceError too.
from rcrp_tui.domain.errors import Busy as Busy
from rcrp_tui.domain.errors import ServiceError as ServiceError


class PermissionDenied(ServiceError):
    """The signed-in role may not do this."""


class ValidationFailed(ServiceError):
    """Input is wrong; ``field`` names where."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(ServiceError):
    """The record asked for does not exist (or is not visible to this user)."""


class Conflict(ServiceError):
    """Someone else changed the record since it was read."""


class AuthenticationFailed(ServiceError):
    """Wrong username or password, or a locked or inactive account."""
