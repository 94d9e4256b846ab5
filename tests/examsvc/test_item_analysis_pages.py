"""Item analysis pages (issue 6): an exam admin reads the analysis of their unit's sittings and an
auditor reads it too; fewer than 30 candidates show intervals and no verdicts, 30 or more show the
flags; the charts are inline SVG without script; CSV and xlsx downloads are audited; an exam admin
of another unit gets 404."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank.models import AuditEvent, Role, UnitLevel
from question_bank.reports.item_report import HEADERS, SMALL_SAMPLE
from question_bank.services import attempts



def paper_of(count: int = 3):
    return [("single_choice", count, 10, "行政处罚法")]


def take(db, clock, cadre, sitting, answers: list[str]):
    """``cadre`` answers the single-choice items in slot order ("": left blank) and submits."""
    attempt = attempts.start_attempt(db, clock, cadre, sitting, seed=1)
    for slot, letter in enumerate(answers, start=1):
        if letter:
            attempts.save_response(db, clock, cadre, attempt.id, slot, [letter], slot)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    return attempt


@pytest.fixture
def city_a(make):
    return make.unit("甲市", level=UnitLevel.CITY)


def sitting_for(make, city_a, count: int, title: str = "任前法律知识考试", items: int = 3):
    """A sitting of city A with ``count`` cadres in two departments on its roster; every cadre
    is given the same ``items`` single-choice questions keyed B."""
    make.questions(items, category="行政处罚法", key=["B"])
    departments = [make.unit("法制科", parent=city_a), make.unit("办公室", parent=city_a)]
    cadres = [make.cadre(username=f"cadre{i}", unit=departments[i % 2]) for i in range(count)]
    sitting = make.sitting(make.paper(paper_of(items)), roster=cadres, shuffle=False, title=title)
    sitting.org_unit = city_a
    return sitting, cadres


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_small_sitting_shows_intervals_and_no_verdicts(client, db, clock, make, city_a):
    sitting, cadres = sitting_for(make, city_a, 6)
    # Everyone right on Q1 (too easy with 30, but not judged with 6); Q3 nobody answers.
    for i, cadre in enumerate(cadres):
        take(db, clock, cadre, sitting, ["B", "B" if i < 3 else "A", ""])
    make.user(Role.EXAM_ADMIN, username="admin_a", unit=city_a)
    client.login("admin_a")
    text = page(client, f"/item-analysis/sittings/{sitting.id}")
    assert 'id="small-sample"' in text and 'id="candidates">6<' in text
    assert 'data-flag="' not in text
    assert 'class="interval"' in text
    # Three charts, inline SVG, and no script on the page (the CSP forbids inline script anyway).
    for chart in ("chart-distribution", "chart-pass-rates", "chart-scatter"):
        assert f'id="{chart}"' in text
    assert text.count("<svg") == 3 and "<script>" not in text.replace('<script src', '')
    assert "法制科" in text and "办公室" in text  # the pass-rate bars name the units
    assert text.count('<g class="point') == 3  # one dot per item, by facility and D


def test_thirty_candidates_get_flags(client, db, clock, make, city_a):
    # Q1 everyone right; Q2 and Q4 the strong right; Q3 the strong choose distractor C, the weak the key.
    sitting, cadres = sitting_for(make, city_a, 30, items=4)
    for i, cadre in enumerate(cadres):
        strong = i < 15
        take(db, clock, cadre, sitting, ["B", "B", "C", "B"] if strong else ["B", "C", "B", "A"])
    make.user(Role.AUDITOR, username="auditor_a", unit=city_a)
    client.login("auditor_a")
    text = page(client, f"/item-analysis/sittings/{sitting.id}")
    assert 'id="small-sample"' not in text
    rows = text.split('class="item-row"')[1:]
    assert 'data-flag="too_easy"' in rows[0] and 'data-flag="unused_distractor"' in rows[0]
    assert 'data-flag="negative_discrimination"' in rows[2]
    assert 'data-flag="distractor_preferred_by_top"' in rows[2]
    assert 'data-flag="negative_discrimination"' not in rows[1]


def test_downloads_use_the_sheet_writers_and_are_audited(client, db, clock, make, city_a):
    sitting, cadres = sitting_for(make, city_a, 4)
    for cadre in cadres:
        take(db, clock, cadre, sitting, ["B", "A", "B"])
    make.user(Role.EXAM_ADMIN, username="admin_a", unit=city_a)
    client.login("admin_a")
    response = client.get(f"/item-analysis/sittings/{sitting.id}/items.csv")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == list(HEADERS) and len(rows) == 3
    assert rows[0][HEADERS.index("得分率")] == "1.0" and rows[1][HEADERS.index("得分率")] == "0.0"
    assert rows[0][HEADERS.index("标记")] == SMALL_SAMPLE
    assert rows[0][HEADERS.index("各选项人数")].startswith("A:0 B*:4")
    book = load_workbook(io.BytesIO(client.get(f"/item-analysis/sittings/{sitting.id}/items.xlsx").data))
    assert [c.value for c in next(book.active.iter_rows(max_row=1))] == list(HEADERS)
    pooled = client.get("/item-analysis/versions.csv")
    assert pooled.status_code == 200
    assert "attachment" in pooled.headers["Content-Disposition"]
    exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.item_analysis")
                         .order_by(AuditEvent.id)).all()
    assert [e.after["format"] for e in exports] == ["csv", "xlsx", "csv"]


def test_pooled_versions_cover_every_sitting_that_used_them(client, db, clock, make, city_a):
    first, cadres = sitting_for(make, city_a, 3, title="第一场")
    second = make.sitting(first.paper, roster=cadres, shuffle=False, title="第二场")
    second.org_unit = city_a
    for cadre in cadres:
        take(db, clock, cadre, first, ["B", "B", "B"])
        take(db, clock, cadre, second, ["A", "B", "B"])
    make.user(Role.AUDITOR, username="auditor_a", unit=city_a)
    client.login("auditor_a")
    text = page(client, "/item-analysis/versions")
    rows = text.split('class="item-row"')[1:]
    assert len(rows) == 3
    assert all('class="n">6<' in r and 'class="sittings">2<' in r for r in rows)
    assert 'class="facility">0.50' in rows[0]


def test_an_exam_admin_of_another_unit_gets_404(client, db, clock, make, city_a):
    sitting, cadres = sitting_for(make, city_a, 2)
    take(db, clock, cadres[0], sitting, ["B", "B", "B"])
    city_b = make.unit("乙市", level=UnitLevel.CITY)
    make.user(Role.EXAM_ADMIN, username="admin_b", unit=city_b)
    make.user(Role.HR, username="hr_a", unit=city_a)
    client.login("admin_b")
    for url in (f"/item-analysis/sittings/{sitting.id}", f"/item-analysis/sittings/{sitting.id}/items.csv",
                f"/item-analysis/sittings/{sitting.id}/items.xlsx"):
        assert client.get(url).status_code == 404, url
    assert sitting.title not in page(client, "/item-analysis/")
    assert 'class="item-row"' not in page(client, "/item-analysis/versions")
    assert db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export.item_analysis")) == 0
    client.form_post("/logout")
    client.login("hr_a")
    assert client.get(f"/item-analysis/sittings/{sitting.id}").status_code == 403
