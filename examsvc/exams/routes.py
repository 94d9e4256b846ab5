"""The exam admin's pages: paper blueprints (组卷), sittings (考试场次) and their rosters.

Every view is for exam admins (``guard``); every object is looked up through the services' scope
check, so a paper or sitting outside the admin's unit subtree is a 404 like a missing one.
"""

from __future__ import annotations

import secrets
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import Field
from wtforms.fields.choices import SelectChoice

from examsvc import database
from examsvc.access import actor, guard
from examsvc.errors import problem_text, problem_texts, shown, translate
from examsvc.exams.forms import (
    KIND_LABELS,
    POLICY_LABELS,
    RULE_LABELS,
    STATUS_LABELS,
    ExtraTimeForm,
    PaperForm,
    RosterAddForm,
    RosterImportForm,
    SittingForm,
)
from examsvc.extensions import clock
from examsvc.results_release import release_and_return
from examsvc.formatting import local_time, points_count
from question_bank.errors import Conflict, InvalidInput, NotFound
from question_bank.models import Category, Role
from question_bank.services import assembly, exposure, fixed_papers, makeups, release, study_lists
from question_bank.services import papers as paper_service
from question_bank.services.people import units_in_scope
from question_bank.services import roster as roster_service
from question_bank.services import sittings as sitting_service

bp = Blueprint("exams", __name__, url_prefix="/exams")
guard(bp, Role.EXAM_ADMIN)


@bp.context_processor
def _labels():
    return {"KIND_LABELS": KIND_LABELS, "POLICY_LABELS": POLICY_LABELS, "RULE_LABELS": RULE_LABELS,
            "STATUS_LABELS": STATUS_LABELS}


# --- papers -------------------------------------------------------------------------------------

@bp.get("/papers")
def papers():
    db = database.session()
    rows = db.scalars(paper_service.papers_in_scope(actor())).all()
    return render_template("exams/papers.html", papers=rows,
                           sitting_counts=paper_service.sitting_counts(db, [p.id for p in rows]))


def _paper_form_page(form: PaperForm, *, paper=None, problems=None, checked: bool = False, status: int = 200):
    """The paper form with, beside each filled row, how many questions the bank holds for it."""
    db = database.session()
    entries = [entry.form for entry in form.sections]
    filled = [i for i, row in enumerate(entries) if not row.is_blank()]
    available: list[int | None] = [None] * len(entries)
    specs = [entries[i].spec() for i in filled]
    for i, count in zip(filled, paper_service.availability(db, specs)):
        available[i] = count
    total = sum(((entries[i].count.data or 0) * (entries[i].mark.data or 0) for i in filled), 0)
    categories = db.scalars(select(Category.path).order_by(Category.path)).all()
    return render_template("exams/paper_form.html", form=form, paper=paper, problems=problems or [], checked=checked,
                           available=available, total=total, categories=categories,
                           held_out=paper_service.held_out(db, specs)), status


def _save_paper(form: PaperForm, paper=None):
    """Check or save the posted paper; re-show the form with the bank's answer when refused."""
    db = database.session()
    spec = form.spec()
    try:
        if request.form.get("action") == "check":
            paper_service.check_spec(db, spec)
            return _paper_form_page(form, paper=paper, checked=True)
        if paper is None:
            paper = paper_service.create_paper(db, clock(), actor(), spec)
        else:
            paper = paper_service.update_paper(db, clock(), actor(), paper, spec)
    except InvalidInput as exc:
        db.rollback()
        return _paper_form_page(form, paper=paper, problems=problem_texts(exc), status=422)
    except Conflict as exc:
        db.rollback()
        return _paper_form_page(form, paper=paper, status=409,
                                problems=[{"place": "", "message": translate(exc.template, exc.params)}])
    database.commit()
    flash(_("Paper %(title)s saved.", title=paper.title), "success")
    return redirect(url_for("exams.paper", paper_id=paper.id))


