"""The question bank for editors and reviewers (domain.md §3): list and search, write and edit
questions, and move them through draft → in review → published → retired.

Papers draw a question's published version while a revision of it waits for review; the pages
say which version is in use and show the reviewer what the revision changes. Approving or retiring
a question that would leave an open or upcoming sitting's paper unfillable is undone and shown on a
confirmation page first; it goes through when posted again with ``confirm=1``.

Every view needs a bank editor or reviewer (the blueprint's guard); writing is for editors,
approving and returning for reviewers, and the four-eyes rule is the domain's
(``question_bank.services.review``). Every state change is a POST carrying the CSRF token.
The import pages register on the same blueprint from ``examsvc.bank.imports``, the exports from
``examsvc.bank.exports``.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, guard, roles_required
from examsvc.bank.forms import QuestionForm, ReasonForm, ReturnForm, edit_stamp
from examsvc.errors import problem_text, translate
from examsvc.extensions import clock
from examsvc.laws.links import reason
from question_bank.errors import N_, Conflict, InvalidInput, NotFound, Problem
from question_bank.field_limits import MAX_LEGAL_BASIS
from question_bank.models import CitationSource, Question, QuestionStatus, Role
from question_bank.services import authoring, bank_search, citing, law_review, review, review_stamps
from question_bank.services.bank_search import DEFAULT_SORT, MAX_PAGE_SIZE, SORTS, BasisText, QuestionQuery

bp = Blueprint("bank", __name__, url_prefix="/bank")
guard(bp, Role.BANK_EDITOR, Role.BANK_REVIEWER)

#: Query-string names of the list's filters, kept across pages.
_LIST_ARGS = ("q", "type", "status", "category", "difficulty", "dup", "sort", "page_size", "tag", "basis",
              "author", "used", "sitting")


def _question(question_id: int) -> Question:
    question = database.session().get(Question, question_id)
    if question is None:
        raise NotFound()
    return question


def list_query() -> QuestionQuery:
    """The list's filters from the query string (also what an export of the list selects)."""
    args = request.args
    basis = _text_arg("basis", 200)
    return QuestionQuery(
        text=_text_arg("q", 200), qtype=args.get("type", ""), status=args.get("status", ""),
        category=_text_arg("category", 500), difficulty=args.get("difficulty", type=int),
        duplicates_only=args.get("dup") == "1", sort=args.get("sort") or DEFAULT_SORT,
        tag=_text_arg("tag", 100), legal_basis=BasisText(basis) if basis.strip() else None,
        author_id=_id_arg("author"), used=args.get("used", ""), sitting_id=_id_arg("sitting"),
    )


@bp.get("/questions")
def questions():
    args = request.args
    basis = _text_arg("basis", 200)
    query = list_query()
    db = database.session()
    result = bank_search.search_questions(db, query, page=args.get("page", 1, type=int),
                                          page_size=args.get("page_size", type=int))
    kept = {name: args[name] for name in _LIST_ARGS if args.get(name)}
    refs = citing.refs_of(db, [q.current_version_id for q in result.questions if q.current_version_id])
    return render_template("bank/questions.html", result=result, query=query, kept=kept, basis=basis, refs=refs,
                           sorts=list(SORTS), max_page_size=MAX_PAGE_SIZE, statuses=list(QuestionStatus),
                           choices=bank_search.filter_choices(db), pending_revision=bank_search.pending_revision,
                           return_notes=bank_search.return_notes(db, result.questions))


def _text_arg(name: str, limit: int) -> str:
    """A text filter from the query string, at most ``limit`` characters (the form's maxlength),
    without control characters, which no stored text holds (and PostgreSQL refuses a NUL)."""
    return "".join(ch for ch in request.args.get(name, "")[:limit] if ch.isprintable() or ch == " ")


