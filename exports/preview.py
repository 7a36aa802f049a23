"""Pages of a PDF as pixels, for an on-screen preview or for printing what was written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class PageImage:
    width: int
    height: int
    stride: int
    rgb: bytes  # 3 bytes a pixel, rows `stride` bytes apart


def page_count(path: str | os.PathLike) -> int:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(os.fspath(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def page_images(path: str | os.PathLike, *, dpi: float = 96, first: int = 0,
                last: int | None = None) -> Iterator[PageImage]:
    """Render pages first..last (inclusive, 0-based) of a PDF at dpi."""
    import pypdfium2  # imported here: only preview and printing need it

    pdf = pypdfium2.PdfDocument(os.fspath(path))
    try:
        stop = len(pdf) - 1 if last is None else min(last, len(pdf) - 1)
        for index in range(first, stop + 1):
            bitmap = pdf[index].render(scale=dpi / 72, rev_byteorder=True)
            yield PageImage(bitmap.width, bitmap.height, bitmap.stride, bytes(bitmap.buffer))
            bitmap.close()
    finally:
        pdf.close()
