"""The item analysis table (试题分析表) as rows for CSV and xlsx: a pure function of an
``item_analysis.Analysis``; writing the files is ``formats.tabular``. Column names are Chinese, as
on the score sheet, since the file is a Chinese exam-office document.

With fewer than 30 candidates the verdict column says so instead of flagging (issue 6).
"""

from __future__ import annotations

from collections.abc import Mapping

from question_bank.analysis.item_analysis import Analysis, Flag, Interval, ItemStats

HEADERS: tuple[str, ...] = (
    "序号", "题干", "作答人数", "场次数", "得分率", "得分率95%区间", "标准差", "区分度D（27%）",
    "校正点二列相关", "相关95%区间", "各选项人数", "标记",
)

FLAG_LABELS = {
    Flag.TOO_EASY: "过易",
    Flag.TOO_HARD: "过难",
    Flag.NEGATIVE_DISCRIMINATION: "负区分度",
    Flag.UNUSED_DISTRACTOR: "干扰项无人选",
    Flag.DISTRACTOR_PREFERRED_BY_TOP: "高分组偏选干扰项",
}
SMALL_SAMPLE = "不足30人，仅列区间，不作判定"
#: Longest stem shown in a cell (the full stem is in the bank).
STEM_CHARS = 120


def figure(value: float | None, places: int = 2) -> float | None:
    """A statistic rounded for the sheet (None stays None)."""
    return None if value is None else round(value, places)


def interval_text(interval: Interval | None) -> str:
    return "" if interval is None else f"{interval.low:.2f}–{interval.high:.2f}"


def option_text(stats: ItemStats) -> str:
    """"A*:7 B:2 C:2 D:0 未答:1": the key marked with *, then the candidates who chose nothing."""
    if not stats.options:
        return ""
    parts = [f"{o.letter}{'*' if o.is_key else ''}:{o.chosen}" for o in stats.options]
    return " ".join(parts + [f"未答:{stats.unanswered}"])


def verdict_text(stats: ItemStats) -> str:
    if stats.small_sample:
        return SMALL_SAMPLE
    return "、".join(FLAG_LABELS[f] for f in stats.flags)


def rows(analysis: Analysis, sittings_per_item: Mapping[object, int] | None = None) -> list[tuple]:
    """One row per item in :data:`HEADERS` order; ``sittings_per_item`` (item key → number of
    sittings) fills 场次数 for a pooled analysis, else 1."""
    found = []
    for number, stats in enumerate(analysis.items, start=1):
        stem = stats.item.label
        found.append((
            number, stem if len(stem) <= STEM_CHARS else stem[:STEM_CHARS] + "…", stats.n,
            (sittings_per_item or {}).get(stats.item.key, 1), figure(stats.facility),
            interval_text(stats.facility_interval), figure(stats.sd), figure(stats.discrimination),
            figure(stats.point_biserial), interval_text(stats.point_biserial_interval), option_text(stats),
            verdict_text(stats),
        ))
    return found
