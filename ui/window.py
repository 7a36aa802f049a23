"""The main window: navigation on the left, one page at a time on the right."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from app import settings
from db.store import Store
from ui.context import Context
from ui.errors import show_error
from ui.ops import Ops


def page_classes() -> list[tuple[str, type]]:
    from ui.pages.dashboard import DashboardPage
    from ui.pages.elders import EldersPage
    from ui.pages.export import ExportPage
    from ui.pages.people import PeoplePage
    from ui.pages.service import ServicePage
    from ui.pages.settings import SettingsPage
    from ui.pages.sync import SyncPage
    from ui.pages.stamps import StampsPage
    from ui.pages.topics import TopicsPage
    from ui.pages.trash import TrashPage
    from ui.pages.volunteers import VolunteersPage

    return [
        ("工作台", DashboardPage),
        ("居民", PeoplePage),
        ("志愿者", VolunteersPage),
        ("志愿服务", ServicePage),
        ("老年人探访", EldersPage),
        ("协商议事", TopicsPage),
        ("盖章登记", StampsPage),
        ("台账导出", ExportPage),
        ("回收站", TrashPage),
        ("设置", SettingsPage),
        ("数据同步", SyncPage),
    ]


class MainWindow(QMainWindow):
    def __init__(self, store: Store, *, today: Callable[[], date] = date.today):
        super().__init__()
        self.store = store
        self.ops = Ops(store, on_error=lambda exc: show_error(self, exc), parent=self)
        self.ctx = Context(self.ops, today)
        self.nav = QListWidget()
        self.nav.setFixedWidth(120)
        self.nav.setStyleSheet("QListWidget { font-size: 14px; } QListWidget::item { padding: 8px; }")
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        for number, (name, cls) in enumerate(page_classes(), start=1):
            page = cls(self.ctx)
            self.pages[name] = page
            self.nav.addItem(name)
            self.stack.addWidget(page)
            if number <= 9:
                QShortcut(QKeySequence(f"Ctrl+{number}"), self,
                          activated=lambda n=number: self.nav.setCurrentRow(n - 1))
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
        self.setWindowTitle("社区台账")
        self.resize(1280, 720)
        self.nav.setCurrentRow(0)
        self.refresh_title()

    def page(self, name: str) -> QWidget:
        return self.pages[name]

    def go(self, name: str) -> QWidget:
        self.nav.setCurrentRow(list(self.pages).index(name))
        return self.pages[name]

    def _show_page(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.stack.widget(index)
        if index not in self._shown and hasattr(page, "reload"):
            self._shown.add(index)
            page.reload()
        # Keyboard users land in the page's list, ready for Enter, Ctrl+N or Del.
        getattr(page, "view", page).setFocus()

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

    def _changed(self, table: str) -> None:
        if table in ("settings", "*"):
            self.refresh_title()

    def _busy(self, busy: bool) -> None:
        self.busy_label.setText("正在处理…" if busy else "")
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.ops.wait()
        super().closeEvent(event)
