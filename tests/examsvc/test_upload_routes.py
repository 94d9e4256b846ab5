"""SEC-U1 … U7 through each importer's web route (the question-bank import page and a sitting's
roster import), on both databases: every hostile or broken kind of file gets a 422 page that names
the file and says why, never a 500; nothing is written; the worker goes on serving; a request over
the upload limit gets 413 before its body is read."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from question_bank.models import ImportBatch, Question, Role, RosterEntry
from tests.factories import questions_xlsx
from tests.hostile_files import CATALOGUE, cases, hostile
from tests.question_bank.test_upload_guard import ROSTER, SAVED_AS, roster_text

ROW = ("单选", "行政处罚的种类不包括（ ）", "警告", "罚款", "记过", "行政拘留", "C", "见第九条", "易", "种类",
       "《中华人民共和国行政处罚法》第九条", "行政处罚法/总则", "2")


@dataclasses.dataclass
class Route:
    """One importer's upload page: ``post(filename, data, mimetype)`` sends a file as a browser
    does; ``written`` counts what the importer has stored."""

    name: str
    path: str
    form: dict
    written: Callable[[], int]

    def post(self, client, filename: str, data: bytes, mimetype: str = "application/octet-stream"):
        return client.form_post(self.path, {**self.form, "file": (io.BytesIO(data), filename, mimetype)},
                                content_type="multipart/form-data")


@pytest.fixture(params=["question import", "roster import"])
def route(request, client, db, make) -> Route:
    if request.param == "question import":
        editor = make.user(Role.BANK_EDITOR)
        client.login(editor.username)
        client.form_post("/lang/en", {"next": "/"})
        return Route("questions", "/bank/import", {"mode": "all_or_nothing"},
                     lambda: db.scalar(select(func.count()).select_from(Question))
                     + db.scalar(select(func.count()).select_from(ImportBatch)))
    admin = make.user(Role.EXAM_ADMIN)
    sitting = make.sitting()
    client.login(admin.username)
    client.form_post("/lang/en", {"next": "/"})
    route = Route("roster", f"/exams/sittings/{sitting.id}/roster/import", {},
                  lambda: db.scalar(select(func.count()).select_from(RosterEntry)))
    route.sitting = sitting
    return route


def refused_page(client, route: Route, case: str) -> str:
    response = route.post(client, "名单-恶意.xlsx", hostile(case))
    assert response.status_code == 422, (case, response.status_code)
    page = response.get_data(as_text=True)
    assert "名单-恶意.xlsx" in page, "the page names the file"
    assert route.written() == 0
    return page


def expected(case: str) -> str:
    return CATALOGUE[case][2].replace("'", "&#39;")


@pytest.mark.parametrize("case", cases("SEC-U1"))
def test_sec_u1_zip_bombs_get_a_422_naming_the_file_and_the_limit_and_the_worker_goes_on(client, route, case):
    assert expected(case) in refused_page(client, route, case)
    assert client.get("/").status_code in (200, 302)
    assert route.post(client, "名单-恶意.xlsx", hostile(case)).status_code == 422


@pytest.mark.parametrize("case", cases("SEC-U2"))
def test_sec_u2_entity_attacks_get_a_422_and_no_file_content_reaches_the_page(client, route, case):
    page = refused_page(client, route, case)
    assert expected(case) in page and "root:" not in page


@pytest.mark.parametrize("case", cases("SEC-U4"))
def test_sec_u4_shape_limits_give_a_422_with_the_limit(client, route, case):
    assert expected(case) in refused_page(client, route, case)


class CountingStream(io.BytesIO):
    """A request body that counts what the server reads of it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data


def test_sec_u4_an_upload_over_the_limit_gets_413_before_its_body_is_read(client, route):
    size = 200 * 1024 * 1024
    body = CountingStream(b"x" * (1024 * 1024))  # the declared length is what the server judges
    response = client.post(route.path, input_stream=body, content_type="multipart/form-data; boundary=x",
                           headers={"Content-Length": str(size)})
    assert response.status_code == 413
    assert body.taken == 0
    assert route.written() == 0


@pytest.mark.parametrize("case", cases("SEC-U5"))
def test_sec_u5_files_that_are_not_workbooks_are_refused_whatever_their_name(client, route, case):
    assert expected(case) in refused_page(client, route, case)


def test_sec_u5_a_good_file_sent_with_a_wrong_mime_type_is_taken(client, db, make, route):
    if route.name == "questions":
        data = questions_xlsx([ROW])
    else:
        for name, number, *_ in ROSTER[1:]:
            make.cadre(display_name=name, id_number=number)
        data = SAVED_AS["UTF-8"]()
    response = route.post(client, "not-really.png", data, mimetype="image/png")
    assert response.status_code == 302
    assert route.written() > 0


@pytest.mark.parametrize("case", cases("SEC-U6"))
def test_sec_u6_damaged_files_get_a_422_never_a_500(client, route, case):
    assert expected(case) in refused_page(client, route, case)


@pytest.mark.parametrize("saved_as", ["UTF-16LE with BOM, tabs (Excel Unicode text)", "GB18030"])
def test_sec_u7_a_roster_csv_in_excels_encodings_is_imported_through_the_page(client, db, make, saved_as):
    people = [make.cadre(display_name=name, id_number=number) for name, number, *_ in ROSTER[1:]]
    admin = make.user(Role.EXAM_ADMIN)
    sitting = make.sitting()
    client.login(admin.username)
    response = client.form_post(f"/exams/sittings/{sitting.id}/roster/import",
                                {"file": (io.BytesIO(SAVED_AS[saved_as]()), "名单.txt")},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    db.expire_all()
    assert sorted(e.user_id for e in sitting.roster) == sorted(p.id for p in people)


def test_sec_u7_a_roster_csv_with_invalid_bytes_is_refused_naming_the_byte_and_line(client, db, make):
    admin = make.user(Role.EXAM_ADMIN)
    sitting = make.sitting()
    client.login(admin.username)
    client.form_post("/lang/en", {"next": "/"})
    data = roster_text().encode("utf-8")
    at = data.index("李四".encode())
    response = client.form_post(f"/exams/sittings/{sitting.id}/roster/import",
                                {"file": (io.BytesIO(data[:at] + b"\xff" + data[at:]), "名单.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"byte {at}" in page and "line 4" in page and "名单.csv" in page
    assert db.scalar(select(func.count()).select_from(RosterEntry)) == 0


def test_sec_u6_one_bad_row_of_800_is_named_on_the_page_and_nothing_is_imported(client, db, make):
    from tests.question_bank.test_tricky_workbooks import KEY, book_bytes, numbered, questions_book

    editor = make.user(Role.BANK_EDITOR)
    client.login(editor.username)
    client.form_post("/lang/en", {"next": "/"})
    rows = [numbered(n) for n in range(2, 802)]
    rows[500 - 2][KEY] = "Z"
    response = client.form_post("/bank/import", {"file": (io.BytesIO(book_bytes(questions_book(rows))), "八百题.xlsx"),
                                                 "mode": "all_or_nothing"}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "八百题.xlsx" in page and "row 500" in page
    assert db.scalar(select(func.count()).select_from(Question)) == 0
