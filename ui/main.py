"""`community-ledger`: with a subcommand it runs headless (app.cli); without one it opens the window."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from app import cli


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = cli.build_parser().parse_args(argv)
    except cli.UsageError as exc:
        print(exc, file=sys.stderr)
        return cli.EXIT_USAGE
    if args.command is not None:
        return cli.main(argv)
    return open_window(Path(args.db) if args.db else None)


def open_window(db_path: Path | None) -> int:
    from importlib import resources

    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.errors import UserError
    from app.ledger import open_ledger
    from app.paths import default_db_path
    from db.errors import StorageError
    from ui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("社区台账")
    app.setWindowIcon(QIcon(str(resources.files("ui").joinpath("icon.png"))))
    try:
        store = open_ledger(db_path or default_db_path())
    except (StorageError, UserError) as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return cli.EXIT_USAGE
    window = MainWindow(store, today=date.today)
    window.show()
    window.first_start()
    code = app.exec()
    store.close()
    return code


def run() -> None:
    sys.exit(main())
