"""SEC-X1 in headless Chromium: the bank's payloads (stem, options, explanation, tags, paper title,
sitting name) on the candidate's exam and review pages, the editor's question page and the item-analysis
report. No dialog opens, nothing is requested from another host, the DOM the browser built holds no event
handler, no javascript:/data: URL and no foreign element, and the Chinese text around each payload shows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from question_bank.models import ResultPolicy, Role
from tests.e2e.starting import start_from_list

pytestmark = pytest.mark.browser

WAIT_MS = 30_000
PAYLOADS = ['<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '<a href="javascript:alert(1)">点我</a>',
            '<a href="data:text/html,<script>alert(1)</script>">看</a>', '<iframe src="//evil.example/"></iframe>',
            '<form action=//evil.example><button>提交</button></form>',
            '<meta http-equiv=refresh content="0;url=//evil.example/">', '<style>@import url(//evil.example/x.css)</style>']

#: Every element and attribute the browser built that could run script, navigate or load from elsewhere.
FIND_UNSAFE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(el.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction'].includes(a.name) && /^\\s*(javascript|data:text|vbscript)/i.test(a.value))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'style', 'meta[http-equiv]', 'form[action^="//"]', 'img[src="x"]'])
    for (const el of document.querySelectorAll(tag)) bad.push(tag);
  for (const s of document.querySelectorAll('script'))
    if (!s.src || new URL(s.src).host !== location.host || s.textContent.trim()) bad.push('script ' + s.src);
  return bad;
}"""


class Watch:
    """Dialogs opened and requests to other hosts, over a page's life."""

    def __init__(self, page: Page, host: str) -> None:
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: None if request.url.startswith((host, "data:")) else
                self.foreign.append(request.url))

    def check(self, page: Page, what: str, texts: list[str]) -> None:
        expect(page.locator("main")).to_be_visible(timeout=WAIT_MS)
        page.wait_for_load_state("load", timeout=WAIT_MS)
        for text in texts:
            expect(page.locator("main").get_by_text(text, exact=False).first).to_be_visible(timeout=WAIT_MS)
        assert page.evaluate(FIND_UNSAFE) == [], what
        assert self.dialogs == [] and self.foreign == [], what


def test_sec_x1_no_payload_runs_in_chromium_on_the_candidate_editor_and_report_pages(
        browser, live_server, sign_in, make, db, clock):
    questions = [make.question(stem=f"第{n}题题干{p}（　）", options=[f"甲项{p}", "乙项", "丙项", "丁项"], key=["B"],
                               explanation=f"解析{n}{PAYLOADS[-1 - n]}依照法条")
                 for n, p in enumerate(PAYLOADS[:4])]
    for question in questions:
        question.current_version.tags = [PAYLOADS[4]]
    cadre = make.cadre()
    paper = make.paper([("single_choice", 4, 25, "行政处罚法")], title=f"试卷{PAYLOADS[5]}")
    sitting = make.sitting(paper, roster=[cadre], shuffle=False, title=f"二〇二六年任前考试{PAYLOADS[6]}",
                           show_answers=True, results_policy=ResultPolicy.IMMEDIATELY)
    admin, editor = make.user(Role.EXAM_ADMIN), make.user(Role.BANK_EDITOR)
    db.commit()

    candidate = browser.new_context(locale="zh-CN").new_page()
    watch = Watch(candidate, live_server)
    sign_in(candidate, cadre.username)
    watch.check(candidate, "the candidate's sittings", ["二〇二六年任前考试"])
    start_from_list(candidate, sitting.id)
    watch.check(candidate, "the exam page", [f"第{n}题题干" for n in range(4)])
    attempt_id = int(re.search(r"/me/attempts/(\d+)", candidate.url).group(1))
    # The time runs out; the server closes the attempt when its page is next asked for.
    clock.set(clock.now() + dt.timedelta(minutes=31))
    candidate.goto(f"{live_server}/me/attempts/{attempt_id}/review")
    watch.check(candidate, "the review page", ["第0题题干", "解析0"])

    staff = browser.new_context(locale="zh-CN").new_page()
    staff_watch = Watch(staff, live_server)
    sign_in(staff, editor.username)
    for question in questions:
        staff.goto(f"{live_server}/bank/questions/{question.id}")
        staff_watch.check(staff, "the editor's question page", ["题干", "甲项"])
    staff.context.clear_cookies()
    sign_in(staff, admin.username)
    staff.goto(f"{live_server}/item-analysis/sittings/{sitting.id}")
    staff_watch.check(staff, "the item-analysis report", ["二〇二六年任前考试"])
    staff.goto(f"{live_server}/exams/papers/{paper.id}")
    staff_watch.check(staff, "the paper", ["试卷"])
