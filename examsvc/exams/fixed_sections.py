"""Building a fixed section (固定试卷) of a paper: the exam admin searches the bank with the bank
list's filters (``bank_search``), picks questions, orders them, sets each mark, previews the
section as the paper will show it, and saves it (``services.fixed_papers``); republishing a fixed
paper's questions at their published versions is a button on the paper page.

The picks travel in the page's one form (``pick`` ids in order, ``mark-<id>``), posted back on
every step, so nothing half-built is stored and a refused save shows every mark as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from examsvc import database
from examsvc.access import actor
from examsvc.errors import problem_texts
from examsvc.exams.routes import bp
from examsvc.extensions import clock
from question_bank.errors import N_, InvalidInput, Problem
from question_bank.models import Question, QuestionStatus
from question_bank.services import bank_search, exposure, fixed_papers
from question_bank.services import papers as paper_service
from question_bank.services.bank_search import QuestionQuery
from question_bank.types import REGISTRY

#: Results the picker shows on a page.
PICKER_PAGE_SIZE = 20


@dataclass
class Pick:
    """One picked question as the form carries it: the question and its mark as typed."""

    question: Question
    mark: str


def _picks_from_form() -> list[Pick]:
    """The picks posted, in order, without repeats or ids that are not questions."""
    ids: list[int] = []
    for raw in request.form.getlist("pick"):
        if raw.isdecimal() and int(raw) < 2**31 and int(raw) not in ids:
            ids.append(int(raw))
    found = {q.id: q for q in database.session().scalars(select(Question).where(Question.id.in_(ids)))}
    return [Pick(found[i], request.form.get(f"mark-{i}", "")[:20]) for i in ids if i in found]


def _apply_action(picks: list[Pick], action: str) -> list[Pick]:
    """The picks after one button: ``add:<id>``, ``up:<n>``, ``down:<n>``, ``remove:<n>`` (n from 0)."""
    verb, _sep, arg = action.partition(":")
    if not arg.isdecimal():
        return picks
    n = int(arg)
    if verb == "add" and all(p.question.id != n for p in picks):
        question = database.session().get(Question, n)
        if question is not None:
            default = question.published_version.default_score if question.published_version else None
            picks.append(Pick(question, "" if default is None else f"{default.normalize():f}"))
    elif verb == "remove" and n < len(picks):
        picks.pop(n)
    elif verb == "up" and 0 < n < len(picks):
        picks[n - 1], picks[n] = picks[n], picks[n - 1]
    elif verb == "down" and n + 1 < len(picks):
        picks[n], picks[n + 1] = picks[n + 1], picks[n]
    return picks


def _search_query() -> QuestionQuery:
    """The bank list's filters, from the form; only published questions can be picked."""
    form = request.form
    difficulty = form.get("difficulty", "")
    return QuestionQuery(text=form.get("q", "")[:200], qtype=form.get("type", "") if form.get("type") in REGISTRY else "",
                         status=QuestionStatus.PUBLISHED, category=form.get("category", "")[:500],
                         difficulty=int(difficulty) if difficulty in {"1", "2", "3", "4", "5"} else None,
                         tag=form.get("tag", "")[:100], sort="category")


@bp.route("/papers/<int:paper_id>/fixed-sections/new", methods=["GET", "POST"])
def new_fixed_section(paper_id: int):
    """The picker: search, pick, order, mark, preview; "save" adds the section to the paper."""
    db = database.session()
    paper = paper_service.get_paper(db, actor(), paper_id)
    picks = _picks_from_form() if request.method == "POST" else []
    action = request.form.get("action", "")
    picks = _apply_action(picks, action)
    problems, status = [], 200
    if action == "save":
        try:
            fixed_papers.add_fixed_section(db, clock(), actor(), paper, request.form.get("title", ""),
                                           [fixed_papers.PickedQuestion(p.question.id, p.mark) for p in picks])
        except InvalidInput as exc:
            db.rollback()
            paper = paper_service.get_paper(db, actor(), paper_id)
            picks = _picks_from_form()
            problems, status = problem_texts(exc), 422
        else:
            database.commit()
            flash(_("The fixed section was added to the paper."), "success")
            return redirect(url_for("exams.paper", paper_id=paper.id))
    page = "1" if action == "search" else request.form.get("page", "1")
    result = bank_search.search_questions(db, _search_query(), page=int(page) if page.isdecimal() else 1,
                                          page_size=PICKER_PAGE_SIZE)
    return render_template("exams/fixed_section.html", paper=paper, picks=picks, result=result, form=request.form,
                           picked_ids={p.question.id for p in picks}, problems=problems,
                           preview=action == "preview", types=list(REGISTRY.values())), status


@bp.post("/papers/<int:paper_id>/exposure")
def paper_exposure(paper_id: int):
    """Set the paper's item exposure rules (avoid questions seen before, a yearly cap)."""
    db = database.session()
    paper = paper_service.get_paper(db, actor(), paper_id)
    raw = request.form.get("yearly_cap", "").strip()
    cap: int | None = int(raw) if raw.isdecimal() and len(raw) < 10 else None
    try:
        if raw and cap is None:
            raise InvalidInput([Problem(N_("the yearly cap must be a whole number from 1 to %(n)d"),
                                        {"n": exposure.MAX_YEARLY_CAP}, "yearly_cap")])
        exposure.set_exposure(db, clock(), actor(), paper, request.form.get("avoid_seen") == "1", cap)
    except InvalidInput as exc:
        db.rollback()
        for problem in problem_texts(exc):
            flash(problem["message"], "error")
        return redirect(url_for("exams.paper", paper_id=paper_id) + "#exposure")
    database.commit()
    flash(_("The exposure rules were saved."), "success")
    return redirect(url_for("exams.paper", paper_id=paper_id) + "#exposure")


@bp.post("/papers/<int:paper_id>/republish")
def republish_paper(paper_id: int):
    """Move the paper's fixed questions to their published versions (audited)."""
    db = database.session()
    paper = paper_service.get_paper(db, actor(), paper_id)
    try:
        changed = fixed_papers.republish(db, clock(), actor(), paper)
    except InvalidInput as exc:
        db.rollback()
        for problem in problem_texts(exc):
            flash(f"{problem['place']}: {problem['message']}" if problem["place"] else problem["message"], "error")
        return redirect(url_for("exams.paper", paper_id=paper_id))
    database.commit()
    flash(_("%(n)d question(s) now show their published version.", n=len(changed)) if changed else
          _("Every fixed question already shows its published version."), "success")
    return redirect(url_for("exams.paper", paper_id=paper_id))