@bp.route("/papers/new", methods=["GET", "POST"])
def new_paper():
    form = PaperForm()
    form.offer_study_lists(study_lists.sources_for_papers(database.session()))
    if form.validate_on_submit():
        return _save_paper(form)
    return _paper_form_page(form, status=422 if form.errors else 200)


@bp.route("/papers/<int:paper_id>/edit", methods=["GET", "POST"])
def edit_paper(paper_id: int):
    db = database.session()
    paper = paper_service.get_paper(db, actor(), paper_id)
    if paper_service.paper_used(db, paper):
        flash(_("Candidates have already sat this paper, so it cannot change. Create a new paper instead."), "error")
        return redirect(url_for("exams.paper", paper_id=paper.id))
    form = PaperForm()
    form.offer_study_lists(study_lists.sources_for_papers(db,
                                                          [s.study_list_id for s in paper.sections if s.study_list_id]))
    if form.validate_on_submit():
        return _save_paper(form, paper)
    if request.method == "GET":
        form.fill_from(paper)
    return _paper_form_page(form, paper=paper, status=422 if form.errors else 200)


@bp.get("/papers/<int:paper_id>")
def paper(paper_id: int):
    """The paper, the bank's count for each section now, and on request a sample draw."""
    db = database.session()
    found = paper_service.get_paper(db, actor(), paper_id)
    specs = paper_service.specs_of(found)
    shortfalls = [s.problem() for s in assembly.shortfalls(db, found)]
    seed = request.args.get("seed", type=int)
    sample = None
    if seed is not None and not shortfalls:
        sample = paper_service.preview_draw(db, actor(), found, seed)
    drawn_ids = [s.id for s in found.sections if not s.fixed]
    return render_template(
        "exams/paper.html", paper=found, available=dict(zip(drawn_ids, paper_service.availability(db, specs))),
        fixed_warnings={w.item.id: w.kinds for w in fixed_papers.warnings(db, found)},
        pool_exposure=exposure.pool_exposure(db, found, clock().now()),
        shortfalls=[problem_text(p) for p in shortfalls], held_out=assembly.held_out(db, found),
        used=paper_service.paper_used(db, found), sittings=sitting_service.sittings_of_paper(db, actor(), found),
        sample=sample, seed=seed, next_seed=secrets.randbelow(10**9),
    )


@bp.post("/papers/<int:paper_id>/practice")
def paper_practice(paper_id: int):
    """Keep the paper's pools out of practice altogether, or only while a sitting of it is open."""
    db = database.session()
    found = paper_service.get_paper(db, actor(), paper_id)
    excluded = request.form.get("practice_excluded") == "1"
    paper_service.set_practice_exclusion(db, clock(), actor(), found, excluded)
    database.commit()
    flash(_("The questions of this paper are now kept out of practice at all times.") if excluded else
          _("The questions of this paper are now kept out of practice only while one of its sittings is open."),
          "success")
    return redirect(url_for("exams.paper", paper_id=found.id))


# --- sittings -----------------------------------------------------------------------------------

@bp.get("/sittings")
def sittings():
    db = database.session()
    rows = db.scalars(sitting_service.sittings_in_scope(actor())).all()
    return render_template("exams/sittings.html", sittings=rows, now=clock().now(),
                           roster_sizes=sitting_service.roster_sizes(db, [s.id for s in rows]),
                           unfillable=sitting_service.unfillable(db, clock(), rows))


#: Form field of a sitting problem whose place is not the field's own name.
PROBLEM_FIELDS = {"time_limit": "time_limit_min", "grace": "grace_s"}


