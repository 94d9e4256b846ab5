"""The appraisal summary (考核汇总) for HR and organisation departments: per cadre and per unit over
a period, as pure functions of loaded records (no database, no clock, nothing changed), so they can
be tested on objects made in memory. Choosing and loading the records in the viewer's scope is
``question_bank.services.appraisal``; writing CSV and xlsx is ``formats.tabular``.

Rules (domain.md §8 "appraisal summary per cadre and per unit over a period"; issue 6 "Reports"):
- a cadre's sittings are the roster entries at the sittings of the period (listed in 各场次情况 with
  their outcome); each counts by the
  score sheet's own rules (``standing.candidate_status``: the best closed attempt counts, absent
  once the window closed without a start) and every score is the ledger-checked one
  (``score_check``): a score that does not agree with the score record is never shown or counted,
  the cadre's 成绩核验 says how many sittings are affected;
- 是否合格: 合格 when any sitting of the period was passed (a make-up passed after a failed first
  sitting counts), 不合格 when results exist and none passed, else 待阅卷, 缺考 or empty;
- scores are compared and averaged as shares of their paper's maximum (``score_share``; stated in
  the tables' 计分口径 line): 最高成绩 is the sitting with the highest share, 最近成绩 the one
  handed in last (equal times: the sitting opening later), each shown as "45/50（90%）";
  最高得分率 is the best's share, 平均得分率 the mean of the cadre's sittings' shares;
- 合格率 of a unit is its cadres who passed ÷ its cadres who were on a roster (absentees count as
  not passed), in percent to one decimal; 平均得分率 the mean of those cadres' best shares;
- study progress (items studied of the items of the year's published lists that reach the cadre)
  and practice are shown where they exist, empty otherwise;
- ID numbers are masked like on the score sheet (first 6 and last 4 characters).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from question_bank.models import ExamKind, Sitting, User
from question_bank.models.attempts import Attempt
from question_bank.clock import BEIJING
from question_bank import id_vault
from question_bank.reports import score_share
from question_bank.reports.score_sheet import ENDED_LABELS, PASSED_LABELS, plain_points
from question_bank.reports.score_share import PaperScore
from question_bank.services.practice_figures import PracticeFigures
from question_bank.services.score_check import CheckedScore, ScoreState
from question_bank.services.standing import ENDED, CandidateStatus, candidate_status

CADRE_HEADERS: tuple[str, ...] = (
    "单位", "姓名", "身份证号", "职级", "应考场次", "参考场次", "缺考场次", "补考场次", "首考最高成绩", "补考最高成绩",
    "最高成绩", "最高得分率（%）", "平均得分率（%）", "最近成绩", "最近考试", "是否合格", "待阅卷场次", "成绩核验", "已学条目", "应学条目", "练习题数",
    "练习正确率（%）", "各场次情况",
)
UNIT_HEADERS: tuple[str, ...] = (
    "单位", "人数", "应考人数", "参考人数", "合格人数", "合格率（%）", "平均得分率（%）", "缺考人次", "补考人数", "待阅卷人数",
)
#: The label of the line stating how scores are compared (score_share.RULE), above the tables.
RULE_LABEL = "计分口径"
#: The last row of the per-unit table: the whole chosen subtree.
TOTAL_LABEL = "合计"

AWAITING = "待阅卷"
UNVERIFIED = "成绩待核查"
ABSENT = "缺考"
CHECK_AGREES = "一致"

#: The labels of the kinds a summary can be filtered by, for the header block.
KIND_LABELS = {ExamKind.PRE_APPOINTMENT: "任前法律知识考试", ExamKind.ANNUAL: "年度学法考试", ExamKind.MAKEUP: "补考",
               ExamKind.PRACTICE: "练习"}


class Outcome(StrEnum):
    """Where a cadre stands over the period (module rules, 是否合格); the page shows its label."""

    PASSED = "passed"
    FAILED = "failed"
    AWAITING_MARKING = "awaiting_marking"
    ABSENT = "absent"


#: 是否合格 of each :class:`Outcome` (None: nothing to say).
OUTCOME_LABELS = {Outcome.PASSED: PASSED_LABELS[True], Outcome.FAILED: PASSED_LABELS[False],
                  Outcome.AWAITING_MARKING: AWAITING, Outcome.ABSENT: ABSENT, None: ""}


@dataclass(frozen=True)
class Period:
    """Beijing calendar days ``first_day`` to ``last_day``, both included."""

    first_day: dt.date
    last_day: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period as aware instants ``[start, end)``: Beijing midnight of the first day to
        Beijing midnight after the last."""
        start = dt.datetime.combine(self.first_day, dt.time(), BEIJING)
        end = dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), BEIJING)
        return start, end

    def years(self) -> range:
        return range(self.first_day.year, self.last_day.year + 1)

    @property
    def label(self) -> str:
        return f"{self.first_day.isoformat()} 至 {self.last_day.isoformat()}"


