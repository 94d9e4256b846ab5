"""The demo that `make demo` loads: accounts for every role, five cadres in two units, a reviewed
bank of every built type with explanations and legal basis, and a sitting open now."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from question_bank.models import (
    CitationSource,
    CitationStatus,
    Law,
    LawVersion,
    Question,
    QuestionCitation,
    QuestionStatus,
    QuestionVersion,
    Role,
    Sitting,
    User,
)
from question_bank.services import attempts
from question_bank.types import REGISTRY


def test_demo_loads_once_and_prints_the_accounts_and_open_sitting(app, db, clock):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["load-demo"])
    assert first.exit_code == 0, first.output
    for username in ("sysadmin", "editor", "reviewer", "examadmin", "hr", "marker", "auditor", "cadre1", "cadre5"):
        assert username in first.output
    assert "Open sitting" in first.output and "demo-pass-2026" in first.output
    again = runner.invoke(args=["load-demo"])
    assert "already loaded" in again.output
    assert db.scalar(select(func.count(User.id)).where(User.username == "cadre1")) == 1


def test_demo_bank_is_published_original_and_complete(app, db):
    app.test_cli_runner().invoke(args=["load-demo"])
    versions = db.scalars(select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
                          .where(Question.status == QuestionStatus.PUBLISHED)).all()
    assert len(versions) >= 60
    assert set(Counter(v.qtype for v in versions)) == set(REGISTRY)
    assert all(v.explanation.strip() and v.legal_basis.startswith("《中华人民共和国") for v in versions)
    laws = {v.legal_basis.split("》")[0] for v in versions}
    assert {"《中华人民共和国宪法", "《中华人民共和国行政处罚法", "《中华人民共和国行政许可法", "《中华人民共和国民法典"} <= laws


def test_every_demo_cadre_can_start_the_open_sitting(app, db, clock):
    app.test_cli_runner().invoke(args=["load-demo"])
    sitting = db.scalar(select(Sitting))
    assert sitting.is_open(clock.now())
    cadres = db.scalars(select(User).where(User.username.like("cadre%"))).all()
    assert len(cadres) == 5 and len({c.org_unit_id for c in cadres}) == 2
    for cadre in cadres:
        assert cadre.has_role(Role.CADRE)
        attempt = attempts.start_attempt(db, clock, cadre, sitting)
        assert len(attempt.items) == sitting.paper.question_count and attempt.max_score == 100


def test_the_demo_loads_the_eleven_laws_first_and_every_demo_citation_resolves(app, db):
    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert "Law catalogue:" in result.output and "中华人民共和国民法典  2020-05-28  1260 articles  (loaded)" in result.output
    assert "lawadmin" in result.output
    assert db.scalar(select(func.count(Law.id))) == 11 and db.scalar(select(func.count(LawVersion.id))) == 13
    rows = db.scalars(select(QuestionCitation).where(QuestionCitation.source == CitationSource.LEGAL_BASIS)).all()
    cited = {r.question_version_id for r in rows}
    demo_versions = db.scalar(select(func.count(QuestionVersion.id)))
    assert demo_versions >= 94 and len(cited) == demo_versions and all(r.status == CitationStatus.RESOLVED and r.article_id for r in rows)


def test_without_the_shared_law_texts_the_demo_says_so_and_goes_on(db, clock, make, tmp_path):
    from examsvc.demo import loader

    lines = loader._laws(db, clock, make.user(Role.LAW_ADMIN), tmp_path / "nowhere")
    assert "were not found at" in lines[0] and "load-laws" in lines[0]
    assert db.scalar(select(func.count(Law.id))) == 0


def test_the_demo_publishes_the_general_study_list_for_every_demo_cadre(app, db):
    from question_bank.models import ListStatus, StudyList
    from question_bank.services.study_targets import lists_for_cadre

    result = app.test_cli_runner().invoke(args=["load-demo"])
    assert "studyadmin" in result.output and "Study list: 2026年度领导干部应知应会学法清单（通用）: 10 items" in result.output
    found = db.scalar(select(StudyList))
    assert found.status == ListStatus.PUBLISHED and all(item.article_count for item in found.items)
    cadres = db.scalars(select(User).where(User.username.like("cadre%"))).all()
    assert all(lists_for_cadre(db, cadre) == [found] for cadre in cadres)


def test_the_demo_marker_finds_two_blind_responses_waiting(app, db, client):
    app.test_cli_runner().invoke(args=["load-demo"])
    client.login("marker", "demo-pass-2026")
    queue = client.get("/marking/queue.json").get_json()["responses"]
    assert [(r["slot"], r["round"], r["max_points"]) for r in queue] == [(1, 1, "50.00"), (2, 1, "50.00")]


def test_the_demo_cadres_can_practise_while_the_demo_sitting_is_open(app, db, clock):
    """Tester's defect 3: the open demo sitting holds back what its paper may draw, and leaves the
    rest of the bank (行政处罚法 and the study list's items) to practise."""
    from question_bank.services import practice_held, practice_sources
    app.test_cli_runner().invoke(args=["load-demo"])
    now = clock.now()
    laws = {choice.law.short_title: choice.questions for choice in practice_sources.law_choices(db, now)}
    assert laws.get("行政处罚法", 0) >= 20
    held = practice_held.held_back(db, now)
    assert held is not None and held.questions >= 50 and held.until == db.scalar(select(Sitting)).closes_at
