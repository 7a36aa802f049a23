"""A Chinese font reportlab can embed, found once per process."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

FALLBACK_FONT = "STSong-Light"

# (file, subfont index for .ttc, name to register). Order: the usual print fonts first.
_WINDOWS = (("simsun.ttc", 0, "SimSun"), ("msyh.ttc", 0, "MicrosoftYaHei"), ("simhei.ttf", 0, "SimHei"))
_LINUX = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "WenQuanYiMicroHei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "WenQuanYiZenHei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "ARPLUMing"),
)

_lock = threading.Lock()
_chosen: str | None = None


def default_candidates() -> Iterator[tuple[Path, int, str]]:
    """Font files worth trying on this machine, in order of preference (fc-match asked only if needed)."""
    windir = Path(os.environ.get("WINDIR") or "C:/Windows")
    yield from ((windir / "Fonts" / f, i, n) for f, i, n in _WINDOWS)
    yield from ((Path(f), i, n) for f, i, n in _LINUX)
    matched = _fc_match()
    if matched is not None:
        yield matched, 0, "CJK-" + matched.stem


def _fc_match() -> Path | None:
    """The font fontconfig would use for Chinese, when fc-match exists (Linux only)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    path = Path(out.stdout.strip())
    # OpenType (.otf, CFF outlines) is refused by reportlab; do not even try.
    return path if path.suffix.lower() in (".ttf", ".ttc") and path.is_file() else None


def register_first(candidates: Iterable[tuple[str | os.PathLike, int, str]]) -> str:
    """Register the first candidate reportlab accepts; else the built-in CID font, with a warning."""
    for path, index, name in candidates:
        if name in pdfmetrics.getRegisteredFontNames():
            return name
        if not Path(path).is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
        except Exception:
            continue
        return name
    warnings.warn(
        "没有找到可嵌入的中文 TrueType 字体（如宋体、微软雅黑、文泉驿），PDF 将使用内置字体 STSong-Light，"
        "字体不嵌入文件，在没有中文字体的电脑上可能无法显示。",
        RuntimeWarning,
        stacklevel=2,
    )
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def cjk_font() -> str:
    """Name of the registered Chinese font; the search runs once per process."""
    global _chosen
    with _lock:
        if _chosen is None:
            _chosen = register_first(default_candidates())
        return _chosen


def is_embedded(font_name: str) -> bool:
    """True when the font is a TrueType font that goes into the PDF file."""
    return isinstance(pdfmetrics.getFont(font_name), TTFont)
