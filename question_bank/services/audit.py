"""Writing and verifying audit events (domain.md §9).

Audit events form a hash chain like the score ledger (:mod:`question_bank.services.hashchain`):
each event carries the SHA-256 of its content and of the event before it, so an event changed,
removed or swapped is found by :func:`verify`, and a rewritten, recomputed chain by a checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached

from question_bank import field_limits, idnumbers
from question_bank.clock import Clock
from question_bank.models import AuditEvent, User
from question_bank.services import hashchain
from question_bank.services.hashchain import Chain, ChainCheck, ChainPoint


class Channel(StrEnum):
    """Where an audited action came in (``AuditEvent.origin["channel"]``)."""

    #: A page or the exam page's script, in a browser signed in with a session cookie.
    WEB = "web"
    #: The read-only records API, with a bearer token.
    API = "api"
    #: A ``flask --app wsgi …`` command run on the server.
    CLI = "cli"
    #: A background worker (the import worker), acting on a job someone queued.
    WORKER = "worker"


#: ``Session.info`` key of the origin stamped on every event the session records (set by the
#: layer that opens the session: ``examsvc.audit_origin`` for requests and commands, the import
#: worker for its jobs). Absent: the event has no origin (services called directly, such as tests).
ORIGIN_KEY = "question_bank.audit.origin"


def worker_origin(worker: str) -> dict[str, str]:
    """The origin of what a background worker named ``worker`` (host:pid:random) records."""
    return {"channel": str(Channel.WORKER), "worker": worker}


def event_content(occurred_at: Any, actor_id: int | None, action: str, object_type: str, object_id: str,
                  before: Any, after: Any, detail: str, origin: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What an event's hash covers. ``occurred_at`` is an aware datetime. Part of every stored
    hash (the migration that chained the events made before chaining uses it too): never change
    what it gives for an existing event. ``origin`` is covered only when the event has one, so
    events made before origins were recorded (revision 6d2a9c4e7b13) hash as they always did."""
    content = {
        "occurred_at": hashchain.timestamp(occurred_at), "actor_id": actor_id, "action": action,
        "object_type": object_type, "object_id": object_id, "before": before, "after": after, "detail": detail,
    }
    if origin is not None:
        content["origin"] = dict(origin)
    return content


def entry_content(event: AuditEvent) -> dict[str, Any]:
    """What a stored event's hash covers (:func:`event_content` of its fields)."""
    return event_content(event.occurred_at, event.actor_id, event.action, event.object_type, event.object_id,
                         event.before, event.after, event.detail, event.origin)


def record(
    session: Session,
    clock: Clock,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add one audit event in the caller's transaction, so the event exists iff the change does.

    ``action`` is a dotted verb ("question.update"); ``before``/``after`` are JSON-able snapshots
    (strings, integers, booleans, lists, objects: a float would not hash the same after PostgreSQL's
    JSONB has stored it). The audit chain's head is locked until the transaction ends, so call this
    after the change's other row locks have been taken. The event is written at once, its head
    moved in the same statement (:func:`hashchain.append_row`, issue 7), so ids follow the chain;
    the event handed back is persistent. A text longer than its column is refused here
    (:class:`InvalidInput`, as a flush would refuse it).
    The event's origin is the session's (``session.info[ORIGIN_KEY]``: a JSON object of strings
    with at least ``channel``, a :class:`Channel`), covered by its hash.

    Every ID number written in ``detail``, in the origin (a user agent) and in the snapshots (keys and strings, at any depth) is
    masked before the event is made (:func:`masked`; issue 10, item 1): an event is append-only,
    so a number in it could never be taken out again, and the app itself writes what people typed
    (an auditor's search filter, a reason for disabling an account).
    """
    return append(session, prepare(session, clock, actor, action, object_type, object_id, before=before,
                                   after=after, detail=detail))


class PreparedEvent(NamedTuple):
    """An event as :func:`prepare` made it: its column values (masked, checked) and what its hash
    covers, not yet in the chain."""
    values: dict[str, Any]
    content: dict[str, Any]


def prepare(session: Session, clock: Clock, actor: User | None, action: str, object_type: str, object_id: object, *,
            before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
            detail: str = "") -> PreparedEvent:
    """The event :func:`record` adds, made (its time read from ``clock`` now, masked, checked:
    raises as :func:`record`) but not appended: :func:`append` does that. For a caller that holds
    the audit chain's head by the time it appends (a hand-in locks it with the ledger's), so that
    the making is not done while every other appender waits (issue 7)."""
    origin = session.info.get(ORIGIN_KEY)
    values = {
        "occurred_at": clock.now(),
        "actor_id": actor.id if actor else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        # Stored and hashed as the JSON the database will give back (integer keys become strings).
        "before": masked(_as_json(before)),
        "after": masked(_as_json(after)),
        "detail": masked(detail),
    }
    if origin is not None:
        # Given only when there is one: left out, the column is SQL NULL (None given would store JSON null).
        values["origin"] = masked(_as_json(origin))
    field_limits.refuse_overlong(AuditEvent, values)
    return PreparedEvent(values, event_content(**values))


def append(session: Session, prepared: PreparedEvent) -> AuditEvent:
    """Append a prepared event (:func:`prepare`) to the chain in the session's transaction (its
    head locked until the transaction ends, if this transaction had not locked it yet); the event
    handed back is the stored one, persistent. Raises what ``hashchain.append_row`` raises."""
    values = prepared.values
    event_id, prev_hash, entry_hash = hashchain.append_row(session, Chain.AUDIT, AuditEvent.__table__, values,
                                                           prepared.content)
    # The row is written: the object handed back is the stored event, persistent in the session.
    event = AuditEvent(id=event_id, prev_hash=prev_hash, entry_hash=entry_hash, **values)
    if "origin" not in values:
        event.origin = None
    make_transient_to_detached(event)
    session.add(event)
    return event


def masked(value: Any) -> Any:
    """``value`` (a snapshot or a detail text) with every ID number written in it masked as exports
    show them ("110101********4514"; ``idnumbers.redact_document``, which finds them written with
    spaces, hyphens or in full width, as :mod:`question_bank.services.id_number_scan` does)."""
    return idnumbers.redact_document(value)


def _as_json(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if snapshot is None else json.loads(json.dumps(snapshot, ensure_ascii=False))


def chain_entries(session: Session) -> Iterator[tuple[int, Mapping[str, Any], str, str]]:
    """Every event in chain order, as :func:`hashchain.walk` reads them."""
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)):
        yield event.id, entry_content(event), event.prev_hash, event.entry_hash


def verify(session: Session, checkpoint: ChainPoint | None = None) -> ChainCheck:
    """Recompute the audit chain end to end against its head row and, when given, a checkpoint
    (the count and head hash it recorded). Reports the first event that breaks it."""
    return hashchain.walk(chain_entries(session), hashchain.head_point(session, Chain.AUDIT), checkpoint)
