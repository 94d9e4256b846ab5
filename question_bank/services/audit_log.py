"""What an auditor (审计员) reads: audit events filtered by actor, object, action and time and
their export; the score records of sittings, read-only; and the state of the two hash chains
(domain.md §9, issue 6 "Roles that work"). Nothing here changes a record, except that an export
is itself audited ("export.audit_log")."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.orm import Session, aliased

from question_bank import date_filters, idnumbers
from question_bank.text import visible_controls
from question_bank.clock import BEIJING, Clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import (
    Attempt, AttemptItem, AuditEvent, ChangeState, OrgUnit, Role, RosterEntry, ScoreChange, ScoreRecord, Sitting,
    User,
)
from question_bank.services import audit, ledger, protection, score_check
from question_bank.services.hashchain import ChainCheck

#: Most events an export holds; a narrower filter gets the rest.
MAX_EXPORT_ROWS = 50_000


@dataclass(frozen=True)
class EventFilter:
    """Which events to show. ``actor``: a username (exact, any case); ``object_type`` exact;
    ``object_id`` exact; ``action``: a dotted verb or its prefix ("mark" finds "mark.given");
    ``since``/``until``: aware datetimes, ``until`` exclusive. Empty strings and None mean any."""

    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def problems(self) -> list[Problem]:
        """A time outside the searchable years (``date_filters``), or a period ending before it starts."""
        if found := date_filters.problems({"since": self.since, "until": self.until}, exclusive=("until",)):
            return found
        if self.since is not None and self.until is not None and self.until <= self.since:
            return [Problem(N_("the end of the period must come after its start"), place="until")]
        return []


def matching(session: Session, flt: EventFilter) -> Select[tuple[AuditEvent]]:
    """The query of the events ``flt`` lets through, unordered (the auditor's pages, the export
    and the records API order and page it)."""
    query = select(AuditEvent)
    if flt.actor.strip():
        actor_id = session.scalar(select(User.id).where(func.lower(User.username) == flt.actor.strip().lower()))
        query = query.where(AuditEvent.actor_id == (actor_id if actor_id is not None else -1))
    if flt.object_type.strip():
        query = query.where(AuditEvent.object_type == flt.object_type.strip())
    if flt.object_id.strip():
        query = query.where(AuditEvent.object_id == flt.object_id.strip())
    if flt.action.strip():
        action = flt.action.strip()
        query = query.where((AuditEvent.action == action) |
                            AuditEvent.action.startswith(action.rstrip(".") + ".", autoescape=True))
    if flt.since is not None:
        query = query.where(AuditEvent.occurred_at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.occurred_at < flt.until)
    return query


def _ids_text(query: Select) -> Select:
    """``query``'s single id column as text: ``AuditEvent.object_id`` is text."""
    column = query.selected_columns[0]
    return query.with_only_columns(cast(column, String))


def in_unit_scope(unit: OrgUnit) -> ColumnElement[bool] | None:
    """SQL condition on :class:`AuditEvent`: the event concerns ``unit``'s subtree; None for the
    root unit, which reads every event. Shared by the auditor's pages and the records API.

    An event concerns the subtree when its actor is a person of it, or its object is: a person of
    it ("user"), one of their attempts, attempt items, score records or roster entries, or a
    sitting held by a unit of it. So a city's auditor reads a provincial admin's score change of
    one of the city's cadres, and never another city's events. The system's own events (no actor)
    count only through their object."""
    if protection.is_top_unit(unit):
        return None
    people = select(User.id).join(OrgUnit, User.org_unit_id == OrgUnit.id).where(protection.in_subtree(unit))
    their_attempts = select(Attempt.id).where(Attempt.user_id.in_(people))
    objects = {
        "user": people,
        "attempt": their_attempts,
        "attempt_item": select(AttemptItem.id).where(AttemptItem.attempt_id.in_(their_attempts)),
        "score_record": select(ScoreRecord.id).where(ScoreRecord.user_id.in_(people)),
        "roster_entry": select(RosterEntry.id).where(RosterEntry.user_id.in_(people)),
        "sitting": select(Sitting.id).join(OrgUnit, Sitting.org_unit_id == OrgUnit.id)
        .where(protection.in_subtree(unit)),
    }
    return or_(AuditEvent.actor_id.in_(people),
               *[(AuditEvent.object_type == kind) & AuditEvent.object_id.in_(_ids_text(ids))
                 for kind, ids in objects.items()])


