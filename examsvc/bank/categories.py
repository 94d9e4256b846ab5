"""The category tree pages (/bank/categories): the tree with its counts for editors and
reviewers; create, rename, move, merge (after a confirmation page naming the papers it changes)
and delete an empty category for editors. Registered on the bank blueprint, whose guard lets only
bank editors and reviewers in."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import actor, roles_required
from examsvc.bank.category_forms import (
    TOP,
    DeleteCategoryForm,
    MergeCategoryForm,
    MoveCategoryForm,
    NewCategoryForm,
    RenameCategoryForm,
)
from examsvc.bank.routes import bp
from examsvc.extensions import clock
from examsvc.auth.routes import place_problems
from examsvc.errors import translate
from question_bank.errors import Conflict, InvalidInput, NotFound
from question_bank.models import Category, Role
from question_bank.services import categories


def _category(category_id: int) -> Category:
    found = database.session().get(Category, category_id)
    if found is None:
        raise NotFound()
    return found


def _chosen(value: str) -> Category | None:
    return None if value == TOP else _category(int(value))


#: The form field a domain problem's place belongs to, where the names differ.
_FIELD_OF_PLACE = {"parent_category": "parent"}


def _refused(form, exc: InvalidInput | Conflict, home: str) -> None:
    """Show a refusal of the domain on ``form`` itself: each problem beside the field it names, a
    conflict or a problem of no field of the form beside ``home``. What was typed stays in the form."""
    database.session().rollback()
    if isinstance(exc, InvalidInput):
        problems = [p if str(p.place) not in _FIELD_OF_PLACE else type(p)(p.message, p.params, _FIELD_OF_PLACE[str(p.place)])
                    for p in exc.problems]
        for text in place_problems(form, InvalidInput(problems)):
            form[home].errors.append(text["message"])
    else:
        form[home].errors.append(translate(exc.template, exc.params))


def _all() -> list[Category]:
    return [node.category for node in categories.category_tree(database.session())]


@bp.get("/categories")
def category_list():
    return _list_page(None, 200)


def _list_page(form: NewCategoryForm | None, status: int):
    tree = categories.category_tree(database.session())
    form = form or NewCategoryForm().offer([node.category for node in tree])
    return render_template("bank/categories.html", tree=tree, form=form), status


@bp.post("/categories")
@roles_required(Role.BANK_EDITOR)
def create_category():
    form = NewCategoryForm().offer(_all())
    if not form.validate():
        return _list_page(form, 422)
    try:
        made = categories.create_category(database.session(), clock(), actor(), form.name.data,
                                          _chosen(form.parent.data))
    except (InvalidInput, Conflict) as exc:
        _refused(form, exc, "name")
        return _list_page(form, 422)
    database.commit()
    flash(_("Category %(path)s created.", path=made.path), "success")
    return redirect(url_for("bank.category_list"))


def _category_page(category: Category, status: int = 200, **forms):
    others = _all()
    below = {c.id for c in categories.subtree_of(database.session(), category)}
    outside = [c for c in others if c.id not in below]
    forms.setdefault("rename", RenameCategoryForm(name=category.name))
    forms.setdefault("move", MoveCategoryForm(parent=str(category.parent_id or TOP)).offer(outside))
    forms.setdefault("merge", MergeCategoryForm().offer(outside))
    node = next(n for n in categories.category_tree(database.session()) if n.category.id == category.id)
    return render_template("bank/category.html", category=category, node=node, delete=DeleteCategoryForm(),
                           **forms), status


@bp.get("/categories/<int:category_id>")
def category_page(category_id: int):
    return _category_page(_category(category_id))


@bp.post("/categories/<int:category_id>/rename")
@roles_required(Role.BANK_EDITOR)
def rename_category(category_id: int):
    return _relocate(_category(category_id), "rename", "name", RenameCategoryForm(), lambda category, form: (
        categories.rename_category(database.session(), clock(), actor(), category, form.name.data)))


@bp.post("/categories/<int:category_id>/move")
@roles_required(Role.BANK_EDITOR)
def move_category(category_id: int):
    return _relocate(_category(category_id), "move", "parent", MoveCategoryForm().offer(_all()), lambda category, form: (
        categories.move_category(database.session(), clock(), actor(), category, _chosen(form.parent.data))))


def _relocate(category: Category, name: str, home: str, form, change):
    """A rename or a move: the form checked (shown again with 422 otherwise), ``change`` made and
    committed, and the old and new paths said. A refusal of the domain is shown on the form
    (beside its field ``home`` when it names none), with what was chosen or typed kept."""
    if not form.validate():
        return _category_page(category, 422, **{name: form})
    before = category.path
    try:
        change(category, form)
    except (InvalidInput, Conflict) as exc:
        _refused(form, exc, home)
        category = _category(category.id)  # read again after the rollback
        if name == "move":
            below = {c.id for c in categories.subtree_of(database.session(), category)}
            form.offer([c for c in _all() if c.id not in below])
        return _category_page(category, 422, **{name: form})
    database.commit()
    flash(_("Category %(old)s is now %(new)s; its questions and paper sections moved with it.",
            old=before, new=category.path), "success")
    return redirect(url_for("bank.category_page", category_id=category.id))


@bp.post("/categories/<int:category_id>/merge")
@roles_required(Role.BANK_EDITOR)
def merge_category(category_id: int):
    source = _category(category_id)
    form = MergeCategoryForm().offer(_all())
    if not form.validate():
        return _category_page(source, 422, merge=form)
    target = _category(int(form.target.data))
    path, into = source.path, target.path
    try:
        if form.confirm.data != "1":
            preview = categories.merge_preview(database.session(), source, target)
            form.confirm.data = "1"
            return render_template("bank/category_merge.html", preview=preview, form=form)
        done = categories.merge_category(database.session(), clock(), actor(), source, target)
    except (InvalidInput, Conflict) as exc:
        # The preview and the merge refuse alike (a target that is the category or below it, as a
        # crafted post may name): the category page again, the refusal beside "Merge into".
        form.confirm.data = ""
        _refused(form, exc, "target")
        source = _category(category_id)  # read again after the rollback
        below = {c.id for c in categories.subtree_of(database.session(), source)}
        form.offer([c for c in _all() if c.id not in below])
        return _category_page(source, 422, merge=form)
    database.commit()
    flash(_("Category %(old)s was merged into %(new)s: %(questions)d questions and %(sections)d paper sections "
            "moved.", old=path, new=into, questions=done.questions, sections=len(done.sections)), "success")
    return redirect(url_for("bank.category_page", category_id=target.id))


@bp.post("/categories/<int:category_id>/delete")
@roles_required(Role.BANK_EDITOR)
def delete_category(category_id: int):
    category = _category(category_id)
    if not DeleteCategoryForm().validate():
        return _category_page(category, 422)
    path = category.path
    categories.delete_category(database.session(), clock(), actor(), category)
    database.commit()
    flash(_("Category %(path)s deleted.", path=path), "success")
    return redirect(url_for("bank.category_list"))
