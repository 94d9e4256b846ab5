"""Reading the law (anyone signed in): the list of laws, a version's page with its table of contents,
history, text, search and jump box, and each article's permalink. Earlier versions are readable
and marked as such.

A version of up to :data:`FULL_TEXT_LIMIT` articles shows its whole text; a longer one (刑法,
民法典) shows the part chosen in its table of contents, so a phone never loads the 民法典 at once.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import guard
from question_bank.errors import NotFound
from question_bank.models import Law, LawHeading, LawVersion
from question_bank.services import law_reading

bp = Blueprint("laws", __name__, url_prefix="/laws")
guard(bp)

#: Versions with at most this many articles are shown whole on their page.
FULL_TEXT_LIMIT = 150


def _version(version_id: int) -> LawVersion:
    version = law_reading.version_of(database.session(), version_id)
    if version is None:
        raise NotFound()
    return version


@bp.get("/")
def index():
    db = database.session()
    laws = law_reading.laws(db)
    query = request.args.get("q", "").strip()
    result = None
    if query:
        current = [law.current_version.id for law in laws if law.current_version is not None]
        result = law_reading.search(db, current, query)
    return render_template("laws/index.html", laws=laws, query=query, result=result)


def _current_version_id(law_id: int) -> int:
    found = database.session().get(Law, law_id)
    if found is None or found.current_version is None:
        raise NotFound()
    return found.current_version.id


@bp.get("/<int:law_id>")
def law(law_id: int):
    """A law's current version."""
    return redirect(url_for("laws.version", version_id=_current_version_id(law_id), **request.args))


@bp.get("/versions/<int:version_id>")
def version(version_id: int):
    return _version_page(_version(version_id))


def _version_page(shown: LawVersion, jump: str = "", jump_error: str = "", status: int = 200):
    db = database.session()
    query = request.args.get("q", "").strip()
    result = law_reading.search(db, [shown.id], query) if query else None
    part = _part(shown)
    whole = shown.article_count <= FULL_TEXT_LIMIT
    blocks: list[law_reading.Block] = []
    if part is not None:
        articles = law_reading.articles_between(db, shown.id, part.first_article, part.last_article) \
            if part.first_article is not None else []
        blocks = law_reading.text_blocks(shown, articles, part)
    elif whole:
        blocks = law_reading.text_blocks(shown, law_reading.articles_between(db, shown.id))
    parts = [] if whole else law_reading.reading_parts(shown, FULL_TEXT_LIMIT)
    return render_template("laws/version.html", version=shown, law=shown.law, toc=law_reading.contents(shown),
                           part=part, whole=whole, blocks=blocks, query=query, result=result, jump=jump,
                           jump_error=jump_error, path=law_reading.heading_path(shown, part.id) if part else [],
                           parts=parts, part_of=law_reading.part_of_headings(shown, parts)), status


def _part(version: LawVersion) -> LawHeading | None:
    wanted = request.args.get("part", type=int)
    return next((h for h in version.headings if h.id == wanted), None) if wanted else None


@bp.get("/versions/<int:version_id>/jump")
def jump(version_id: int):
    """To the article a person typed (第36条, 第三十六条, 36), or back with a message."""
    shown = _version(version_id)
    typed = request.args.get("to", "").strip()[:30]
    wanted = law_reading.parse_article_ref(typed)
    article = law_reading.find_article(database.session(), shown.id, *wanted) if wanted else None
    if article is None:
        message = _("%(law)s has no article %(typed)s. Type the number as 第36条, 第三十六条 or 36.",
                    law=shown.law.short_title, typed=typed)
        return _version_page(shown, jump=typed, jump_error=message, status=404)
    return redirect(url_for("laws.article", version_id=shown.id, slug=article.slug))


@bp.get("/versions/<int:version_id>/articles/<slug>")
def article(version_id: int, slug: str):
    db = database.session()
    wanted = law_reading.parse_slug(slug)
    shown = _version(version_id)
    found = law_reading.find_article(db, shown.id, *wanted) if wanted else None
    if found is None:
        raise NotFound()
    previous, following = law_reading.neighbours(db, found)
    current = shown.law.current_version
    in_current = None
    if current is not None and current.id != shown.id:
        in_current = law_reading.find_article(db, current.id, found.number, found.suffix)
    part = _containing_part(shown, found)
    return render_template("laws/article.html", version=shown, law=shown.law, article=found, previous=previous,
                           following=following, path=law_reading.heading_path(shown, found.heading_id),
                           current=current, in_current=in_current, part=part)


def _containing_part(version: LawVersion, article) -> LawHeading | None:
    """The reading part of a long text the article is in (where "read in context" goes)."""
    if version.article_count <= FULL_TEXT_LIMIT:
        return None
    parts = law_reading.reading_parts(version, FULL_TEXT_LIMIT)
    return next((p for p in parts if p.first_article and p.first_article <= article.position <= p.last_article), None)


@bp.get("/<int:law_id>/articles/<slug>")
def current_article(law_id: int, slug: str):
    """The article in the law's current version: a link that always shows the text in force."""
    return redirect(url_for("laws.article", version_id=_current_version_id(law_id), slug=slug))


# The keepers' pages and the JSON for the article picker add their routes to ``bp``.
from examsvc.laws import api, keeping  # noqa: E402,F401
