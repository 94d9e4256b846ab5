"""The HR score sheet (成绩汇总表) of a sitting, and the counts of the sittings list: pure functions
of loaded records (no database, no clock, nothing changed), so they can be tested on objects made
in memory. Loading them in the viewer's scope, closing overdue attempts first and auditing an
export is ``question_bank.services.score_sheets``; writing CSV and xlsx is ``formats.tabular``.

Rules (domain.md §8; cases C-04, C-06, C-14, C-20, C-26; issue 6):
- one row per roster entry, absent candidates included, so a double submit or a second attempt
  never makes a second row; the counted attempt is the best closed one (``standing``);
- the ID number is masked (first 6 and last 4 characters kept);
- start and finish are Beijing times with the date, to the second, whatever the server's time
  zone; the duration is the minutes spent answering (an attempt re-opened by a proctor counts
  its open periods, not the time it sat closed between them, and at most the time limit plus the
  candidate's extra time; a positive duration is never shown as 0); how the attempt ended is
  交卷 / 到时自动交卷 / 缺考, and for an attempt a proctor re-opened, followed by each re-opened
  period (:func:`reopen_note`: "曾重新开放 …", "重新开放后未作答" for one the candidate never used);
- a score is shown only when it agrees with the score ledger (``score_check``); otherwise the
  score, band and pass are left empty and 成绩核验 says why, so a changed score is never exported
  as if it were the record.

The column names are Chinese because the sheet is a Chinese HR document; they are defined once
here and both the web preview and the file writers use them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from question_bank.clock import BEIJING
from question_bank import id_vault
from question_bank.idnumbers import mask as mask_id_number  # noqa: F401  (tests use it from here)
from question_bank.models import VOID_BAND, ExamKind, RosterEntry, Sitting
from question_bank.models.attempts import Attempt
from question_bank.services.marking import GradeBand, pass_mark_for
from question_bank.services.score_check import CheckedScore, ScoreState
from question_bank.services.standing import ENDED, CandidateStatus, candidate_status

# The designed column names, in order.
COL_UNIT = "单位"
COL_NAME = "姓名"
COL_ID_NUMBER = "身份证号"
COL_CURRENT_POST = "现任职务"
COL_PROPOSED_POST = "拟任职务"
COL_SITTING = "考试场次"
COL_DATE = "考试日期"
COL_ATTEMPT_KIND = "考试类别"
COL_STARTED = "开始时间"
COL_FINISHED = "交卷时间"
COL_DURATION = "用时（分钟）"
COL_ENDED = "结束方式"
COL_SCORE = "成绩"
#: The points the record is out of: less than the paper's total after a question was removed (regrade).
COL_MAX = "满分"
#: The pass mark the score was judged against: the sitting's, scaled with 满分 when a question was removed.
COL_PASS_MARK = "合格分"
COL_BAND = "等次"
COL_PASSED = "是否合格"
COL_CHECK = "成绩核验"

HEADERS: tuple[str, ...] = (
    COL_UNIT, COL_NAME, COL_ID_NUMBER, COL_CURRENT_POST, COL_PROPOSED_POST, COL_SITTING, COL_DATE,
    COL_ATTEMPT_KIND, COL_STARTED, COL_FINISHED, COL_DURATION, COL_ENDED, COL_SCORE, COL_MAX, COL_PASS_MARK, COL_BAND, COL_PASSED,
    COL_CHECK,
)

FIRST_ATTEMPT = "首考"
MAKEUP_ATTEMPT = "补考"
BAND_LABELS = {GradeBand.EXCELLENT: "优秀", GradeBand.PASS: "合格", GradeBand.FAIL: "不合格"}
#: What a ledger entry says it recorded, in the 成绩核验 cell: a void entry too, never the word "void".
RECORDED_BAND_LABELS = {**BAND_LABELS, VOID_BAND: "作废"}
PASSED_LABELS = {True: "合格", False: "不合格"}

#: How the attempt ended (C-26), or where the candidate stands while the sitting is still running.
ENDED_LABELS = {
    CandidateStatus.SUBMITTED: "交卷",
    CandidateStatus.AUTO_SUBMITTED: "到时自动交卷",
    CandidateStatus.IN_PROGRESS: "答题中",
    CandidateStatus.NOT_STARTED: "未开始",
    CandidateStatus.ABSENT: "缺考",
    CandidateStatus.VOIDED: "作废",
}
CHECK_AGREES = "一致"
#: The score agrees with the record and was changed after marking (a four-eyes change or a regrade):
#: HR sees the current score and that it changed (SEC-P5).
CHECK_CHANGED = "一致（成绩已更正）"
#: Reasons of the ledger entries that change a marked score (score_changes, regrade).
CHANGE_REASONS = ("score change:", "regrade:")
CHECK_AWAITING_MARKING = "待阅卷"
CHECK_UNRECORDED = "成绩档案中无此成绩"
#: How a voided row's 成绩核验 starts (:func:`void_note`); no word of the ledger's starts so.
VOID_NOTE_PREFIX = "作废："


class ScoreSheetRow(NamedTuple):
    """One roster entry as a sheet row. Iterating it gives the cells in :data:`HEADERS` order.

    ``date`` is the Beijing calendar day; ``started`` and ``finished`` naive Beijing date-times
    to the second (spreadsheets have no time zones); ``duration_min`` minutes to one decimal;
    ``score``, ``max_score`` (what the record is out of) and ``pass_mark`` (the pass mark it was
    judged against, scaled with the maximum) points as ``Decimal``. Each is None when there is nothing to say; the other cells
    are text ("" when empty).
    """

    unit: str
    name: str
    id_number: str
    current_post: str
    proposed_post: str
    sitting: str
    date: dt.date
    attempt_kind: str
    started: dt.datetime | None
    finished: dt.datetime | None
    duration_min: Decimal | None
    ended: str
    score: Decimal | None
    max_score: Decimal | None
    pass_mark: Decimal | None
    band: str
    passed: str
    check: str


@dataclass(frozen=True)
class SittingSummary:
    """A sitting as the viewer sees it: counts over the roster entries in their scope only.

    ``submitted`` counts candidates with a closed attempt, ``passed`` those whose counted attempt
    passed by a score that agrees with the ledger, ``absent`` those who have not started (absent
    for good once the window has closed), ``unverified`` those whose score does not agree with
    the ledger (not counted as passed).
    """

    sitting: Sitting
    roster: int
    submitted: int
    passed: int
    absent: int
    unverified: int


def plain_points(score: Decimal | None) -> Decimal | None:
    """86.50 → 86.5 and 100.00 → 100, without the exponent ``normalize`` alone would give (1E+2)."""
    if score is None:
        return None
    return score.quantize(Decimal(1)) if score == score.to_integral_value() else score.normalize()


def beijing(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware time as a naive Beijing date-time to the second (None stays None). Converted by the
    zone's rules, never by the server's local zone."""
    if moment is None:
        return None
    return moment.astimezone(BEIJING).replace(tzinfo=None, microsecond=0)


