"""JSON for the question form: find a law, list its articles to pick from, and say how a legal
basis being typed resolves (``/laws/api/…``; signed-in people, the blueprint's guard)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from examsvc import database
from examsvc.access import roles_required
from examsvc.extensions import clock
from examsvc.laws.links import article_url, reason
from examsvc.laws.routes import bp
from question_bank.errors import NotFound
from question_bank.models import CitationStatus, LawArticle, LawVersion, QuestionCitation, Role
from question_bank.services import citing, law_reading

#: Articles one answer lists; a filter narrows a long law down.
ARTICLES_LISTED = 300
#: Longest legal basis checked, in characters (the field takes 2,000).
MAX_CHECKED = 2000
_EXCERPT = 60


@bp.get("/api/laws")
def api_laws():
    found = law_reading.find_laws(database.session(), request.args.get("q", ""))
    return jsonify({"laws": [{"id": law.id, "title": law.title, "short_title": law.short_title,
                              "version_id": law.current_version.id, "version_date": law.current_version.version_date.isoformat()}
                             for law in found if law.current_version is not None]})


@bp.get("/api/versions/<int:version_id>/articles")
def api_articles(version_id: int):
    """A version's articles (label, place in the URL, first words), narrowed by ``q``: an article
    number (36, 第三十六条) or words of the text."""
    db = database.session()
    version = db.get(LawVersion, version_id)
    if version is None:
        raise NotFound()
    typed = request.args.get("q", "").strip()
    wanted = law_reading.parse_article_ref(typed) if typed else None
    if wanted:
        one = law_reading.find_article(db, version.id, *wanted)
        articles = [one] if one else []
    elif typed:
        articles = [hit.article for hit in law_reading.search(db, [version.id], typed).hits]
    else:
        articles = law_reading.articles_between(db, version.id)
    return jsonify({"title": version.law.title, "articles": [_article(a) for a in articles[:ARTICLES_LISTED]],
                    "more": len(articles) > ARTICLES_LISTED})


def _article(article: LawArticle) -> dict:
    first = article.lines[0] if article.lines else ""
    return {"number": article.number, "suffix": article.suffix, "label": article.label, "slug": article.slug,
            "excerpt": first[:_EXCERPT] + ("…" if len(first) > _EXCERPT else "")}


@bp.get("/api/check")
@roles_required(Role.BANK_EDITOR, Role.BANK_REVIEWER)
def api_check():
    """How a legal basis resolves today: each citation's words, whether it links, where, and why not."""
    text = request.args.get("text", "")[:MAX_CHECKED]
    found = citing.check_legal_basis(database.session(), text, citing.local_day(clock().now()))
    rows = []
    for resolution in found:
        ref = QuestionCitation(law_version_id=resolution.version_id, article_id=resolution.article_id,
                               law_id=resolution.law_id, status=resolution.status,
                               article_number=resolution.article[0] if resolution.article else None,
                               article_suffix=resolution.article[1] if resolution.article else 0)
        rows.append({"text": resolution.citation.text, "status": str(resolution.status),
                     "ok": resolution.status == CitationStatus.RESOLVED, "url": article_url(ref),
                     "reason": reason(ref)})
    return jsonify({"citations": rows, "summary": _("%(ok)d of %(n)d citations found in the law catalogue.",
                                                     ok=sum(1 for r in rows if r["ok"]), n=len(rows))})
