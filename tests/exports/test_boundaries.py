"""exports/ knows nothing of the database, the domain or Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("exports.ledger", "exports.xlsx", "exports.pdf", "exports.fonts", "exports.layouts", "exports.roster")


def test_exports_imports_no_app_db_ui_or_qt():
    # A fresh interpreter: this test session has already imported app/ through tests/conftest.py.
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'app', 'db', 'ui', 'PySide6', 'shiboken6'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
