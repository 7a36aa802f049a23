"""Benchmark: how often the window dies at exit after file work on the second worker.

Run (from the worktree root): PYTHON tests/benchmarks/exit_crashes.py [RUNS] [after|early]
Each run is the real program (ui.main.open_window) on its own copy of the demo database,
offscreen: it exports a month from the 台账导出 page and the 操作日志 from its page (both on
Ops.run_files, the second worker) while the 居民 list searches on the database worker, closes
the window when all is back (or, with `early`, at once: the close waits for the export), and exits the interpreter as the program does. A run counts as a
crash when the process ends with anything but 0 ("Fatal Python error: none_dealloc" is
PySide6 6.12.0's on Python < 3.12; pyproject.toml keeps it out there).
Prints the Qt binding and Python versions, the runs and the crashes. Not collected by pytest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui import main

out = Path(sys.argv[2])
app = QApplication([sys.argv[0]])


def drive():
    window = next(w for w in app.topLevelWidgets() if type(w).__name__ == "MainWindow")
    export = window.go("台账导出")
    export.folder.setText(str(out / "month"))
    export.export()
    window.go("操作日志").export_to(out / "操作日志.xlsx")
    people = window.go("居民")
    people.search.setText("z")

    def maybe_close():
        if window.ops.idle and export.status.text().startswith("已导出"):
            window.close()

    window.ops.settled.connect(maybe_close)
    if sys.argv[3] == "early":  # closed while the export runs: the close waits for it
        QTimer.singleShot(0, window.close)


QTimer.singleShot(0, drive)
code = main.open_window(Path(sys.argv[1]))
assert (out / "操作日志.xlsx").exists() and any((out / "month").glob("*合订本.pdf")), "the exports were not written"
sys.exit(code)
"""


def demo_database(folder: Path) -> Path:
    from app.database import open_ledger
    from app.demo import build_demo
    from tests.conftest import TODAY, pinned_clock

    path = folder / "demo.db"
    store = open_ledger(path, clock=pinned_clock())
    build_demo(store, today=TODAY)
    store.close()
    return path


def run_once(template: Path, folder: Path, close: str = "after") -> subprocess.CompletedProcess:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    db = folder / "ledger.db"
    shutil.copy(template, db)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(folder),
           "XDG_DATA_HOME": str(folder / "data"), "XDG_DOCUMENTS_DIR": str(folder / "docs")}
    return subprocess.run([sys.executable, "-c", CHILD, str(db), str(folder / "out"), close], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def main() -> int:
    import PySide6

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    close = sys.argv[2] if len(sys.argv) > 2 else "after"  # "early": close the window during the export
    scratch = Path(tempfile.mkdtemp(prefix="exit-crashes-"))
    crashes: dict[str, int] = {}
    try:
        template = demo_database(scratch)
        for _ in range(runs):
            done = run_once(template, scratch / "run", close)
            if done.returncode != 0:
                fatal = [line for line in done.stderr.splitlines() if "Fatal Python error" in line or "Error" in line]
                kind = (fatal[0] if fatal else f"exit {done.returncode}")[:100]
                crashes[kind] = crashes.get(kind, 0) + 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"PySide6 {PySide6.__version__}, Python {sys.version.split()[0]}")
    print(f"runs {runs} (window closed {close} the export), crashes {sum(crashes.values())}")
    for kind, count in sorted(crashes.items(), key=lambda item: -item[1]):
        print(f"  {count:3d}  {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
