"""The header of a statute text: its adoption and amendment history, and what follows from it.

The official layout puts the history under the title, in the Markdown of LawRefBook as one line per
event (``2021年1月22日 第十三届全国人民代表大会常务委员会第二十五次会议修订``) and in the plain
official text as one parenthesised paragraph (``（1996年3月17日第八届全国人民代表大会第四次会议通过
根据2009年8月27日……第一次修正　2021年1月22日……修订）``). Each event starts with a date; its verb
says what it was (通过, 修正, 修订, 公布/发布, 施行). From the events follow the version's date (the
last adoption, amendment or revision), its effective date where stated, the issuing body and the
kind of document (立法法: who makes it says what it is).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from question_bank.formats.numerals import parse_numeral

#: Kinds of event, by their verb: the codes ``LawHistoryEvent.kind`` stores
#: (``question_bank.models.laws.EventKind``; formats import no models, a test keeps both in step).
ADOPTED, AMENDED, REVISED, PROMULGATED, EFFECTIVE, OTHER = (
    "adopted", "amended", "revised", "promulgated", "effective", "other")
EVENT_KINDS = (ADOPTED, AMENDED, REVISED, PROMULGATED, EFFECTIVE, OTHER)
#: The events that make a new text, and so date a version.
TEXT_MAKING = (ADOPTED, AMENDED, REVISED)
#: Kinds of document the header tells (``question_bank.models.laws.LawKind`` codes).
CONSTITUTION, LAW, ADMINISTRATIVE_REGULATION, SUPERVISORY_REGULATION = (
    "constitution", "law", "administrative_regulation", "supervisory_regulation")
LOCAL_REGULATION, AUTONOMOUS_REGULATION, DEPARTMENTAL_RULE, LOCAL_GOVERNMENT_RULE = (
    "local_regulation", "autonomous_regulation", "departmental_rule", "local_government_rule")
PARTY_REGULATION, JUDICIAL_INTERPRETATION = "party_regulation", "judicial_interpretation"

_NUM = r"[0-9０-９]+|[零〇○一二三四五六七八九十]+"
#: A full date, Arabic or Chinese numerals: 2021年1月22日, 二〇二一年一月二十二日.
DATE = re.compile(rf"(?P<year>{_NUM})\s*年\s*(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*日")
_LEADING_FILLER = re.compile(r"^[\s　（(]*(?:根据)?\s*")
#: Closing brackets with no opening one, at the end of an event (监察法 2024: "…的决定》修正）").
_UNBALANCED_TAIL = re.compile(r"[\s　]*[）)]+[\s　]*$")


@dataclass(frozen=True)
class HistoryEvent:
    """One event of a header: its date, kind (one of :data:`EVENT_KINDS`), the words after the date as written (spacing
    trimmed, an unmatched closing bracket at the end dropped), and the line it is on (from 1)."""

    date: dt.date
    kind: str
    text: str
    line: int


def parse_date(found: re.Match[str]) -> dt.date | None:
    """The date a :data:`DATE` match names, or ``None`` when it is not a real date (2月30日)."""
    parts = [parse_numeral(found.group(name)) for name in ("year", "month", "day")]
    if None in parts:
        return None
    try:
        return dt.date(*parts)  # type: ignore[arg-type]
    except ValueError:
        return None


def event_kind(text: str) -> str:
    """What an event was, by its verb. ``通过的《……修正案》`` and ``通过的《……决定》`` amend the law
    they are listed under (刑法, 宪法), so they count as amendments."""
    if "修订" in text:
        return REVISED
    if "修正" in text:
        return AMENDED
    if "施行" in text:
        return EFFECTIVE
    if re.search(r"通过的[《〈<]", text):
        return AMENDED
    if "公布" in text or "发布" in text:
        return PROMULGATED
    if "通过" in text or "批准" in text:
        return ADOPTED
    if "修改" in text:
        return AMENDED
    return OTHER


def _clean(text: str) -> str:
    text = _LEADING_FILLER.sub("", text.strip())
    # A trailing bracket is kept only when the event opened one itself.
    opened = text.count("（") + text.count("(") - text.count("）") - text.count(")")
    if opened < 0:
        text = _UNBALANCED_TAIL.sub("", text)
    return text.strip(" 　")


def events_in(text: str, line: int) -> list[HistoryEvent]:
    """Every event in ``text`` (one header line or paragraph): each runs from its date to the next
    date. Dates that are not real dates are skipped with their words. Nothing before the first date
    is an event (an opening bracket, 根据)."""
    found = [m for m in DATE.finditer(text)]
    events = []
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        date = parse_date(match)
        if date is None:
            continue
        words = _clean(text[match.end():end])
        # 根据 belongs to the next event ("……第一次修正　根据2017年……").
        words = re.sub(r"[\s　]*根据$", "", words)
        events.append(HistoryEvent(date, event_kind(words), words, line))
    return events


def version_date(events: list[HistoryEvent]) -> dt.date | None:
    """The date of the text: its last adoption, amendment or revision; failing those (a Party
    regulation listing only 发布) its last promulgation; ``None`` without any event."""
    for kinds in (TEXT_MAKING, (PROMULGATED,)):
        dates = [e.date for e in events if e.kind in kinds]
        if dates:
            return max(dates)
    return None


def effective_date(events: list[HistoryEvent]) -> dt.date | None:
    """When the text took effect, where the header says so: its last 施行 event on or after the
    text's date (an earlier 施行 is the original law's, not this text's)."""
    made = version_date(events)
    dates = [e.date for e in events if e.kind == EFFECTIVE and (made is None or e.date >= made)]
    return max(dates) if dates else None


