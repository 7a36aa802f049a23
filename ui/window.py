"""The main window: navigation on the left, one page at a time on the right."""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app import access, settings
from app.database import database_file
from app.paths import data_dir
from db.store import Store
from ui.context import Context, touches
from ui.errors import show_error
from ui.gc import GarbageCollector
from ui.help import HelpDialog, about_box
from ui.idle_lock import IdleLock
from ui.ops import Ops


BACKUP_CHECK_MS = 30 * 60 * 1000
STATUS_MS = 15000  # how long "已保存…" stays in the status bar

# name, module, class: a page's module is imported and the page built when first opened,
# so start-up pays only for the 工作台.
PAGES: list[tuple[str, str, str]] = [
    ("工作台", "ui.pages.dashboard", "DashboardPage"),
    ("居民", "ui.pages.people", "PeoplePage"),
    ("志愿者", "ui.pages.volunteers", "VolunteersPage"),
    ("志愿服务", "ui.pages.service", "ServicePage"),
    ("老年人探访", "ui.pages.elders", "EldersPage"),
    ("关爱对象", "ui.pages.care", "CarePage"),
    ("协商议事", "ui.pages.topics", "TopicsPage"),
    ("盖章登记", "ui.pages.stamps", "StampsPage"),
    ("台账导出", "ui.pages.export", "ExportPage"),
    ("回收站", "ui.pages.trash", "TrashPage"),
    ("操作日志", "ui.pages.audit", "AuditPage"),
    ("设置", "ui.pages.settings", "SettingsPage"),
    ("数据同步", "ui.pages.sync", "SyncPage"),
]


class MainWindow(QMainWindow):
    def __init__(self, store: Store):
        super().__init__()
        self.store = store
        self.collector = GarbageCollector(self)
        self.ops = Ops(store, on_error=lambda exc: show_error(self, exc), parent=self)
        self.ctx = Context(self.ops)
        self.nav = QListWidget()
        self.nav.setFixedWidth(120)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        self.page_names = [name for name, _, _ in PAGES]
        self.pages: dict[str, QWidget] = {}  # the pages built so far
        for number, name in enumerate(self.page_names, start=1):
            self.nav.addItem(name)
            self.stack.addWidget(QWidget())  # stands in until the page is first opened
            if number <= 9:
                QShortcut(QKeySequence(f"Ctrl+{number}"), self,
                          activated=lambda n=number: self.nav.setCurrentRow(n - 1))
        if not access.is_admin(store):
            self.nav.setRowHidden(self.page_names.index("操作日志"), True)  # 管理员 only
        self._shown: set[int] = set()
        self.nav.currentRowChanged.connect(self._show_page)
        body = QWidget()
        row = QHBoxLayout(body)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self.busy_label = QLabel("")
        self.statusBar().addPermanentWidget(self.busy_label)
        self.ops.busy.connect(self._busy)
        self.ctx.changed.connect(self._changed)
        self.ctx.message.connect(lambda text: self.statusBar().showMessage(text, STATUS_MS))
        self._menus()
        # Locks the window after the idle minutes set by the 管理员 (only when accounts are on).
        self.idle_lock = IdleLock(self)
        # While the window stays open for days, one backup a day (when anything changed).
        self.backup_timer = QTimer(self, interval=BACKUP_CHECK_MS, timeout=self.daily_backup)
        self.backup_timer.start()
        self.setWindowTitle("社区台账")
        self._fit_screen()
        self.nav.setCurrentRow(0)
        self.refresh_title()

    def _fit_screen(self) -> None:
        """Un-maximized, the window fits the screen's free area (a taskbar, 150 % scaling)."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1280, 720
        if screen is not None:
            width, height = min(width, screen.width()), min(height, screen.height() - 40)
        self.resize(width, height)

    def _menus(self) -> None:
        menu = self.menuBar().addMenu("帮助")
        guide = menu.addAction("使用说明")
        guide.setShortcut(QKeySequence("F1"))
        guide.triggered.connect(self.show_help)
        menu.addAction("关于").triggered.connect(self.show_about)

    def show_help(self) -> HelpDialog:
        self.help = HelpDialog(self)
        self.help.show()
        return self.help

    def show_about(self) -> None:
        from app.cli import program_version

        def shown(path) -> None:
            self.about = about_box(self, program_version(), str(path), str(data_dir()))

        self.ops.run(database_file, on_done=shown)

    def go(self, name: str) -> QWidget:
        self.nav.setCurrentRow(self.page_names.index(name))
        return self.pages[name]

    def _build(self, index: int) -> QWidget:
        name, module, cls = PAGES[index]
        page = getattr(importlib.import_module(module), cls)(self.ctx)
        placeholder = self.stack.widget(index)
        self.stack.insertWidget(index, page)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()  # deleted by Qt on this thread; the wrapper only forgets it
        self.pages[name] = page
        return page

    def _show_page(self, index: int) -> None:
        name = self.page_names[index]
        page = self.pages.get(name) or self._build(index)
        self.stack.setCurrentIndex(index)
        if index not in self._shown and hasattr(page, "reload"):
            self._shown.add(index)
            page.reload()
        # Keyboard users land in the page's list, ready for Enter, Ctrl+N or Del.
        getattr(page, "view", page).setFocus()

    def daily_backup(self) -> None:
        from app import backups

        self.ops.run(backups.backup_if_due)

    def refresh_title(self) -> None:
        def shown(config: settings.Settings) -> None:
            name = config.community_name or "未设置社区名称"
            self.setWindowTitle(f"社区台账 — {name}")

        self.ops.run(settings.load, on_done=shown)

    def first_start(self) -> None:
        """A database with no community settings asks for them once (or offers the demo)."""

        def checked(config: settings.Settings) -> None:
            if not config.configured:
                from ui.setup import SetupDialog

                self.setup = SetupDialog(self, self.ctx)
                self.setup.open()

        self.ops.run(settings.load, on_done=checked)

    def _changed(self, changes: frozenset[str]) -> None:
        if touches(changes, {"settings"}):
            self.refresh_title()

    def _busy(self, busy: bool) -> None:
        self.busy_label.setText("正在处理…" if busy else "")
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.ops.wait()
        self.collector.stop()
        super().closeEvent(event)
