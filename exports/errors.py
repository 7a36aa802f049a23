"""Exceptions of the document layer, importable without loading openpyxl or reportlab."""

from db.errors import UserError


class RosterError(UserError):
    """The roster cannot be read; the message is Chinese and can be shown to the user as it is."""
