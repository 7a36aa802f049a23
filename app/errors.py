"""Failures the user can fix, with Chinese messages that say what to do."""

from __future__ import annotations


from db.errors import UserError

__all__ = ["UserError", "ValidationError", "NotFound", "PermissionDenied", "LoginRefused", "UsageError",
           "SyncError"]


class ValidationError(UserError, ValueError):
    """One or more fields are wrong; `errors` maps field name to message."""

    def __init__(self, errors: dict[str, str] | str, field: str = ""):
        if isinstance(errors, str):
            errors = {field: errors}
        self.errors = errors
        super().__init__("；".join(errors.values()))


class NotFound(UserError):
    """The record asked for does not exist (or is in the 回收站)."""


class PermissionDenied(UserError):
    """The signed-in 工作人员 asked for something only a 管理员 may do."""


class LoginRefused(UserError):
    """Wrong user name or password; `wait_seconds` > 0 when further tries must wait."""

    def __init__(self, message: str, wait_seconds: int = 0):
        super().__init__(message)
        self.wait_seconds = wait_seconds


class UsageError(UserError):
    """Command-line arguments that do not make a command (exit 2, like every user error)."""


class SyncError(UserError):
    """A package that cannot be made or imported; nothing was changed."""
