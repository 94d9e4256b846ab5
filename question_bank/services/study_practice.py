"""Practice from a study list (issue 11: "untimed practice drawn from a list's items"): the list's
items resolve to a set of law articles (``study_scope.study_article_ids``), and the run is an
"articles" run of ``services.practice`` titled after the list. Only a list that reaches the cadre
(``study_targets.lists_for_cadre``: published, their unit and rank, the version they work on) can be
practised from."""

from __future__ import annotations

from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import NotFound
from question_bank.models import Practice, User
from question_bank.services import practice
from question_bank.services.study_scope import study_article_ids
from question_bank.services.study_targets import lists_for_cadre


def practice_from_study_list(session: Session, clock: Clock, cadre: User, study_list_id: int) -> Practice:
    """Start a practice run for ``cadre`` from the articles of study list version ``study_list_id``.

    Raises :class:`NotFound` when that list version does not reach the cadre (unknown, a draft,
    another unit's, or a version the cadre is not working on), and what
    :func:`practice.practice_from_articles` raises (not a cadre; a list without articles)."""
    found = next((lst for lst in lists_for_cadre(session, cadre) if lst.id == study_list_id), None)
    if found is None:
        raise NotFound()
    return practice.practice_from_articles(session, clock, cadre, study_article_ids(session, found), found.title)
