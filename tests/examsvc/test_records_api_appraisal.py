"""The appraisal summary and the rosters on the records API (issue 6): a city token reads only its
subtree's cadres and units; the figures are HR's page's for the same filter (the same path); pages
follow the cursor; a parameter that does not fit is refused naming it; ID numbers are masked; each
use is audited; the scopes are needed and offered on the token form. Scores are objects with
their paper's maximum and share (best by share, means of shares), as the page's cells are."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from question_bank.models import ApiToken, AuditEvent, Role
from question_bank.services import api_tokens, practice
from question_bank.services.api_tokens import Scope, TokenSpec
from tests.question_bank.appraisal_scene import add_small_paper, build_scene
from tests.scenarios import right_answer, wrong_answer

CADRES, UNITS = "/api/v1/appraisal/cadres", "/api/v1/appraisal/units"


@pytest.fixture
def scene(db, clock, make):
    """The appraisal scene, and 张三 practising three questions (two right) that evening."""
    found = build_scene(db, clock, make)
    found["root_admin"] = make.user(Role.SYSADMIN, username="root_admin")
    questions = make.questions(3, category="练习")
    run = practice.start_practice(db, clock, found["zhang"], "category", questions[0].category_id)
    for right in (True, False, True):
        item = practice.current_item(db, clock, found["zhang"], run)
        practice.answer(db, clock, found["zhang"], item.id, right_answer(item) if right else wrong_answer(item))
        db.commit()
    return found


def token(db, clock, scene, unit=None, scopes=(Scope.APPRAISAL, Scope.ROSTERS)) -> str:
    """The secret of a token of ``unit``'s subtree (default: the province) holding ``scopes``."""
    admin = scene["root_admin"]
    _row, secret = api_tokens.create_token(db, clock, admin, TokenSpec(
        "组织部干部信息系统", tuple(scopes), (unit or admin.org_unit).id, 30))
    db.commit()
    return secret


