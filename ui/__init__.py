"""The PySide6 window. Calls app/ services only; never SQL, never a workbook."""
