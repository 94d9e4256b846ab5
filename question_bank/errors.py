"""Domain errors. Each class maps to one HTTP status in ``examsvc`` (see ``examsvc/errors.py``).

A message is an English template with ``%(name)s`` placeholders plus its parameters, so that the web
service can translate the very same template (it is the gettext msgid; ``N_`` marks it for
extraction) while a CLI or a log prints ``str(error)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(template: str) -> str:
    """Mark a message template for translation without translating it here (gettext convention)."""
    return template


class Msg(str):
    """A message parameter that is itself a message (a gettext msgid, marked with ``N_``), such
    as a status name or a kind of file: the web layer translates it before filling it in. A tuple
    of them is shown as a list."""

    __slots__ = ()


def fill(template: str, params: dict[str, Any]) -> str:
    """The English message: ``template % params``, with a tuple of :class:`Msg` read as a list."""
    if not params:
        return template
    return template % {k: ", ".join(v) if isinstance(v, tuple) else v for k, v in params.items()}


@dataclass(frozen=True)
class Place:
    """Where in some input a problem is, in parts, so that the web service can say it in the
    person's language (``examsvc.errors.format_place``) and code can read it (``place.row``).

    Every part is optional: ``file`` (name as uploaded), ``sheet`` (title; ``""`` for a CSV),
    ``row`` (number as the spreadsheet program shows it, 1 = first row), ``column`` (letter, e.g.
    ``"G"``), ``header`` (the column's header as written in the file, e.g. ``"答案"``), ``section``
    (a paper blueprint's section, from 1), ``slot`` (a question's number on an attempt, from 1) and
    ``line`` (a line of a text file such as a law text, from 1) and ``item`` (a question's number in
    an interchange file such as Moodle XML, GIFT or JSON Lines, from 1).
    ``str(place)`` is the English form, e.g. ``"jecqa-kd.xlsx, sheet 题库, row 213, column G (答案)"``.
    """

    file: str = ""
    sheet: str = ""
    row: int | None = None
    column: str = ""
    header: str = ""
    section: int | None = None
    slot: int | None = None
    line: int | None = None
    item: int | None = None

    def __bool__(self) -> bool:
        return bool(self.to_json())

    def __str__(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.item is not None:
            parts.append(f"question {self.item}")
        if self.column:
            parts.append(f"column {self.column} ({self.header})" if self.header else f"column {self.column}")
        elif self.header:
            parts.append(self.header)
        if self.section is not None:
            parts.append(f"section {self.section}")
        if self.slot is not None:
            parts.append(f"slot {self.slot}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The parts that are set, as a JSON object (e.g. for an import batch's stored report)."""
        return {name: value for name, value in vars(self).items() if value not in ("", None)}

    @classmethod
    def from_json(cls, value: Any) -> str | Place:
        """A place as :meth:`to_json` stored it; a plain string (older reports, field names) as is."""
        if isinstance(value, dict):
            known = {name: value[name] for name in cls.__dataclass_fields__ if name in value}
            return cls(**known)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, and where: ``place`` is a :class:`Place`, or a plain string
    naming a field of the input (``"stem"``, ``"key"``, ``"options"``), or ``""``."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    place: str | Place = ""

    def __str__(self) -> str:
        text = fill(self.message, self.params)
        return f"{self.place}: {text}" if self.place else text


class DomainError(Exception):
    """Base of every error the domain raises on purpose. ``template % params`` is the message.

    ``keeps_work``: what the request did before the refusal stands and is committed with the
    refusal (a closure made while refusing, an audit entry of the refusal: case C-25); otherwise
    the refusal leaves nothing behind."""

    template = N_("The request could not be carried out.")
    keeps_work = False

    def __init__(self, template: str | None = None, **params: Any) -> None:
        self.template = template or self.template
        self.params = params
        super().__init__(fill(self.template, params))


class NotFound(DomainError):
    """The object does not exist, or exists but is not the actor's to see (the same answer for both,
    so that ids cannot be enumerated)."""

    template = N_("Not found.")


class PermissionDenied(DomainError):
    """The actor is known but may not do this."""

    template = N_("You are not allowed to do this.")


class Conflict(DomainError):
    """The request does not fit the object's current state (closed attempt, window not open…)."""


class AttemptClosed(Conflict):
    """The attempt is already submitted; nothing in it can change. ``params['attempt_id']``."""

    template = N_("This attempt has already been submitted.")


class AttemptVoided(AttemptClosed):
    """A change or hand-in sent to an attempt a proctor has voided (作废): nothing is taken.
    ``params``: ``attempt_id``, ``by`` (the proctor's name), ``at`` (aware datetime of the void),
    ``reason`` (the proctor's words), so the page can say who voided it, when and why."""

    template = N_("Not taken: the exam was voided by %(by)s at %(at)s. Reason: %(reason)s")


class DeadlinePassed(Conflict):
    """A save arrived after the attempt's deadline plus grace; the answers saved before it stand."""

    template = N_("Time is up: the answer was not saved. Answers saved before the deadline stand.")
    #: The attempt was closed at its deadline on the way to this refusal (case C-25).
    keeps_work = True


class TakenOver(Conflict):
    """The exam was continued on another device or tab: this page may no longer change answers
    (one active device, domain.md §6)."""

    template = N_("This exam was continued on another device or tab, so this page cannot change answers. "
                  "Choose “Continue here” to take it back.")
    #: The refused change is recorded for the answer history (issue-9 trial) and must stay.
    keeps_work = True


class HandingIn(Conflict):
    """A page asked to hold the attempt (a first claim, a reload or "continue here") at or after
    its deadline, while the attempt waits out the grace for the changes already on their way from
    the page that held it (domain.md §6): no other page may take it over then, and a page loaded
    now holds nothing. ``params['attempt_id']``."""

    template = N_("Time is up: this exam is being handed in with the answers saved by the deadline, "
                  "so it cannot be continued on this page.")


class NotDueYet(Conflict):
    """A page handed the paper in because its countdown reached zero, but by the server's clock the
    deadline has not come yet (the page's count ran a little fast): nothing is closed, and the page
    keeps counting from the server's remaining time. ``params['remaining_s']`` (whole seconds,
    rounded up)."""

    template = N_("The time is not up yet: %(remaining_s)d s remain. The paper stays open.")


class WindowNotOpen(Conflict):
    """A start outside the sitting's window (judged by the server clock only, case C-02)."""

    template = N_("This sitting is not open now.")


class PaperUnavailable(Conflict):
    """A candidate cannot start because the bank cannot fill the sitting's paper now. The candidate
    is told to ask the exam administrator; ``shortfalls`` holds the problems for staff and logs."""

    template = N_("This exam cannot start now because its paper cannot be drawn from the question bank. "
                  "Please tell the exam administrator.")

    def __init__(self, shortfalls: list[Problem]) -> None:
        self.shortfalls = shortfalls
        super().__init__()

    def __str__(self) -> str:
        return super().__str__() + " (" + "; ".join(str(p) for p in self.shortfalls) + ")"


class InvalidInput(DomainError):
    """Input that breaks a rule; ``problems`` lists every problem found, each with its place."""

    template = N_("The input has %(count)d problem(s).")

    def __init__(self, problems: list[Problem], template: str | None = None, **params: Any) -> None:
        self.problems = problems
        params.setdefault("count", len(problems))
        super().__init__(template, **params)

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems) or super().__str__()