@dataclass(frozen=True)
class Study:
    """A cadre's study progress: ``studied`` items of ``total`` (the items of the lists reaching them)."""

    studied: int
    total: int


@dataclass
class CadreSummary:
    """One cadre over the period. Scores are :class:`PaperScore` (points out of the paper's
    maximum), None when there is none that agrees with the score ledger; counts are sittings."""

    user: User
    expected: int = 0
    taken: int = 0
    absent: int = 0
    makeups: int = 0
    awaiting: int = 0
    unverified: int = 0
    #: Each sitting's counted score, oldest sitting first, with whether the sitting is a make-up.
    scores: list[tuple[bool, PaperScore]] = field(default_factory=list)
    latest: PaperScore | None = None
    latest_sitting: str = ""
    passes: list[bool] = field(default_factory=list)
    #: Each sitting as "title：outcome" (score in points, 缺考, 待阅卷, 成绩待核查…), oldest first.
    history: list[str] = field(default_factory=list)
    #: When the counted attempt of the latest sitting taken finished (for choosing the latest).
    latest_at: dt.datetime | None = None
    study: Study | None = None
    practice: PracticeFigures | None = None

    @property
    def best(self) -> PaperScore | None:
        """The score with the highest share (``score_share.best``: ties to the larger maximum, then the earlier sitting)."""
        return score_share.best(score for _, score in self.scores)

    @property
    def first_best(self) -> PaperScore | None:
        """:attr:`best` among first (not make-up) sittings."""
        return score_share.best(score for makeup, score in self.scores if not makeup)

    @property
    def makeup_best(self) -> PaperScore | None:
        """:attr:`best` among make-up sittings."""
        return score_share.best(score for makeup, score in self.scores if makeup)

    @property
    def mean_percent(self) -> Decimal | None:
        """The mean of the shares of the cadre's scored sittings, in percent to two places
        (``score_share.mean_percent``); None without any."""
        return score_share.mean_percent(score.share for _, score in self.scores)

    @property
    def outcome(self) -> Outcome | None:
        """Passed when any sitting of the period was passed, failed when results exist and none
        passed, else awaiting marking or absent; None when there is nothing to say (module rules)."""
        if any(self.passes):
            return Outcome.PASSED
        if self.passes:
            return Outcome.FAILED
        if self.awaiting:
            return Outcome.AWAITING_MARKING
        if self.absent:
            return Outcome.ABSENT
        return None

    @property
    def passed(self) -> str:
        """:attr:`outcome` as the table says it: 合格 / 不合格 / 待阅卷 / 缺考, or ""."""
        return OUTCOME_LABELS[self.outcome]

    @property
    def practice_accuracy(self) -> Decimal | None:
        """Practice answers wholly right, in percent to one decimal (``Decimal("66.7")``); None
        without practice in the period."""
        if self.practice is None or not self.practice.answered:
            return None
        return _percent(self.practice.correct, self.practice.answered)

    @property
    def check(self) -> str:
        if self.unverified:
            return f"{self.unverified}场成绩与成绩档案不符，请核查"
        return CHECK_AGREES if self.taken else ""


