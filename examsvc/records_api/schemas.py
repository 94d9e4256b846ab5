"""The records API's shapes (marshmallow), from which the OpenAPI document is generated.

Points are exact decimal strings with two places ("86.50"), never JSON numbers, so that no client
reads 86.5 as a binary float (case C-20). Times are ISO 8601 in UTC with their offset.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from question_bank.clock import SEARCHABLE_YEARS
from question_bank.models import ExamKind
from question_bank.reports.appraisal import Outcome
from question_bank.services import appraisal
from question_bank.services.api_records import DEFAULT_PAGE, MAX_PAGE
from question_bank.services.standing import CandidateStatus
from question_bank.services.score_check import ScoreState

#: An exact mark: digits, a point, two digits.
POINTS_PATTERN = r"^[0-9]+\.[0-9]{2}$"
#: A percentage to one decimal: "66.7", "100.0".
PERCENT_PATTERN = r"^[0-9]+\.[0-9]$"
#: A share of a paper's maximum in percent, half up to two decimals: "66.67", "90.00".
SHARE_PATTERN = r"^[0-9]+\.[0-9]{2}$"


def points(metadata_extra: str = "", **kwargs) -> fields.String:
    """A string field holding points (``POINTS_PATTERN``); ``metadata_extra`` says which."""
    return fields.String(metadata={"pattern": POINTS_PATTERN, "example": "86.50",
                                   "description": f"{metadata_extra} Points, exact, two decimal places.".strip()},
                         **kwargs)


def share_percent(description: str, **kwargs) -> fields.String:
    """A string field holding a share of a paper's maximum in percent (``SHARE_PATTERN``)."""
    return fields.String(metadata={"pattern": SHARE_PATTERN, "example": "90.00", "description": (
        f"{description} Percent of the paper's maximum, exact share rounded half up to two decimals.")}, **kwargs)


def when(**kwargs) -> fields.AwareDateTime:
    return fields.AwareDateTime(format="iso", **kwargs)


class ErrorSchema(Schema):
    """Every refusal and error: a code, a message in the caller's language, and where relevant the
    reason (token refusals) or the problems (invalid parameters)."""

    error = fields.String(required=True, metadata={"example": "unauthenticated"})
    message = fields.String(required=True)
    reason = fields.String(metadata={"example": "expired"})
    problems = fields.List(fields.Dict())


class PageArgs(Schema):
    """Cursor paging: ``after`` is the previous page's ``next_after``; ids ascend."""

    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**31 - 1),
                           metadata={"description": "Give the previous page's next_after; 0 (default) for the first page."})
    limit = fields.Integer(load_default=DEFAULT_PAGE, validate=validate.Range(min=1, max=MAX_PAGE))


#: What a date or time filter says about the years it takes (``question_bank.date_filters``).
SEARCHABLE = (f"Years {SEARCHABLE_YEARS[0]} to {SEARCHABLE_YEARS[-1]} only (written in the value's own offset); "
              "another year is refused with 422 naming the parameter.")


class SittingArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Only sittings with a cadre of this unit's subtree on the roster."})
    kind = fields.String(validate=validate.OneOf([k.value for k in ExamKind]))
    opens_from = when(metadata={"description": f"Sittings opening at or after this time. {SEARCHABLE}"})
    opens_before = when(metadata={"description": f"Sittings opening before this time. {SEARCHABLE}"})


class ScoreArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Only candidates of this unit's subtree."})


class AuditArgs(PageArgs):
    action = fields.String(validate=validate.Length(max=60),
                           metadata={"description": "A dotted action or its prefix: 'mark' finds 'mark.given'."})
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=40))
    since = when(metadata={"description": SEARCHABLE})
    until = when(metadata={"description": f"Exclusive. {SEARCHABLE}"})


class SittingSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in ExamKind]))
    org_unit_id = fields.Integer(required=True)
    opens_at = when(required=True)
    closes_at = when(required=True)
    time_limit_s = fields.Integer(required=True, metadata={"description": "Seconds."})
    pass_mark = points(required=True)
    excellent_mark = points(required=True)
    attempts_allowed = fields.Integer(required=True)
    results_policy = fields.String(required=True)
    roster_in_scope = fields.Integer(required=True, metadata={
        "description": "Roster entries whose cadre belongs to the token's unit subtree."})


