"""The category tree of the bank (题库分类): create, rename, move, merge and delete categories, and
count what each holds (domain.md §3).

A category is addressed by its path (``宪法/国家机构``), which imports, blueprints and people use;
questions, versions and paper blueprint sections refer to it by id, so a rename or a move rewrites
the paths of the category and of everything below it and nothing else needs to change: every
question and section keeps its place under the new path at once. A merge moves everything of one
category (its questions, their versions, the blueprint sections drawing from it, and its
sub-categories, merged in turn into same-named ones) into another and removes it; it is an audit
event, and the caller shows what it changes (:func:`merge_preview`) before it is made, so a
category a paper section draws from never vanishes unseen. Only empty categories (nothing filed,
no sub-category, no section) can be deleted. Every change is audited.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from question_bank.clock import Clock
from question_bank.errors import N_, Conflict, InvalidInput, Problem
from question_bank.models import BlueprintSection, Category, Paper, Question, QuestionStatus, QuestionVersion, Role, User
from question_bank.services import audit, protection

#: Longest name and path, in characters (the columns' lengths).
MAX_NAME, MAX_PATH = 100, 500


@dataclass
class CategoryNode:
    """A category in the tree with its counts: ``own`` questions filed directly under it (by their
    current version, retired ones left out), ``subtree`` the same with every sub-category's,
    ``sections`` blueprint sections drawing from it; ``children`` by name; ``depth`` from 0."""

    category: Category
    own: int = 0
    subtree: int = 0
    sections: int = 0
    depth: int = 0
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(session: Session) -> list[CategoryNode]:
    """Every category, depth first (parents before children, siblings by name), with counts: three
    queries whatever the size of the bank."""
    categories = list(session.scalars(select(Category).order_by(Category.path)))
    own = {cid: n for cid, n in session.execute(select(Question.category_id, func.count()).where(
        Question.status != QuestionStatus.RETIRED).group_by(Question.category_id))}
    sections = {cid: n for cid, n in session.execute(select(BlueprintSection.category_id, func.count())
                                                     .group_by(BlueprintSection.category_id))}
    nodes = {c.id: CategoryNode(c, own.get(c.id, 0), own.get(c.id, 0), sections.get(c.id, 0)) for c in categories}
    roots: list[CategoryNode] = []
    for category in categories:  # by path: a parent comes before its children
        node = nodes[category.id]
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent.children if parent else roots).append(node)
    ordered: list[CategoryNode] = []

    def walk(siblings: list[CategoryNode], depth: int) -> None:
        for node in sorted(siblings, key=lambda n: n.category.name):
            node.depth = depth
            ordered.append(node)
            walk(node.children, depth + 1)

    walk(roots, 0)
    for node in reversed(ordered):  # children before parents
        node.subtree += sum(child.subtree for child in node.children)
    return ordered


def subtree_of(session: Session, category: Category) -> list[Category]:
    """The category and every category below it."""
    return [category, *session.scalars(select(Category).where(
        Category.below(category.path)).order_by(Category.path))]


def _checked_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput([Problem(N_("the name is empty"), place="name")])
    if "/" in cleaned or "／" in cleaned:
        raise InvalidInput([Problem(N_("a name cannot hold /, which separates the levels of a path"), place="name")])
    if len(cleaned) > MAX_NAME:
        raise InvalidInput([Problem(N_("the name is longer than %(n)d characters"), {"n": MAX_NAME}, "name")])
    return cleaned


def folded_name(name: str) -> str:
    """A category name as search compares it: NFKC (full- and half-width forms alike) and case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def children_of(session: Session, parent: Category | None) -> list[Category]:
    """The categories directly under ``parent`` (None: at the top), in one query."""
    return list(session.scalars(select(Category).where(
        Category.parent_id == parent.id if parent is not None else Category.parent_id.is_(None))))


def folded_among(categories: list[Category], name: str) -> Category | None:
    """The one of ``categories`` whose name is ``name`` once folded (:func:`folded_name`: ``ｃｓｖ``,
    ``CSV`` and ``csv`` are one name), if any."""
    wanted = folded_name(name)
    return next((c for c in categories if folded_name(c.name) == wanted), None)


