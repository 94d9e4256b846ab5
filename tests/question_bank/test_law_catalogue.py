"""Loading law texts into the catalogue: the whole dataset (eleven laws, thirteen versions, the
民法典 as one law), loading twice changes nothing, a new version of a law is a new version with
its own articles, a bad file anywhere loads nothing, and a different text for a loaded date is
refused. Particulars and who may keep the catalogue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from question_bank.errors import Conflict, InvalidInput, PermissionDenied
from question_bank.formats.law_files import LawFile
from question_bank.models import (
    AuditEvent,
    Law,
    LawArticle,
    LawHeading,
    LawKind,
    LawVersion,
    Role,
    VersionStatus,
)
from question_bank.services import law_catalogue
from question_bank.services.law_catalogue import LoadOptions, Particulars
from tests.shared_data import LAW_TEXTS


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_the_whole_folder_loads_eleven_laws_in_thirteen_versions(db, clock, make):
    outcome = law_catalogue.load_folder(db, clock, None, LAW_TEXTS)
    db.commit()
    assert not outcome.problems
    assert {s.name for s in outcome.skipped} == {"PROVENANCE.md", "法律法规模版.md"}
    assert count(db, Law) == 11 and count(db, LawVersion) == 13
    civil = db.scalar(select(Law).where(Law.short_title == "民法典"))
    assert [v.article_count for v in civil.versions] == [1260]
    assert civil.versions[0].effective_date == dt.date(2021, 1, 1)
    assert count(db, LawArticle) == 505 + 143 + 42 + 69 + 78 + 1260 + 113 + 86 + 71 + 83 + 43 + 90 + 103
    lines = outcome.lines()
    assert "中华人民共和国民法典  2020-05-28  1260 articles  (loaded)" in lines
    assert "中华人民共和国刑法  2023-12-29  505 articles  (loaded)" in lines
    constitution = db.scalar(select(Law).where(Law.short_title == "宪法"))
    assert constitution.kind == LawKind.CONSTITUTION and constitution.issuing_body == "全国人民代表大会"
    preamble = db.scalar(select(LawHeading).where(LawHeading.kind == "preamble"))
    assert len(preamble.paragraphs) == 13


def test_loading_the_same_folder_again_changes_nothing(db, clock, make):
    law_catalogue.load_folder(db, clock, None, LAW_TEXTS)
    db.commit()
    before = (count(db, Law), count(db, LawVersion), count(db, LawArticle), count(db, LawHeading), count(db, AuditEvent))
    again = law_catalogue.load_folder(db, clock, None, LAW_TEXTS)
    db.commit()
    assert not any(item.created for item in again.loaded) and len(again.loaded) == 13
    assert all(line.endswith("(already loaded, unchanged)") for line in again.lines()[:13])
    assert (count(db, Law), count(db, LawVersion), count(db, LawArticle), count(db, LawHeading),
            count(db, AuditEvent)) == before


def test_a_new_version_is_a_new_law_version_with_its_own_articles_and_the_older_one_is_amended(db, clock, make):
    make.laws("诉讼与非诉讼程序法/行政复议法(2017-09-01).md")
    law = db.scalar(select(Law))
    assert [v.status for v in law.versions] == [VersionStatus.IN_FORCE]
    make.laws("诉讼与非诉讼程序法/行政复议法(2023-09-01).md")
    db.refresh(law)
    assert [(v.version_date, v.status, v.article_count) for v in law.versions] == [
        (dt.date(2017, 9, 1), VersionStatus.AMENDED, 43), (dt.date(2023, 9, 1), VersionStatus.IN_FORCE, 90)]
    old, new = law.versions
    assert old.articles[0].id != new.articles[0].id and old.articles[0].text != new.articles[0].text
    assert law.current_version.id == new.id


def test_an_older_version_loaded_after_the_newer_one_is_filed_as_amended(db, clock, make):
    make.laws("宪法相关法/监察法(2024-12-25).md")
    make.laws("宪法相关法/监察法(2018-03-20).md")
    law = db.scalar(select(Law))
    assert [(v.version_date.year, v.status) for v in law.versions] == [(2018, VersionStatus.AMENDED),
                                                                          (2024, VersionStatus.IN_FORCE)]


def _files(*names: str) -> list[LawFile]:
    return [LawFile(n, (LAW_TEXTS / n).read_bytes()) for n in names]


def test_one_bad_file_among_good_ones_loads_nothing_and_names_its_line(db, clock, make):
    broken = (LAW_TEXTS / "行政法/行政强制法(2011-06-30).md").read_text("utf-8").replace("第五条 ", "第五十条 ", 1)
    files = _files("宪法/宪法.md") + [LawFile("行政强制法.md", broken.encode("utf-8"))]
    with pytest.raises(InvalidInput) as caught:
        law_catalogue.load_texts(db, clock, None, files)
    db.rollback()
    message = str(caught.value)
    assert message.startswith("行政强制法.md, line ") and "第五十条 follows 第四条" in message
    assert count(db, Law) == 0 and count(db, LawArticle) == 0


def test_another_text_for_a_loaded_date_is_refused_naming_the_articles_that_differ(db, clock, make):
    make.laws("行政法/行政处罚法(2021-01-22).md")
    text = (LAW_TEXTS / "行政法/行政处罚法(2021-01-22).md").read_text("utf-8")
    changed = text.replace("第九条 行政处罚的种类：", "第九条 行政处罚的种类包括：", 1)
    with pytest.raises(Conflict) as caught:
        law_catalogue.load_texts(db, clock, None, [LawFile("改过的.md", changed.encode("utf-8"))])
    db.rollback()
    assert "第九条" in str(caught.value) and "1 articles differ" in str(caught.value)
    assert count(db, LawVersion) == 1


def test_the_same_text_respaced_in_another_layout_is_the_same_version(db, clock, make):
    from tests.question_bank.test_law_text import official_layout

    make.laws("行政法/行政处罚法(2021-01-22).md")
    plain = official_layout((LAW_TEXTS / "行政法/行政处罚法(2021-01-22).md").read_text("utf-8"))
    loaded = law_catalogue.load_texts(db, clock, None, [LawFile("行政处罚法.txt", plain.encode("gb18030"))])
    assert [item.created for item in loaded] == [False]


def test_a_text_without_dates_needs_the_version_date_and_a_kind_it_cannot_tell(db, clock, make):
    text = "某某办法\n\n第一条 为了规范某某，制定本办法。\n第二条 本办法自发布之日起施行。\n".encode("utf-8")
    with pytest.raises(InvalidInput) as caught:
        law_catalogue.load_texts(db, clock, None, [LawFile("办法.txt", text)])
    assert "give the version's date" in str(caught.value)
    db.rollback()
    with pytest.raises(InvalidInput) as caught:
        law_catalogue.load_texts(db, clock, None, [LawFile("办法.txt", text)], LoadOptions(version_date=dt.date(2024, 3, 1)))
    assert "cannot be told from its header" in str(caught.value)
    db.rollback()
    loaded = law_catalogue.load_texts(db, clock, None, [LawFile("办法.txt", text)],
                                      LoadOptions(kind=LawKind.DEPARTMENTAL_RULE, issuing_body="某部",
                                                  version_date=dt.date(2024, 3, 1)))
    assert loaded[0].law.kind == LawKind.DEPARTMENTAL_RULE and loaded[0].version.version_date == dt.date(2024, 3, 1)


def test_a_date_given_that_contradicts_the_header_is_a_problem(db, clock, make):
    with pytest.raises(InvalidInput) as caught:
        law_catalogue.load_texts(db, clock, None, _files("行政法/行政处罚法(2021-01-22).md"),
                                 LoadOptions(version_date=dt.date(2020, 1, 1)))
    assert "2021-01-22, not 2020-01-01" in str(caught.value)


def test_only_law_administrators_and_bank_editors_load_and_each_load_is_audited(db, clock, make):
    with pytest.raises(PermissionDenied):
        law_catalogue.load_texts(db, clock, make.cadre(), _files("宪法/宪法.md"))
    admin = make.user(Role.LAW_ADMIN)
    loaded = law_catalogue.load_texts(db, clock, admin, _files("宪法/宪法.md"))
    db.commit()
    assert loaded[0].version.loaded_by_id == admin.id and loaded[0].version.loaded_at == clock.now()
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "law.load"))
    assert event.actor_id == admin.id and event.after["articles"] == 143


def test_particulars_are_corrected_with_an_audit_and_a_repeal_marks_the_version(db, clock, make):
    make.laws("行政法/行政强制法(2011-06-30).md", "宪法/宪法.md")
    admin = make.user(Role.LAW_ADMIN)
    law = db.scalar(select(Law).where(Law.short_title == "行政强制法"))
    law_catalogue.update_particulars(db, clock, admin, law, Particulars(
        "行政强制法", LawKind.LAW, "全国人民代表大会常务委员会", ["强制法", "行强法"], dt.date(2030, 1, 1)))
    db.commit()
    assert law.aliases == ["强制法", "行强法"] and law.current_version.status == VersionStatus.REPEALED
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "law.update")).before["repealed_on"] is None
    with pytest.raises(InvalidInput) as caught:
        law_catalogue.update_particulars(db, clock, admin, law, Particulars("行政强制法", LawKind.LAW, "", ["宪法"], None))
    assert "宪法 already names 中华人民共和国宪法" in str(caught.value)


@pytest.mark.parametrize("law,words,caption", [
    ("宪法", "第一章 总纲", "第一章 总纲"),
    ("宪法", "第三章 第一节", "第一节 全国人民代表大会"),
    ("行政诉讼法", "第二章 受案范围", "第二章 受案范围"),
    ("国家赔偿法", "第二章 行政赔偿", "第二章 行政赔偿"),
    ("民法典", "总则编", "第一编 总则"),
    ("民法典", "侵权责任编 第一章", "第一章 一般规定"),
    ("民法典", "第三编 第九章", "第九章 买卖合同"),
    ("刑法", "分则 第八章 贪污贿赂罪", "第八章 贪污贿赂罪"),
    ("刑法", "第二编", "第二编 分则"),
    ("刑法", "第一章", None),          # chapters restart in each 编: which one is meant?
    ("刑法", "第八章", "第八章 贪污贿赂罪"),  # only 分则 has an eighth
    ("宪法", "第二章 国家机构", None),  # number and title disagree
])
def test_a_heading_is_found_by_the_words_a_study_list_uses(db, clock, make, law, words, caption):
    from question_bank.services.law_reading import find_heading

    make.laws({"宪法": "宪法/宪法.md", "行政诉讼法": "诉讼与非诉讼程序法/行政诉讼法(2017-06-27).md",
               "国家赔偿法": "宪法相关法/国家赔偿法(2012-10-26).md", "民法典": "民法典", "刑法": "刑法/刑法.md"}[law])
    version = db.scalar(select(Law)).current_version
    found = find_heading(version, words)
    assert (found.caption if found else None) == caption