def answering_seconds(attempt: Attempt, cap_s: int | None = None) -> int | None:
    """Seconds the candidate had the attempt open to answer: from the start to the first hand-in,
    plus each re-opening's period (from the re-opening to the next hand-in), never the time it sat
    closed in between; at most ``cap_s`` (the time limit plus the candidate's extra time) when
    given. None while the attempt is open. Reads ``attempt.reopenings``."""
    if attempt.finished_at is None:
        return None
    seconds, opened = 0.0, attempt.started_at
    for reopening in attempt.reopenings:
        closed = reopening.old_finished_at or reopening.old_deadline
        seconds += max(0.0, (closed - opened).total_seconds())
        opened = reopening.reopened_at
    seconds += max(0.0, (attempt.finished_at - opened).total_seconds())
    whole = int(seconds)
    return whole if cap_s is None else min(whole, cap_s)


def minutes_answering(attempt: Attempt, cap_s: int | None = None) -> Decimal | None:
    """:func:`answering_seconds` in minutes to one decimal (half up), as the sheet shows them; a
    few seconds (under 3) are 0.1, never 0: the candidate did spend time on it. None while the
    attempt is open."""
    seconds = answering_seconds(attempt, cap_s)
    if seconds is None:
        return None
    minutes = (Decimal(seconds) / 60).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return plain_points(max(minutes, Decimal("0.1")) if seconds > 0 else minutes)


#: How the 结束方式 cell names a re-opened attempt's periods, and one the candidate never used.
REOPENED = "曾重新开放"
REOPENING_UNUSED = "重新开放后未作答"


@dataclass(frozen=True)
class ReopenedPeriod:
    """One re-opening of an attempt: when it was re-opened, when that period ended (the next
    hand-in, or the re-opening's deadline when the candidate never used it), aware times, and
    whether the candidate used it (handed in or changed an answer during it)."""

    opened: dt.datetime
    ended: dt.datetime
    used: bool


