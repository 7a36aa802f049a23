"""回收站 page: everything deleted, restored with one key."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton

from app import trash
from app.audit import local_time
from ui.pages.base import RecordPage
from ui.table import Col


class TrashPage(RecordPage):
    title = "回收站"
    table = "*"
    shows = trash.BIN_TABLES
    noun = "记录"
    searchable = False
    empty_hint = "回收站是空的。删除的记录会先放在这里，可以随时恢复。"

    def columns(self):
        return [
            Col("类别", lambda r: r["kind"], 90),
            Col("记录", lambda r: r.get("label"), 320),
            Col("删除时间", lambda r: local_time(r["deleted_at"]) if r["deleted_at"] else "", 170),
        ]

    def extra_buttons(self):
        self.restore_button = QPushButton("恢复 (Ctrl+Z)")
        QShortcut(QKeySequence("Ctrl+Z"), self, activated=self.restore_current)
        self.restore_button.clicked.connect(self.restore_current)
        return [self.restore_button]

    def restore_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        self.ops.run(trash.restore, row["table_name"], row["id"])

    def query(self, search, filters):
        return trash.deleted_records, True

    def __init__(self, ctx):
        super().__init__(ctx)
        self.delete_button.hide()  # nothing is erased for good: the bin only restores

    def delete_current(self) -> None:
        """Nothing is erased for good."""

    def _maybe_refresh(self, table: str) -> None:
        if self.model.active:
            self.reload()