def folded_sibling(session: Session, parent: Category | None, name: str) -> Category | None:
    """The category under ``parent`` (None: at the top) whose name is ``name`` once folded, if any."""
    return folded_among(children_of(session, parent), name)


def _taken(existing: Category, name: str) -> Conflict:
    """The refusal of ``name`` where ``existing`` is, naming it (and saying why when the two differ
    only in width or case)."""
    if existing.name == name:
        return Conflict(N_("There is already a category %(path)s."), path=existing.path)
    return Conflict(N_("There is already a category %(path)s, which differs from %(name)s only in full- or "
                       "half-width forms or letter case; search would not tell them apart."),
                    path=existing.path, name=name)


def _place(session: Session, category: Category, parent: Category | None, name: str, place: str) -> None:
    """Give ``category`` a new parent and name, rewriting its path and every path below it."""
    existing = folded_sibling(session, parent, name)
    if existing is not None and existing.id != category.id:
        raise _taken(existing, name)
    old = category.path
    new = f"{parent.path}/{name}" if parent else name
    below = subtree_of(session, category)[1:]
    longest = max([len(new)] + [len(new) + len(c.path) - len(old) for c in below])
    if longest > MAX_PATH:
        raise InvalidInput([Problem(N_("a path would be longer than %(n)d characters"), {"n": MAX_PATH}, place)])
    category.name, category.parent, category.path = name, parent, new
    for child in below:
        child.path = new + child.path[len(old):]
    session.flush()


def create_category(session: Session, clock: Clock, actor: User, name: str, parent: Category | None) -> Category:
    """A new category ``name`` under ``parent`` (None: at the top). Raises :class:`InvalidInput`
    for a bad name (empty, holding "/", too long), :class:`Conflict` naming the existing category
    when the parent already has one of that name, compared as search compares (:func:`folded_name`), :class:`PermissionDenied` unless a bank editor. Audit event
    ``category.create``. Flushes, never commits."""
    protection.require_role(actor, Role.BANK_EDITOR)
    name = _checked_name(name)
    existing = folded_sibling(session, parent, name)
    if existing is not None:
        raise _taken(existing, name)
    path = f"{parent.path}/{name}" if parent else name
    if len(path) > MAX_PATH:
        raise InvalidInput([Problem(N_("a path would be longer than %(n)d characters"), {"n": MAX_PATH}, "name")])
    category = Category(name=name, parent=parent, path=path)
    session.add(category)
    session.flush()
    audit.record(session, clock, actor, "category.create", "category", category.id, after={"path": path})
    return category


def rename_category(session: Session, clock: Clock, actor: User, category: Category, name: str) -> None:
    """Rename ``category``; its path and every path below it follow. Errors as
    :func:`create_category`. Audit event ``category.rename``."""
    protection.require_role(actor, Role.BANK_EDITOR)
    before = category.path
    _place(session, category, category.parent, _checked_name(name), "name")
    audit.record(session, clock, actor, "category.rename", "category", category.id,
                 before={"path": before}, after={"path": category.path})


def move_category(session: Session, clock: Clock, actor: User, category: Category, parent: Category | None) -> None:
    """Move ``category`` (with everything below it) under ``parent`` (None: to the top). Refused
    with :class:`InvalidInput` when ``parent`` is the category itself or below it (a cycle),
    :class:`Conflict` when ``parent`` has a category of the same name. Audit event ``category.move``."""
    protection.require_role(actor, Role.BANK_EDITOR)
    if parent is not None and (parent.id == category.id or parent.path.startswith(category.path + "/")):
        raise InvalidInput([Problem(N_("a category cannot move into itself or below itself"), place="parent_category")])
    before = category.path
    _place(session, category, parent, category.name, "parent_category")
    audit.record(session, clock, actor, "category.move", "category", category.id,
                 before={"path": before}, after={"path": category.path})