class SittingPage(Schema):
    items = fields.List(fields.Nested(SittingSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True)


class CandidateSchema(Schema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.String(required=True, metadata={
        "description": "Masked as in the score sheet: first 6 and last 4 characters.", "example": "110101********4512"})
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)
    rank = fields.String(required=True, allow_none=True, metadata={"description": "职级, as on the account."})
    current_post = fields.String(required=True, allow_none=True)
    proposed_post = fields.String(required=True, allow_none=True)


class AttemptSchema(Schema):
    id = fields.Integer(required=True)
    attempt_no = fields.Integer(required=True, metadata={"description": "1 for the first attempt; more are make-ups."})
    state = fields.String(required=True)
    started_at = when(required=True)
    finished_at = when(required=True, allow_none=True)
    duration_s = fields.Integer(required=True, allow_none=True, metadata={"description": "Seconds."})


class LedgerEntrySchema(Schema):
    id = fields.Integer(required=True)
    attempt_id = fields.Integer(required=True)
    score = points(required=True)
    max_score = points(required=True)
    band = fields.String(required=True)
    passed = fields.Boolean(required=True)
    reason = fields.String(required=True, metadata={"description": "submitted, auto_submitted, regrade, …"})
    recorded_at = when(required=True)
    entry_hash = fields.String(required=True)
    intact = fields.Boolean(required=True, metadata={"description": "Whether the entry's own hash still holds."})


class ScoreRecordSchema(Schema):
    roster_entry_id = fields.Integer(required=True)
    candidate = fields.Nested(CandidateSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CandidateStatus]))
    attempt = fields.Nested(AttemptSchema, required=True, allow_none=True)
    score_state = fields.String(required=True, allow_none=True, validate=validate.OneOf([s.value for s in ScoreState]),
                                metadata={"description": "recorded: the score agrees with the score ledger; "
                                          "unmarked: awaiting marking; mismatch/unrecorded: the attempt disagrees "
                                          "with the ledger and no score is given. Null when not started."})
    score = points(required=True, allow_none=True)
    max_score = points(required=True, allow_none=True)
    pass_mark = points("Needed to pass, as the score was judged: the sitting's pass mark, scaled with max_score "
                       "when a regrade removed a question from the total.", required=True, allow_none=True)
    band = fields.String(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)
    history = fields.List(fields.Nested(LedgerEntrySchema), required=True, metadata={
        "description": "Every score ledger entry of the candidate's attempts at the sitting, oldest first: "
                       "regrades and approved changes follow what they changed."})


class ScoreRecordPage(Schema):
    items = fields.List(fields.Nested(ScoreRecordSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True)


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    occurred_at = when(required=True)
    actor = fields.String(required=True, allow_none=True, metadata={"description": "Username; null for the system."})
    action = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(required=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)
    detail = fields.String(required=True)
    origin = fields.Dict(required=True, allow_none=True, metadata={
        "description": "Where the action came in: channel (web, api, cli, worker); for web and api the client "
                       "address (after the trusted proxies) and the whole user agent, for api the token id, for "
                       "cli the command, for worker its name. Null for events recorded before origins were."})
    entry_hash = fields.String(required=True)


class AuditEventPage(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True)


class RosterArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Only cadres of this unit's subtree."})


class RosterEntrySchema(Schema):
    roster_entry_id = fields.Integer(required=True)
    candidate = fields.Nested(CandidateSchema, required=True, metadata={
        "description": "current_post and proposed_post as they stood for this exam (the roster's), else the account's."})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in CandidateStatus]),
                           metadata={"description": "Where the candidate stands, as on the score sheet."})
    extra_time_s = fields.Integer(required=True, metadata={"description": "Extra seconds granted (an accommodation)."})
    added_at = when(required=True)


class RosterPage(Schema):
    items = fields.List(fields.Nested(RosterEntrySchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True, metadata={"description": "A roster entry id."})


class AppraisalArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "A unit of the token's subtree whose subtree is summarised (default: the token's unit)."})
    # The searchable years are checked by the domain (question_bank.date_filters), stated here.
    year = fields.Integer(metadata={
        "minimum": SEARCHABLE_YEARS[0], "maximum": SEARCHABLE_YEARS[-1],
        "description": "A calendar year (Beijing). Without year, first_day and last_day: the current year."})
    first_day = fields.Date(metadata={
        "description": f"First Beijing day of a period; needs last_day; wins over year. {SEARCHABLE}"})
    last_day = fields.Date(metadata={"description": "Last Beijing day of the period (included), at most "
                                                    f"{appraisal.MAX_PERIOD_DAYS} days after first_day. {SEARCHABLE}"})
    kind = fields.String(load_default="all", validate=validate.OneOf(list(appraisal.KIND_CHOICES)), metadata={
        "description": "Sittings of this kind, with their make-ups: pre-appointment and annual (all), or one."})


class StudySchema(Schema):
    studied = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={
        "description": "Items of the period's years' published study lists that reach the cadre."})


