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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with some input, and where: ``place`` is e.g. ``"sheet 题库, row 213, 答案"``."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    place: str = ""

    def __str__(self) -> str:
        text = self.message % self.params if self.params else self.message
        return f"{self.place}: {text}" if self.place else text


class DomainError(Exception):
    """Base of every error the domain raises on purpose. ``template % params`` is the message."""

    template = N_("The request could not be carried out.")

    def __init__(self, template: str | None = None, **params: Any) -> None:
        self.template = template or self.template
        self.params = params
        super().__init__(self.template % params if params else self.template)


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


class DeadlinePassed(Conflict):
    """A save arrived after the attempt's deadline plus grace; the answers saved before it stand."""

    template = N_("Time is up: the answer was not saved. Answers saved before the deadline stand.")


class WindowNotOpen(Conflict):
    """A start outside the sitting's window (judged by the server clock only, case C-02)."""

    template = N_("This sitting is not open now.")


class InvalidInput(DomainError):
    """Input that breaks a rule; ``problems`` lists every problem found, each with its place."""

    template = N_("The input has %(count)d problem(s).")

    def __init__(self, problems: list[Problem], template: str | None = None, **params: Any) -> None:
        self.problems = problems
        params.setdefault("count", len(problems))
        super().__init__(template, **params)

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems) or super().__str__()