@dataclass(frozen=True)
class MergePreview:
    """What merging ``source`` into ``target`` changes: the questions filed (``questions``, by
    current version, retired ones included) and versions (``versions``) in the source's subtree,
    and the blueprint sections drawing from it (``sections``: (paper, section, old path) each)."""

    source: Category
    target: Category
    questions: int
    versions: int
    sections: list[tuple[Paper, BlueprintSection, str]]


def merge_preview(session: Session, source: Category, target: Category) -> MergePreview:
    """What :func:`merge_category` would change; raises as it would for a merge refused."""
    _check_merge(source, target)
    ids = [c.id for c in subtree_of(session, source)]
    questions = session.scalar(select(func.count()).select_from(Question).where(Question.category_id.in_(ids)))
    versions = session.scalar(select(func.count()).select_from(QuestionVersion)
                              .where(QuestionVersion.category_id.in_(ids)))
    sections = [(section.paper, section, section.category.path) for section in session.scalars(
        select(BlueprintSection).where(BlueprintSection.category_id.in_(ids))
        .order_by(BlueprintSection.paper_id, BlueprintSection.position))]
    return MergePreview(source, target, questions or 0, versions or 0, sections)


def _check_merge(source: Category, target: Category) -> None:
    if target.id == source.id or target.path.startswith(source.path + "/"):
        raise InvalidInput([Problem(N_("a category cannot be merged into itself or a category below it"),
                                    place="target")])


def merge_category(session: Session, clock: Clock, actor: User, source: Category, target: Category) -> MergePreview:
    """Merge ``source`` into ``target``: its questions, their versions and the blueprint sections
    drawing from it are filed under ``target``, each sub-category is merged into ``target``'s
    sub-category of the same name or moved under ``target``, and ``source`` is removed. Papers
    that drew from the source draw from the target from now on (with its other questions). Returns
    what was changed (:class:`MergePreview`, counted before). Raises :class:`InvalidInput` when
    ``target`` is ``source`` or below it, :class:`PermissionDenied` unless a bank editor. Audit
    event ``category.merge`` with the paths, the counts and the sections re-pointed."""
    protection.require_role(actor, Role.BANK_EDITOR)
    preview = merge_preview(session, source, target)
    before = {"path": source.path, "questions": preview.questions, "versions": preview.versions,
              "sections": [{"paper": paper.id, "section": section.position, "path": path}
                           for paper, section, path in preview.sections]}
    source_id, into = source.id, target.path
    _merge(session, source, target)
    audit.record(session, clock, actor, "category.merge", "category", source_id, before=before, after={"into": into})
    return preview


def _merge(session: Session, source: Category, target: Category) -> None:
    for child in list(session.scalars(select(Category).where(Category.parent_id == source.id))):
        same = folded_sibling(session, target, child.name)
        if same is None:
            _place(session, child, target, child.name, "target")
        else:
            _merge(session, child, same)
    for model in (Question, QuestionVersion, BlueprintSection):
        session.execute(update(model).where(model.category_id == source.id).values(category_id=target.id)
                        .execution_options(synchronize_session=False))
    session.expire_all()
    session.delete(session.get(Category, source.id))
    session.flush()


def delete_category(session: Session, clock: Clock, actor: User, category: Category) -> None:
    """Remove an empty category: refused with :class:`Conflict` while anything is filed under it
    (a question or a version, even retired), a sub-category, or a blueprint section draws from it
    (merge it instead). Audit event ``category.delete``."""
    protection.require_role(actor, Role.BANK_EDITOR)
    held = [
        session.scalar(select(func.count()).select_from(model).where(model.category_id == category.id))
        for model in (QuestionVersion, BlueprintSection)
    ]
    children = session.scalar(select(func.count()).select_from(Category).where(Category.parent_id == category.id))
    if any(held) or children:
        raise Conflict(N_("Category %(path)s is not empty (questions, sub-categories or paper sections); "
                          "merge it into another instead."), path=category.path)
    path = category.path
    session.delete(category)
    session.flush()
    audit.record(session, clock, actor, "category.delete", "category", category.id, before={"path": path})
