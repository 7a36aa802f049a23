"""帮助: the bundled Chinese guide (F1) and 关于 (version, where the data is kept)."""

from __future__ import annotations

from importlib import resources

from PySide6.QtWidgets import QDialog, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from ui.forms import resize_within_screen


def guide_html() -> str:
    return resources.files("ui").joinpath("help/guide.html").read_text("utf-8")


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle("社区台账 使用说明")
        self.text = QTextBrowser()
        self.text.setHtml(guide_html())
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        resize_within_screen(self, 720, 600)


def about_box(parent: QWidget | None, version: str, database: str, data_folder: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, "关于社区台账",
                      f"社区台账 {version}\n\n数据库文件：{database}\n日志和其他文件：{data_folder}",
                      QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("知道了")
    box.open()
    return box