def read(client, secret: str, path: str, query: str = "") -> dict:
    response = client.get(f"{path}?{query}", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def every_item(client, secret: str, path: str, query: str = "", limit: int = 1) -> list[dict]:
    """Every item, page after page of ``limit``, checking each page's size and cursor on the way."""
    items, after = [], 0
    while True:
        page = read(client, secret, path, f"{query}&limit={limit}&after={after}")
        assert len(page["items"]) <= limit
        items += page["items"]
        if page["next_after"] is None:
            return items
        assert len(page["items"]) == limit
        after = page["next_after"]


def test_a_city_token_reads_only_its_subtrees_cadres_and_units(client, db, clock, scene):
    city_a = token(db, clock, scene, scene["city_a"])
    names = [i["candidate"]["name"] for i in read(client, city_a, CADRES, "year=2026")["items"]]
    assert sorted(names) == ["张三", "王五", "赵六"]
    assert [u["unit"] for u in read(client, city_a, UNITS, "year=2026")["items"]] == ["法制科"]
    for path in (CADRES, UNITS):
        refused = client.get(f"{path}?unit_id={scene['city_b'].id}", headers={"Authorization": f"Bearer {city_a}"})
        assert (refused.status_code, refused.get_json()["error"]) == (404, "not_found")
    province = token(db, clock, scene)
    assert len(read(client, province, CADRES, "year=2026")["items"]) == 4
    only_b = read(client, province, CADRES, f"year=2026&unit_id={scene['city_b'].id}")["items"]
    assert [i["candidate"]["name"] for i in only_b] == ["李四"]


def page_table(client, per: str, query: str) -> dict[str, dict[str, str]]:
    """HR 甲市's download of the page's per-``per`` table for ``query``: first cell → row by header."""
    response = client.get(f"/reports/appraisal/{per}.csv?{query}")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    header_at = next(i for i, line in enumerate(lines) if line and line[0] == "单位")
    headers = lines[header_at]
    return {row[0] if per == "unit" else row[1]: dict(zip(headers, row)) for row in lines[header_at + 1:]}


def same_number(page_cell: str, api_value) -> bool:
    """A page cell ("60", "" for none) and an API value ("60.00", 1, None) say the same."""
    if api_value is None:
        return page_cell == ""
    return Decimal(page_cell) == Decimal(str(api_value))


def same_score(page_cell: str, api_value: dict | None) -> bool:
    """A page cell ("45/50（90%）", "" for none) and an API score object say the same."""
    if api_value is None:
        return page_cell == ""
    points, rest = page_cell.split("/")
    maximum, percent = rest.rstrip("%）").split("（")
    return (Decimal(points), Decimal(maximum), Decimal(percent)) == \
        (Decimal(api_value["points"]), Decimal(api_value["max_points"]), Decimal(api_value["percent"]))


@pytest.mark.parametrize("query", ["year=2026", "year=2026&kind=annual", "year=2026&kind=pre_appointment",
                                   "first_day=2026-05-01&last_day=2026-05-31", "year=2027"])
def test_the_figures_are_the_pages_for_the_same_filter(client, db, clock, scene, query):
    secret = token(db, clock, scene, scene["city_a"])
    client.login(scene["hr_a"].username)
    assert_api_is_page(client, secret, query)


def test_scores_on_papers_of_different_maxima_are_the_pages_too(client, db, clock, make, scene):
    """王五 adds 45 of a 50-point paper (90 %) to 40/100 and 60/100: the best by share, on both doors."""
    add_small_paper(db, clock, make, scene)
    secret = token(db, clock, scene, scene["city_a"])
    client.login(scene["hr_a"].username)
    assert_api_is_page(client, secret, "year=2026")
    wang = next(i for i in read(client, secret, CADRES, "year=2026")["items"] if i["candidate"]["name"] == "王五")
    assert wang["best"] == wang["latest"] == {"points": "45.00", "max_points": "50.00", "percent": "90.00"}
    assert (wang["first_attempt_best"]["percent"], wang["mean_percent"]) == ("90.00", "63.33")
    [office] = read(client, secret, UNITS, "year=2026")["items"]
    assert office["mean_percent"] == "95.00" and "mean" not in office


def assert_api_is_page(client, secret: str, query: str) -> None:
    """The API's cadres and units for ``query`` say what HR 甲市's page downloads say, cell by cell."""
    page = page_table(client, "cadre", query)
    api = {i["candidate"]["name"]: i for i in read(client, secret, CADRES, query)["items"]}
    assert set(api) == set(page) == {"张三", "王五", "赵六"}
    for name, item in api.items():
        row = page[name]
        assert item["candidate"]["id_number"] == row["身份证号"]
        pairs = [("应考场次", item["expected"]), ("参考场次", item["taken"]), ("缺考场次", item["absent"]),
                 ("补考场次", item["makeups"]), ("最高得分率（%）", item["best"] and item["best"]["percent"]),
                 ("平均得分率（%）", item["mean_percent"]), ("待阅卷场次", item["awaiting_marking"]), ("练习题数", item["practice"]["answered"]),
                 ("练习正确率（%）", item["practice"]["accuracy_percent"]),
                 ("已学条目", item["study"] and item["study"]["studied"]),
                 ("应学条目", item["study"] and item["study"]["total"])]
        assert [cell for cell, value in pairs if not same_number(row[cell], value)] == [], name
        scores = [("首考最高成绩", item["first_attempt_best"]), ("补考最高成绩", item["makeup_best"]),
                  ("最高成绩", item["best"]), ("最近成绩", item["latest"])]
        assert [cell for cell, value in scores if not same_score(row[cell], value)] == [], name
        assert row["是否合格"] == {"passed": "合格", "failed": "不合格", "awaiting_marking": "待阅卷",
                                   "absent": "缺考", None: ""}[item["outcome"]]
        assert row["最近考试"] == (item["latest_sitting"] or "") and row["各场次情况"] == "；".join(item["history"])
    units = page_table(client, "unit", query)
    answer = read(client, secret, UNITS, query)
    [office] = answer["items"]
    assert unlike_page_row(units[office["unit"]], office) == []
    assert unlike_page_row(units["合计"], answer["total"]) == []


def unlike_page_row(row: dict[str, str], figures: dict) -> list[str]:
    """The cells of a row of the page's per-unit table that the API's figures contradict."""
    pairs = [("人数", figures["cadres"]), ("应考人数", figures["candidates"]), ("参考人数", figures["taken"]),
             ("合格人数", figures["passed"]), ("合格率（%）", figures["pass_rate_percent"]),
             ("平均得分率（%）", figures["mean_percent"]),
             ("缺考人次", figures["absences"]), ("补考人数", figures["makeup_candidates"]),
             ("待阅卷人数", figures["awaiting_marking"])]
    return [cell for cell, value in pairs if not same_number(row[cell], value)]


def test_scores_are_exact_two_place_strings_and_id_numbers_masked(client, db, clock, scene):
    secret = token(db, clock, scene, scene["city_a"])
    response = client.get(f"{CADRES}?year=2026", headers={"Authorization": f"Bearer {secret}"})
    wang = next(i for i in response.get_json()["items"] if i["candidate"]["name"] == "王五")
    assert (wang["first_attempt_best"], wang["makeup_best"], wang["best"]) == (
        {"points": "40.00", "max_points": "100.00", "percent": "40.00"},
        {"points": "60.00", "max_points": "100.00", "percent": "60.00"},
        {"points": "60.00", "max_points": "100.00", "percent": "60.00"})
    assert wang["mean_percent"] == "50.00" and "mean" not in wang
    assert (wang["outcome"], wang["passed"], wang["makeups"], wang["taken"]) == ("passed", True, 1, 2)
    zhao = next(i for i in response.get_json()["items"] if i["candidate"]["name"] == "赵六")
    assert (zhao["outcome"], zhao["passed"], zhao["best"]) == ("absent", None, None)
    zhang = next(i for i in response.get_json()["items"] if i["candidate"]["name"] == "张三")
    assert zhang["candidate"]["id_number"] == "110101********4512"
    assert "19900311" not in response.get_data(as_text=True)
    assert zhang["practice"] == {"answered": 3, "correct": 2, "accuracy_percent": "66.7"}
    [office] = read(client, secret, UNITS, "year=2026")["items"]
    assert (office["pass_rate_percent"], office["mean_percent"], office["makeup_candidates"]) == ("66.7", "80.00", 1)


def test_pages_follow_the_cursor_and_together_are_the_whole_list(client, db, clock, scene):
    secret = token(db, clock, scene)
    whole = read(client, secret, CADRES, "year=2026&limit=200")
    assert whole["next_after"] is None
    paged = every_item(client, secret, CADRES, "year=2026")
    assert paged == whole["items"] and len(paged) == 4
    ids = [i["candidate"]["user_id"] for i in paged]
    assert ids == sorted(ids)
    units = every_item(client, secret, UNITS, "year=2026")
    assert [u["unit"] for u in units] == ["法制科", "乙市司法局"]
    whole_units = read(client, secret, UNITS, "year=2026")
    assert units == whole_units["items"]
    # The subtree's total is on every page, and is the province's, not the page's.
    totals = [read(client, secret, UNITS, f"year=2026&limit=1&after={after}")["total"]
              for after in (0, units[0]["unit_id"])]
    assert totals == [whole_units["total"]] * 2
    assert whole_units["total"]["cadres"] == sum(u["cadres"] for u in units) == 4
    assert whole_units["total"]["taken"] == sum(u["taken"] for u in units)


@pytest.mark.parametrize("query, place", [
    ("year=1899", "year"), ("year=abc", "year"), ("first_day=2026-13-01&last_day=2026-12-31", "first_day"),
    ("first_day=2026-05-01", "last_day"), ("last_day=2026-05-01", "first_day"),
    ("first_day=2026-05-02&last_day=2026-05-01", "last_day"), ("first_day=2010-01-01&last_day=2026-01-01", "last_day"),
    ("kind=practice", "kind"), ("unit_id=0", "unit_id"), ("limit=0", "limit"), ("after=-1", "after"),
])
def test_a_parameter_that_does_not_fit_is_refused_naming_it(client, db, clock, scene, query, place):
    secret = token(db, clock, scene)
    for path in (CADRES, UNITS):
        response = client.get(f"{path}?{query}", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 422, path
        body = response.get_json()
        assert body["error"] == "invalid" and [p["place"] for p in body["problems"]] == [place], path


def test_each_read_is_audited_and_needs_its_scope(client, db, clock, scene):
    scores_only = token(db, clock, scene, scopes=(Scope.SCORES,))
    for path in (CADRES, UNITS, f"/api/v1/sittings/{scene['first'].id}/roster"):
        refused = client.get(path, headers={"Authorization": f"Bearer {scores_only}"})
        assert (refused.status_code, refused.get_json()["reason"]) == (403, "scope"), path
    secret = token(db, clock, scene)
    read(client, secret, CADRES, "year=2026&kind=annual")
    db.expire_all()
    used = db.scalars(select(AuditEvent).where(AuditEvent.action == api_tokens.USED)).all()
    assert [(e.after["path"], e.after["query"]) for e in used] == [(CADRES, "year=2026&kind=annual")]


def test_the_roster_says_who_is_on_it_in_the_tokens_subtree_masked(client, db, clock, make, scene):
    scene["zhang"].rank = "正处级"
    db.commit()
    secret = token(db, clock, scene, scene["city_a"])
    path = f"/api/v1/sittings/{scene['first'].id}/roster"
    response = client.get(path, headers={"Authorization": f"Bearer {secret}"})
    items = response.get_json()["items"]
    assert [(i["candidate"]["name"], i["status"], i["candidate"]["unit"]) for i in items] == [
        ("张三", "submitted", "法制科"), ("王五", "submitted", "法制科"), ("赵六", "absent", "法制科")]
    assert items[0]["candidate"]["rank"] == "正处级" and items[0]["candidate"]["id_number"] == "110101********4512"
    assert "19900311" not in response.get_data(as_text=True)
    assert every_item(client, secret, path) == items
    # A sitting with nobody of 甲市 on it, held elsewhere: not found, as one that does not exist.
    other = make.sitting(roster=[scene["li"]], title="乙市另一场")
    refused = client.get(f"/api/v1/sittings/{other.id}/roster", headers={"Authorization": f"Bearer {secret}"})
    assert (refused.status_code, refused.get_json()["error"]) == (404, "not_found")


def test_the_token_form_offers_the_appraisal_and_roster_scopes(client, db, scene):
    client.login("root_admin")
    form = client.get("/api-tokens").get_data(as_text=True)
    assert 'value="appraisal:read"' in form and 'value="rosters:read"' in form
    made = client.form_post("/api-tokens", {"name": "组织部干部信息系统", "scopes": ["appraisal:read", "rosters:read"],
                                            "days": "30", "org_unit_id": str(scene["city_a"].id)})
    assert made.status_code == 200
    assert db.scalar(select(ApiToken)).scopes == ["appraisal:read", "rosters:read"]