def reopened_periods(attempt: Attempt) -> list[ReopenedPeriod]:
    """The attempt's re-openings as periods, oldest first ([] when never re-opened or still open).
    A period whose next hand-in is earlier than its re-opening is one the attempt closed as before
    (``deadlines.close_at_deadline``): unused, ended at its deadline. Reads ``attempt.reopenings``."""
    if attempt.finished_at is None:
        return []
    reopenings = list(attempt.reopenings)
    periods = []
    for n, reopening in enumerate(reopenings):
        later = reopenings[n + 1] if n + 1 < len(reopenings) else None
        closed = (later.old_finished_at or later.old_deadline) if later is not None else attempt.finished_at
        used = closed >= reopening.reopened_at
        periods.append(ReopenedPeriod(reopening.reopened_at, closed if used else reopening.new_deadline, used))
    return periods


def reopen_note(attempt: Attempt) -> str:
    """"；曾重新开放 2026-05-11 15:24:31 至 15:24:33（重新开放后未作答）" for an attempt a proctor
    re-opened (each period in Beijing time, the end's date only when it differs), "" otherwise."""
    periods = reopened_periods(attempt)
    if not periods:
        return ""
    said = []
    for period in periods:
        opened, ended = beijing(period.opened), beijing(period.ended)
        end = ended.strftime("%H:%M:%S" if ended.date() == opened.date() else "%Y-%m-%d %H:%M:%S")
        said.append(f"{opened:%Y-%m-%d %H:%M:%S} 至 {end}" + ("" if period.used else f"（{REOPENING_UNUSED}）"))
    return f"；{REOPENED} " + "，".join(said)


def _time_allowed_s(sitting: Sitting, entry: RosterEntry) -> int | None:
    """The sitting's time limit plus the candidate's extra time, in seconds (None: no limit known)."""
    if not sitting.time_limit_s:
        return None
    return sitting.time_limit_s + (entry.extra_time_s or 0)


def is_makeup(sitting: Sitting, attempt: Attempt | None) -> bool:
    """Whether the attempt is a make-up (补考): taken at a make-up sitting, or a second or later
    attempt at this one."""
    return sitting.kind == ExamKind.MAKEUP or (attempt is not None and attempt.attempt_no > 1)


def attempt_kind(sitting: Sitting, attempt: Attempt | None) -> str:
    """首考 or 补考 (:func:`is_makeup`)."""
    return MAKEUP_ATTEMPT if is_makeup(sitting, attempt) else FIRST_ATTEMPT


def check_text(result: CheckedScore, attempt: Attempt) -> str:
    """成绩核验 of one attempt: agrees (saying so when its newest record is a change of the score),
    awaiting marking, or how it disagrees with the ledger (a MISMATCH result always holds the
    entry it disagrees with: ``score_check.check``)."""
    if result.state == ScoreState.RECORDED:
        # A correction stays said after a later entry (a hand-in after a re-opening): issue 6, finding 4d.
        changed = result.corrected or (result.recorded is not None and result.recorded.reason.startswith(CHANGE_REASONS))
        return CHECK_CHANGED if changed else CHECK_AGREES
    if result.state == ScoreState.UNMARKED:
        return CHECK_AWAITING_MARKING
    if result.state == ScoreState.UNRECORDED:
        return CHECK_UNRECORDED
    entry = result.recorded
    recorded = f"{plain_points(entry.score)}分，{RECORDED_BAND_LABELS.get(entry.band, entry.band)}"
    return f"第{attempt.attempt_no}次作答与成绩档案不符（档案记录：{recorded}），请核查"


def void_note(attempt: Attempt) -> str:
    """Who voided the attempt, when (Beijing time, to the minute) and why, as the score sheet's
    成绩核验 cell says for a voided row: "作废：王监考，2026-05-11 10:50（北京时间），理由：替考";
    "" for an attempt not voided."""
    void = attempt.void_record
    if void is None:
        return ""
    when = void.voided_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return f"{VOID_NOTE_PREFIX}{void.voided_by.display_name}，{when}（北京时间），理由：{void.reason}"


def _suspect(attempts: Sequence[Attempt], results: Mapping[int, CheckedScore]) -> Attempt | None:
    """The first closed attempt whose score does not agree with the ledger (None: all agree)."""
    return next((a for a in attempts if a.id in results and results[a.id].suspect), None)


