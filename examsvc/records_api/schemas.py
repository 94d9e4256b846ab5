"""The records API's shapes (marshmallow), from which the OpenAPI document is generated.

Points are exact decimal strings with two places ("86.50"), never JSON numbers, so that no client
reads 86.5 as a binary float (case C-20). Times are ISO 8601 in UTC with their offset.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from question_bank.models import ExamKind
from question_bank.services.api_records import DEFAULT_PAGE, MAX_PAGE
from question_bank.services.standing import CandidateStatus
from question_bank.services.score_check import ScoreState

#: An exact mark: digits, a point, two digits.
POINTS_PATTERN = r"^[0-9]+\.[0-9]{2}$"


def points(**kwargs) -> fields.String:
    return fields.String(metadata={"pattern": POINTS_PATTERN, "example": "86.50",
                                   "description": "Points, exact, two decimal places."}, **kwargs)


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


class SittingArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Only sittings with a cadre of this unit's subtree on the roster."})
    kind = fields.String(validate=validate.OneOf([k.value for k in ExamKind]))
    opens_from = when(metadata={"description": "Sittings opening at or after this time."})
    opens_before = when(metadata={"description": "Sittings opening before this time."})


class ScoreArgs(PageArgs):
    unit_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "Only candidates of this unit's subtree."})


class AuditArgs(PageArgs):
    action = fields.String(validate=validate.Length(max=60),
                           metadata={"description": "A dotted action or its prefix: 'mark' finds 'mark.given'."})
    object_type = fields.String(validate=validate.Length(max=40))
    object_id = fields.String(validate=validate.Length(max=40))
    since = when()
    until = when(metadata={"description": "Exclusive."})


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
    entry_hash = fields.String(required=True)


class AuditEventPage(Schema):
    items = fields.List(fields.Nested(AuditEventSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True)