#: (pattern in the adopting event, issuing body, kind): first match wins.
_BODIES: list[tuple[re.Pattern[str], str | None, str]] = [
    (re.compile(r"全国人民代表大会常务委员会"), "全国人民代表大会常务委员会", LAW),
    (re.compile(r"全国人民代表大会"), "全国人民代表大会", LAW),
    (re.compile(r"国家监察委员会"), "国家监察委员会", SUPERVISORY_REGULATION),
    (re.compile(r"国务院(?!办公厅|.{0,6}部门)"), "国务院", ADMINISTRATIVE_REGULATION),
    (re.compile(r"中共中央纪律检查委员会|中央纪律检查委员会|中央纪委"), "中央纪律检查委员会", PARTY_REGULATION),
    (re.compile(r"中共中央办公厅"), "中共中央办公厅", PARTY_REGULATION),
    (re.compile(r"中共中央|中国共产党中央委员会"), "中共中央", PARTY_REGULATION),
    (re.compile(r"最高人民法院"), "最高人民法院", JUDICIAL_INTERPRETATION),
    (re.compile(r"最高人民检察院"), "最高人民检察院", JUDICIAL_INTERPRETATION),
    (re.compile(r"(\S{2,12}?(?:省|自治区|市|州))第?\S{0,6}?届?人民代表大会(?:常务委员会)?"), None, LOCAL_REGULATION),
    (re.compile(r"(\S{2,12}?(?:省|自治区|市|州|县))人民政府"), None, LOCAL_GOVERNMENT_RULE),
    (re.compile(r"(\S{2,20}?(?:部|委员会|总局|署|局))(?:令|部务会议|委务会议|局务会议|第\S{1,6}次)"), None,
     DEPARTMENTAL_RULE),
]


def issuer(title: str, events: list[HistoryEvent]) -> tuple[str, str | None]:
    """The issuing body and kind of document, from the title and the first adopting (or else the
    first) event: ``("全国人民代表大会常务委员会", "law")``; ``("", None)`` when the header does
    not tell (the person loading the text then says which kind it is). The 宪法 is its own kind;
    a title beginning 中国共产党 is a Party regulation whoever issued it."""
    adopting = [e for e in events if e.kind in (ADOPTED, PROMULGATED)] or events
    text = adopting[0].text if adopting else ""
    body, kind = "", None
    for pattern, name, found_kind in _BODIES:
        match = pattern.search(text)
        if match:
            body = name or match.group(0)
            kind = found_kind
            break
    if re.fullmatch(r"(中华人民共和国)?宪法", title):
        kind = CONSTITUTION
    elif title.startswith("中国共产党"):
        kind = PARTY_REGULATION
    elif kind == LOCAL_REGULATION and ("自治条例" in title or "单行条例" in title):
        kind = AUTONOMOUS_REGULATION
    return body, kind