def _id_arg(name: str) -> int | None:
    """An id from the query string (None when absent); anything but a whole number an id column
    can hold is refused (422) naming the parameter, never passed on to the database."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not 0 < int(raw) < 2**31:
        raise InvalidInput([Problem(N_("unknown value %(value)s"), {"value": raw[:40]}, name)])
    return int(raw)


def _form_page(template: str, form: QuestionForm, status: int, **context):
    return render_template(template, form=form, **context), status


@bp.route("/questions/new", methods=["GET", "POST"])
@roles_required(Role.BANK_EDITOR)
def new_question():
    form = QuestionForm()
    if not form.is_submitted():
        # A study list's coverage page links here with the citation to write a question for.
        form.legal_basis.data = _text_arg("legal_basis", MAX_LEGAL_BASIS) or None
        return _form_page("bank/question_form.html", form, 200, question=None)
    valid = form.validate()
    draft, problems = form.to_draft()
    if valid and not problems:
        question = authoring.create_question(database.session(), clock(), actor(), draft)
        database.commit()
        _flash_notes(draft)
        _flash_saved(question, _("Question %(id)d saved as a draft.", id=question.id))
        return redirect(url_for("bank.question", question_id=question.id))
    form.show_problems(problems)
    return _form_page("bank/question_form.html", form, 422, question=None)


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(Role.BANK_EDITOR)
def edit_question(question_id: int):
    question = _question(question_id)
    if question.status == QuestionStatus.RETIRED:
        raise Conflict(N_("A retired question cannot be edited."))
    form = QuestionForm()
    return_note = bank_search.return_notes(database.session(), [question]).get(question.id)
    if not form.is_submitted():
        form.fill_from(question)
        return _form_page("bank/question_form.html", form, 200, question=question, return_note=return_note)
    if form.based_on.data != edit_stamp(question):
        form.form_errors_shown.append(_("Someone changed this question after you opened it. "
                                        "Open it again to see the change, then make yours."))
        return _form_page("bank/question_form.html", form, 409, question=question, return_note=return_note)
    valid = form.validate()
    draft, problems = form.to_draft()
    if valid and not problems and authoring.unchanged(question.current_version, draft):
        # No new version, no second review, no audit event for a save that changes nothing.
        flash(_("Nothing was changed, so nothing was saved."), "info")
        return redirect(url_for("bank.question", question_id=question.id))
    if valid and not problems:
        was = question.current_version
        was_used = was is not None and was.used_at is not None
        version = authoring.update_question(database.session(), clock(), actor(), question, draft)
        database.commit()
        _flash_notes(draft)
        if was is not None and version.id != was.id and version.id == question.published_version_id:
            # Edited back to the published content: the revision was discarded (review.discard_revision).
            _flash_saved(question, _("The content is the same as version %(n)d, which papers draw, so the revision "
                                     "was discarded and the question is published as before. Version %(old)d stays "
                                     "in the history.", n=version.version_no, old=was.version_no))
            return redirect(url_for("bank.question", question_id=question.id))
        if was is None or version.version_no == was.version_no:
            message = _("Changes saved.")
        elif was_used:
            message = _("Saved as version %(n)d; attempts that used version %(old)d keep it.",
                        n=version.version_no, old=was.version_no)
        else:
            message = _("Saved as version %(n)d.", n=version.version_no)
        if question.status == QuestionStatus.IN_REVIEW:
            message += " " + _("The question is in review again.")
        message += _still_drawn(question)
        _flash_saved(question, message)
        return redirect(url_for("bank.question", question_id=question.id))
    form.show_problems(problems)
    return _form_page("bank/question_form.html", form, 422, question=question, return_note=return_note)


def _still_drawn(question: Question) -> str:
    """A sentence (with a leading space) saying which version papers keep drawing while a revision
    of a live question awaits approval; empty otherwise."""
    if bank_search.pending_revision(question) is None:
        return ""
    return " " + _("Papers keep drawing version %(n)d until a reviewer approves the change.",
                   n=question.published_version.version_no)


def _flash_notes(draft) -> None:
    """Tell the author what was saved otherwise than typed, or is still missing
    (:attr:`~question_bank.drafts.QuestionDraft.notes`): never changed without a word."""
    for note in draft.notes:
        flash(translate(note.message, note.params), "info")


def _flash_saved(question: Question, message: str) -> None:
    flash(message, "success")
    if question.duplicate_of_id is not None and question.duplicate_answer_changed:
        flash(_("The stem and options are those of question %(id)d but the answer or the type differs; check which "
                "answer is right.", id=question.duplicate_of_id), "error")
    elif question.duplicate_of_id is not None and (question.duplicate_similarity or 100) >= 100:
        flash(_("The stem and options repeat question %(id)d (punctuation, width, space and option order aside); "
                "check whether both are needed.", id=question.duplicate_of_id), "error")
    elif question.duplicate_of_id is not None:
        flash(_("The question is %(similarity)d%% like question %(id)d; check whether both are needed.",
                similarity=question.duplicate_similarity, id=question.duplicate_of_id), "error")
    version = question.current_version
    refs = citing.refs_of(database.session(), [version.id]).get(version.id, []) if version else []
    unresolved = [r for r in refs if r.source == CitationSource.LEGAL_BASIS and r.needs_attention]
    if unresolved:
        flash(_("The legal basis was saved as written, but %(n)d citation(s) need checking: %(list)s",
                n=len(unresolved), list=_("; ").join(f"“{r.text}” ({reason(r)})" for r in unresolved)), "error")


@bp.get("/questions/<int:question_id>")
def question(question_id: int):
    return _question_page(_question(question_id), ReturnForm(), 200)


def _question_page(question: Question, return_form: ReturnForm, status: int):
    wanted = request.args.get("version", type=int)
    shown = next((v for v in question.versions if v.version_no == wanted), question.current_version)
    people = bank_search.people_of(database.session(), question)
    live = question.published_version if question.is_live else None
    pending = bank_search.pending_revision(question)
    changed = bank_search.changed_fields(live, pending) if live and pending else set()
    return_note = bank_search.return_notes(database.session(), [question]).get(question.id)
    # What the reviewer reads, so that approving publishes exactly that (review_stamps).
    stamp = review_stamps.question_stamp(database.session(), question) if question.status == QuestionStatus.IN_REVIEW else ""
    return render_template("bank/question.html", question=question, shown=shown, people=people,
                           return_form=return_form, live=live, pending=pending, changed=changed, review_stamp=stamp,
                           compared=bank_search.COMPARED_FIELDS, return_note=return_note,
                           law_flags=law_review.open_flags_of(database.session(), question)), status


@bp.post("/questions/<int:question_id>/submit")
@roles_required(Role.BANK_EDITOR)
def submit(question_id: int):
    question = _question(question_id)
    review.submit_for_review(database.session(), clock(), actor(), question)
    database.commit()
    flash(_("The question was sent for review."), "success")
    return redirect(url_for("bank.question", question_id=question.id))


def _confirmed() -> bool:
    return request.form.get("confirm") == "1"


def _confirm_page(question: Question, endpoint: str, short: list[review.ShortSitting], reviewed: str | None = None,
                  reason: str | None = None):
    """Undo the change (flushed, not committed) and ask whether to make it all the same: the page
    names each sitting it would leave unfillable and the sections the bank could no longer fill,
    and posts again with ``confirm=1`` (and the review stamp ``reviewed`` of an approval, the
    ``reason`` of a retirement)."""
    shown = [{"id": s.sitting.id, "title": s.sitting.title, "opens_at": s.sitting.opens_at,
              "closes_at": s.sitting.closes_at, "problems": [problem_text(f.problem()) for f in s.shortfalls]}
             for s in short]
    database.session().rollback()
    return render_template("bank/confirm_unfillable.html", question=question, endpoint=endpoint, sittings=shown,
                           reviewed=reviewed, reason=reason)


def _flash_short(short: list[review.ShortSitting]) -> None:
    """After a confirmed change: which sittings nobody can start now."""
    if short:
        flash(_("Candidates cannot start these sittings until the bank holds enough published questions: %(titles)s.",
                titles=_(", ").join(s.sitting.title for s in short)), "error")


@bp.post("/questions/<int:question_id>/approve")
@roles_required(Role.BANK_REVIEWER)
def approve(question_id: int):
    """Publish the version the reviewer read: the form carries its review stamp, and a question
    changed since is refused with 409 and the page shown again, with the content as it is now to
    review; a form without the stamp (an old page) with 400, asking to open the question again."""
    question = _question(question_id)
    reviewed = request.form.get("reviewed", "")
    try:
        short = review.approve_question(database.session(), clock(), actor(), question, reviewed=reviewed)
    except InvalidInput as exc:
        database.session().rollback()
        for problem in exc.problems:
            flash(translate(problem.message, problem.params), "error")
        return _question_page(_question(question_id), ReturnForm(formdata=None), 400)
    except Conflict as exc:
        database.session().rollback()
        flash(translate(exc.template, exc.params), "error")
        return _question_page(_question(question_id), ReturnForm(formdata=None), 409)
    if short and not _confirmed():
        return _confirm_page(question, "bank.approve", short, reviewed)
    database.commit()
    flash(_("The question is published.") + " "
          + _("New attempts draw version %(n)d; attempts already started keep theirs.",
              n=question.published_version.version_no), "success")
    _flash_short(short)
    return redirect(url_for("bank.question", question_id=question.id))


@bp.post("/questions/<int:question_id>/return")
@roles_required(Role.BANK_REVIEWER)
def return_question(question_id: int):
    question = _question(question_id)
    form = ReturnForm()
    if not form.validate():
        return _question_page(question, form, 422)
    review.return_to_draft(database.session(), clock(), actor(), question, form.note.data.strip())
    database.commit()
    flash(_("The question went back to its author as a draft.") + _still_drawn(question), "success")
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/questions/<int:question_id>/retire", methods=["GET", "POST"])
@roles_required(Role.BANK_REVIEWER)
def retire(question_id: int):
    """Retire a question (reviewers only): a page asks for the reason and a confirmation; posted,
    the question is drawn into no new paper (papers and attempts that have it keep it). A
    retirement that leaves open or upcoming sittings unfillable asks once more."""
    question = _question(question_id)
    form = ReasonForm()
    if question.status == QuestionStatus.RETIRED:
        raise Conflict(N_("This question is %(status)s; that step is not possible now."),
                       status=review.STATUS_NAMES[QuestionStatus.RETIRED])
    if not form.validate_on_submit():
        return _reason_page(question, "bank.retire", form)
    short = review.retire_question(database.session(), clock(), actor(), question, form.reason.data)
    if short and not _confirmed():
        return _confirm_page(question, "bank.retire", short, reason=form.reason.data)
    database.commit()
    flash(_("The question is retired: no new paper will draw it.") + " "
          + _("Papers and attempts that already hold it keep it."), "success")
    _flash_short(short)
    return redirect(url_for("bank.question", question_id=question.id))


@bp.route("/questions/<int:question_id>/restore", methods=["GET", "POST"])
@roles_required(Role.BANK_REVIEWER)
def restore(question_id: int):
    """Undo a retirement (reviewers only), with a reason and a confirmation as retiring: the
    question gets back the status it had (``review.restore_question``)."""
    question = _question(question_id)
    form = ReasonForm()
    if question.status != QuestionStatus.RETIRED:
        raise Conflict(N_("Only a retired question can be restored."))
    if not form.validate_on_submit():
        return _reason_page(question, "bank.restore", form)
    restored = review.restore_question(database.session(), clock(), actor(), question, form.reason.data)
    database.commit()
    if restored == QuestionStatus.PUBLISHED:
        flash(_("The question is restored: new papers may draw it again."), "success")
    else:
        flash(_("The question is restored as it was before it was retired."), "success")
    return redirect(url_for("bank.question", question_id=question.id))


def _reason_page(question: Question, endpoint: str, form: ReasonForm):
    """The confirmation page of retiring or restoring: the question, the reason asked for (its
    error beside it when the post had none) and the button; 422 after a refused post."""
    status = 422 if form.is_submitted() else 200
    return render_template("bank/retire.html", question=question, endpoint=endpoint, form=form), status


# The import pages (/bank/import, /bank/batches…) and the category pages add their routes to ``bp``.
from examsvc.bank import categories, exports, import_job_pages, imports  # noqa: E402,F401