def scoped_matching(session: Session, viewer_unit: OrgUnit, flt: EventFilter) -> Select[tuple[AuditEvent]]:
    """:func:`matching`, limited to the events that concern ``viewer_unit``'s subtree (:func:`in_unit_scope`)."""
    query = matching(session, flt)
    scope = in_unit_scope(viewer_unit)
    return query if scope is None else query.where(scope)


def events(session: Session, viewer: User, flt: EventFilter, *, limit: int = 100, before_id: int | None = None
           ) -> list[AuditEvent]:
    """The newest ``limit`` events matching ``flt`` (older than ``before_id`` for the next page),
    newest first, among those that concern the auditor's unit subtree (:func:`in_unit_scope`).
    Raises :class:`PermissionDenied` for a non-auditor, :class:`InvalidInput` for a period that
    ends before it starts."""
    protection.require_role(viewer, Role.AUDITOR)
    if flt.problems():
        raise InvalidInput(flt.problems())
    query = scoped_matching(session, viewer.org_unit, flt)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))


def object_types(session: Session) -> list[str]:
    """The object types events have been recorded for, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)))


#: Column headings of the export (Chinese, like the score sheet's).
EXPORT_HEADERS = ("编号", "时间（北京时间）", "操作人", "操作", "对象类型", "对象编号", "变更前", "变更后", "说明", "来源",
                  "哈希")

#: The channels of :class:`~question_bank.services.audit.Channel` as the export names them.
CHANNEL_TEXT = {"web": "网页", "api": "API 令牌", "cli": "命令行", "worker": "后台任务"}
#: What the export says after an address recorded with ``forwarded_for_unusable`` (the trusted
#: proxies' X-Forwarded-For held no IP address, so the address is the proxy's own, not the client's).
FORWARDED_UNUSABLE_TEXT = "（代理转发的客户端地址无法识别，记录的是代理自身的地址）"


def origin_text(origin: dict[str, Any] | None) -> str:
    """An event's origin as the export's 来源 cell: "网页；地址 192.0.2.10；用户代理 Mozilla/5.0 …",
    "API 令牌 3；地址 …；用户代理 …", "命令行 sweep-overdue", "后台任务 host:pid:…"; "" for an event
    made before origins were recorded. An address recorded with ``forwarded_for_unusable`` is
    followed by :data:`FORWARDED_UNUSABLE_TEXT` (it is the proxy's, not the client's). The user
    agent is whole, as stored, any ID number in it masked."""
    if not origin:
        return ""
    channel = str(origin.get("channel", ""))
    head = " ".join(str(part) for part in (CHANNEL_TEXT.get(channel, channel), origin.get("token"),
                                           origin.get("command"), origin.get("worker")) if part not in (None, ""))
    parts = [head]
    if origin.get("address"):
        parts.append(f"地址 {origin['address']}" + (FORWARDED_UNUSABLE_TEXT if origin.get("forwarded_for_unusable") else ""))
    if origin.get("agent"):
        parts.append(f"用户代理 {shown_text(origin['agent'])}")
    return "；".join(parts)


def json_text(value: Any) -> str:
    """A snapshot as JSON text with Chinese kept as written (not ``\\uXXXX``) and every ID number
    written in it masked (``idnumbers.redact_document``); "" for None. Pages escape it for HTML like
    any text. JSON writes C0 control characters as "\\u001b"; DEL and C1 ones are made visible
    (``text.visible_controls``)."""
    if value is None:
        return ""
    return visible_controls(json.dumps(idnumbers.redact_document(value), ensure_ascii=False, sort_keys=True))


def shown_text(text: str) -> str:
    """Free text of an event (its detail, an origin's user agent) as the auditor's page and the export
    show it: every ID number written in it masked (``idnumbers.redact``), and control characters
    shown, not acting (``text.visible_controls``: "\\x1b" as "␛"), alike in the page, the CSV and the
    xlsx (issue-10 tester item 3)."""
    return visible_controls(idnumbers.redact(text))


def export_rows(session: Session, clock: Clock, viewer: User, flt: EventFilter, fmt: str
                ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """(headers, rows) of every event matching ``flt``, oldest first (at most
    :data:`MAX_EXPORT_ROWS`) that concern the auditor's unit subtree, for the tabular writers
    (which neutralise formula-like cells).
    The export is audited with its filter and ``fmt``."""
    protection.require_role(viewer, Role.AUDITOR)
    if flt.problems():
        raise InvalidInput(flt.problems())
    actor = aliased(User)
    query = (scoped_matching(session, viewer.org_unit, flt).add_columns(actor.username).outerjoin(actor, AuditEvent.actor_id == actor.id)
             .order_by(AuditEvent.id).limit(MAX_EXPORT_ROWS))
    rows = [(e.id, e.occurred_at.astimezone(BEIJING).replace(tzinfo=None), username or "", e.action, e.object_type,
             e.object_id, json_text(e.before), json_text(e.after), shown_text(e.detail), origin_text(e.origin),
             e.entry_hash)
            for e, username in session.execute(query)]
    audit.record(session, clock, viewer, "export.audit_log", "audit_event", "",
                 after={"format": fmt, "rows": len(rows), "filter": {
                     "actor": flt.actor, "object_type": flt.object_type, "object_id": flt.object_id,
                     "action": flt.action, "since": flt.since.isoformat() if flt.since else None,
                     "until": flt.until.isoformat() if flt.until else None}})
    return EXPORT_HEADERS, rows


def sittings(session: Session, viewer: User) -> list[Sitting]:
    """The sittings of the auditor's unit subtree, latest window first."""
    protection.require_role(viewer, Role.AUDITOR)
    return list(session.scalars(protection.scoped(Sitting, viewer).order_by(Sitting.opens_at.desc(), Sitting.id.desc())))


def visible_sitting(session: Session, viewer: User, sitting_id: int) -> Sitting:
    return protection.get_in_scope(session, viewer, Sitting, sitting_id, Role.AUDITOR)


@dataclass(frozen=True)
class RecordLine:
    """One score ledger entry as an auditor reads it: the entry, the candidate and actor names,
    and whether its own hash still holds."""

    record: ScoreRecord
    candidate: str
    actor: str
    intact: bool
    #: Who proposed the four-eyes score change the entry records ("" for any other entry); the
    #: entry's actor approved it.
    proposer: str = ""


def score_records(session: Session, viewer: User, sitting: Sitting) -> list[RecordLine]:
    """Every ledger entry of ``sitting``, in ledger order (corrections follow what they correct).
    An entry of an approved score change names its proposer as well as its approver (the actor)."""
    protection.require_role(viewer, Role.AUDITOR)
    candidate, actor = aliased(User), aliased(User)
    query = (select(ScoreRecord, candidate.display_name, actor.display_name)
             .join(candidate, ScoreRecord.user_id == candidate.id)
             .outerjoin(actor, ScoreRecord.actor_id == actor.id)
             .where(ScoreRecord.sitting_id == sitting.id).order_by(ScoreRecord.id))
    proposers = _change_proposers(session, sitting)
    return [RecordLine(r, c, a or "", ledger.entry_intact(r), proposers.get(r.id, ""))
            for r, c, a in session.execute(query)]


def _change_proposers(session: Session, sitting: Sitting) -> dict[int, str]:
    """Score record id → the name of who proposed the approved score change it records, from the
    changes of the sitting and their "score_change.approve" events (which name the entry)."""
    changes = {c.id: c for c in session.scalars(
        select(ScoreChange).join(AttemptItem, ScoreChange.attempt_item_id == AttemptItem.id)
        .join(Attempt, AttemptItem.attempt_id == Attempt.id)
        .where(Attempt.sitting_id == sitting.id, ScoreChange.state == ChangeState.APPROVED))}
    if not changes:
        return {}
    found = {}
    for event in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "score_change.approve", AuditEvent.object_type == "attempt_item",
            AuditEvent.object_id.in_(sorted({str(c.attempt_item_id) for c in changes.values()})))):
        after = event.after or {}
        change = changes.get(after.get("change_id"))
        if change is not None and after.get("score_record_id") is not None:
            found[int(after["score_record_id"])] = change.proposed_by.display_name
    return found


@dataclass(frozen=True)
class LedgerStatus:
    """Both chains walked end to end and every attempt reconciled with its newest entry."""

    scores: ChainCheck
    audit: ChainCheck
    discrepancies: list[score_check.Discrepancy]

    @property
    def ok(self) -> bool:
        return self.scores.ok and self.audit.ok and not self.discrepancies


def ledger_status(session: Session, viewer: User) -> LedgerStatus:
    """Verify the score ledger and the audit log and reconcile every attempt (as ``flask
    verify-ledger`` does, without a checkpoint: the one kept outside the database is checked
    there)."""
    protection.require_role(viewer, Role.AUDITOR)
    return LedgerStatus(ledger.verify(session), audit.verify(session), score_check.reconcile(session))