def _count_sitting(summary: CadreSummary, sitting: Sitting, attempts: Sequence[Attempt],
                   results: Mapping[int, CheckedScore], now: dt.datetime) -> None:
    """Add one roster entry's result at ``sitting`` to ``summary``."""
    summary.expected += 1
    status, attempt = candidate_status(attempts, sitting, now)
    if status == CandidateStatus.ABSENT:
        summary.absent += 1
        summary.history.append(f"{sitting.title}：{ABSENT}")
        return
    if status not in ENDED:
        summary.history.append(f"{sitting.title}：{ENDED_LABELS[status]}")
        return
    summary.taken += 1
    is_makeup = sitting.kind == ExamKind.MAKEUP
    summary.makeups += 1 if is_makeup else 0
    if any(a.id in results and results[a.id].suspect for a in attempts):
        summary.unverified += 1
        summary.history.append(f"{sitting.title}：{UNVERIFIED}")
        return
    result = results.get(attempt.id)
    if result is None or result.state == ScoreState.UNMARKED:
        summary.awaiting += 1
        summary.history.append(f"{sitting.title}：{AWAITING}")
        return
    if not result.trusted:
        return
    passed = PASSED_LABELS[bool(result.passed)]
    summary.passes.append(bool(result.passed))
    if not result.max_score or result.max_score <= 0:
        # No share out of nothing (every question taken out of the total): said, never compared.
        summary.history.append(f"{sitting.title}：{plain_points(result.score)}/0分（{passed}）")
        return
    score = PaperScore(result.score, result.max_score)
    summary.history.append(f"{sitting.title}：{score.text(passed)}")
    summary.scores.append((is_makeup, score))
    if summary.latest_at is None or attempt.finished_at >= summary.latest_at:
        summary.latest_at, summary.latest, summary.latest_sitting = attempt.finished_at, score, sitting.title


def summarise(cadres: Sequence[User], sittings: Sequence[Sitting], rosters: Mapping[int, Sequence[int]],
              attempts: Mapping[int, Mapping[int, Sequence[Attempt]]], results: Mapping[int, CheckedScore],
              study: Mapping[int, Study], practice: Mapping[int, PracticeFigures],
              now: dt.datetime) -> list[CadreSummary]:
    """One :class:`CadreSummary` per cadre of ``cadres`` (in their order; each with its unit
    loaded). ``rosters`` maps a sitting id to the user ids on its roster, ``attempts`` a sitting id
    to user id → attempts there, ``results`` an attempt id to its checked score; ``study`` and
    ``practice`` are by user id (a cadre missing from them has none). ``now`` decides who is absent."""
    by_user = {c.id: CadreSummary(c, study=study.get(c.id), practice=practice.get(c.id)) for c in cadres}
    for sitting in sorted(sittings, key=lambda s: (s.opens_at, s.id)):
        for user_id in rosters.get(sitting.id, ()):
            if user_id in by_user:
                _count_sitting(by_user[user_id], sitting, attempts.get(sitting.id, {}).get(user_id, ()), results, now)
    return list(by_user.values())


def _percent(part: int | Decimal, whole: int) -> Decimal | None:
    if not whole:
        return None
    return plain_points((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP))


def cadre_row(summary: CadreSummary) -> tuple:
    """The cells of :data:`CADRE_HEADERS` for one cadre."""
    user, study, practice = summary.user, summary.study, summary.practice
    return (
        user.org_unit.name, user.display_name, id_vault.masked(user), user.rank or "", summary.expected,
        summary.taken, summary.absent, summary.makeups, _cell(summary.first_best), _cell(summary.makeup_best),
        _cell(summary.best), summary.best and plain_points(summary.best.percent), plain_points(summary.mean_percent),
        _cell(summary.latest), summary.latest_sitting, summary.passed, summary.awaiting, summary.check,
        study.studied if study else None, study.total if study else None,
        practice.answered if practice else None, summary.practice_accuracy, "；".join(summary.history),
    )


