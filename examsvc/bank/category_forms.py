"""Forms of the category pages: a new category, a rename, a move and a merge. The choices of
parent and target are the tree's paths, by id; the domain judges names and cycles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from examsvc.form_i18n import AppForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from question_bank.models import Category

#: The value of "at the top of the tree" among the parent choices.
TOP = ""


def _path_choices(categories: list[Category], top: bool) -> list[tuple[str, str]]:
    choices = [(TOP, str(_l("(top level)")))] if top else []
    return choices + [(str(c.id), c.path) for c in categories]


class NewCategoryForm(AppForm):
    name = StringField(_l("Category name"), validators=[DataRequired(), Length(max=100)])
    parent = SelectField(_l("Under"), choices=[], validate_choice=True)

    def offer(self, categories: list[Category]) -> NewCategoryForm:
        self.parent.choices = _path_choices(categories, top=True)
        return self


class RenameCategoryForm(AppForm):
    name = StringField(_l("New category name"), validators=[DataRequired(), Length(max=100)])


class MoveCategoryForm(AppForm):
    parent = SelectField(_l("Move under"), choices=[], validate_choice=True)

    def offer(self, categories: list[Category]) -> MoveCategoryForm:
        self.parent.choices = _path_choices(categories, top=True)
        return self


class MergeCategoryForm(AppForm):
    target = SelectField(_l("Merge into"), choices=[], validate_choice=True)
    #: "1" once the editor has seen what the merge changes.
    confirm = HiddenField(default="")

    def offer(self, categories: list[Category]) -> MergeCategoryForm:
        self.target.choices = _path_choices(categories, top=False)
        return self


class DeleteCategoryForm(AppForm):
    """Only the CSRF token: deleting an empty category needs nothing else."""
