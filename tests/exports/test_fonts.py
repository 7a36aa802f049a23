"""Finding a Chinese font reportlab can embed, and the fallback when there is none."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from exports.fonts import FALLBACK_FONT, cjk_font, default_candidates, is_embedded, register_first

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def test_the_font_is_found_once_and_is_embeddable():
    assert cjk_font() == cjk_font()
    assert is_embedded(cjk_font())
    assert pdfmetrics.stringWidth("中", cjk_font(), 10) == pytest.approx(10)  # has real Chinese glyphs


def test_windows_and_linux_fonts_are_candidates():
    names = [str(path).replace("\\", "/").lower() for path, _, _ in default_candidates()]
    assert any(n.endswith("windows/fonts/simsun.ttc") for n in names)
    assert any(n.endswith("windows/fonts/msyh.ttc") for n in names)
    assert str(WQY).lower() in names


def _cff_font(path: Path) -> Path:
    """The start of an OpenType font with PostScript (CFF) outlines, as Noto Sans CJK is."""
    path.write_bytes(b"OTTO" + struct.pack(">HHHH", 1, 16, 0, 0) + b"CFF " + bytes(76))
    return path


def test_cff_fonts_and_unusable_files_are_skipped(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all" * 100)
    cff = _cff_font(tmp_path / "NotoSansCJK-Regular.ttc")
    with pytest.raises(Exception, match="postscript outlines"):
        TTFont("TestCffDirect", str(cff))  # what reportlab says about such a font
    if not WQY.is_file():
        pytest.skip("fonts-wqy-microhei is not installed")
    name = register_first([(tmp_path / "missing.ttc", 0, "TestMissing"), (broken, 0, "TestBroken"),
                           (cff, 0, "TestCff"), (WQY, 0, "TestWqy")])
    assert name == "TestWqy" and is_embedded(name)


def test_without_any_font_the_builtin_cid_font_is_used_with_a_warning(tmp_path):
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"\x00" * 64)
    cff = _cff_font(tmp_path / "cff.otf")
    with pytest.warns(RuntimeWarning, match="STSong-Light"):
        name = register_first([(tmp_path / "missing.ttf", 0, "TestNone"), (broken, 0, "TestZeros"),
                               (cff, 0, "TestCff2")])
    assert name == FALLBACK_FONT and not is_embedded(name)