def sheet_row(sitting: Sitting, entry: RosterEntry, attempts: Sequence[Attempt],
              results: Mapping[int, CheckedScore], now: dt.datetime) -> ScoreSheetRow:
    """The row of one roster entry: ``attempts`` are the candidate's at this sitting and
    ``results`` their checked scores (by attempt id)."""
    user = entry.user
    status, attempt = candidate_status(attempts, sitting, now)
    # An attempt in progress has no finish, duration or re-opened period yet (each empty below);
    # a voided one had ended (voiding one in progress hands it in first): its times stand.
    started = finished = duration = None
    note = ""
    if attempt is not None:
        started, finished = beijing(attempt.started_at), beijing(attempt.finished_at)
        duration = minutes_answering(attempt, _time_allowed_s(sitting, entry))
        note = reopen_note(attempt)
    score: Decimal | None = None
    maximum: Decimal | None = None
    pass_mark: Decimal | None = None
    band = passed = check = ""
    if status in ENDED:
        # 成绩核验 speaks of the first attempt that disagrees with the ledger, else of the counted one.
        suspect = _suspect(attempts, results)
        shown = suspect if suspect is not None else attempt
        result = results.get(shown.id)
        if result is not None:
            check = check_text(result, shown)
            if result.trusted:
                # A band the sheet has no word for is shown as the ledger holds it, never left blank.
                score, band = plain_points(result.score), RECORDED_BAND_LABELS.get(result.band, result.band)
                passed = PASSED_LABELS[result.passed]
                maximum = plain_points(attempt.max_score)
                pass_mark = plain_points(pass_mark_for(sitting, attempt))
    if status == CandidateStatus.VOIDED:
        # 作废 alone told HR nothing of who decided it, when or why (issue-9 trial). A voided row
        # always has its attempt; only it reads the void (not loaded with the sheet's attempts).
        check = void_note(attempt) or check
    day_of = attempt.started_at if attempt is not None else sitting.opens_at
    return ScoreSheetRow(
        unit=user.org_unit.name,
        name=user.display_name,
        id_number=id_vault.masked(user),
        current_post=entry.current_post or user.current_post or "",
        proposed_post=entry.proposed_post or user.proposed_post or "",
        sitting=sitting.title,
        date=day_of.astimezone(BEIJING).date(),
        attempt_kind=attempt_kind(sitting, attempt),
        started=started,
        finished=finished,
        duration_min=duration,
        ended=ENDED_LABELS[status] + note,
        score=score,
        max_score=maximum,
        pass_mark=pass_mark,
        band=band,
        passed=passed,
        check=check,
    )


#: Extra columns of a make-up sitting's sheet: the candidate's first attempt, at the sitting made up for.
COL_FIRST_SITTING = "首考场次"
COL_FIRST_ENDED = "首考结束方式"
COL_FIRST_SCORE = "首考成绩"
COL_FIRST_PASSED = "首考是否合格"
MAKEUP_HEADERS: tuple[str, ...] = HEADERS + (COL_FIRST_SITTING, COL_FIRST_ENDED, COL_FIRST_SCORE, COL_FIRST_PASSED)

#: Extra columns of a sheet of a sitting that has make-ups: the candidate's make-up result.
COL_MAKEUP_SITTING = "补考场次"
COL_MAKEUP_ENDED = "补考结束方式"
COL_MAKEUP_SCORE = "补考成绩"
COL_MAKEUP_PASSED = "补考是否合格"
WITH_MAKEUP_HEADERS: tuple[str, ...] = HEADERS + (COL_MAKEUP_SITTING, COL_MAKEUP_ENDED, COL_MAKEUP_SCORE,
                                                  COL_MAKEUP_PASSED)


@dataclass(frozen=True)
class PairedSheetRow:
    """A sheet row with the candidate's result at a linked sitting beside it: ``row`` (the cells
    of :data:`HEADERS`), then the linked sitting's title, how it ended there, the score (None
    unless it agrees with the ledger) and pass. On a make-up's sheet the linked sitting is the
    one made up for (:data:`MAKEUP_HEADERS`); on the original's, the make-up
    (:data:`WITH_MAKEUP_HEADERS`; all four empty for someone not on a make-up's roster).
    Iterating it gives the cells in those headers' order."""

    row: ScoreSheetRow
    other_sitting: str
    other_ended: str
    other_score: Decimal | None
    other_passed: str

    def __iter__(self):
        yield from self.row
        yield from (self.other_sitting, self.other_ended, self.other_score, self.other_passed)

    def __getattr__(self, name: str):
        # The row's own cells read as on a plain row (row.check, row.score…).
        return getattr(self.row, name)


def _paired(row: ScoreSheetRow, other: ScoreSheetRow | None) -> PairedSheetRow:
    if other is None:
        return PairedSheetRow(row, "", "", None, "")
    return PairedSheetRow(row, other.sitting, other.ended, other.score, other.passed)


