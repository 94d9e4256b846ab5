"""Coverage for the bank's editors and reviewers (and the lists' keepers): every published study
list with how many of its items too few questions cite, and one list's coverage table with links
to write a question for each flagged item."""

from __future__ import annotations

from flask import Blueprint, render_template

from examsvc import database
from examsvc.access import guard
from question_bank.errors import NotFound
from question_bank.models import ListStatus, Role, StudyList
from question_bank.services import study_coverage, study_lists

bp = Blueprint("study_coverage", __name__, url_prefix="/study/coverage")
guard(bp, Role.BANK_EDITOR, Role.BANK_REVIEWER, *study_lists.KEEPERS)


@bp.get("/")
def lists():
    db = database.session()
    found = study_lists.sources_for_papers(db)
    flagged = {s.id: sum(1 for c in study_coverage.coverage(db, s) if c.flagged) for s in found}
    return render_template("study/coverage_lists.html", lists=found, flagged=flagged)


@bp.get("/<int:list_id>")
def show(list_id: int):
    db = database.session()
    found = db.get(StudyList, list_id)
    if found is None or found.status == ListStatus.DRAFT:
        raise NotFound()
    entries = study_coverage.coverage(db, found)
    return render_template("study/coverage.html", study_list=found, coverage=entries,
                           qtypes=sorted(study_coverage.type_totals(entries)), citation_text=study_coverage.citation_text)