def _cell(score: PaperScore | None) -> str | None:
    return None if score is None else score.text()


def cadre_table(summaries: Sequence[CadreSummary]) -> tuple[tuple[str, ...], list[tuple]]:
    """The per-cadre table as ``(CADRE_HEADERS, rows)``."""
    return CADRE_HEADERS, [cadre_row(s) for s in summaries]


@dataclass(frozen=True)
class UnitFigures:
    """A group of cadres' figures (the per-unit table's row): ``cadres`` in the group,
    ``expected`` of them on a roster, ``taken`` with a sitting taken, ``passed`` of them,
    ``pass_rate`` (passed ÷ expected, percent to one decimal; None without expected),
    ``mean_percent`` (the mean of their best scores' shares, percent to two places; None without
    any: ``score_share.mean_percent``), ``absences`` (sittings
    missed, summed), ``makeup_cadres`` (cadres who sat a make-up), ``awaiting`` (cadres with a
    sitting awaiting marking)."""

    label: str
    cadres: int
    expected: int
    taken: int
    passed: int
    pass_rate: Decimal | None
    mean_percent: Decimal | None
    absences: int
    makeup_cadres: int
    awaiting: int

    def row(self) -> tuple:
        """The cells of :data:`UNIT_HEADERS`."""
        return (self.label, self.cadres, self.expected, self.taken, self.passed, self.pass_rate, plain_points(self.mean_percent),
                self.absences, self.makeup_cadres, self.awaiting)


def unit_figures(label: str, group: Sequence[CadreSummary]) -> UnitFigures:
    """The :class:`UnitFigures` of ``group`` (module rules for 合格率 and 平均得分率)."""
    expected = [s for s in group if s.expected]
    passed = sum(1 for s in group if any(s.passes))
    mean = score_share.mean_percent(s.best.share for s in group if s.best is not None)
    return UnitFigures(label, len(group), len(expected), sum(1 for s in group if s.taken), passed,
                       _percent(passed, len(expected)), mean, sum(s.absent for s in group),
                       sum(1 for s in group if s.makeups), sum(1 for s in group if s.awaiting))


def by_unit(summaries: Sequence[CadreSummary]) -> dict[int, list[CadreSummary]]:
    """Unit id → the summaries of the cadres of that very unit (not its subtree), units in the
    order first met."""
    groups: dict[int, list[CadreSummary]] = {}
    for summary in summaries:
        groups.setdefault(summary.user.org_unit_id, []).append(summary)
    return groups


def unit_table(summaries: Sequence[CadreSummary]) -> tuple[tuple[str, ...], list[tuple]]:
    """The per-unit table as ``(UNIT_HEADERS, rows)``: one row per unit that has a cadre in
    ``summaries`` (each cadre in their own unit, in the order first met), then :data:`TOTAL_LABEL`."""
    rows = [unit_figures(group[0].user.org_unit.name, group).row() for group in by_unit(summaries).values()]
    return UNIT_HEADERS, rows + [unit_figures(TOTAL_LABEL, summaries).row()]


def header_block(title: str, period: Period, unit_name: str, kinds: Sequence[ExamKind], generated_at: dt.datetime,
                 generated_by: User) -> list[tuple[str, ...]]:
    """The rows written above a downloaded table, saying what it is: the title, the period, the
    unit subtree, the kinds of sitting, how scores are compared (:data:`RULE_LABEL`), when
    (Beijing time, to the second; ``generated_at`` is aware) and by whom it was made, then an
    empty row."""
    when = generated_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    return [
        (title,),
        ("考核期间", period.label),
        ("单位范围", f"{unit_name}（含下级单位）"),
        ("考试类别", "、".join(KIND_LABELS[k] for k in kinds)),
        (RULE_LABEL, score_share.RULE),
        ("生成时间", f"{when}（北京时间）"),
        ("生成人", f"{generated_by.display_name}（{generated_by.username}）"),
        (),
    ]
