"""The roster picker on the sitting page (issue 9, "Papers"): it pages and searches instead of
listing a province's every cadre, and adds by unit subtree, rank and post."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from question_bank.models import Role, RosterEntry, UnitLevel
from question_bank.services.roster import PICKER_PAGE_SIZE


@pytest.fixture
def province(make, client):
    city = make.unit("甲市", level=UnitLevel.CITY)
    make.user(Role.EXAM_ADMIN, username="province_admin")
    cadres = [make.cadre(unit=city, display_name=f"干部{n:03d}", rank="科级" if n % 2 else "正处级",
                         current_post="局长" if n % 10 == 0 else "科员") for n in range(PICKER_PAGE_SIZE + 10)]
    sitting = make.sitting(make.paper())
    client.login("province_admin")
    client.form_post("/lang/en")
    return sitting, city, cadres


def test_the_sitting_page_shows_one_page_of_cadres_and_the_next_page_the_rest(client, province):
    sitting, _city, cadres = province
    first = client.get(f"/exams/sittings/{sitting.id}").get_data(as_text=True)
    assert f"{len(cadres)} cadres not yet on the roster match" in first
    assert "干部000" in first and "干部059" not in first and f"1 / 2" in first
    second = client.get(f"/exams/sittings/{sitting.id}?cpage=2").get_data(as_text=True)
    assert "干部059" in second and "干部000" not in second


def test_search_and_adding_all_matches_by_rank_and_post(client, db, province):
    sitting, city, cadres = province
    page = client.get(f"/exams/sittings/{sitting.id}?cq=干部00").get_data(as_text=True)
    assert "10 cadres not yet on the roster match" in page
    response = client.form_post(f"/exams/sittings/{sitting.id}/roster",
                                {"add_all": "1", "cunit": str(city.id), "crank": "正处级", "cpost": "局长"})
    assert response.status_code == 302
    added = set(db.scalars(select(RosterEntry.user_id).where(RosterEntry.sitting_id == sitting.id)))
    assert added == {c.id for n, c in enumerate(cadres) if n % 10 == 0}
    page = client.get(f"/exams/sittings/{sitting.id}?crank=正处级&cpost=局长").get_data(as_text=True)
    assert "Nobody matching is left to add." in page