class PracticeSchema(Schema):
    answered = fields.Integer(required=True, metadata={"description": "Practice questions answered in the period."})
    correct = fields.Integer(required=True, metadata={"description": "Of those, answered wholly right."})
    accuracy_percent = fields.String(required=True, allow_none=True, metadata={
        "pattern": PERCENT_PATTERN, "example": "66.7", "description": "correct ÷ answered in percent, one decimal."})


class PaperScoreSchema(Schema):
    """A score out of its paper's maximum: papers of different maxima compare by ``percent``."""

    # ``points`` last: once defined, the name would hide the field maker for the lines after it.
    max_points = points(required=True, metadata_extra="The paper's maximum as the score record holds it.")
    percent = share_percent("points ÷ max_points.", required=True)
    points = points(required=True, metadata_extra="Scored.")


def paper_score(description: str) -> fields.Nested:
    return fields.Nested(PaperScoreSchema, required=True, allow_none=True, metadata={"description": description})


class AppraisalCadreSchema(Schema):
    candidate = fields.Nested(CandidateSchema, required=True, metadata={"description": "Posts as on the account."})
    expected = fields.Integer(required=True, metadata={"description": "Sittings of the period with the cadre on the roster."})
    taken = fields.Integer(required=True)
    absent = fields.Integer(required=True)
    makeups = fields.Integer(required=True, metadata={"description": "Make-up sittings taken."})
    awaiting_marking = fields.Integer(required=True)
    unverified = fields.Integer(required=True, metadata={
        "description": "Sittings whose score disagrees with the score ledger: not shown, not counted."})
    first_attempt_best = paper_score("Best score at a first (not make-up) sitting, by share of the maximum.")
    makeup_best = paper_score("Best score at a make-up sitting, by share of the maximum.")
    best = paper_score("The score with the highest share of its paper's maximum; equal shares: the larger "
                       "maximum, then the earlier sitting (the page's 计分口径).")
    latest = paper_score("The score of the sitting handed in last; at the same time: the sitting opening later.")
    mean_percent = share_percent("Mean of the shares of the cadre's scored sittings (not summed points ÷ summed "
                                 "maxima).", required=True, allow_none=True)
    latest_sitting = fields.String(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True, validate=validate.OneOf([o.value for o in Outcome]), metadata={
        "description": "passed when any sitting of the period was passed (a make-up counts), failed when results "
                       "exist and none passed, else awaiting_marking or absent; null when there is nothing to say."})
    passed = fields.Boolean(required=True, allow_none=True, metadata={"description": "null unless passed or failed."})
    study = fields.Nested(StudySchema, required=True, allow_none=True)
    practice = fields.Nested(PracticeSchema, required=True, allow_none=True)
    history = fields.List(fields.String(), required=True, metadata={
        "description": "Each sitting of the period as the page's 各场次情况 says it (title：outcome), oldest first."})


class AppraisalCadrePage(Schema):
    items = fields.List(fields.Nested(AppraisalCadreSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True, metadata={"description": "A user id."})


class AppraisalFiguresSchema(Schema):
    cadres = fields.Integer(required=True, metadata={"description": "Counted cadres of this very unit (of the whole "
                                                                    "subtree in the total)."})
    candidates = fields.Integer(required=True, metadata={"description": "Of those, on a roster of the period."})
    taken = fields.Integer(required=True)
    passed = fields.Integer(required=True)
    pass_rate_percent = fields.String(required=True, allow_none=True, metadata={
        "pattern": PERCENT_PATTERN, "example": "66.7", "description": "passed ÷ candidates in percent, one decimal."})
    mean_percent = share_percent("Mean of the candidates' best shares (each best score's share of its paper's "
                                 "maximum).", required=True, allow_none=True)
    absences = fields.Integer(required=True, metadata={"description": "Sittings missed, summed over the cadres."})
    makeup_candidates = fields.Integer(required=True, metadata={"description": "Cadres who sat a make-up."})
    awaiting_marking = fields.Integer(required=True, metadata={"description": "Cadres with a sitting awaiting marking."})


class AppraisalUnitSchema(AppraisalFiguresSchema):
    unit_id = fields.Integer(required=True)
    unit = fields.String(required=True)


class AppraisalUnitPage(Schema):
    items = fields.List(fields.Nested(AppraisalUnitSchema), required=True)
    total = fields.Nested(AppraisalFiguresSchema, required=True, metadata={
        "description": "The whole chosen subtree (HR's 合计 row), the same on every page: unit lines count their "
                       "own cadres only, and shares and rates cannot be added up from them."})
    next_after = fields.Integer(required=True, allow_none=True, metadata={"description": "A unit id."})