def build_makeup(sitting: Sitting, original: Sitting, entries: Sequence[RosterEntry],
                 attempts: Mapping[int, Sequence[Attempt]], first_attempts: Mapping[int, Sequence[Attempt]],
                 results: Mapping[int, CheckedScore], now: dt.datetime) -> tuple[tuple[str, ...], list[PairedSheetRow]]:
    """A make-up sitting's sheet as ``(MAKEUP_HEADERS, rows)``: each row as :func:`build` gives
    it, then the candidate's first attempt at ``original`` (``first_attempts`` by user id;
    ``results`` holds the checked scores of both sittings' attempts). Someone not on the original
    roster shows it as absent there."""
    return MAKEUP_HEADERS, [
        _paired(sheet_row(sitting, entry, attempts.get(entry.user_id, ()), results, now),
                sheet_row(original, entry, first_attempts.get(entry.user_id, ()), results, now))
        for entry in entries]


#: A make-up of the sheet's sitting as :func:`build_with_makeups` takes it: the make-up sitting,
#: user id → the candidate's attempts there, and user id → their roster entry there.
MakeupResults = tuple[Sitting, Mapping[int, Sequence[Attempt]], Mapping[int, RosterEntry]]


def build_with_makeups(sitting: Sitting, entries: Sequence[RosterEntry], attempts: Mapping[int, Sequence[Attempt]],
                       later: Sequence[MakeupResults], results: Mapping[int, CheckedScore],
                       now: dt.datetime) -> tuple[tuple[str, ...], list[PairedSheetRow]]:
    """The sheet of a sitting that has make-ups as ``(WITH_MAKEUP_HEADERS, rows)``: each row as
    :func:`build` gives it, then the candidate's result at the latest make-up (of ``later``,
    oldest first) whose roster holds them; ``results`` holds the checked scores of every
    sitting's attempts. Someone on no make-up's roster has the four make-up cells empty."""
    rows = []
    for entry in entries:
        own = sheet_row(sitting, entry, attempts.get(entry.user_id, ()), results, now)
        other = None
        for makeup, makeup_attempts, roster in reversed(later):
            if entry.user_id in roster:
                other = sheet_row(makeup, roster[entry.user_id], makeup_attempts.get(entry.user_id, ()), results, now)
                break
        rows.append(_paired(own, other))
    return WITH_MAKEUP_HEADERS, rows


#: 成绩核验 texts of a row whose score stands: agreeing (also after a correction) or not yet marked.
TRUSTED_CHECKS = ("", CHECK_AGREES, CHECK_CHANGED, CHECK_AWAITING_MARKING)


def is_withheld(row: ScoreSheetRow) -> bool:
    """Whether the row leaves its score out because it does not agree with the score ledger. A
    score corrected by a regrade or a four-eyes change agrees (:data:`CHECK_CHANGED`); a voided
    row's note of who voided it (:func:`void_note`) is no disagreement (an outside trial found every
    void counted as one: a voided row's score is left out as void, not as disagreeing)."""
    return row.check not in TRUSTED_CHECKS and not row.check.startswith(VOID_NOTE_PREFIX)


def withheld(rows: Sequence[ScoreSheetRow]) -> int:
    """How many rows leave their score out because it does not agree with the score ledger."""
    return sum(1 for row in rows if is_withheld(row))


def build(sitting: Sitting, entries: Sequence[RosterEntry], attempts: Mapping[int, Sequence[Attempt]],
          results: Mapping[int, CheckedScore], now: dt.datetime) -> tuple[tuple[str, ...], list[ScoreSheetRow]]:
    """The sheet as ``(HEADERS, rows)``: one row per entry of ``entries`` (in their order; each
    with its user and unit loaded). ``attempts`` maps a user id to their attempts at the sitting,
    ``results`` an attempt id to its checked score."""
    return HEADERS, [sheet_row(sitting, e, attempts.get(e.user_id, ()), results, now) for e in entries]


def summarise(sitting: Sitting, entries: Sequence[RosterEntry], attempts: Mapping[int, Sequence[Attempt]],
              results: Mapping[int, CheckedScore], now: dt.datetime) -> SittingSummary:
    """The counts of one sitting over ``entries`` (same arguments as :func:`build`)."""
    submitted = passed = absent = unverified = 0
    for entry in entries:
        mine = attempts.get(entry.user_id, ())
        status, attempt = candidate_status(mine, sitting, now)
        if status in ENDED:
            submitted += 1
            result = results.get(attempt.id)
            if _suspect(mine, results) is not None:
                unverified += 1
            elif result is not None and result.trusted and result.passed:
                passed += 1
        elif status in (CandidateStatus.ABSENT, CandidateStatus.NOT_STARTED):
            absent += 1
    return SittingSummary(sitting, len(entries), submitted, passed, absent, unverified)
