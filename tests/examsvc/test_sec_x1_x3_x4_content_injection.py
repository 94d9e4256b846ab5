"""SEC-X1 (stored XSS through the question bank), SEC-X3 (stored XSS aimed at privileged viewers) and
SEC-X4 (template and code injection through content). Content is plain text everywhere: every page that
shows it is read with an HTML parser (tests/examsvc/dom_checks.py) and must hold no event handler, no
javascript:/data: or external URL, no foreign element; the payload itself must read exactly as typed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from question_bank.models import Attempt, Question, ResultPolicy, Role, UnitLevel
from question_bank.services import attempts
from tests.examsvc.dom_checks import shown_text, unsafe_parts
from tests.factories import questions_xlsx
from tests.forms import upload
from tests.scenarios import start_through_web

ROOT = Path(__file__).resolve().parents[2]

XSS = ['<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '<a href="javascript:alert(1)">点我</a>',
       '<a href="data:text/html,<script>alert(1)</script>">看</a>', '<iframe src="//evil.example"></iframe>',
       '<form action=//evil.example><button>提交</button></form>', '<meta http-equiv=refresh content="0;url=//evil">',
       '<style>@import url(//evil.example/x.css)</style>']
TEMPLATES = ["{{7*7}}", "{{ config.SECRET_KEY }}", "{% for x in ().__class__.__base__.__subclasses__() %}x{% endfor %}",
             "${7*7}", "__import__('os').system('id')"]
STAFF_PAYLOADS = ['"><script>alert(1)</script>', "</textarea><img src=x onerror=alert(2)>", "{{7*7}}"]


def assert_safe_and_literal(page: str, payloads: list[str], where: str) -> None:
    assert unsafe_parts(page) == [], where
    text = shown_text(page)
    for payload in payloads:
        assert payload in text, f"{where}: {payload!r} is not shown as typed"
    assert "test-secret-key" not in page, f"{where}: a template was evaluated"


def _page(client, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response.get_data(as_text=True)


@pytest.fixture
def hostile_bank(make, db, clock):
    """Questions whose stem, options, explanation and tags are the payloads (each with Chinese text around
    it), on a paper and a sitting titled with payloads; a cadre who answered and submitted; an exam
    admin, an editor. Returns (sitting, paper, cadre, attempt id, admin, editor, questions)."""
    payloads = XSS + TEMPLATES
    questions = []
    for n, payload in enumerate(payloads[:4]):
        questions.append(make.question(
            stem=f"题干{n}：{payload}（　）", options=[f"甲{payload}", "乙", f"丙{payloads[n + 4]}", "丁"], key=["B"],
            explanation=f"解析：{payloads[n + 8] if n + 8 < len(payloads) else payload}依照法条"))
    for question in questions:
        question.current_version.tags = [XSS[7], TEMPLATES[0]]
    db.commit()
    paper = make.paper([("single_choice", 4, 25, "行政处罚法")], title=f"试卷{XSS[0]}{TEMPLATES[0]}")
    cadre = make.cadre()
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, title=f"场次{XSS[1]}{TEMPLATES[3]}",
                           show_answers=True, results_policy=ResultPolicy.IMMEDIATELY)
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, ["B"], 1)
    db.commit()
    return sitting, paper, cadre, attempt.id, make.user(Role.EXAM_ADMIN), make.user(Role.BANK_EDITOR), questions


def test_sec_x1_payloads_in_the_bank_run_nowhere_and_read_as_typed(hostile_bank, client_factory, db, clock):
    sitting, paper, cadre, attempt_id, admin, editor, questions = hostile_bank
    candidate = client_factory()
    candidate.login(cadre.username)
    stems = [q.current_version.stem for q in questions]
    assert_safe_and_literal(_page(candidate, "/me/"), [sitting.title], "the candidate's dashboard")
    exam_page = _page(candidate, f"/me/attempts/{attempt_id}")
    assert_safe_and_literal(exam_page, stems + [sitting.title], "the exam page")
    candidate.api_post(f"/api/attempts/{attempt_id}/submit", {"answers": {}})
    review = _page(candidate, f"/me/attempts/{attempt_id}/review")
    assert_safe_and_literal(review, stems + [v.current_version.explanation for v in questions], "the review page")
    assert_safe_and_literal(_page(candidate, f"/me/attempts/{attempt_id}/result"), [], "the result page")

    bank = client_factory()
    bank.login(editor.username)
    for question in questions:
        assert_safe_and_literal(_page(bank, f"/bank/questions/{question.id}"),
                                [question.current_version.stem, *question.current_version.options, XSS[7]],
                                "the editor's question page")
        assert_safe_and_literal(_page(bank, f"/bank/questions/{question.id}/edit"), [], "the edit form")
    assert_safe_and_literal(_page(bank, "/bank/questions"), [], "the bank list")

    office = client_factory()
    office.login(admin.username)
    assert_safe_and_literal(_page(office, f"/exams/papers/{paper.id}"), [paper.title], "the paper")
    assert_safe_and_literal(_page(office, f"/exams/sittings/{sitting.id}"), [sitting.title], "the sitting")
    assert_safe_and_literal(_page(office, f"/item-analysis/sittings/{sitting.id}"), [sitting.title],
                            "the item-analysis report")


def test_sec_x1_payloads_entered_through_the_editor_form_and_an_xlsx_import(make, client_factory, db):
    editor = make.user(Role.BANK_EDITOR, Role.BANK_REVIEWER)
    client = client_factory()
    client.login(editor.username)
    form = {"qtype": "single_choice", "stem": f"表单题干{XSS[0]}{TEMPLATES[1]}（　）", "option_A": XSS[2],
            "option_B": XSS[3], "option_C": "通知", "option_D": "会议纪要", "key": "A", "explanation": XSS[4],
            "difficulty": "2", "tags": XSS[5], "legal_basis": "《中华人民共和国行政处罚法》第九条",
            "category": "行政处罚法", "score": ""}
    assert client.form_post("/bank/questions/new", form).status_code == 302
    row = ("单选", f"导入题干{XSS[6]}{TEMPLATES[2]}", XSS[7], "乙", TEMPLATES[4], "丁", "B", XSS[1], "中", "罚款",
           "行政处罚法第九条", "行政处罚法", "2")
    assert upload(client, "恶意.xlsx", questions_xlsx([row])).status_code == 302
    db.expire_all()
    stored = {q.current_version.stem: q for q in db.scalars(select(Question))}
    assert set(stored) == {form["stem"], row[1]}, "stored exactly as typed"
    for stem, question in stored.items():
        assert_safe_and_literal(_page(client, f"/bank/questions/{question.id}"),
                                [stem, *question.current_version.options, question.current_version.explanation],
                                "the question page")


@pytest.fixture
def staff_scene(make, db, clock):
    """A cadre whose display name, unit and post are the payloads, who wrote a payload as a short answer;
    an exam admin, a marker, HR and an auditor of the same city."""
    city = make.unit("甲市", level=UnitLevel.CITY)
    unit = make.unit(f"部门{STAFF_PAYLOADS[0]}", parent=city)
    cadre = make.cadre(display_name=f"张{STAFF_PAYLOADS[1]}", unit=unit, current_post=f"科长{STAFF_PAYLOADS[2]}")
    make.question("short_answer", key="依法行政")
    paper = make.paper([("short_answer", 1, 100, "行政处罚法")])
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, title="任前考试")
    sitting.org_unit = city
    db.commit()
    attempt = attempts.start_attempt(db, clock, cadre, sitting)
    attempts.save_response(db, clock, cadre, attempt.id, 1, "".join(STAFF_PAYLOADS), 1)
    attempts.submit_attempt(db, clock, cadre, attempt.id)
    db.commit()
    staff = {role: make.user(role, unit=city) for role in (Role.EXAM_ADMIN, Role.MARKER, Role.HR, Role.AUDITOR)}
    return sitting, cadre, attempt.id, staff


def test_sec_x3_candidate_text_reads_literally_on_every_staff_screen(staff_scene, client_factory, db):
    sitting, cadre, attempt_id, staff = staff_scene
    answer = "".join(STAFF_PAYLOADS)

    def as_(role):
        client = client_factory()
        client.login(staff[role].username)
        return client

    marker = as_(Role.MARKER)
    queue = _page(marker, "/marking/")
    assert_safe_and_literal(queue, [], "the marking queue")
    item_ids = re.findall(r'/marking/items/(\d+)', queue)
    assert item_ids, "the short answer waits in the marking queue"
    assert_safe_and_literal(_page(marker, f"/marking/items/{item_ids[0]}"), [answer], "the marker's item page")

    admin = as_(Role.EXAM_ADMIN)
    assert_safe_and_literal(_page(admin, f"/exams/sittings/{sitting.id}"), [cadre.display_name], "the roster")
    assert_safe_and_literal(_page(admin, f"/exams/attempts/{attempt_id}"), [cadre.display_name, answer],
                            "the admin's attempt page")

    hr = as_(Role.HR)
    assert_safe_and_literal(_page(hr, f"/reports/sittings/{sitting.id}"),
                            [cadre.display_name, cadre.current_post], "HR's score sheet preview")

    auditor = as_(Role.AUDITOR)
    assert_safe_and_literal(_page(auditor, "/audit/"), [], "the audit log")
    assert_safe_and_literal(_page(auditor, f"/audit/sittings/{sitting.id}"), [], "the auditor's sitting")
    assert_safe_and_literal(_page(auditor, "/audit/ledger"), [], "the score record")
    assert db.get(Attempt, attempt_id).score is None  # still waiting for the marker: nothing evaluated it


def test_sec_x4_template_syntax_in_content_is_stored_and_shown_literally(make, db, clock, client_factory):
    stem = "".join(TEMPLATES) + "（　）"
    question = make.question(stem=stem, explanation=TEMPLATES[1], key=["B"])
    make.question(stem=TEMPLATES[4] + "（　）", key=["B"])  # the paper draws two
    cadre = make.cadre(display_name="{{7*7}}")
    paper = make.paper(title="{{ config.SECRET_KEY }}")
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, title="${7*7}{{7*7}}", show_answers=True)
    client = client_factory()
    client.login(cadre.username)
    attempt_id = start_through_web(client, sitting)
    page = _page(client, f"/me/attempts/{attempt_id}")
    assert_safe_and_literal(page, [stem, sitting.title], "the exam page")
    # 7*7 evaluated would show as a number of its own; generated texts such as "选项A6496" may hold the digits.
    assert re.search(r"(?<!\d)49(?!\d)", shown_text(page).replace(str(attempt_id), "")) is None
    db.expire_all()
    assert db.get(Question, question.id).current_version.stem == stem


#: Ways content could be evaluated or marked safe without nh3 (SEC-X4's static check).
DANGEROUS = [re.compile(p) for p in (r"render_template_string", r"(?<![\w.])eval\(", r"(?<![\w.])exec\(",
                                     r"\|\s*safe\b", r"\bMarkup\(", r"autoescape\s*(=\s*)?(false|False)",
                                     r"jinja2\.Template\(", r"from_string\(")]


def test_sec_x4_no_user_content_reaches_a_template_evaluator_or_safe_marker():
    """A static check over the service, the domain and the templates: none of render_template_string,
    eval, exec, |safe, Markup(), autoescape off, or a template built from a string appears. A use that
    is truly needed goes through nh3 (question_bank/formats/html_text.py) and is listed here."""
    allowed: set[tuple[str, str]] = set()
    found = []
    for folder, pattern in (("examsvc", "*.py"), ("question_bank", "*.py"), ("templates", "*.html")):
        for path in (ROOT / folder).rglob(pattern):
            text = path.read_text(encoding="utf-8")
            for rule in DANGEROUS:
                for match in rule.finditer(text):
                    where = (str(path.relative_to(ROOT)), match.group(0))
                    if where not in allowed:
                        found.append(where)
    assert found == []
