"""Showing and printing PDFs the exports wrote: pages become images (exports.preview), Qt paints them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QWidget

from exports.preview import PageImage, page_images

PRINT_DPI = 200  # sharp on paper, and a page image stays near 10 MB


def to_qimage(page: PageImage) -> QImage:
    # copy(): the QImage must own its pixels once the bytes object goes away
    return QImage(page.rgb, page.width, page.height, page.stride, QImage.Format.Format_RGB888).copy()


def first_page_pixmap(path: str | Path, dpi: float = 80) -> QPixmap:
    page = next(page_images(path, dpi=dpi, last=0))
    return QPixmap.fromImage(to_qimage(page))


def print_pdf(parent: QWidget | None, path: str | Path) -> bool:
    """Qt's print dialog, then every page of the PDF onto the chosen printer; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(Path(path).stem)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("打印台账")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    paint_pdf(printer, path)
    return True


def paint_pdf(printer: QPrinter, path: str | Path) -> int:
    """Paint each page scaled to the printable area, keeping its proportions; returns the pages printed."""
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError("打印机无法开始打印")
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    printed = 0
    try:
        for page in page_images(path, dpi=min(PRINT_DPI, printer.resolution())):
            if printed:
                printer.newPage()
            image = to_qimage(page)
            area = painter.viewport()
            size = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.setViewport(area.x(), area.y(), size.width(), size.height())
            painter.setWindow(image.rect())
            painter.drawImage(0, 0, image)
            painter.setViewport(area)
            painter.setWindow(area)
            printed += 1
    finally:
        painter.end()
        QApplication.restoreOverrideCursor()
    return printed
