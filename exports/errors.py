"""Exceptions of the document layer, importable without loading openpyxl or reportlab."""


class RosterError(Exception):
    """The roster cannot be read; the message is Chinese and can be shown to the user as it is."""
