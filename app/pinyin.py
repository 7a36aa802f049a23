"""Pinyin keys of a name, computed once at write time, for search and sorting."""

from __future__ import annotations

import re
from dataclasses import dataclass

# pypinyin reads these with their everyday sound; as surnames they are read otherwise.
# A search by either reading must find the person, and sorting uses the surname one.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha",
    "朴": "piao", "覃": "qin", "乐": "yue", "缪": "miao", "翟": "zhai", "盖": "ge",
    "尉": "yu", "繁": "po", "召": "shao", "种": "chong", "秘": "bi", "折": "she",
}

SEPARATOR = "|"


@dataclass(frozen=True)
class NameKeys:
    pinyin: str  # every full reading, joined by SEPARATOR: "zengguofan|cengguofan"
    initials: str  # "zgf|cgf"
    sort_key: str  # surname reading, syllables spaced: "zeng guo fan"


def name_keys(name: str) -> NameKeys:
    # pypinyin costs ~160 ms to import: only pay it when a name is written.
    from pypinyin import Style, lazy_pinyin

    syllables = [
        word.lower()
        for token in lazy_pinyin(name, style=Style.NORMAL, errors="default")
        for word in re.findall(r"[A-Za-z]+", token)
    ]
    if not syllables:
        return NameKeys("", "", "")
    readings = [syllables]
    surname = SURNAME_READINGS.get(name[0])
    if surname and surname != syllables[0]:
        readings.insert(0, [surname, *syllables[1:]])
    full = SEPARATOR.join(dict.fromkeys("".join(r) for r in readings))
    initials = SEPARATOR.join(dict.fromkeys("".join(s[0] for s in r if s) for r in readings))
    return NameKeys(full, initials, " ".join(readings[0]))