def _sitting_form(sitting=None, *, started: bool = False) -> SittingForm:
    form = SittingForm()
    papers_available = database.session().scalars(paper_service.papers_in_scope(actor())).all()
    form.paper.choices = [SelectChoice(p.id, f"{p.title} ({points_count(p.total_marks)})") for p in papers_available]
    if sitting is None:
        closed = [s for s in database.session().scalars(sitting_service.sittings_in_scope(actor()))
                  if s.closes_at <= clock().now()]
        form.makeup_of.choices = [SelectChoice(0, "—")] + [
            SelectChoice(s.id, f"{s.title} ({local_time(s.opens_at)})") for s in closed]
    else:
        del form.makeup_of
    if request.method == "GET":
        if sitting is not None:
            form.fill_from(sitting)
        elif request.args.get("makeup_of", type=int):
            form.makeup_of.data = request.args.get("makeup_of", type=int)
            form.kind.data = "makeup"
        elif request.args.get("paper", type=int):
            form.paper.data = request.args.get("paper", type=int)
    if started:
        form.lock(sitting)
    return form


def _sitting_form_page(form: SittingForm, sitting=None, *, started: bool = False, problems=None, status: int = 200):
    # The notice names the settings the service fixes once a candidate has started, from its own list.
    fixed = shown(tuple(sitting_service.FIELD_NAMES[name] for name in sitting_service.LOCKED_ONCE_STARTED))
    return render_template("exams/sitting_form.html", form=form, sitting=sitting, started=started,
                           problems=problems or [], fixed_settings=fixed), status


def _placed_on_fields(form: SittingForm, problems: list) -> list[dict[str, str]]:
    """The service's problems for the page; one that names a field is also shown beside it,
    placed by the field's label."""
    shown = []
    for problem in problems:
        text = problem_text(problem)
        field = getattr(form, PROBLEM_FIELDS.get(problem.place, problem.place), None) if isinstance(problem.place, str) else None
        if isinstance(field, Field):
            field.errors = [*field.errors, text["message"]]
            text["place"] = str(field.label.text)
        shown.append(text)
    return shown


def _save_sitting(form: SittingForm, sitting=None, *, started: bool = False):
    db = database.session()
    lengthened = closed = 0
    try:
        if sitting is None:
            sitting = sitting_service.create_sitting(db, clock(), actor(), form.spec())
        else:
            update = sitting_service.update_sitting(db, clock(), actor(), sitting, form.spec())
            sitting, lengthened = update.sitting, len(update.lengthened)
            closed = sum(change.closed for change in update.deadlines)
    except InvalidInput as exc:
        db.rollback()
        return _sitting_form_page(form, sitting, started=started, problems=_placed_on_fields(form, exc.problems), status=422)
    except Conflict as exc:
        db.rollback()
        if started:
            form.restore_locked(sitting)
        problems = [{"place": "", "message": translate(exc.template, exc.params)}]
        return _sitting_form_page(form, sitting, started=started, problems=problems, status=409)
    database.commit()
    message = _("Sitting %(title)s saved.", title=sitting.title)
    original = makeups.original_of(db, sitting) if form.spec().makeup_of_id else None
    if original is not None:
        message += " " + _("Its roster holds the %(n)d candidate(s) who failed or were absent at %(original)s; "
                           "add or remove people below.", n=len(sitting.roster), original=original.title)
    if lengthened:
        message += " " + _("The window closes later, so %(n)d attempt(s) in progress were lengthened.", n=lengthened)
    if closed:
        message += " " + _("%(n)d attempt(s) had already passed their deadline and were submitted automatically.", n=closed)
    flash(message, "success")
    return redirect(url_for("exams.sitting", sitting_id=sitting.id))


@bp.route("/sittings/new", methods=["GET", "POST"])
def new_sitting():
    form = _sitting_form()
    if form.validate_on_submit():
        return _save_sitting(form)
    return _sitting_form_page(form, status=422 if form.errors else 200)


