"""The rank scale study lists target cadres by (domain.md §4; glossary 职级 ``rank``).

Source: 《公务员法》(2018 revision) 第十八条 and 《公务员职务与职级并行规定》(2019): leading posts
(领导职务) are graded 国家级 / 省部级 / 厅局级 / 县处级 / 乡科级, each 正职 and 副职; the civil-service
grades (职级) 一级巡视员 … 四级主任科员 are set against those levels (第八条 of the 规定: 一级巡视员
厅局级副职; 二级巡视员 and 一级调研员 县处级正职; 二级至四级调研员 县处级副职; 一级、二级主任科员
乡科级正职; 三级、四级主任科员 乡科级副职). A list aims at *levels*; a cadre's free-text ``rank``
(正处, 县处级正职, 副处级, 二级巡视员, "县处级 副职" …) is read to a level by :func:`level_of`,
tolerant of spacing, width and the usual short forms. A rank it cannot read gives ``None``: such
a cadre is not reached by a list that names ranks, and the list's page says so (never silently).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Level(StrEnum):
    """Post levels, highest first (the order :data:`ORDER` gives)."""

    PROVINCIAL_CHIEF = "provincial_chief"        # 省部级正职
    PROVINCIAL_DEPUTY = "provincial_deputy"      # 省部级副职
    BUREAU_CHIEF = "bureau_chief"                # 厅局级正职
    BUREAU_DEPUTY = "bureau_deputy"              # 厅局级副职
    COUNTY_CHIEF = "county_chief"                # 县处级正职
    COUNTY_DEPUTY = "county_deputy"              # 县处级副职
    SECTION_CHIEF = "section_chief"              # 乡科级正职
    SECTION_DEPUTY = "section_deputy"            # 乡科级副职


#: Levels highest first.
ORDER: tuple[Level, ...] = tuple(Level)
#: Each level's Chinese name, as lists and forms show it.
NAMES: dict[Level, str] = {
    Level.PROVINCIAL_CHIEF: "省部级正职", Level.PROVINCIAL_DEPUTY: "省部级副职",
    Level.BUREAU_CHIEF: "厅局级正职", Level.BUREAU_DEPUTY: "厅局级副职",
    Level.COUNTY_CHIEF: "县处级正职", Level.COUNTY_DEPUTY: "县处级副职",
    Level.SECTION_CHIEF: "乡科级正职", Level.SECTION_DEPUTY: "乡科级副职",
}
#: The tier words a rank text may use for each tier (省部 … 乡科), in the order of the levels.
_TIERS = (("省部", "省部级", "省级", "部级"), ("厅局", "厅局级", "厅级", "局级", "地厅级"),
          ("县处", "县处级", "处级", "县级"), ("乡科", "乡科级", "科级", "乡级"))
#: 职级 grades and the level they stand against (《公务员职务与职级并行规定》).
GRADES: dict[str, Level] = {
    "一级巡视员": Level.BUREAU_DEPUTY, "二级巡视员": Level.COUNTY_CHIEF,
    "一级调研员": Level.COUNTY_CHIEF, "二级调研员": Level.COUNTY_DEPUTY,
    "三级调研员": Level.COUNTY_DEPUTY, "四级调研员": Level.COUNTY_DEPUTY,
    "一级主任科员": Level.SECTION_CHIEF, "二级主任科员": Level.SECTION_CHIEF,
    "三级主任科员": Level.SECTION_DEPUTY, "四级主任科员": Level.SECTION_DEPUTY,
}
_DROP = re.compile(r"[\s·•\-—_/（）()【】\[\]]+")


def _fold(text: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", text or ""))


def _lookup() -> dict[str, Level]:
    """Every accepted spelling (folded) → level: 县处级正职, 处级正职, 正处, 正处级, 县处正职 …"""
    found: dict[str, Level] = {}
    for tier_index, words in enumerate(_TIERS):
        chief, deputy = ORDER[tier_index * 2], ORDER[tier_index * 2 + 1]
        for word in words:
            base = word.removesuffix("级")
            for level, post in ((chief, "正"), (deputy, "副")):
                for spelling in (f"{word}{post}职", f"{base}级{post}职", f"{post}{base}", f"{post}{base}级",
                                 f"{post}{word}", f"{base}{post}职", f"{base}级{post}"):
                    found.setdefault(spelling, level)
    found.update(GRADES)
    # 正/副部长级 and the like are too loose to read; 正厅 and 副厅 are covered above.
    return found


_SPELLINGS = _lookup()


def level_of(rank: str | None) -> Level | None:
    """The level a free-text rank stands for: "正处"、"县处级正职"、"处级 正职"、"二级巡视员" →
    :data:`Level.COUNTY_CHIEF`; a text holding a grade and a post ("二级调研员（副处）") is read by
    whichever comes first that is known. ``None`` when nothing in it is known."""
    folded = _fold(rank or "")
    if not folded:
        return None
    if folded in _SPELLINGS:
        return _SPELLINGS[folded]
    for spelling in sorted(_SPELLINGS, key=len, reverse=True):
        if spelling in folded:
            return _SPELLINGS[spelling]
    return None


def at_or_above(level: Level) -> tuple[Level, ...]:
    """``level`` and every level above it: "县处级以上" is :func:`at_or_above` (县处级副职)."""
    return ORDER[: ORDER.index(level) + 1]


_ABOVE = re.compile(r"(省部|厅局|县处|乡科|处|科|厅|局)级?(?:(正职|副职))?(?:及)?以上")


def levels_named(text: str) -> tuple[Level, ...]:
    """Levels a list's note names as "县处级以上" / "科级以上" / "县处级正职以上" (how units write
    whom a list is for); empty when it names none."""
    match = _ABOVE.search(_fold(text))
    if not match:
        return ()
    tier = {"省部": 0, "厅局": 1, "厅": 1, "局": 1, "县处": 2, "处": 2, "乡科": 3, "科": 3}[match.group(1)]
    lowest = ORDER[tier * 2] if match.group(2) == "正职" else ORDER[tier * 2 + 1]
    return at_or_above(lowest)
