"""The first start: the community's settings in one short dialog, or the demo community."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from app import community_key, settings
from app.demo import build_demo
from app.errors import UserError
from ui.context import Context
from ui.recovery import RecoveryCodeDialog

FIELDS = (
    ("community_name", "社区（村）名称*", "如：阳光社区居民委员会"),
    ("community_code", "社区代码", "统计用区划代码，可不填"),
    ("street", "所属街道/乡镇", ""),
    ("preparer", "制表人", "台账上的制表人"),
    ("reviewer", "审核人", "台账上的审核人"),
)


class SetupDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: Context):
        super().__init__(parent)
        self.ctx, self.ops = ctx, ctx.ops
        self.setWindowTitle("欢迎使用社区台账")
        intro = QLabel("先填写本社区（村）的基本信息，台账的标题和签名栏会用到。以后可在“设置”中修改。")
        intro.setWordWrap(True)
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for key, label, hint in FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            edit.textChanged.connect(self._check)
            form.addRow(label, edit)
            self.edits[key] = edit
        self.message = QLabel("")
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("开始使用", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.demo_button = buttons.addButton("先看看演示社区", QDialogButtonBox.ButtonRole.ActionRole)
        later = buttons.addButton("以后再说", QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.demo_button.clicked.connect(self.demo)
        later.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._check()

    def _check(self) -> None:
        self.save_button.setEnabled(bool(self.edits["community_name"].text().strip()))

    def save(self) -> None:
        values = {key: edit.text() for key, edit in self.edits.items()}
        self.ops.run(settings.save, values, on_done=self._saved, on_error=self._refused)

    def _saved(self, _result) -> None:
        """The community exists now: its key and 恢复码 are made, and the code is shown this once."""
        self.ops.run(community_key.recovery_sheet, on_done=self._show_recovery_code, on_error=self._refused)

    def _show_recovery_code(self, sheet: community_key.RecoverySheet) -> None:
        self.recovery = RecoveryCodeDialog(self.parentWidget() or self, self.ops, sheet)
        self.recovery.open()
        self.accept()

    def demo(self) -> None:
        self.demo_button.setEnabled(False)
        self.message.setStyleSheet("color: #555;")
        self.message.setText("正在生成演示数据，请稍候…")
        self.ops.run(build_demo, today=self.ctx.today(), on_done=self._done, on_error=self._refused)

    def _done(self, _result) -> None:
        self.accept()

    def _refused(self, exc: BaseException) -> bool:
        if isinstance(exc, UserError):
            self.message.setStyleSheet("color: #c0392b;")
            self.message.setText(str(exc))
            self.demo_button.setEnabled(True)
            return True
        return False