@bp.route("/sittings/<int:sitting_id>/edit", methods=["GET", "POST"])
def edit_sitting(sitting_id: int):
    """The settings form; once a candidate has started, the settings that decided deadlines and
    scores are shown fixed (the service refuses changing them all the same)."""
    db = database.session()
    sitting = sitting_service.get_sitting(db, actor(), sitting_id)
    started = sitting_service.has_attempts(db, sitting)
    form = _sitting_form(sitting, started=started)
    if form.validate_on_submit():
        return _save_sitting(form, sitting, started=started)
    return _sitting_form_page(form, sitting, started=started, status=422 if form.errors else 200)


def _sitting_page(sitting, *, problems=None, status: int = 200, add_form=None, import_form=None):
    """Settings, the roster as a monitoring table, and the forms that change the roster. Overdue
    attempts are closed on the way (the view commits when it answers 200)."""
    db = database.session()
    rows = sitting_service.roster_rows(db, clock(), sitting)
    if status == 200:
        database.commit()
    # The search comes by POST (it may hold an ID number, which never goes into a URL: SEC-P2); paging
    # and the other filters may come in the query string too.
    picker_query = _picker_query(request.values)
    try:
        picked = roster_service.find_cadres(db, actor(), sitting, picker_query, request.values.get("cpage", 1, type=int))
    except NotFound:  # a unit outside the admin's subtree in the address: the whole subtree instead
        picker_query = roster_service.CadreQuery(picker_query.text, None, picker_query.rank, picker_query.post)
        picked = roster_service.find_cadres(db, actor(), sitting, picker_query)
    add_form = add_form or RosterAddForm(formdata=None)
    groups = [(unit, list(people)) for unit, people in groupby(picked.cadres, key=lambda u: u.org_unit)]
    now = clock().now()
    return render_template(
        "exams/sitting.html", sitting=sitting, rows=rows, groups=groups, picked=picked, picker=picker_query,
        picker_units=units_in_scope(db, actor()), picker_ranks=roster_service.ranks_in_scope(db, actor()),
        can_release=release.can_release(actor(), sitting, now), released_by=release.released_by(db, sitting),
        add_form=add_form, import_form=import_form or RosterImportForm(formdata=None),
        extra_form=ExtraTimeForm(formdata=None),
        started=sitting_service.has_attempts(db, sitting), problems=problems or [], now=now,
        shortfalls=[problem_text(s.problem()) for s in sitting_service.short_sections(db, clock(), sitting)],
        makeup_of=makeups.original_of(db, sitting), makeup_sittings=makeups.makeups_of(db, sitting),
    ), status


@bp.route("/sittings/<int:sitting_id>", methods=["GET", "POST"])
def sitting(sitting_id: int):
    """The sitting's page; POST carries the roster picker's search (see ``_sitting_page``)."""
    return _sitting_page(sitting_service.get_sitting(database.session(), actor(), sitting_id))


@bp.post("/sittings/<int:sitting_id>/release-results")
def release_results(sitting_id: int):
    found = sitting_service.get_sitting(database.session(), actor(), sitting_id)
    return release_and_return(found, url_for("exams.sitting", sitting_id=found.id))


def _picker_query(values) -> roster_service.CadreQuery:
    """The roster picker's filters from a query string or a form (``cq``, ``cunit``, ``crank``, ``cpost``)."""
    unit = values.get("cunit", "")
    return roster_service.CadreQuery(text=values.get("cq", "")[:100], unit_id=int(unit) if unit.isdecimal() and len(unit) < 10 else None,
                                     rank=values.get("crank", "")[:50], post=values.get("cpost", "")[:200])


@bp.post("/sittings/<int:sitting_id>/roster")
def add_to_roster(sitting_id: int):
    """Add the ticked cadres, or with ``add_all`` every cadre matching the picker's filters."""
    db = database.session()
    found = sitting_service.get_sitting(db, actor(), sitting_id)
    raw_ids = request.form.getlist("user_ids")
    try:
        if request.form.get("add_all") == "1":
            added = roster_service.add_matching(db, clock(), actor(), found, _picker_query(request.form))
        elif raw_ids and all(i.isdecimal() and len(i) < 10 for i in raw_ids):
            added = roster_service.add_to_roster(db, clock(), actor(), found, [int(i) for i in raw_ids])
        else:
            raise InvalidInput([])
    except (InvalidInput, NotFound):
        db.rollback()
        return _sitting_page(found, status=422,
                             problems=[{"place": "", "message": _("Tick the cadres to add; only cadres of your units not yet on the roster can be added.")}])
    database.commit()
    flash(_("%(n)d candidate(s) added to the roster.", n=len(added)), "success")
    return redirect(url_for("exams.sitting", sitting_id=found.id))


