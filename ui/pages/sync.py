"""数据同步 page: make a package for another PC (onto a USB stick), import one, decide conflicts, see history."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QInputDialog,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import sync
from app.audit import local_time
from app.paths import documents_dir
from ui.context import Context

DIRECTIONS = {"export": "制作", "import": "导入"}


def _when(text: str | None) -> str:
    return local_time(text) if text else ""


def _ok_cancel(dialog: QDialog, ok: str) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


class FieldsDialog(QDialog):
    """Field by field: for each field that differs, keep this PC's value or take the other's."""

    def __init__(self, parent: QWidget, conflict: dict):
        super().__init__(parent)
        self.setWindowTitle("逐项选择")
        self.choices: dict[str, QComboBox] = {}
        form = QFormLayout()
        form.addRow(QLabel(f"{conflict['table_label']}：{conflict['label']}"))
        for difference in conflict["differences"]:
            box = QComboBox()
            box.addItem(f"本机：{difference['mine'] or '（空）'}", "mine")
            box.addItem(f"对方：{difference['theirs'] or '（空）'}", "theirs")
            box.setAccessibleName(difference["label"])
            self.choices[difference["field"]] = box
            form.addRow(difference["label"], box)
        buttons = _ok_cancel(self, "确定")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def choice(self) -> dict[str, str]:
        return {name: box.currentData() for name, box in self.choices.items()}


class MergeDialog(QDialog):
    """A duplicate resident's two records side by side; the user picks the one to keep and 合并."""

    def __init__(self, parent: QWidget, pair: dict):
        super().__init__(parent)
        self.setWindowTitle("合并重复的居民")
        intro = QLabel("两台电脑登记了同一位居民。合并后只留一条记录：另一条的探访、服务记录、关爱对象、"
                       "盖章登记等都转到留下的这条名下，它空着的栏目用另一条补上；另一条进回收站。"
                       "其他电脑在下次交换同步包后同样合并。")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(pair["fields"]), 3)
        self.table.setHorizontalHeaderLabels(["栏目", "本机的记录", "对方的记录"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for row, field in enumerate(pair["fields"]):
            for column, text in enumerate((field["label"], field["mine"] or "（空）", field["theirs"] or "（空）")):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.keep_mine = QRadioButton(f"保留本机的记录（本机有 {pair['mine_records']} 条相关记录）")
        self.keep_theirs = QRadioButton(f"保留对方的记录（对方有 {pair['theirs_waiting']} 条相关记录等待写入）")
        self.keep_mine.setChecked(True)
        buttons = _ok_cancel(self, "合并")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table)
        layout.addWidget(self.keep_mine)
        layout.addWidget(self.keep_theirs)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def keep(self) -> str:
        return "mine" if self.keep_mine.isChecked() else "theirs"


class PreviewDialog(QDialog):
    """What a package would do, shown before it is imported; 导入 goes on, 取消 changes nothing."""

    def __init__(self, parent: QWidget, text: str):
        super().__init__(parent)
        self.setWindowTitle("导入前预览")
        intro = QLabel("这个同步包导入后会做下面这些改动。确认无误再导入：")
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(text)
        self.text.setReadOnly(True)
        self.text.setMinimumSize(460, 220)
        buttons = _ok_cancel(self, "导入")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class SyncPage(QWidget):
    title = "数据同步"

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx, self.ops = ctx, ctx.ops
        self.conflict_rows: list[dict] = []
        heading = QLabel("数据同步")
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #555;")

        self.peer = QComboBox()
        self.peer.setEditable(True)
        self.peer.setMinimumWidth(160)
        self.peer.lineEdit().setPlaceholderText("如：村委会笔记本")
        self.peer.setAccessibleName("对方电脑")
        self.folder = QLineEdit(str(documents_dir()))
        choose = QPushButton("选择文件夹…")
        choose.clicked.connect(self._choose_folder)
        self.full = QCheckBox("全部记录（给新电脑或补发）")
        self.export_button = QPushButton("制作同步包")
        self.export_button.clicked.connect(self.export_package)
        make = QHBoxLayout()
        for widget in (QLabel("对方电脑"), self.peer, QLabel("保存到"), self.folder, choose, self.full,
                       self.export_button):
            make.addWidget(widget)
        self.import_button = QPushButton("导入同步包…")
        self.import_button.clicked.connect(self._choose_package)
        bring = QHBoxLayout()
        bring.addWidget(self.import_button)
        bring.addWidget(QLabel("导入对方电脑制作的 .ledgersync 文件；同一个包导入两次不会重复。"))
        bring.addStretch()
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.conflicts = self._table(["类别", "记录", "不同之处", "发现时间"])
        self.conflicts.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.keep_button = QPushButton("保留本机")
        self.take_button = QPushButton("采用对方")
        self.fields_button = QPushButton("逐项选择…")
        self.merge_button = QPushButton("合并…")
        self.merge_button.setToolTip("同一位居民在两台电脑各登记了一次：合并为一人，记录都转过来")
        self.merge_button.clicked.connect(self.merge_current)
        self.keep_button.clicked.connect(lambda: self.resolve_current("mine"))
        self.take_button.clicked.connect(lambda: self.resolve_current("theirs"))
        self.fields_button.clicked.connect(self.choose_fields)
        decide = QHBoxLayout()
        self.conflict_title = QLabel("待处理的冲突")
        self.conflict_title.setStyleSheet("font-weight: bold;")
        decide.addWidget(self.conflict_title)
        decide.addStretch()
        for button in (self.keep_button, self.take_button, self.fields_button, self.merge_button):
            decide.addWidget(button)
        self.conflicts.itemSelectionChanged.connect(self._update_buttons)

        self.held_label = QLabel("")
        self.held_label.setWordWrap(True)
        self.apply_held_button = QPushButton("应用这些修改")
        self.discard_held_button = QPushButton("放弃这些修改")
        self.apply_held_button.clicked.connect(lambda: self._held(sync.apply_held, "已应用"))
        self.discard_held_button.clicked.connect(lambda: self._held(sync.discard_held, "已放弃"))
        self.held_row = QWidget()
        held = QHBoxLayout(self.held_row)
        held.setContentsMargins(0, 0, 0, 0)
        held.addWidget(self.held_label, 1)
        held.addWidget(self.apply_held_button)
        held.addWidget(self.discard_held_button)
        self.held_row.hide()

        self.aside_rows: list[dict] = []
        self.aside = self._table(["类别", "记录", "未写入的原因", "时间"])
        self.aside.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.aside_title = QLabel("")
        self.aside_title.setStyleSheet("font-weight: bold;")
        self.dismiss_button = QPushButton("已告知对方，移除")
        self.dismiss_button.clicked.connect(self.dismiss_current)
        aside_bar = QHBoxLayout()
        aside_bar.addWidget(self.aside_title)
        aside_bar.addStretch()
        aside_bar.addWidget(self.dismiss_button)
        self.aside_box = QWidget()
        aside_layout = QVBoxLayout(self.aside_box)
        aside_layout.setContentsMargins(0, 0, 0, 0)
        aside_layout.addLayout(aside_bar)
        aside_layout.addWidget(self.aside)
        self.aside_box.hide()

        self.history = self._table(["时间", "方式", "对方", "记录", "写入", "冲突", "文件"])
        self.history.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        history_title = QLabel("同步记录")
        history_title.setStyleSheet("font-weight: bold;")

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.info)
        layout.addLayout(make)
        layout.addLayout(bring)
        layout.addWidget(self.status)
        layout.addWidget(self.held_row)
        layout.addLayout(decide)
        layout.addWidget(self.conflicts, 2)
        layout.addWidget(self.aside_box, 1)
        layout.addWidget(history_title)
        layout.addWidget(self.history, 1)
        self._update_buttons()

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        return table

    # -- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        self.ops.run(sync.overview, on_done=self._show)

    def _show(self, overview: dict) -> None:
        code = overview["community_code"] or "（未填写，请先在“设置”中填写）"
        prefix = overview["serial_prefix"]
        numbering = f"本机盖章登记编号带字母 {prefix}（如 2026-{prefix}0001）" if prefix else "本机盖章登记编号不带字母（如 2026-0001）"
        waiting = f"；{overview['parked']} 条记录在等待更早的同步包" if overview["parked"] else ""
        self.info.setText(f"社区代码：{code}。{numbering}{waiting}。")
        current = self.peer.currentText()
        self.peer.clear()
        self.peer.addItems(overview["peers"])
        self.peer.setCurrentText(current or (overview["peers"][0] if overview["peers"] else ""))
        self.conflict_rows = overview["conflicts"]
        self.conflicts.setRowCount(len(self.conflict_rows))
        for row, c in enumerate(self.conflict_rows):
            if c["kind"] == "duplicate":
                what = "与本机另一条记录重复（如身份证号、编号相同）"
            else:
                what = "；".join(f"{d['label']}：本机“{d['mine']}”，对方“{d['theirs']}”" for d in c["differences"])
            for column, text in enumerate((c["table_label"], c["label"], what, _when(c["detected_at"]))):
                self.conflicts.setItem(row, column, QTableWidgetItem(text))
        if self.conflict_rows:
            self.conflicts.selectRow(0)
        self.conflict_title.setText(f"待处理的冲突（{len(self.conflict_rows)}）" if self.conflict_rows
                                    else "待处理的冲突：没有")
        held = overview["held"]
        self.held_row.setVisible(bool(held))
        if held:
            names = "、".join(f"{h['table_label']}“{h['label']}”" for h in held[:5]) + ("等" if len(held) > 5 else "")
            self.held_label.setText(f"工作人员导入的同步包带来 {len(held)} 项设置或盖章事项清单的修改（{names}），"
                                    "等待管理员应用或放弃：")
        self.aside_rows = overview["set_aside"]
        self.aside_box.setVisible(bool(self.aside_rows))
        self.aside_title.setText(f"不合规、未写入的记录（{len(self.aside_rows)}）：请对方电脑改正后重新发送")
        self.aside.setRowCount(len(self.aside_rows))
        for row, item in enumerate(self.aside_rows):
            for column, text in enumerate((item["table_label"], item["label"], item["reason"],
                                           _when(item["set_aside_at"]))):
                self.aside.setItem(row, column, QTableWidgetItem(text))
        if self.aside_rows:
            self.aside.selectRow(0)
        self.history.setRowCount(len(overview["history"]))
        for row, h in enumerate(overview["history"]):
            values = (_when(h["at"]), DIRECTIONS.get(h["direction"], h["direction"]), h["peer"] or "",
                      str(h["records"]), str(h["applied"]) if h["direction"] == "import" else "",
                      str(h["conflicts"]) if h["direction"] == "import" else "", h["file_name"] or "")
            for column, text in enumerate(values):
                self.history.setItem(row, column, QTableWidgetItem(text))
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = bool(self.conflict_rows)
        for button in (self.keep_button, self.take_button, self.fields_button):
            button.setEnabled(has)
        current = self.current_conflict()
        self.merge_button.setEnabled(bool(current and current.get("can_merge")))

    def current_conflict(self) -> dict | None:
        row = self.conflicts.currentRow()
        return self.conflict_rows[row] if 0 <= row < len(self.conflict_rows) else None

    # -- actions ----------------------------------------------------------------------------

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择保存同步包的文件夹（如 U 盘）", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def export_package(self) -> None:
        def done(result: sync.ExportResult) -> None:
            self.last_export = result
            self.status.setText(f"已制作同步包（{result.records} 条记录）：{result.path}\n"
                                f"请把它带到“{result.peer}”上，在“数据同步”页导入。")
            self.reload()

        self.ops.run(sync.export_package, self.peer.currentText(), self.folder.text(), full=self.full.isChecked(),
                     on_done=done)

    def _choose_package(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "选择同步包", self.folder.text(),
            f"同步包或邀请包 (*{sync.SUFFIX} *{sync.INVITE_SUFFIX});;所有文件 (*)")
        if path:
            self.import_file(path)

    def import_file(self, path: str, code: str | None = None) -> None:
        """Import a package; an invitation (a new PC joining) first asks for its one-time code."""
        def done(result: sync.ImportResult) -> None:
            self.last_import = result
            self.status.setText(result.summary())
            self.reload()

        if not sync.is_invitation(path):
            self.ops.run(sync.preview_package, path, on_done=lambda preview: self._confirm(path, preview, done))
            return
        if code is None:
            code, ok = QInputDialog.getText(
                self, "加入社区", "这是加入社区的邀请包。请输入办公室电脑制作邀请时显示的邀请码：")
            if not ok:
                return
        self.ops.run(sync.join, path, code, on_done=done)

    def _confirm(self, path: str, preview: sync.ImportResult, done) -> None:
        """Show what the package would do; the import runs only when the user confirms."""
        self.last_preview = preview
        if preview.already:
            self.status.setText(preview.summary())
            return
        self.preview_dialog = PreviewDialog(self, sync.preview_text(preview))
        self.preview_dialog.accepted.connect(lambda: self.ops.run(sync.import_package, path, on_done=done))
        self.preview_dialog.open()

    def _held(self, action, verb: str) -> None:
        def done(count: int) -> None:
            self.status.setText(f"{verb} {count} 项同步包带来的设置和盖章事项清单修改。")
            self.reload()

        self.ops.run(action, on_done=done)

    def dismiss_current(self) -> None:
        row = self.aside.currentRow()
        if not 0 <= row < len(self.aside_rows):
            return
        item = self.aside_rows[row]

        def done(_) -> None:
            self.status.setText(f"已从列表移除：{item['table_label']}“{item['label']}”")
            self.reload()

        self.ops.run(sync.dismiss_set_aside, item["id"], on_done=done)

    def resolve_current(self, choice: str | dict) -> None:
        conflict = self.current_conflict()
        if conflict is None:
            return

        def done(_) -> None:
            self.status.setText(f"已处理冲突：{conflict['table_label']} {conflict['label']}")
            self.reload()

        self.ops.run(sync.resolve, conflict["id"], choice, on_done=done)

    def merge_current(self) -> None:
        """A duplicate resident: both records side by side, then merge into the one chosen."""
        conflict = self.current_conflict()
        if conflict is None or not conflict.get("can_merge"):
            return
        self.ops.run(sync.duplicate_pair, conflict["id"], on_done=lambda pair: self._ask_merge(conflict, pair))

    def _ask_merge(self, conflict: dict, pair: dict) -> None:
        self.merge_dialog = MergeDialog(self, pair)

        def done(_) -> None:
            self.status.setText(f"已合并重复的居民“{conflict['label']}”：另一条记录的探访、服务记录等已转到保留的记录名下，"
                                "下次交换同步包后其他电脑同样合并。")
            self.reload()

        self.merge_dialog.accepted.connect(
            lambda: self.ops.run(sync.merge_duplicate, conflict["id"], self.merge_dialog.keep(), on_done=done))
        self.merge_dialog.open()

    def choose_fields(self) -> None:
        conflict = self.current_conflict()
        if conflict is None:
            return
        if not conflict["differences"]:
            self.status.setText("这条冲突没有可逐项选择的栏目：请选择保留本机或采用对方。")
            return
        self.dialog = FieldsDialog(self, conflict)
        self.dialog.accepted.connect(lambda: self.resolve_current(self.dialog.choice()))
        self.dialog.open()
