"""Finding a Chinese font reportlab can embed, and the fallback when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics

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


def test_unusable_files_are_skipped(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all" * 100)
    if not WQY.is_file():
        pytest.skip("fonts-wqy-microhei is not installed")
    name = register_first([(tmp_path / "missing.ttc", 0, "TestMissing"), (broken, 0, "TestBroken"),
                           (WQY, 0, "TestWqy")])
    assert name == "TestWqy" and is_embedded(name)


def test_without_any_font_the_builtin_cid_font_is_used_with_a_warning(tmp_path):
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"\x00" * 64)
    with pytest.warns(RuntimeWarning, match="STSong-Light"):
        name = register_first([(tmp_path / "missing.ttf", 0, "TestNone"), (broken, 0, "TestZeros")])
    assert name == FALLBACK_FONT and not is_embedded(name)