@bp.post("/sittings/<int:sitting_id>/roster/import")
def import_roster(sitting_id: int):
    db = database.session()
    found = sitting_service.get_sitting(db, actor(), sitting_id)
    form = RosterImportForm()
    if not form.validate_on_submit():
        return _sitting_page(found, import_form=form, status=422)
    try:
        upload = form.file.data
        result = roster_service.import_roster(db, clock(), actor(), found, upload.stream, upload.filename or "")
    except InvalidInput as exc:
        db.rollback()
        return _sitting_page(found, import_form=form, problems=problem_texts(exc), status=422)
    database.commit()
    flash(_("%(added)d candidate(s) added to the roster; %(already)d were on it already.",
            added=len(result.added), already=len(result.already)), "success")
    return redirect(url_for("exams.sitting", sitting_id=found.id))


@bp.post("/sittings/<int:sitting_id>/roster/<int:entry_id>/extra-time")
def extra_time(sitting_id: int, entry_id: int):
    db = database.session()
    found = sitting_service.get_sitting(db, actor(), sitting_id)
    form = ExtraTimeForm()
    if not form.validate_on_submit():
        return _sitting_page(found, status=422, problems=[
            {"place": _("Extra time (minutes)"), "message": "; ".join(map(str, form.minutes.errors))}])
    outcome = roster_service.set_extra_time(db, clock(), actor(), found, entry_id, form.minutes.data * 60)
    database.commit()
    flash(*_extra_time_message(outcome))
    return redirect(url_for("exams.sitting", sitting_id=found.id))


def _extra_time_message(outcome: roster_service.ExtraTime) -> tuple[str, str]:
    """(message, flash category) saying what the extra time did to the candidate's attempts."""
    name, attempt = outcome.entry.user.display_name, outcome.attempt
    if attempt is None:
        return _("Extra time saved for %(name)s. It applies to their next attempt.", name=name), "success"
    if outcome.closed:
        return _("Extra time saved for %(name)s, but their attempt had already passed its deadline and was "
                 "submitted automatically with the answers saved by then.", name=name), "error"
    if outcome.lengthened:
        return _("Extra time saved for %(name)s. Their attempt in progress now ends at %(time)s instead of %(old)s.",
                 name=name, time=local_time(attempt.deadline, "HH:mm:ss"),
                 old=local_time(outcome.old_deadline, "HH:mm:ss")), "success"
    return _("Extra time saved for %(name)s. Their attempt in progress still ends at %(time)s: a running attempt is "
             "never shortened, and ends when the window closes at the latest.",
             name=name, time=local_time(attempt.deadline, "HH:mm:ss")), "success"


@bp.post("/sittings/<int:sitting_id>/roster/<int:entry_id>/remove")
def remove_from_roster(sitting_id: int, entry_id: int):
    db = database.session()
    found = sitting_service.get_sitting(db, actor(), sitting_id)
    # The CSRF token is checked for every POST by CSRFProtect; the button carries nothing else.
    roster_service.remove_from_roster(db, clock(), actor(), found, entry_id)
    database.commit()
    flash(_("Removed from the roster."), "success")
    return redirect(url_for("exams.sitting", sitting_id=found.id))


# The attempt page's and the corrections' routes live in their own modules, on this blueprint.
from examsvc.exams import attempt_pages, corrections, fixed_sections  # noqa: E402,F401
