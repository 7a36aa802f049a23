"""exports/ knows nothing of the database, the domain or Qt (it shares only the one error tree,
db/errors.py, which imports nothing)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import exports

ROOT = Path(__file__).resolve().parents[2]
MODULES = tuple(f"exports.{m.name}" for m in pkgutil.iter_modules(exports.__path__))


def test_exports_imports_no_app_db_ui_or_qt():
    assert {"exports.ledger", "exports.xlsx", "exports.pdf", "exports.roster"} <= set(MODULES)
    # A fresh interpreter: this test session has already imported app/ through tests/conftest.py.
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "shared = {'db', 'db.errors'}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'app', 'db', 'ui', 'PySide6', 'shiboken6'}"
        " and m not in shared)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
